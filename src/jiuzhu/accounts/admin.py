from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    """Read-only: roles are granted and revoked only through ``accounts.services`` (the
    用户管理 pages), which refuse incompatible roles and write the audit log. An editable inline
    here would bypass both."""

    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = ("role", "area", "department", "valid_from", "valid_until", "granted_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class JiuzhuUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, (_("救助系统"), {"fields": ("full_name", "org_unit")}))
    list_display = ("username", "full_name", "org_unit", "is_active")
    inlines = [RoleAssignmentInline]
