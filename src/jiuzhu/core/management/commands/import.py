"""`jiuzhu import areas FILE` and `jiuzhu import registry DIR`: bulk loads, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Bulk imports: `areas FILE` (区划表 CSV) or `registry DIR` (registry export)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        areas = sub.add_parser(
            "areas", help="administrative-division CSV (code,name,level,parent_code)"
        )
        areas.add_argument("path", type=Path)
        registry = sub.add_parser(
            "registry", help="a registry export directory (see docs/registry-export.md)"
        )
        registry.add_argument("path", type=Path)
        feed = sub.add_parser("feed", help="a department data feed (see docs/data-formats.md)")
        feed.add_argument(
            "department", help="police, hrss, market, property, vehicles, bank, tax, …"
        )
        feed.add_argument("path", type=Path)
        feed.add_argument("--extracted", default=None, help="数据提取日期 YYYY-MM-DD（默认今天）")
        feed.add_argument(
            "--period",
            default=None,
            help="数据覆盖月份 YYYY-MM:YYYY-MM（按月数据如人社；默认为文件中最早到最晚的月份）",
        )

    def handle(self, *args, what, path, **options):
        if what == "feed":
            from jiuzhu.verify.management.feed_command import import_feed

            self.stdout.write(
                import_feed(
                    options["department"],
                    path,
                    options.get("extracted"),
                    period=options.get("period"),
                )
            )
            return
        if what == "areas":
            from jiuzhu.areas.services import AreaImportError, areas_import_csv

            try:
                report = areas_import_csv(path=path)
            except AreaImportError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"区划导入完成：新增 {report.created}，更新 {report.updated}")
        elif what == "registry":
            from jiuzhu.registry.bulk_import import RegistryImportError, registry_import

            try:
                report = registry_import(directory=path)
            except RegistryImportError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(report.summary())
