from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from jiuzhu.accounts.models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    readonly_fields = ("granted_by", "created_at")
    can_delete = False


@admin.register(User)
class JiuzhuUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("救助系统", {"fields": ("full_name", "org_unit")}))
    list_display = ("username", "full_name", "org_unit", "is_active")
    inlines = [RoleAssignmentInline]
