"""Writes of the interop app: service accounts (maker-checker), tokens, and the audit of every
call another system makes.

A service account is created by one administrator and takes effect only when a second one
approves it (its role assignment is approved in the same step, through ``accounts.services``);
the console (``jiuzhu interop``, actor None) is the trusted bootstrap, as for staff roles."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.accounts import services as account_services
from jiuzhu.accounts.models import RoleAssignment
from jiuzhu.accounts.roles import Capability, Role
from jiuzhu.accounts.scoping import user_scope
from jiuzhu.areas.models import Area
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.interop.models import AGREEABLE_FIELDS, AccessToken, Scope, ServiceAccount

MAX_TOKEN_DAYS = 366
# Scopes that put rows into verify's department feeds (a CRVS death notify is imported as the
# police death-registration feed): the account holds the department data role.
UPLOADING = {Scope.FEED_UPLOAD, Scope.CRVS_NOTIFY}


class TokenError(Exception):
    """401: no token, an unknown, expired or revoked one, or a disabled account."""


class ScopeError(Exception):
    """403: a valid token without the scope the call needs."""


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _require_manager(actor, area_code: str) -> None:
    if actor is not None and not user_scope(actor, Capability.ACCOUNTS_MANAGE).contains(area_code):
        raise ServiceError(_("只能在本人管理的区域内管理接入系统"), field="area")


@transaction.atomic
def service_account_create(
    *,
    actor,
    name: str,
    sender_id: str,
    purpose: str,
    area_code: str,
    department: str = "",
    scopes: list[str],
    fields: list[str],
    reveal: list[str] = (),
    public_key: str = "",
    signature_mode: str = "message",
) -> ServiceAccount:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors.setdefault("name", []).append(_("“接入系统名称”不能为空"))
    if not sender_id.strip() or len(sender_id) > 64:
        errors.setdefault("sender_id", []).append(_("“系统标识”须为 1–64 个字符"))
    elif ServiceAccount.objects.filter(sender_id=sender_id).exists():
        errors.setdefault("sender_id", []).append(_("系统标识“%(id)s”已被使用") % {"id": sender_id})
    if not purpose.strip():
        errors.setdefault("purpose", []).append(_("“用途”不能为空：每次调用都按用途留痕"))
    if not Area.objects.filter(code=area_code).exists():
        errors.setdefault("area", []).append(_("区划代码 %(code)s 不存在") % {"code": area_code})
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown or not scopes:
        errors.setdefault("scopes", []).append(
            _("授权范围须从列表中选择，未知：%(x)s") % {"x": "、".join(unknown) or _("未选择")}
        )
    bad_fields = sorted(set(fields) - set(AGREEABLE_FIELDS))
    if bad_fields:
        errors.setdefault("fields", []).append(
            _("约定字段未知：%(x)s") % {"x": "、".join(bad_fields)}
        )
    if set(reveal) - set(fields):
        errors.setdefault("reveal", []).append(_("明文字段须是约定字段之一"))
    if signature_mode not in ("message", "sender", "none"):
        errors.setdefault("signature_mode", []).append(_("报文签名方式未知"))
    if signature_mode != "none" and public_key:
        try:
            json.loads(public_key)
        except ValueError:
            errors.setdefault("public_key", []).append(_("验签公钥须是 JWK（JSON）"))
    if signature_mode != "none" and not public_key:
        errors.setdefault("public_key", []).append(_("验签须登记对方的公钥"))
    if set(scopes) & UPLOADING and not department:
        errors.setdefault("department", []).append(
            _("上传部门数据（含出生死亡登记通知）须指定所属部门")
        )
    if errors:
        raise ServiceError(errors=errors)
    _require_manager(actor, area_code)
    user = get_user_model().objects.create(username=f"svc-{sender_id}"[:150], full_name=name)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    by_console = actor is None
    role = Role.DEPARTMENT_DATA if set(scopes) & UPLOADING else Role.INTERFACE
    account_services.role_assign(
        actor=actor, user=user, role=role, area_code=area_code, department=department
    )
    if role == Role.DEPARTMENT_DATA and set(scopes) - UPLOADING:
        account_services.role_assign(
            actor=actor, user=user, role=Role.INTERFACE, area_code=area_code
        )
    account = ServiceAccount.objects.create(
        name=name.strip(),
        sender_id=sender_id.strip(),
        department=department,
        purpose=purpose.strip(),
        area_id=area_code,
        user=user,
        scopes=sorted(set(scopes)),
        fields=sorted(set(fields)),
        reveal=sorted(set(reveal)),
        public_key=public_key,
        signature_mode=signature_mode,
        created_by=actor,
        approved_at=clock.now() if by_console else None,
    )
    audit_record(
        actor=actor,
        action="interop.account.create",
        subject_type="service_account",
        subject_id=account.pk,
        area_code=area_code,
        after={"sender_id": account.sender_id, "scopes": account.scopes, "fields": account.fields},
    )
    return account


@transaction.atomic
def service_account_approve(*, actor, account_id: int) -> ServiceAccount:
    account = ServiceAccount.objects.select_for_update().get(pk=account_id)
    if account.approved_at is not None:
        raise ServiceError(_("该接入系统已复核"), code="not_pending")
    _require_manager(actor, account.area_id)
    if actor.pk == account.created_by_id:
        raise ServiceError(
            _("复核人不能是登记人：接入系统须由另一名系统管理员复核"), code="same_person"
        )
    for a in RoleAssignment.objects.filter(user=account.user, pending=True, revoked_at=None):
        account_services.role_approve(actor=actor, assignment_id=a.pk)
    account.approved_by, account.approved_at = actor, clock.now()
    account.save(update_fields=["approved_by", "approved_at"])
    audit_record(
        actor=actor,
        action="interop.account.approve",
        subject_type="service_account",
        subject_id=account.pk,
        area_code=account.area_id,
    )
    return account


@transaction.atomic
def service_account_disable(*, actor, account_id: int, reason: str) -> None:
    account = ServiceAccount.objects.select_for_update().get(pk=account_id)
    _require_manager(actor, account.area_id)
    if not reason.strip():
        raise ServiceError(_("请填写停用原因"), field="reason")
    now = clock.now()
    account.disabled_at = now
    account.save(update_fields=["disabled_at"])
    AccessToken.objects.filter(account=account, revoked_at=None).update(
        revoked_at=now, revoked_by=actor
    )
    audit_record(
        actor=actor,
        action="interop.account.disable",
        subject_type="service_account",
        subject_id=account.pk,
        area_code=account.area_id,
        reason=reason,
    )


@transaction.atomic
def token_issue(
    *, actor, account_id: int, scopes: list[str] | None = None, days: int = 90
) -> tuple[AccessToken, str]:
    """A new token; the secret is returned once and only its digest is kept."""
    account = ServiceAccount.objects.select_for_update().get(pk=account_id)
    _require_manager(actor, account.area_id)
    if not account.active:
        raise ServiceError(_("接入系统尚未复核或已停用，不能签发令牌"), code="inactive")
    scopes = sorted(set(scopes or account.scopes))
    if set(scopes) - set(account.scopes):
        raise ServiceError(_("令牌的范围不能超出接入系统的授权范围"), field="scopes")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ServiceError(_("有效天数须在 1 到 %(n)s 之间") % {"n": MAX_TOKEN_DAYS}, field="days")
    prefix = secrets.token_hex(5)
    raw = f"jz_{prefix}_{secrets.token_urlsafe(32)}"
    token = AccessToken.objects.create(
        account=account,
        prefix=prefix,
        digest=_digest(raw),
        scopes=scopes,
        expires_at=clock.now() + datetime.timedelta(days=days),
        issued_by=actor,
    )
    audit_record(
        actor=actor,
        action="interop.token.issue",
        subject_type="service_account",
        subject_id=account.pk,
        area_code=account.area_id,
        after={"token": prefix, "scopes": scopes, "days": days},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor, token_id: int, reason: str) -> None:
    token = AccessToken.objects.select_for_update().select_related("account").get(pk=token_id)
    _require_manager(actor, token.account.area_id)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = clock.now(), actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=actor,
        action="interop.token.revoke",
        subject_type="service_account",
        subject_id=token.account_id,
        area_code=token.account.area_id,
        reason=reason,
        after={"token": token.prefix},
    )


def authenticate(authorization: str | None) -> AccessToken:
    """The token of an ``Authorization: Bearer …`` header, or ``TokenError``."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise TokenError("missing bearer token")
    raw = authorization[7:].strip()
    parts = raw.split("_")
    if len(parts) < 3 or parts[0] != "jz":
        raise TokenError("malformed token")
    token = (
        AccessToken.objects.select_related("account", "account__user")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        raise TokenError("unknown token")
    now = clock.now()
    if token.revoked_at is not None or token.expires_at <= now or not token.account.active:
        raise TokenError("token revoked, expired or account disabled")
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=5):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def require_scope(token: AccessToken, scope: str) -> None:
    if scope not in token.scopes:
        raise ScopeError(scope)


def call_record(token: AccessToken, what: str, *, rows: int | None = None, extra=None) -> None:
    """The audit of one call, with the account's purpose (every call of another system)."""
    account = token.account
    with transaction.atomic():
        audit_record(
            actor=account.user,
            action=f"interop.{what}",
            subject_type="service_account",
            subject_id=account.pk,
            area_code=account.area_id,
            reason=account.purpose,
            extra={
                "token": token.prefix,
                **({"rows": rows} if rows is not None else {}),
                **(extra or {}),
            },
        )
