from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "jiuzhu.stats"
    verbose_name = _("统计监督")

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.navigation import register_nav

        register_nav(_("统计月报"), "stats:monthly", capability=Capability.STATS_VIEW, order=80)
        register_nav(_("绩效指标"), "stats:kpis", capability=Capability.STATS_VIEW, order=81)
        register_nav(_("督办抽查"), "stats:supervision", capability=Capability.SUPERVISE, order=82)
