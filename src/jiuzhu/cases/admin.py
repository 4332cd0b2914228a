"""Approval chains and working-day corrections in the admin: read-only.

They are edited in the application (系统管理 › 审批流程与工作日, ``cases.config``): validated
against the national rules, approved by a second administrator and audited. The admin is never
a way around that service (issue 14.4).
"""

from django.contrib import admin

from jiuzhu.cases.models import ApprovalChain, ConfigChange, WorkingDayOverride
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
    search_fields = ("area__name", "area__code")


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(ReadOnlyAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)


@admin.register(ConfigChange)
class ConfigChangeAdmin(ReadOnlyAdmin):
    list_display = ("kind", "target_id", "status", "proposed_by", "decided_by", "proposed_at")
    list_filter = ("kind", "status")
