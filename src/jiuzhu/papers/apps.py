from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PapersConfig(AppConfig):
    name = "jiuzhu.papers"
    verbose_name = _("证件识别（智能审核）")

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.labels import AUDIT_ACTION, labels_register
        from jiuzhu.core.navigation import VERIFY, register_nav
        from jiuzhu.papers.labels import AUDIT_ACTIONS

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)
        register_nav(
            _("疑似冒领影像"),
            "papers:duplicates",
            capability=Capability.REGISTRY_EDIT,
            order=43,
            group=VERIFY,
        )
