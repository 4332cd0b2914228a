"""Approval chains and the working-day calendar, edited in the application (issue 14.4).

A change is *proposed* by one administrator (``Capability.CASE_CONFIGURE``), validated against
the national rules (RULES.md: 公示 at least 7 days; reviewer and approver different people;
the approver at a higher level than the reviewer unless the review is final at the township;
no village clerk reviews or decides; the legal time limits), and *applied* only when a second
administrator approves it — never the proposer. Proposal, approval and refusal are audited in
the hash chain, with the chain's content before and after. The Django admin shows these tables
read-only.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability, Role
from jiuzhu.accounts.scoping import has_capability, user_scope
from jiuzhu.areas.models import Area
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.cases.models import (
    ApprovalChain,
    ConfigChange,
    ConfigKind,
    ConfigStatus,
    Programme,
    WorkingDayOverride,
)
from jiuzhu.core.errors import ServiceError

# The national floor and ceilings (RULES.md, 《社会救助审核确认办法》 Art. 19–22).
LEGAL_NOTICE_DAYS = 7
MAX_TOTAL_DAYS = 45
MAX_STEP_DAYS = 15
MAX_REFUSAL_NOTICE_DAYS = 3
DECIDING_ROLES = (Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER)
ROLE_LEVEL = {Role.TOWNSHIP_REVIEWER: 1, Role.COUNTY_APPROVER: 2}
CHAIN_FIELDS = (
    "area_id",
    "programme",
    "review_role",
    "approve_role",
    "review_is_final",
    "separate_decider",
    "community_review",
    "notice_days",
    "intake_days",
    "visit_days",
    "review_days",
    "approve_days",
    "total_days",
    "refusal_notice_days",
    "active",
)
DAY_FIELDS = (
    "notice_days",
    "intake_days",
    "visit_days",
    "review_days",
    "approve_days",
    "total_days",
    "refusal_notice_days",
)
BOOL_FIELDS = ("review_is_final", "separate_decider", "community_review", "active")


def _require(actor) -> None:
    if not has_capability(actor, Capability.CASE_CONFIGURE):
        raise PermissionDenied(Capability.CASE_CONFIGURE)


def chain_data(chain: ApprovalChain) -> dict:
    return {f: getattr(chain, f) for f in CHAIN_FIELDS}


def chain_clean(raw: dict) -> dict:
    """Typed chain fields from a form or the API; every rule broken gives a message by field."""
    errors: dict[str, list[str]] = {}
    data: dict = {}
    data["area_id"] = str(raw.get("area_id") or "").strip()
    if not Area.objects.filter(code=data["area_id"]).exists():
        errors["area_id"] = [_("区域代码“%(code)s”不存在") % {"code": data["area_id"]}]
    data["programme"] = str(raw.get("programme") or "")
    if data["programme"] and data["programme"] not in Programme.values:
        errors["programme"] = [_("救助项目不在可选范围内")]
    for f in ("review_role", "approve_role"):
        data[f] = str(raw.get(f) or "")
    for f in BOOL_FIELDS:
        v = raw.get(f)
        data[f] = v in (True, "on", "true", "1", 1)
    for f in DAY_FIELDS:
        try:
            data[f] = int(str(raw.get(f, "")).strip())
            if data[f] < 0:
                raise ValueError
        except ValueError:
            errors[f] = [_("请填写非负整数天数")]
    if errors:
        raise ServiceError(errors=errors)
    chain_validate(data)
    return data


def chain_validate(data: dict) -> None:
    """The national rules a chain may not break (issue 14.4)."""
    errors: dict[str, list[str]] = {}
    review, approve = data["review_role"], data["approve_role"]
    if review not in DECIDING_ROLES:
        errors["review_role"] = [_("初审角色须为乡镇(街道)审核或县级审批；村居经办不能初审")]
    if not data["review_is_final"]:
        if approve not in DECIDING_ROLES:
            errors["approve_role"] = [_("审批角色须为乡镇(街道)审核或县级审批；村居经办不能审批")]
        elif review in ROLE_LEVEL and ROLE_LEVEL[approve] <= ROLE_LEVEL[review]:
            errors["approve_role"] = [
                _(
                    "审批角色的层级须高于初审角色（县级审批高于乡镇审核）；"
                    "由乡镇作出决定的，请选择“初审即终审”"
                )
            ]
    if not data["separate_decider"]:
        errors["separate_decider"] = [_("审核与审批须为不同人员（谁审核谁不审批），不能取消")]
    if data["notice_days"] < LEGAL_NOTICE_DAYS:
        errors["notice_days"] = [
            _("公示天数不得少于 %(days)s 天（《社会救助审核确认办法》第十九条）")
            % {"days": LEGAL_NOTICE_DAYS}
        ]
    if not 1 <= data["total_days"] <= MAX_TOTAL_DAYS:
        errors["total_days"] = [_("办结总时限应为 1–%(days)s 个工作日") % {"days": MAX_TOTAL_DAYS}]
    for f in ("intake_days", "visit_days", "review_days", "approve_days"):
        if not 1 <= data[f] <= MAX_STEP_DAYS:
            errors[f] = [_("时限应为 1–%(days)s 个工作日") % {"days": MAX_STEP_DAYS}]
    if not 1 <= data["refusal_notice_days"] <= MAX_REFUSAL_NOTICE_DAYS:
        errors["refusal_notice_days"] = [
            _("不予批准书面告知时限应为 1–%(days)s 个工作日") % {"days": MAX_REFUSAL_NOTICE_DAYS}
        ]
    if errors:
        raise ServiceError(errors=errors)


def _json(data: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in data.items()}


def chain_propose(*, actor, raw: dict, reason: str, chain_id: int | None = None) -> ConfigChange:
    """Propose a new chain or a change of ``chain_id``; nothing changes until approved."""
    _require(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(errors={"reason": [_("请填写变更原因")]})
    data = chain_clean(raw)
    if not user_scope(actor, Capability.CASE_CONFIGURE).contains(data["area_id"]):
        raise ServiceError(errors={"area_id": [_("该区域不在您的管辖范围内")]})
    with transaction.atomic():
        before = {}
        if chain_id is not None:
            chain = ApprovalChain.objects.filter(pk=chain_id).first()
            if chain is None:
                raise ServiceError(_("审批流程配置不存在"), code="not_found")
            before = chain_data(chain)
        elif ApprovalChain.objects.filter(
            area_id=data["area_id"], programme=data["programme"]
        ).exists():
            raise ServiceError(
                errors={"area_id": [_("该区域和项目已有审批流程配置，请修改原配置")]}
            )
        change = ConfigChange.objects.create(
            kind=ConfigKind.CHAIN,
            target_id=chain_id,
            data=data,
            before=before,
            reason=reason,
            proposed_by=actor,
        )
        audit_record(
            actor=actor,
            action="cases.chain_propose",
            subject_type="config_change",
            subject_id=change.pk,
            area_code=data["area_id"],
            reason=reason,
            before=before or None,
            after=data,
        )
        return change


def workday_propose(
    *, actor, day: datetime.date, is_working_day: bool, note: str, reason: str, delete=False
) -> ConfigChange:
    """Propose a working-day correction (a 调休 not yet in the package), or its removal."""
    _require(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(errors={"reason": [_("请填写变更原因")]})
    with transaction.atomic():
        existing = WorkingDayOverride.objects.filter(date=day).first()
        if delete and existing is None:
            raise ServiceError(errors={"date": [_("该日期没有工作日调整")]})
        before = (
            {
                "date": day.isoformat(),
                "is_working_day": existing.is_working_day,
                "note": existing.note,
            }
            if existing
            else {}
        )
        data = {"date": day.isoformat(), "is_working_day": bool(is_working_day), "note": note[:100]}
        change = ConfigChange.objects.create(
            kind=ConfigKind.WORKDAY,
            target_id=existing.pk if existing else None,
            delete=delete,
            data=data,
            before=before,
            reason=reason,
            proposed_by=actor,
        )
        audit_record(
            actor=actor,
            action="cases.workday_propose",
            area_code=NATIONAL,
            subject_type="config_change",
            subject_id=change.pk,
            reason=reason,
            before=before or None,
            after=None if delete else data,
        )
        return change


def _pending(actor, change_id: int) -> ConfigChange:
    _require(actor)
    change = ConfigChange.objects.select_for_update().filter(pk=change_id).first()
    if change is None:
        raise ServiceError(_("配置变更不存在"), code="not_found")
    if change.status != ConfigStatus.PENDING:
        raise ServiceError(_("该配置变更已处理"), code="wrong_state")
    if change.proposed_by_id == actor.pk:
        raise ServiceError(
            _("配置变更须由另一名管理员复核，提出人不能复核自己的变更"), code="same_person"
        )
    return change


def config_change_approve(*, actor, change_id: int, note: str = "") -> ConfigChange:
    """A second administrator approves: the change is validated again and applied."""
    with transaction.atomic():
        change = _pending(actor, change_id)
        if change.kind == ConfigKind.CHAIN:
            data = dict(change.data)
            chain_validate(data)  # the rules may have been tightened meanwhile
            if change.target_id:
                chain = ApprovalChain.objects.select_for_update().get(pk=change.target_id)
                current = chain_data(chain)
                if change.before and current != change.before:
                    raise ServiceError(_("审批流程在提出变更后已被修改，请重新提出"), code="stale")
                for f, v in data.items():
                    setattr(chain, f, v)
                chain.save()
            else:
                chain = ApprovalChain.objects.create(**data)
            subject, area = chain.pk, chain.area_id
        else:
            day = datetime.date.fromisoformat(change.data["date"])
            if change.delete:
                WorkingDayOverride.objects.filter(date=day).delete()
            else:
                WorkingDayOverride.objects.update_or_create(
                    date=day,
                    defaults={
                        "is_working_day": change.data["is_working_day"],
                        "note": change.data.get("note", ""),
                    },
                )
            subject, area = change.data["date"], ""
        change.status = ConfigStatus.APPROVED
        change.decided_by, change.decided_at = actor, timezone.now()
        change.decision_note = (note or "").strip()[:200]
        change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action="cases.chain_change"
            if change.kind == ConfigKind.CHAIN
            else "cases.workday_change",
            subject_type="approval_chain" if change.kind == ConfigKind.CHAIN else "working_day",
            subject_id=subject,
            area_code=area,
            reason=change.reason,
            before=change.before or None,
            after=None if change.delete else _json(change.data),
            extra={"change": change.pk, "proposed_by": change.proposed_by_id},
        )
        return change


def config_change_reject(*, actor, change_id: int, note: str) -> ConfigChange:
    note = (note or "").strip()
    if not note:
        raise ServiceError(errors={"note": [_("退回须填写复核意见")]})
    with transaction.atomic():
        change = _pending(actor, change_id)
        change.status = ConfigStatus.REJECTED
        change.decided_by, change.decided_at = actor, timezone.now()
        change.decision_note = note[:200]
        change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action="cases.config_reject",
            area_code=NATIONAL,
            subject_type="config_change",
            subject_id=change.pk,
            reason=note,
        )
        return change
