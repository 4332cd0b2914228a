"""Read-only admin views of users, role assignments and the login log.

Accounts are created, reset, disabled and given roles only through ``accounts.services`` (the
用户管理 pages), which validate, audit and ask a second administrator; the admin edits nothing —
no password change, no group or permission editing (groups play no part: capabilities come from
roles), no task edits.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from jiuzhu.accounts.models import LoginAttempt, RoleAssignment, User
from jiuzhu.core.admin_readonly import ReadOnlyAdmin, ReadOnlyAdminMixin


class RoleAssignmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = (
        "role",
        "area",
        "department",
        "valid_from",
        "valid_until",
        "granted_by",
        "pending",
        "approved_by",
        "revoked_at",
        "created_at",
    )
    readonly_fields = fields
    can_delete = False


@admin.register(User)
class JiuzhuUserAdmin(ReadOnlyAdminMixin, UserAdmin):
    fieldsets = (
        (None, {"fields": ("username",)}),
        (_("救助系统"), {"fields": ("full_name", "org_unit", "is_active", "last_login")}),
        (
            _("安全"),
            {"fields": ("must_change_password", "password_changed_at", "totp_confirmed_at")},
        ),
    )
    list_display = ("username", "full_name", "org_unit", "is_active")
    inlines = [RoleAssignmentInline]

    def get_urls(self):
        # Drop the admin's password-change page: resets go through accounts.services.
        return [u for u in super().get_urls() if "password" not in str(u.pattern)]


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "address", "outcome")
    list_filter = ("outcome",)


admin.site.unregister(Group)


def _login_through_the_site(request, extra_context=None):
    """The admin has no login of its own: throttling, lockout, TOTP and the login log apply."""
    return redirect_to_login(request.get_full_path())


admin.site.login = _login_through_the_site
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(ReadOnlyAdmin):
    list_display = ("id", "task_path", "status", "enqueued_at", "finished_at")
