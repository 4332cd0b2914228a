from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "jiuzhu.stats"
    verbose_name = _("统计监督")

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.navigation import STATS, SYSTEM, register_nav

        register_nav(
            _("统计月报"), "stats:monthly", capability=Capability.STATS_VIEW, order=80, group=STATS
        )
        register_nav(
            _("绩效指标"), "stats:kpis", capability=Capability.STATS_VIEW, order=81, group=STATS
        )
        register_nav(
            _("督办抽查"),
            "stats:supervision",
            capability=Capability.SUPERVISE,
            order=82,
            group=STATS,
        )
        register_nav(
            _("满意度评价"),
            "stats:ratings",
            capability=Capability.STATS_VIEW,
            order=84,
            group=STATS,
        )
        register_nav(
            _("数据质量"), "stats:quality", capability=Capability.SUPERVISE, order=85, group=STATS
        )
        register_nav(
            _("街道边界"),
            "stats:street_maps",
            capability=Capability.AREAS_MANAGE,
            order=96,
            group=SYSTEM,
        )

        from jiuzhu.core.profile_sections import register_profile_section
        from jiuzhu.stats.selectors import household_tier_section

        register_profile_section("stats/_household_tier.html", household_tier_section, order=15)

        from jiuzhu.core.schedule import Job, daily, job_register, monthly

        job_register(
            Job(
                "stats_month_close",
                _("月末统计快照"),
                monthly(1, 0, 30),
                "jiuzhu.stats.tasks.snapshot_month_task",
            ),
            order=80,
        )
        job_register(
            Job(
                "stats_supervision",
                _("每晚督办与数据质量检查"),
                daily(3, 30),
                "jiuzhu.stats.tasks.supervision_nightly_task",
            ),
            order=90,
        )

        from jiuzhu.core.labels import AUDIT_ACTION, labels_register
        from jiuzhu.stats.labels import AUDIT_ACTIONS

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)
