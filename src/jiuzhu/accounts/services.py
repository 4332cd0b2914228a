"""Accounts and role assignments. Separation of duties is enforced here, not in the views."""

from __future__ import annotations

import datetime

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from jiuzhu.accounts.models import RoleAssignment, User
from jiuzhu.accounts.roles import Capability, Role, roles_incompatible
from jiuzhu.accounts.scoping import user_scope
from jiuzhu.areas.models import Area
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError


@transaction.atomic
def user_create(*, actor, username: str, password: str, full_name: str = "", org_unit=None) -> User:
    if User.objects.filter(username=username).exists():
        raise ServiceError(_("用户名“%(name)s”已存在") % {"name": username}, field="username")
    _validate_password(password, user=User(username=username, full_name=full_name))
    # The administrator chose this password, so the user must replace it at first sign-in.
    user = User(
        username=username, full_name=full_name, org_unit=org_unit, must_change_password=True
    )
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        area_code=NATIONAL,
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
    if getattr(actor, "pk", None) is not None and actor.pk == user.pk:
        errors.setdefault("role", []).append(_("不能给自己分配角色"))
    if role == Role.DEPARTMENT_DATA and not department:
        errors.setdefault("department", []).append(_("部门数据员须指定所属部门"))
    if role == Role.DEPARTMENT_CLERK and not department:
        errors.setdefault("department", []).append(_("部门经办须指定所属部门"))
    if errors:
        raise ServiceError(errors=errors)
    _check_compatible(user, role, valid_from, valid_until)
    # Maker-checker: a grant by a person waits for a second administrator (role_approve); only
    # the console bootstrap (actor None, `jiuzhu accounts grant`) takes effect at once.
    by_person = getattr(actor, "pk", None) is not None
    assignment = RoleAssignment.objects.create(
        user=user,
        role=role,
        area_id=area_code,
        department=department,
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by=actor if by_person else None,
        pending=by_person,
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
            "pending": by_person,
        },
    )
    return assignment


def _check_compatible(user, role, valid_from, valid_until, *, exclude=None) -> None:
    held = (
        RoleAssignment.objects.select_for_update()
        .live()
        .filter(user=user)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
    )
    if exclude is not None:
        held = held.exclude(pk=exclude)
    for other in held:
        if roles_incompatible(role, other.role) and _overlaps(
            valid_from, valid_until, other.valid_from, other.valid_until
        ):
            text = (
                _("不相容岗位：%(role)s与%(other)s不得由同一人担任（系统管理与业务岗位分离）")
                if Role.SYSADMIN in (role, other.role)
                else _("不相容岗位：%(role)s与%(other)s不得由同一人担任（审批与发放分离）")
            )
            raise ServiceError(
                text % {"role": Role(role).label, "other": Role(other.role).label},
                field="role",
                code="incompatible_roles",
            )


@transaction.atomic
def role_approve(*, actor, assignment_id: int) -> RoleAssignment:
    """The second administrator's approval of a pending grant: never the granter, never the
    grantee, inside the approver's own account-management scope; checked again for clashes."""
    a = RoleAssignment.objects.select_for_update().select_related("user").get(pk=assignment_id)
    if not a.pending or a.revoked_at is not None:
        raise ServiceError(_("该角色分配不在待复核状态"), code="not_pending")
    if not user_scope(actor, Capability.ACCOUNTS_MANAGE).contains(a.area_id):
        raise ServiceError(_("只能复核本人管理区域内的角色分配"), field="area")
    if actor.pk == a.granted_by_id:
        raise ServiceError(
            _("复核人不能是分配人：角色分配须由另一名系统管理员复核"), code="same_person"
        )
    if actor.pk == a.user_id:
        raise ServiceError(_("不能复核给自己的角色分配"), code="same_person")
    _check_compatible(a.user, a.role, a.valid_from, a.valid_until, exclude=a.pk)
    a.pending = False
    a.approved_by = actor
    a.approved_at = clock.now()
    a.save(update_fields=["pending", "approved_by", "approved_at"])
    audit_record(
        actor=actor,
        action="role.approve",
        subject_type="user",
        subject_id=a.user_id,
        area_code=a.area_id,
        after={"assignment": a.pk, "role": a.role, "area": a.area_id},
    )
    return a


@transaction.atomic
def role_revoke(*, actor, assignment_id: int, reason: str) -> None:
    """End an assignment now (kept for history, never deleted).

    ``revoked_at`` takes the assignment out of ``active()`` at once — the user's next request
    is checked against the roles left (scoping reads the assignments on every request), and a
    future-dated assignment never becomes active. Revoking a pending grant rejects it.
    """
    a = RoleAssignment.objects.select_for_update().get(pk=assignment_id)
    if a.revoked_at is not None:
        raise ServiceError(_("该角色已撤销"), code="already_revoked")
    if not (reason or "").strip():
        raise ServiceError(_("撤销角色须填写理由"), field="reason")
    today = clock.today()
    a.revoked_at = clock.now()
    a.revoked_by = actor if getattr(actor, "pk", None) else None
    if a.valid_until is None or a.valid_until >= today:
        a.valid_until = max(a.valid_from, today - datetime.timedelta(days=1))
    a.save(update_fields=["revoked_at", "revoked_by", "valid_until"])
    audit_record(
        actor=actor,
        action="role.reject" if a.pending else "role.revoke",
        subject_type="user",
        subject_id=a.user_id,
        area_code=a.area_id,
        reason=reason,
        after={"assignment": a.pk, "role": a.role, "valid_until": a.valid_until},
    )


