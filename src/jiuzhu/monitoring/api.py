"""REST API of monitoring (django-ninja): alerts — list, one alert, close with an outcome.

Thin like the pages: the same selectors (scoped by ``jiuzhu.accounts.scoping``; opening one alert
is an audited read) and the same ``services.alert_close``. Callers need ``alert.handle``. Names are
shown as on the pages; ID numbers only masked.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_capability
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.masking import mask_id_number
from jiuzhu.core.programmes import programme_label
from jiuzhu.monitoring import selectors, services
from jiuzhu.monitoring.models import Alert, AlertStatus, Level, Outcome, RuleKind

router = Router(tags=["monitoring"])


class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]]


class AlertOut(Schema):
    id: int
    household_id: int
    household_number: str
    head_name: str
    person_id: int | None
    person_name: str
    person_id_number: str  # masked
    cause: str
    cause_label: str
    programme: str
    programme_label: str
    area_code: str
    area_name: str
    summary: str
    level: str
    level_label: str
    role: str
    assigned_to: str | None
    office: str
    due_date: datetime.date
    overdue: bool
    escalations: int
    status: str
    status_label: str
    outcome: str
    outcome_label: str
    outcome_reason: str
    application_id: int | None
    application_number: str | None
    payment_hold: bool
    raised_at: datetime.datetime
    closed_at: datetime.datetime | None
    version: int


class EvidenceOut(Schema):
    key: str
    text: str
    source: str
    date: str


class RollEntryOut(Schema):
    id: int
    programme: str
    programme_label: str
    person_name: str
    monthly_amount: Decimal
    start_month: datetime.date
    decision_ref: str


class HistoryOut(Schema):
    action: str
    at: datetime.datetime
    actor_name: str
    reason: str
    after: Any = None


class AlertDetailOut(AlertOut):
    rule_name: str
    evidence: list[EvidenceOut]
    evidence_more: int
    roll_entries: list[RollEntryOut]
    history: list[HistoryOut]


class CloseIn(Schema):
    outcome: str  # add 核增, reduce 核减, stop 停发, no_action 无需处理
    reason: str
    version: int | None = None
    programme: str = ""  # 核增: the programme applied for (default from the alert)
    amount: Decimal | None = None  # 核减: the new monthly amount (a change case)
    roll_entry_id: int | None = None  # 核减/停发: the entry (default the alert's)
    phase_out_months: int | None = None  # 核减: 渐退 over this many months
    override_reason: str = ""  # an outcome the cause does not support (death → 核增/无需处理)


def _out(a: Alert, today: datetime.date) -> dict:
    person = a.person
    return {
        "id": a.pk,
        "household_id": a.household_id,
        "household_number": a.household.number,
        "head_name": a.household.head_name,
        "person_id": a.person_id,
        "person_name": person.name if person else "",
        "person_id_number": mask_id_number(person.id_number) if person else "",
        "cause": a.cause,
        "cause_label": str(RuleKind(a.cause).label),
        "programme": a.programme,
        "programme_label": programme_label(a.programme) if a.programme else "",
        "area_code": a.area_id,
        "area_name": a.area.name,
        "summary": a.summary,
        "level": a.level,
        "level_label": str(Level(a.level).label),
        "role": a.role,
        "assigned_to": str(a.assigned_to) if a.assigned_to_id else None,
        "office": a.office,
        "due_date": a.due_date,
        "overdue": a.status == AlertStatus.OPEN and a.due_date < today,
        "escalations": a.escalations,
        "status": a.status,
        "status_label": str(AlertStatus(a.status).label),
        "outcome": a.outcome,
        "outcome_label": str(Outcome(a.outcome).label) if a.outcome else "",
        "outcome_reason": a.outcome_reason,
        "application_id": a.application_id,
        "application_number": a.application.number if a.application_id else None,
        "payment_hold": a.payment_hold,
        "raised_at": a.raised_at,
        "closed_at": a.closed_at,
        "version": a.version,
    }


def _detail(user, alert_id: int) -> dict:
    page = selectors.alert_page(user=user, alert_id=alert_id)  # scoped, audited as alert.view
    a = page["alert"]
    return {
        **_out(a, clock.today()),
        "rule_name": a.rule.name,
        "evidence": [
            {
                "key": r.get("key", ""),
                "text": r.get("text", ""),
                "source": r.get("source", ""),
                "date": r.get("date") or "",
            }
            for r in a.evidence.get("records", [])
        ],
        "evidence_more": int(a.evidence.get("more", 0) or 0),
        "roll_entries": [
            {
                "id": e.pk,
                "programme": e.programme,
                "programme_label": label,
                "person_name": e.person.name if e.person_id else "",
                "monthly_amount": e.monthly_amount,
                "start_month": e.start_month,
                "decision_ref": e.decision_ref,
            }
            for e, label in page["entries"]
        ],
        "history": [
            {
                "action": h.action,
                "at": h.created_at,
                "actor_name": h.actor_name,
                "reason": h.reason,
                "after": h.after,
            }
            for h in page["history"]
        ],
    }


@router.get("/alerts", response={200: list[AlertOut], 400: ErrorOut, 403: ErrorOut})
def alert_list(
    request,
    mine: bool = False,
    status: str = "open",
    cause: str = "",
    area: str = "",
    overdue: bool = False,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10**9),
):
    """Alerts in my areas (``mine=true``: waiting on me), filtered by status (open/closed/all),
    cause (rule kind), area (code prefix) and ``overdue``; oldest deadline first."""
    require_capability(request.user, Capability.ALERT_HANDLE)
    if status not in (*AlertStatus.values, "all"):
        raise ServiceError(_("status 须为 open（待处理）、closed（已办结）或 all"), field="status")
    if cause and cause not in RuleKind.values:
        raise ServiceError(_("没有“%(cause)s”这一预警原因") % {"cause": cause}, field="cause")
    if area and not area.isdigit():
        raise ServiceError(_("area 须为区划代码前缀（数字）"), field="area")
    qs = selectors.alert_list(
        user=request.user, status=status, cause=cause, area=area, overdue=overdue, mine=mine
    ).select_related("person", "application")
    today = clock.today()
    offset, limit = max(0, offset), max(1, min(limit, 200))
    return [_out(a, today) for a in qs[offset : offset + limit]]


@router.get("/alerts/{alert_id}", response={200: AlertDetailOut, 403: ErrorOut, 404: ErrorOut})
def alert_detail(request, alert_id: int):
    """One alert with its evidence, the household's roll entries and what was done (audited)."""
    require_capability(request.user, Capability.ALERT_HANDLE)
    return _detail(request.user, alert_id)


@router.post(
    "/alerts/{alert_id}/close",
    response={200: AlertDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def alert_close(request, alert_id: int, payload: CloseIn):
    """Close with an outcome: 核增 opens an application, 核减 a change/渐退/stop case, 停发 a stop
    case, 无需处理 needs the reason. ``version`` (from the alert) guards against a second closer."""
    require_capability(request.user, Capability.ALERT_HANDLE)
    services.alert_close(
        actor=request.user,
        alert_id=alert_id,
        outcome=payload.outcome,
        reason=payload.reason,
        version=payload.version,
        programme=payload.programme,
        amount=payload.amount,
        roll_entry_id=payload.roll_entry_id,
        phase_out_months=payload.phase_out_months,
        override_reason=payload.override_reason,
    )
    return _detail(request.user, alert_id)
