from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jiuzhu.accounts"
    verbose_name = _("用户与角色")

    def ready(self) -> None:
        from jiuzhu.accounts.labels import AUDIT_ACTIONS
        from jiuzhu.core.labels import AUDIT_ACTION, labels_register

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)

        from jiuzhu.accounts.selectors import _user_list_spec
        from jiuzhu.core.pagination import list_register

        list_register(_user_list_spec())

        def area_picker(capability, name, value, dom_id):
            from jiuzhu.accounts.widgets import AreaPicker

            return AreaPicker(capability=capability, attrs={"id": dom_id}).render(name, value)

        from jiuzhu.core.pagination import area_widget_register

        area_widget_register(area_picker)
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.navigation import SYSTEM, register_nav

        register_nav(
            _("用户管理"),
            "accounts:user_list",
            capability=Capability.ACCOUNTS_MANAGE,
            order=90,
            group=SYSTEM,
        )
        register_nav(
            _("角色与权限"),
            "accounts:roles",
            capability=(Capability.ACCOUNTS_MANAGE, Capability.AUDIT_VIEW),
            order=92,
            group=SYSTEM,
        )
        register_nav(
            _("登录日志"),
            "accounts:login_log",
            capability=(Capability.AUDIT_VIEW, Capability.ACCOUNTS_MANAGE),
            order=98,
            group=SYSTEM,
        )
        from jiuzhu.accounts.home import home_cards as accounts_home_cards
        from jiuzhu.core.home import home_register

        home_register(accounts_home_cards, order=90)
