from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DictsConfig(AppConfig):
    name = "jiuzhu.dicts"
    verbose_name = _("字典管理")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.labels import AUDIT_ACTION, labels_register
        from jiuzhu.core.navigation import SYSTEM, register_nav
        from jiuzhu.dicts.labels import AUDIT_ACTIONS

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)
        register_nav(
            _("字典管理"),
            "dicts:list",
            capability=Capability.CASE_CONFIGURE,
            order=93,
            group=SYSTEM,
        )
        from jiuzhu.core.home import home_register
        from jiuzhu.dicts.home import home_cards as dicts_home_cards

        home_register(dicts_home_cards, order=93)
