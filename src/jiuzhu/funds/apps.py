from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "jiuzhu.funds"
    verbose_name = _("资金发放")

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.navigation import register_nav

        register_nav(
            _("资金发放"), "funds:payroll_list", capability=Capability.FUNDS_VIEW, order=70
        )
        register_nav(_("预算执行"), "funds:budget", capability=Capability.FUNDS_VIEW, order=72)

        from jiuzhu.core.profile_sections import register_profile_section
        from jiuzhu.funds.selectors import household_section

        register_profile_section("funds/_household_payments.html", household_section, order=60)

        from jiuzhu.funds import subscribers

        subscribers.subscribe()
