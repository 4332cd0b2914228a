from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "jiuzhu.areas"
    verbose_name = "行政区划"

    def ready(self) -> None:
        from pathlib import Path

        from jiuzhu.core.importers import Importer, importer_register

        def configure(parser):
            parser.add_argument("path", type=Path)

        def run(*, path, **_options) -> str:
            from django.core.management.base import CommandError

            from jiuzhu.areas.services import AreaImportError, areas_import_csv

            try:
                report = areas_import_csv(path=path)
            except AreaImportError as exc:
                raise CommandError(str(exc)) from exc
            return f"区划导入完成：新增 {report.created}，更新 {report.updated}"

        importer_register(
            Importer(
                "areas", "administrative-division CSV (code,name,level,parent_code)", configure, run
            )
        )

        from jiuzhu.areas.labels import AUDIT_ACTIONS
        from jiuzhu.core.labels import AUDIT_ACTION, labels_register

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)
