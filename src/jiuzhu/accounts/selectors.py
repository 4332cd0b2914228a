"""Reads for account administration, scoped by the manager's ``accounts.manage`` areas.

A user is in a manager's scope when one of the user's role assignments (current or past) is over
an area inside that scope; an assignment is in scope when its area is.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from jiuzhu.accounts.models import LoginAttempt, RoleAssignment, User
from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import user_scope
from jiuzhu.areas.models import Area, AreaLevel


def _scope_q(manager, field: str):
    return user_scope(manager, Capability.ACCOUNTS_MANAGE).q(field)


def users_in_scope(*, manager) -> QuerySet[User]:
    in_scope = RoleAssignment.objects.filter(_scope_q(manager, "area"))
    return (
        User.objects.filter(pk__in=in_scope.values("user_id"))
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.select_related("area").order_by("-valid_from"),
            )
        )
        .order_by("username")
    )


def user_for_manage(*, manager, user_id: int) -> User:
    try:
        return users_in_scope(manager=manager).get(pk=user_id)
    except User.DoesNotExist as exc:
        raise Http404 from exc


def assignment_for_manage(*, manager, assignment_id: int) -> RoleAssignment:
    try:
        return RoleAssignment.objects.filter(_scope_q(manager, "area")).get(pk=assignment_id)
    except RoleAssignment.DoesNotExist as exc:
        raise Http404 from exc


def assignable_areas(*, manager) -> list[Area]:
    """Areas a manager may grant roles over: everything inside their own areas, in tree order."""
    scope = user_scope(manager, Capability.ACCOUNTS_MANAGE)
    if scope.empty:
        return []
    return list(
        Area.objects.filter(scope.q("code")).exclude(level=AreaLevel.PROVINCE).order_by("code")
    )


def pending_grants(*, manager) -> QuerySet[RoleAssignment]:
    """Grants waiting for a second administrator, inside the manager's scope."""
    return (
        RoleAssignment.objects.filter(_scope_q(manager, "area"), pending=True, revoked_at=None)
        .select_related("user", "area", "granted_by")
        .order_by("created_at")
    )


def login_attempts_visible(*, viewer, username: str = "") -> QuerySet[LoginAttempt]:
    """登录日志 rows a viewer may read: attempts on accounts with a role inside the viewer's
    audit or account-management scope, and attempts on names that match no account."""
    q = Q(user__isnull=True)
    for cap in (Capability.AUDIT_VIEW, Capability.ACCOUNTS_MANAGE):
        scope = user_scope(viewer, cap)
        if not scope.empty:
            q |= Q(user__in=RoleAssignment.objects.filter(scope.q("area")).values("user_id"))
    qs = LoginAttempt.objects.filter(q)
    if username:
        qs = qs.filter(username=username)
    return qs.order_by("-at", "-pk")