def _validate_password(password: str, *, user) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ServiceError(errors={"password": list(exc.messages)}) from exc


def _user_area(user) -> str:
    a = RoleAssignment.objects.filter(user=user).order_by("-valid_from").first()
    return a.area_id if a else ""


@transaction.atomic
def password_change(*, user, old_password: str, new_password: str) -> None:
    """The user's own change: the old password must match; the new one passes the validators."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old_password):
        raise ServiceError(errors={"old_password": [_("“原密码”不正确")]})
    if old_password == new_password:
        raise ServiceError(errors={"new_password": [_("“新密码”不能与原密码相同")]})
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ServiceError(errors={"new_password": list(exc.messages)}) from exc
    user.set_password(new_password)
    user._jiuzhu_password_audited = True
    user.must_change_password = False
    user.password_changed_at = clock.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record(
        actor=user,
        action="user.password_change",
        subject_type="user",
        subject_id=user.pk,
        area_code=_user_area(user),
    )


@transaction.atomic
def password_reset(*, actor, user_id: int, new_password: str, reason: str) -> None:
    """An administrator's reset: audited, and the user must choose a new password at sign-in.

    ``actor`` None is the console (``jiuzhu changepassword`` is replaced by this path)."""
    user = User.objects.select_for_update().get(pk=user_id)
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise ServiceError(_("修改本人密码请使用“修改密码”"), code="same_person")
    if actor is not None:
        area = _user_area(user)
        if not area or not user_scope(actor, Capability.ACCOUNTS_MANAGE).contains(area):
            raise ServiceError(_("只能重置本人管理区域内用户的密码"), code="out_of_scope")
    if not (reason or "").strip():
        raise ServiceError(errors={"reason": [_("重置密码须填写理由")]})
    _validate_password(new_password, user=user)
    user.set_password(new_password)
    user._jiuzhu_password_audited = True
    user.must_change_password = True
    user.password_changed_at = clock.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record(
        actor=actor,
        action="user.password_reset",
        subject_type="user",
        subject_id=user.pk,
        area_code=_user_area(user),
        reason=reason,
    )


@transaction.atomic
def user_set_active(*, actor, user_id: int, active: bool, reason: str) -> None:
    """Disable or re-enable an account (audited); a disabled user's sessions stop at once."""
    user = User.objects.select_for_update().get(pk=user_id)
    if actor is not None and actor.pk == user.pk:
        raise ServiceError(_("不能停用本人账号"), code="same_person")
    if not (reason or "").strip():
        raise ServiceError(errors={"reason": [_("须填写理由")]})
    before = user.is_active
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        subject_type="user",
        subject_id=user.pk,
        area_code=_user_area(user),
        reason=reason,
        before={"is_active": before},
        after={"is_active": active},
    )


@transaction.atomic
def totp_confirm(*, user, secret: str, code: str) -> None:
    """Turn the second factor on once the user proves the authenticator app shows ``code``."""
    from jiuzhu.accounts.security import totp_step

    step = totp_step(secret, code)
    if step is None:
        raise ServiceError(
            errors={"code": [_("“动态口令”不正确，请输入验证器中当前显示的6位数字")]}
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    user.totp_secret = secret
    user.totp_confirmed_at = clock.now()
    user.totp_last_step = step  # the enrolment code cannot be used again to sign in
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    audit_record(
        actor=user,
        action="user.totp_enrol",
        subject_type="user",
        subject_id=user.pk,
        area_code=_user_area(user),
    )


@transaction.atomic
def totp_reset(*, actor, user_id: int, reason: str) -> None:
    """An administrator clears a lost authenticator; the user enrols again at next sign-in."""
    user = User.objects.select_for_update().get(pk=user_id)
    if actor.pk == user.pk:
        raise ServiceError(_("不能重置本人的动态口令"), code="same_person")
    area = _user_area(user)
    if not area or not user_scope(actor, Capability.ACCOUNTS_MANAGE).contains(area):
        raise ServiceError(_("只能重置本人管理区域内用户的动态口令"), code="out_of_scope")
    if not (reason or "").strip():
        raise ServiceError(errors={"reason": [_("须填写理由")]})
    user.totp_secret = ""
    user.totp_confirmed_at = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    audit_record(
        actor=actor,
        action="user.totp_reset",
        subject_type="user",
        subject_id=user.pk,
        area_code=area,
        reason=reason,
    )
