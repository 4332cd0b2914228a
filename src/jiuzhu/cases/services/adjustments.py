"""Adjustment cases (change, phase-out, stop) and the adjustments that follow a death."""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access
from jiuzhu.audit.services import audit_record, jsonable
from jiuzhu.cases import calculator
from jiuzhu.cases.models import (
    Application,
    Purpose,
    State,
    TaskKind,
)
from jiuzhu.cases.services._common import (
    ADJUSTMENT_LABELS,
    _event,
    _intake_role,
    _money,
    _month_after,
    _number,
    _task_open,
    chain_for,
)
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock, events
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.language import stored_text
from jiuzhu.registry import roll
from jiuzhu.registry import services as registry_services
from jiuzhu.registry.models import Person, RollEntry, RollStatus

# ---------------------------------------------------------------- change / stop / 渐退 cases


ADJUSTABLE_STATES = (RollStatus.ACTIVE, RollStatus.SUSPENDED)
PHASE_OUT_PROGRAMMES = ("dibao", "dibao_single")
PHASE_OUT_MAX_MONTHS = 12


@transaction.atomic
def adjustment_create(
    *,
    actor,
    roll_entry_id: int,
    purpose: str,
    reason: str,
    amount=None,
    phase_out_months: int | None = None,
    evidence: dict | None = None,
    origin: str = "",
) -> Application:
    """Open a change (变更), stop (停发) or 渐退 case for a roll entry — also one an import made.

    The case enters the normal path at 初审 (the alert or review is its investigation, attached
    as ``evidence``): 初审 → 审批 → on approval the roll entry is changed, stopped or phased out
    (``_adjust_roll``). Opened by whoever handles alerts over the household's area.
    """
    entry = access(
        RollEntry.objects.select_for_update().select_related("household"),
        actor,
        Capability.ALERT_HANDLE,
        pk=roll_entry_id,
    )
    hh = entry.household
    errors: dict[str, list[str]] = {}
    if purpose not in (Purpose.CHANGE, Purpose.STOP, Purpose.PHASE_OUT):
        errors.setdefault("purpose", []).append(_("办理事项须为变更、停发或渐退"))
    if entry.status not in ADJUSTABLE_STATES:
        errors.setdefault("roll_entry", []).append(_("该名册记录已停发，不能再变更或停发"))
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(_("须填写变更/停发理由"))
    value = None
    if purpose == Purpose.CHANGE:
        try:
            value = _money(amount, "amount")
        except ServiceError as exc:
            errors.setdefault("amount", []).append(
                _("新的月救助金额：%(error)s") % {"error": exc.text()}
            )
        else:
            if value == entry.monthly_amount:
                errors.setdefault("amount", []).append(_("新的月救助金额与现金额相同"))
    if purpose == Purpose.PHASE_OUT:
        if entry.programme not in PHASE_OUT_PROGRAMMES:
            errors.setdefault("purpose", []).append(_("渐退只适用于低保（低保办法第三十三条）"))
        if not phase_out_months or not 1 <= int(phase_out_months) <= PHASE_OUT_MAX_MONTHS:
            errors.setdefault("phase_out_months", []).append(
                _("渐退月数须为1至%(max)s个月（一般不超过6个月）") % {"max": PHASE_OUT_MAX_MONTHS}
            )
    if errors:
        raise ServiceError(errors=errors)
    pending = Application.objects.filter(
        target_roll_entry=entry, state__in=[s.value for s in OPEN_ADJUSTMENT_STATES]
    ).first()
    if pending is not None:
        raise ServiceError(
            _("该名册记录已有办理中的变更/停发（%(number)s），不能重复发起")
            % {"number": pending.number},
            code="duplicate",
        )
    applicant = (
        entry.person
        if entry.person_id
        else Person.objects.filter(household=hh, relation="head").first()
    )
    if applicant is None:
        raise ServiceError(_("该家庭没有户主，请先登记户主"), field="applicant")
    chain = chain_for(area_code=hh.hukou_area_id, programme=entry.programme)
    today = clock.today()
    app = Application(
        household=hh,
        applicant=applicant,
        area_id=hh.hukou_area_id,
        programme=entry.programme,
        purpose=purpose,
        target_roll_entry=entry,
        monthly_amount=value if purpose == Purpose.CHANGE else entry.monthly_amount,
        phase_out_months=int(phase_out_months) if purpose == Purpose.PHASE_OUT else None,
        reason=reason,
        channel="visit",
        chain=chain,
        created_by=actor,
        state=State.REVIEWING,
        accepted_on=today,
        review_due=add_working_days(today, chain["review_days"]),
        decision_due=add_working_days(today, chain["total_days"]),
        origin=origin,
        evidence=jsonable(evidence or {}),
    )
    app.number = f"TMP{uuid.uuid4().hex[:20]}"
    app.save()
    app.number = _number(app)
    Application.objects.filter(pk=app.pk).update(number=app.number)
    _task_open(
        app,
        TaskKind.REVIEW,
        chain["review_role"],
        app.review_due,
        note=f"{stored_text(Purpose(purpose).label)}：{reason}"[:200],
    )
    _event(
        app,
        actor=actor,
        action="submit_adjustment",
        label=ADJUSTMENT_LABELS[purpose],
        from_state="",
        to_state=State.REVIEWING,
        role=_intake_role(actor, app.area_id),
        reason=reason,
        data={
            "purpose": purpose,
            "roll_entry": entry.pk,
            "amount": value,
            "phase_out_months": app.phase_out_months,
            "origin": origin,
        },
    )
    return app


