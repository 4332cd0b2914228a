from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "jiuzhu.support"
    verbose_name = _("一人一策与服务市场")

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.cases.selectors import register_todo_source
        from jiuzhu.core.labels import AUDIT_ACTION, labels_register
        from jiuzhu.core.navigation import FUNDS, SERVICES, STATS, register_nav
        from jiuzhu.support import selectors
        from jiuzhu.support.labels import AUDIT_ACTIONS

        register_nav(
            _("帮扶计划"),
            "support:plans",
            capability=Capability.SUPPORT_PLAN,
            order=35,
            group=SERVICES,
        )
        register_nav(
            _("服务订单"),
            "support:orders",
            capability=Capability.MARKET_ORDER,
            order=36,
            group=SERVICES,
        )
        register_nav(
            _("服务市场"),
            "support:centre",
            capability=Capability.MARKET_CENTRE,
            order=36,
            group=SERVICES,
        )
        register_nav(
            _("抢单大厅"),
            "support:hall",
            capability=Capability.MARKET_PROVIDE,
            order=36,
            group=SERVICES,
        )
        register_nav(
            _("我的服务"),
            "support:my_orders",
            capability=Capability.MARKET_SERVE,
            order=36,
            group=SERVICES,
        )
        register_nav(
            _("服务费结算"),
            "support:settlement",
            capability=Capability.FUNDS_VIEW,
            order=73,
            group=FUNDS,
        )
        register_nav(
            _("帮扶与服务统计"),
            "support:stats",
            capability=Capability.MARKET_CENTRE,
            order=80,
            group=STATS,
        )
        register_todo_source(selectors.todo_source)
        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)
