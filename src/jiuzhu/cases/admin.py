"""Read-only admin views of approval chains and working-day corrections.

They are changed in the application, whose services validate, audit and ask a second person;
the admin is never a way around them (issue 14).
"""

from django.contrib import admin

from jiuzhu.cases.models import ApprovalChain, WorkingDayOverride
from jiuzhu.core.admin_readonly import ReadOnlyAdmin


@admin.register(ApprovalChain)
class ApprovalChainAdmin(ReadOnlyAdmin):
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
class WorkingDayOverrideAdmin(ReadOnlyAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
