"""Writes of the dictionaries: a change is proposed, then approved by ANOTHER administrator.

Both steps are audited (area: the whole site, ``NATIONAL``). Bad input raises a ServiceError
naming the field and the rule; nothing is half-written.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.dicts.kinds import KINDS
from jiuzhu.dicts.models import ChangeStatus, DictChange, DictEntry
from jiuzhu.dicts.selectors import entries

CONFIGURE = Capability.CASE_CONFIGURE  # 系统管理: the site's settings
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _need(actor) -> None:
    if not has_capability(actor, CONFIGURE):
        raise PermissionDenied(CONFIGURE)


def dict_change_propose(
    *, actor, kind: str, code: str, label: str, sort_order, active: bool, reason: str
) -> DictChange:
    _need(actor)
    errors: dict[str, list[str]] = {}
    spec = KINDS.get(kind)
    if spec is None:
        raise ServiceError(errors={"kind": [_("“字典”不存在")]})
    code, label, reason = code.strip(), label.strip(), reason.strip()
    current = {e["code"]: e for e in entries(kind)}
    if not CODE_RE.match(code):
        errors["code"] = [_("“代码”须以小写字母开头，只含小写字母、数字和下划线，最长64位")]
    elif spec.fixed_codes and code not in current:
        errors["code"] = [
            _("“代码”须是已有的代码：这个字典的代码由业务规则确定，只能改名称、排序和启用")
        ]
    if not label:
        errors["label"] = [_("“名称”为必填项")]
    elif len(label) > 200:
        errors["label"] = [_("“名称”最长200字")]
    try:
        order = int(sort_order)
        if not 0 <= order <= 9999:
            raise ValueError
    except (TypeError, ValueError):
        errors["sort_order"] = [_("“排序”须是0到9999的整数")]
        order = 0
    if not reason:
        errors["reason"] = [_("“理由”为必填项")]
    if DictChange.objects.filter(kind=kind, code=code, status=ChangeStatus.PENDING).exists():
        errors.setdefault("code", []).append(_("这个代码已有一项待复核的修改，请先复核或退回"))
    if errors:
        raise ServiceError(errors=errors)
    before = current.get(code)
    if before and (before["stored"], before["sort_order"], before["active"]) == (
        label,
        order,
        bool(active),
    ):
        raise ServiceError(errors={"label": [_("没有改动：名称、排序和启用与现行一致")]})
    with transaction.atomic():
        change = DictChange.objects.create(
            kind=kind,
            code=code,
            label=label,
            sort_order=order,
            active=bool(active),
            before=({k: before[k] for k in ("stored", "sort_order", "active")} if before else None),
            reason=reason,
            proposed_by=actor,
        )
        audit_record(
            actor=actor,
            action="dict.propose",
            subject_type="dict_change",
            subject_id=change.pk,
            area_code=NATIONAL,
            reason=reason,
            before=change.before,
            after={
                "kind": kind,
                "code": code,
                "label": label,
                "sort_order": order,
                "active": bool(active),
            },
        )
    return change


def dict_change_decide(*, actor, change_id: int, approve: bool, reason: str = "") -> DictChange:
    _need(actor)
    with transaction.atomic():
        change = DictChange.objects.select_for_update().filter(pk=change_id).first()
        if change is None or change.status != ChangeStatus.PENDING:
            raise ServiceError(errors={"change": [_("这项修改不存在或已复核")]})
        if change.proposed_by_id == actor.pk:
            raise ServiceError(
                errors={"change": [_("不能复核自己提出的修改：须由另一位管理员复核")]}
            )
        reason = reason.strip()
        if not approve and not reason:
            raise ServiceError(errors={"reason": [_("退回时“复核意见”为必填项")]})
        if approve:
            if not DictEntry.objects.filter(kind=change.kind).exists():
                # first change of a kind: the seed values become rows, then the change applies
                DictEntry.objects.bulk_create(
                    DictEntry(
                        kind=change.kind,
                        code=e["code"],
                        label=e["stored"],
                        sort_order=e["sort_order"],
                        active=e["active"],
                    )
                    for e in entries(change.kind)
                )
            DictEntry.objects.update_or_create(
                kind=change.kind,
                code=change.code,
                defaults={
                    "label": change.label,
                    "sort_order": change.sort_order,
                    "active": change.active,
                },
            )
        change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
        change.decided_by = actor
        change.decided_at = clock.now()
        change.decision_reason = reason
        change.save()
        audit_record(
            actor=actor,
            action="dict.approve" if approve else "dict.reject",
            subject_type="dict_change",
            subject_id=change.pk,
            area_code=NATIONAL,
            reason=reason or change.reason,
            before=change.before,
            after={"kind": change.kind, "code": change.code, "label": change.label},
        )
    return change
