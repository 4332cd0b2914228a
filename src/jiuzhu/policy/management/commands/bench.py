"""``jiuzhu bench NAME [options]``: run ``bench/bench_NAME.py`` (e.g. ``jiuzhu bench policy
--households 1000000 --db --baseline 2000``). Any app's benchmark script with a ``main(argv)``."""

import importlib.util
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "运行 bench/ 下的基准测试，如 jiuzhu bench policy --households 1000000"

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("args", nargs="*")

    def run_from_argv(self, argv):
        # Pass everything after the name through to the script untouched.
        if len(argv) < 3:
            raise CommandError("用法: jiuzhu bench NAME [参数]")
        self._run(argv[2], argv[3:])

    def handle(self, *args, **options):
        self._run(options["name"], list(options["args"]))

    def _run(self, name, args):
        path = settings.PROJECT_DIR / "bench" / f"bench_{name}.py"
        if not path.exists():
            raise CommandError(f"没有基准测试 {path}")
        spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod
        spec.loader.exec_module(mod)
        mod.main(args)
