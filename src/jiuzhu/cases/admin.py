"""The admin pages where an administrator sets approval chains and working-day corrections."""

from django.contrib import admin

from jiuzhu.cases.models import ApprovalChain, WorkingDayOverride


@admin.register(ApprovalChain)
class ApprovalChainAdmin(admin.ModelAdmin):
    list_display = (
        "area",
        "programme",
        "review_role",
        "approve_role",
        "review_is_final",
        "community_review",
        "notice_days",
        "total_days",
        "active",
    )
    list_filter = ("programme", "review_is_final", "community_review", "active")
    autocomplete_fields = ()
    raw_id_fields = ("area",)
    search_fields = ("area__name", "area__code")


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
