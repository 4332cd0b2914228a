"""Accounts and role assignments. Separation of duties is enforced here, not in the views."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from jiuzhu.accounts.models import RoleAssignment, User
from jiuzhu.accounts.roles import Capability, Role, roles_incompatible
from jiuzhu.accounts.scoping import user_scope
from jiuzhu.areas.models import Area
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError


@transaction.atomic
def user_create(*, actor, username: str, password: str, full_name: str = "", org_unit=None) -> User:
    if User.objects.filter(username=username).exists():
        raise ServiceError(_("用户名“%(name)s”已存在") % {"name": username}, field="username")
    user = User(username=username, full_name=full_name, org_unit=org_unit)
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        subject_type="user",
        subject_id=user.pk,
        after={"username": username, "full_name": full_name},
    )
    return user


def _overlaps(a_from, a_until, b_from, b_until) -> bool:
    far = datetime.date.max
    return a_from <= (b_until or far) and b_from <= (a_until or far)


@transaction.atomic
def role_assign(
    *,
    actor,
    user: User,
    role: str,
    area_code: str,
    department: str = "",
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> RoleAssignment:
    """Give ``user`` a role over an area subtree; refuse a role that clashes with one held."""
    valid_from = valid_from or clock.today()
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors.setdefault("role", []).append(_("角色“%(role)s”不存在") % {"role": role})
    if not Area.objects.filter(code=area_code).exists():
        errors.setdefault("area", []).append(_("区划代码 %(code)s 不存在") % {"code": area_code})
    if valid_until and valid_until < valid_from:
        errors.setdefault("valid_until", []).append(_("“失效日期”不能早于“生效日期”"))
    if getattr(actor, "is_authenticated", False) and not user_scope(
        actor, Capability.ACCOUNTS_MANAGE
    ).contains(area_code):
        errors.setdefault("area", []).append(_("只能在本人管理的区域内分配角色"))
    if role == Role.DEPARTMENT_DATA and not department:
        errors.setdefault("department", []).append(_("部门数据员须指定所属部门"))
    if errors:
        raise ServiceError(errors=errors)
    held = (
        RoleAssignment.objects.select_for_update()
        .filter(user=user)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
    )
    for other in held:
        if roles_incompatible(role, other.role) and _overlaps(
            valid_from, valid_until, other.valid_from, other.valid_until
        ):
            raise ServiceError(
                _("不相容岗位：%(role)s与%(other)s不得由同一人担任（审批与发放分离）")
                % {"role": Role(role).label, "other": Role(other.role).label},
                field="role",
                code="incompatible_roles",
            )
    assignment = RoleAssignment.objects.create(
        user=user,
        role=role,
        area_id=area_code,
        department=department,
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="role.assign",
        subject_type="user",
        subject_id=user.pk,
        area_code=area_code,
        after={
            "role": role,
            "area": area_code,
            "department": department,
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment_id: int, reason: str) -> None:
    """End an assignment today (kept for history, never deleted)."""
    a = RoleAssignment.objects.select_for_update().get(pk=assignment_id)
    today = clock.today()
    a.valid_until = today - datetime.timedelta(days=1) if a.valid_from < today else a.valid_from
    a.save(update_fields=["valid_until"])
    audit_record(
        actor=actor,
        action="role.revoke",
        subject_type="user",
        subject_id=a.user_id,
        area_code=a.area_id,
        reason=reason,
        after={"assignment": a.pk, "valid_until": a.valid_until},
    )
