from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jiuzhu.monitoring"
    verbose_name = "监测预警与动态管理"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from jiuzhu.accounts.roles import Capability
        from jiuzhu.cases.selectors import register_todo_source
        from jiuzhu.core.navigation import MONITORING, register_nav
        from jiuzhu.core.pagination import list_register
        from jiuzhu.core.profile_sections import register_profile_section
        from jiuzhu.monitoring import selectors

        for spec in selectors._list_specs():
            list_register(spec)

        register_nav(
            _("监测预警"),
            "monitoring:overview",
            capability=Capability.ALERT_HANDLE,
            order=45,
            group=MONITORING,
        )
        register_nav(
            _("预警列表"),
            "monitoring:alerts",
            capability=Capability.ALERT_HANDLE,
            order=46,
            group=MONITORING,
        )
        register_nav(
            _("动态复核"),
            "monitoring:reviews",
            capability=Capability.ALERT_HANDLE,
            order=47,
            group=MONITORING,
        )
        register_nav(
            _("预警规则"),
            "monitoring:rules",
            capability=Capability.ALERT_CONFIGURE,
            order=48,
            group=MONITORING,
        )
        register_todo_source(selectors.todo_source)
        register_profile_section(
            "monitoring/_household_alerts.html", selectors.household_section, order=60
        )

        from types import MappingProxyType

        from jiuzhu.core.schedule import Job, daily, job_register

        job_register(
            Job(
                "monitor_nightly",
                _("每晚监测预警"),
                daily(2, 40),
                "jiuzhu.monitoring.tasks.monitor_nightly_task",
                on_weekday=MappingProxyType({6: MappingProxyType({"full": True})}),  # Sunday: full
            ),
            order=50,
        )

        from jiuzhu.core.labels import AUDIT_ACTION, labels_register
        from jiuzhu.monitoring.labels import AUDIT_ACTIONS

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)

        from jiuzhu.monitoring import subscribers

        subscribers.subscribe()

        from jiuzhu.core.home import home_register
        from jiuzhu.monitoring.home import home_cards as monitoring_home_cards

        home_register(monitoring_home_cards, order=50)
