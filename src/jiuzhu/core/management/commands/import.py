"""`jiuzhu import KIND …`: bulk loads, all or nothing (``areas FILE``, ``registry DIR``,
``feed DEPT FILE``; the kinds are registered by their apps, see ``jiuzhu.core.importers``)."""

from django.core.management.base import BaseCommand

from jiuzhu.core.importers import IMPORTERS


class Command(BaseCommand):
    help = "Bulk imports: `areas FILE` (区划表 CSV), `registry DIR` (registry export), `feed DEPT FILE`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        for imp in IMPORTERS.values():
            imp.configure(sub.add_parser(imp.name, help=imp.help))

    def handle(self, *args, what, **options):
        self.stdout.write(IMPORTERS[what].run(**options))
