from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "jiuzhu.registry"
    verbose_name = _("救助对象信息库")

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.navigation import REGISTRY, register_nav

        register_nav(
            _("家庭列表"),
            "registry:household_list",
            capability=Capability.REGISTRY_VIEW,
            order=20,
            group=REGISTRY,
        )
        register_nav(
            _("登记家庭"),
            "registry:household_create",
            capability=Capability.REGISTRY_EDIT,
            order=21,
            group=REGISTRY,
        )
        from pathlib import Path

        from jiuzhu.core.importers import Importer, importer_register

        def configure(parser):
            parser.add_argument("path", type=Path)

        def run(*, path, **_options) -> str:
            from django.core.management.base import CommandError

            from jiuzhu.registry.bulk_import import RegistryImportError, registry_import

            try:
                report = registry_import(directory=path)
            except RegistryImportError as exc:
                raise CommandError(str(exc)) from exc
            return report.summary()

        importer_register(
            Importer(
                "registry",
                "a registry export directory (see docs/registry-export.md)",
                configure,
                run,
            )
        )

        from jiuzhu.core.labels import AUDIT_ACTION, labels_register
        from jiuzhu.registry.labels import AUDIT_ACTIONS

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)

        from jiuzhu.core.pagination import list_register
        from jiuzhu.registry.selectors import _list_specs

        for spec in _list_specs():
            list_register(spec)

        from jiuzhu.audit.hooks import AuditHooks, audit_hooks_register
        from jiuzhu.registry import display, selectors

        audit_hooks_register(
            AuditHooks(
                household_area=selectors.household_area_code,
                household_id=selectors.household_id_by_number,
                household_visible=selectors.household_visible,
                describe_events=display.describe_events,
            )
        )

        from jiuzhu.core.home import home_register
        from jiuzhu.registry.home import home_cards as registry_home_cards

        home_register(registry_home_cards, order=40)
