"""Django admin: read-only views of monitoring configuration and runs.

Rules and risk classes are changed on the 预警规则 and 风险分类 pages, whose services check the
values and write the audit log; the admin's own log is not our audit trail, so it edits nothing.
"""

from django.contrib import admin

from jiuzhu.core.admin_readonly import ReadOnlyAdmin
from jiuzhu.monitoring.models import AlertRule, MonitorRun, ProgrammeRoute, RiskClass


@admin.register(AlertRule)
class AlertRuleAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "enabled", "area_prefix", "deadline_days", "updated_at")
    list_filter = ("kind", "enabled")


@admin.register(RiskClass)
class RiskClassAdmin(ReadOnlyAdmin):
    list_display = ("code", "label", "criterion", "interval_months", "order", "deadline_days")


@admin.register(ProgrammeRoute)
class ProgrammeRouteAdmin(ReadOnlyAdmin):
    list_display = ("programme", "area_prefix", "level", "updated_at")


@admin.register(MonitorRun)
class MonitorRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "trigger",
        "status",
        "started_at",
        "finished_at",
        "alerts_created",
    )
    list_filter = ("status", "kind")
