from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jiuzhu.monitoring"
    verbose_name = "监测预警与动态管理"

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.cases.selectors import register_todo_source
        from jiuzhu.core.navigation import register_nav
        from jiuzhu.core.profile_sections import register_profile_section
        from jiuzhu.monitoring import selectors

        register_nav(
            "监测预警", "monitoring:overview", capability=Capability.ALERT_HANDLE, order=45
        )
        register_nav(
            "预警规则", "monitoring:rules", capability=Capability.ALERT_CONFIGURE, order=46
        )
        register_todo_source(selectors.todo_source)
        register_profile_section(
            "monitoring/_household_alerts.html", selectors.household_section, order=60
        )

        from jiuzhu.monitoring import subscribers

        subscribers.subscribe()