OPEN_ADJUSTMENT_STATES = (State.REVIEWING, State.RETURNED, State.APPROVING)


def phase_out_amounts(amount: decimal.Decimal, months: int) -> list[decimal.Decimal]:
    """渐退 amounts, month by month: falling in equal steps from ``amount`` towards zero.

    Month i (1-based) of n pays ``amount × (n + 1 − i) / (n + 1)``, rounded to the fen (half up):
    600 yuan over 3 months → 450, 300, 150.
    """
    cent = decimal.Decimal("0.01")
    return [
        (amount * (months + 1 - i) / (months + 1)).quantize(cent, decimal.ROUND_HALF_UP)
        for i in range(1, months + 1)
    ]


def _adjust_roll(app: Application, actor, amount, reason: str) -> dict:
    """Apply an approved change/stop/渐退 to its target entry (paid to this month, new from next)."""
    entry = roll.roll_entry_lock(app.target_roll_entry_id)
    if entry.status not in ADJUSTABLE_STATES:
        raise ServiceError(_("该名册记录已停发，不能再变更或停发"), code="wrong_state")
    today = clock.today()
    this_month = today.replace(day=1)
    start = _month_after(today)
    before_amount = entry.monthly_amount
    roll.roll_end(entry, end_month=max(this_month, entry.start_month))
    created: list[RollEntry] = []
    if app.purpose == Purpose.CHANGE:
        value = _money(amount if amount not in (None, "") else app.monthly_amount, "amount")
        app.monthly_amount = value
        created.append(
            roll.roll_add(
                household_id=entry.household_id,
                person_id=entry.person_id,
                programme=entry.programme,
                amount=value,
                start_month=start,
                decision_ref=app.number,
            )
        )
    elif app.purpose == Purpose.PHASE_OUT:
        month = start
        for value in phase_out_amounts(before_amount, app.phase_out_months or 1):
            created.append(
                roll.roll_add(
                    household_id=entry.household_id,
                    person_id=entry.person_id,
                    programme="phase_out",
                    amount=value,
                    start_month=month,
                    end_month=month,
                    decision_ref=app.number,
                )
            )
            month = _month_after(month)
    app.roll_entry = created[0] if app.purpose == Purpose.CHANGE else entry
    after = {
        "purpose": app.purpose,
        "stopped_entry": entry.pk,
        "end_month": entry.end_month,
        "new_entries": [
            {
                "id": r.pk,
                "programme": r.programme,
                "amount": r.monthly_amount,
                "start_month": r.start_month,
                "end_month": r.end_month,
            }
            for r in created
        ],
        "application": app.number,
    }
    audit_record(
        actor=actor,
        action=f"roll.{app.purpose}",
        subject_type="roll_entry",
        subject_id=entry.pk,
        household_id=app.household_id,
        area_code=app.area_id,
        reason=reason,
        before={"status": "active", "amount": entry.monthly_amount},
        after=after,
    )
    return after


