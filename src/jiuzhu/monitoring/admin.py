from django.contrib import admin

from jiuzhu.monitoring.models import AlertRule, MonitorRun, RiskClass


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    """Read-only here: rules are changed on the 预警规则 screen, which checks and audits."""

    list_display = ("name", "kind", "enabled", "area_prefix", "deadline_days", "updated_at")
    list_filter = ("kind", "enabled")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(RiskClass)
class RiskClassAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "criterion", "interval_months", "order", "deadline_days")


@admin.register(MonitorRun)
class MonitorRunAdmin(admin.ModelAdmin):
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
