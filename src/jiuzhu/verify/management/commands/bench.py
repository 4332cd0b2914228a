"""`jiuzhu bench NAME [ARGS…]`: run the benchmark script ``bench/bench_NAME.py``.

``jiuzhu bench verify`` runs the verification benchmark (accuracy on the tuning seed and a
second seed, FEBRL4, and the batch speed against the one-query-per-person baseline). Any other
``bench/bench_<name>.py`` runs the same way: its ``main(argv)`` if it has one, else as a script.
"""

import argparse
import runpy
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "运行 bench/bench_NAME.py 基准测试（如 jiuzhu bench verify）。"

    def add_arguments(self, parser):
        parser.add_argument("name")
        # REMAINDER: `jiuzhu bench policy --households N` passes the options on to the script
        # (with or without a `--` first) instead of the command's own parser refusing them.
        parser.add_argument("args", nargs=argparse.REMAINDER)

    def handle(self, *args, name, **options):
        path = Path(settings.PROJECT_DIR) / "bench" / f"bench_{name}.py"
        if not path.is_file():
            raise CommandError(f"没有基准测试脚本 {path}")
        # Django hands the "args" positional to handle() as *args, not in options.
        argv = list(args)
        if argv[:1] == ["--"]:
            argv = argv[1:]
        old = sys.argv
        sys.argv = [str(path), *argv]
        try:
            namespace = runpy.run_path(str(path), run_name="jiuzhu_bench")
            if callable(namespace.get("main")):
                namespace["main"](argv)
            else:
                runpy.run_path(str(path), run_name="__main__")
        finally:
            sys.argv = old