def _origin_hold_release(app: Application, actor, *, confirmed: bool, note: str) -> bool:
    """Settle the payment hold placed by the alert this case came from (``origin`` alert:N),
    once the case is decided: the hold lasts as long as the roll has not changed. Published as
    ``CaseDecided`` (funds settles the hold once the decision commits)."""
    if not (app.origin or "").startswith("alert:"):
        return False
    events.publish(
        events.CaseDecided(
            application_id=app.pk,
            purpose=str(app.purpose or ""),
            origin=app.origin,
            approved=confirmed,
            actor_id=getattr(actor, "pk", None),
            note=note[:300],
        )
    )
    return True


@transaction.atomic
def death_record(*, actor, person_id: int, death_date: datetime.date, reason: str) -> Person:
    """Record a confirmed death in the registry (audited there), once."""
    person = access(
        Person.objects.select_for_update(), actor, Capability.ALERT_HANDLE, pk=person_id
    )
    if death_date > clock.today():
        raise ServiceError(_("“死亡日期”不能晚于今天"), field="death_date")
    if person.death_date is None:
        person = registry_services.person_update(
            actor=actor,
            person_id=person.pk,
            version=person.version,
            data={"death_date": death_date},
            reason=f"死亡核实：{reason}"[:500],
        )
    return person


@transaction.atomic
def death_adjustment(
    *,
    actor,
    person_id: int,
    death_date: datetime.date,
    reason: str,
    stop: bool = False,
    amount=None,
    roll_entry_id: int | None = None,
    evidence: dict | None = None,
    origin: str = "",
) -> Application:
    """A confirmed death (an alert from the police feed, a report): record it in the registry and
    open the case that follows from it for the roll entry that pays the person —

    - the person's own entry (特困 and other individual entries) → 停发;
    - the household's entry → 核减: ``amount`` if the clerk gives one, else the calculator
      recomputes the household without the deceased; an amount still due opens a change case,
      none (or nobody left alive, or ``stop``) a stop case.

    The roll changes only when the case is approved (初审 → 审批)."""
    person = access(
        Person.objects.select_for_update().select_related("household"),
        actor,
        Capability.ALERT_HANDLE,
        pk=person_id,
    )
    death_record(actor=actor, person_id=person.pk, death_date=death_date, reason=reason)
    entries = RollEntry.objects.filter(
        household_id=person.household_id, status__in=ADJUSTABLE_STATES
    ).order_by("id")
    entry = None
    if roll_entry_id:
        entry = entries.filter(pk=roll_entry_id).first()
    entry = (
        entry
        or entries.filter(person_id=person.pk).first()
        or entries.filter(person__isnull=True).first()
    )
    if entry is None:
        raise ServiceError(
            _("该人员及其家庭没有在发的名册记录，无需停发或核减"), field="roll_entry"
        )
    survivors = Person.objects.filter(
        household_id=person.household_id, is_counted=True, death_date__isnull=True
    ).exists()
    if entry.person_id == person.pk or stop or not survivors:
        return adjustment_create(
            actor=actor,
            roll_entry_id=entry.pk,
            purpose=Purpose.STOP,
            reason=reason,
            evidence=evidence,
            origin=origin,
        )
    if amount in (None, ""):
        amount = calculator.programme_amount(household=person.household, programme=entry.programme)
    else:
        amount = _money(amount, "amount")
    purpose = Purpose.CHANGE if amount else Purpose.STOP
    if amount is not None and amount == entry.monthly_amount:
        raise ServiceError(
            _("按测算，去世成员不影响该家庭的救助金额（%(amount)s 元/月）；请核实后手工发起变更")
            % {"amount": amount},
            field="amount",
            code="no_change",
        )
    return adjustment_create(
        actor=actor,
        roll_entry_id=entry.pk,
        purpose=purpose,
        reason=reason,
        amount=amount,
        evidence={**(evidence or {}), "recomputed": str(amount) if amount else None},
        origin=origin,
    )


def payment_officer_check(*, application: Application, user) -> None:
    """For the payments module: whoever reviewed or decided a case may not pay it."""
    if user.pk in (application.reviewed_by_id, application.decided_by_id):
        raise ServiceError(
            _("审批与发放分离：该申请的审核或审批人员不能办理其发放"), code="same_person"
        )
