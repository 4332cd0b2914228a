"""The Django admin is read-only: every write goes through a service (validated, scoped,
audited, maker-checker). ``ReadOnlyAdmin`` is the base of every ``ModelAdmin`` of the project;
``tests/web/test_admin_readonly.py`` fails on any registered admin that can add, change or delete.
"""

from django.contrib import admin


class ReadOnlyAdminMixin:
    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass
