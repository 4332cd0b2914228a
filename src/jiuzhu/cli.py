"""The ``jiuzhu`` console command: a front for Django's management commands.

``jiuzhu demo``, ``jiuzhu synth``, ``jiuzhu import registry DIR``, ``jiuzhu audit verify`` … are
all management commands; ``jiuzhu`` with no arguments lists them.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "jiuzhu"
    if len(argv) > 1 and argv[1] == "demo":
        # The local demo: plain http, demo logins (docs/security.md, "The demo").
        os.environ.setdefault("JIUZHU_DEMO", "1")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
