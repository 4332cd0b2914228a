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


# --- the workbench list (core.pagination.ListSpec; registered in apps.ready) -----------------


def _user_rows(manager, query):
    from jiuzhu.accounts.roles import Role
    from jiuzhu.accounts.scoping import within_area

    qs = users_in_scope(manager=manager)
    if query.q:
        q = query.q.strip()
        qs = qs.filter(Q(username__startswith=q) | Q(full_name__startswith=q))
    if query.state == "active":
        qs = qs.filter(is_active=True)
    elif query.state == "disabled":
        qs = qs.filter(is_active=False)
    if query.kind in Role.values:
        qs = qs.filter(role_assignments__role=query.kind, role_assignments__revoked_at__isnull=True)
    if query.area:
        qs = qs.filter(
            pk__in=RoleAssignment.objects.filter(within_area("area", query.area)).values("user_id")
        )
    return qs.distinct()


def _user_roles_text(u) -> str:
    from django.utils.translation import gettext

    out = []
    for a in u.role_assignments.all():
        note = ""
        if a.revoked_at:
            note = gettext("（已撤销）")
        elif a.pending:
            note = gettext("（待复核）")
        out.append(f"{a.get_role_display()} · {a.area.name}{note}")
    return "；".join(out)


def _user_list_spec():
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from jiuzhu.accounts.roles import Role
    from jiuzhu.accounts.scoping import area_choices, area_in_scope, area_name
    from jiuzhu.core import clock
    from jiuzhu.core.pagination import Column, ListSpec

    return ListSpec(
        name="users",
        title=gettext_lazy("用户"),
        capability=Capability.ACCOUNTS_MANAGE,
        rows=_user_rows,
        columns=(
            Column(
                "username",
                gettext_lazy("用户名"),
                lambda u: u.username,
                sort="username",
                link=lambda u: reverse("accounts:user_detail", args=[u.pk]),
            ),
            Column("name", gettext_lazy("姓名"), lambda u: u.full_name, sort="name"),
            Column("roles", gettext_lazy("角色"), _user_roles_text),
            Column(
                "state",
                gettext_lazy("状态"),
                lambda u: str(gettext_lazy("启用") if u.is_active else gettext_lazy("停用")),
            ),
            Column(
                "last_login",
                gettext_lazy("最近登录"),
                lambda u: (
                    clock.local(u.last_login).strftime("%Y-%m-%d %H:%M") if u.last_login else ""
                ),
                sort="last_login",
            ),
        ),
        sorts={
            "username": ("username",),
            "name": ("full_name", "username"),
            "last_login": ("last_login", "username"),
        },
        default_sort="username",
        filters=("q", "area", "state", "kind"),
        states=lambda: [
            ("active", str(gettext_lazy("启用"))),
            ("disabled", str(gettext_lazy("停用"))),
        ],
        kinds=lambda: [(k, str(v)) for k, v in Role.choices],
        areas=lambda user: area_choices(user, Capability.ACCOUNTS_MANAGE),
        area_allowed=area_in_scope(Capability.ACCOUNTS_MANAGE),
        area_name=area_name,
        q_label=gettext_lazy("用户名或姓名"),
        url_name="accounts:user_list",
    )
