"""Changing or stopping a payment on the roll through a case."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jiuzhu.audit.services import audit_record
from jiuzhu.cases.models import (
    Application,
    Programme,
)
from jiuzhu.cases.services._common import _money, _month_after, _move
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.registry import roll
from jiuzhu.registry.models import RollEntry, RollStatus


def _roll_add(app: Application, actor, amount, *, one_off: bool) -> RollEntry:
    start = _month_after(app.decided_on or clock.today())
    if one_off:
        start = (app.decided_on or clock.today()).replace(day=1)
    entry = roll.roll_add(
        household_id=app.household_id,
        programme=app.programme,
        amount=amount,
        start_month=start,
        end_month=start if one_off else None,
        decision_ref=app.number,
    )
    app.roll_entry = entry
    audit_record(
        actor=actor,
        action="roll.add",
        subject_type="roll_entry",
        subject_id=entry.pk,
        household_id=app.household_id,
        area_code=app.area_id,
        after={
            "programme": app.programme,
            "amount": amount,
            "start_month": start,
            "end_month": entry.end_month,
            "application": app.number,
        },
    )
    return entry


def roll_change(*, actor, application_id: int, version: int, amount, reason: str) -> Application:
    """变更: a new amount from next month (the old entry ends this month; both stay on record)."""

    def body(app):
        value = _money(amount, "amount")
        old = roll.roll_entry_lock(app.roll_entry_id)
        if old.status != RollStatus.ACTIVE:
            raise ServiceError(_("名册记录已不在保，不能变更"), code="wrong_state")
        if app.programme == Programme.TEMPORARY_AID:
            raise ServiceError(_("临时救助为一次性救助，不能变更金额"), code="wrong_state")
        today = clock.today()
        start = _month_after(today)
        roll.roll_end(old, end_month=today.replace(day=1))  # paid to this month
        new = roll.roll_add(
            household_id=app.household_id,
            programme=app.programme,
            amount=value,
            start_month=start,
            decision_ref=app.number,
        )
        audit_record(
            actor=actor,
            action="roll.change",
            subject_type="roll_entry",
            subject_id=new.pk,
            household_id=app.household_id,
            area_code=app.area_id,
            reason=reason,
            before={"entry": old.pk, "amount": app.monthly_amount},
            after={"entry": new.pk, "amount": value, "start_month": start},
        )
        before = app.monthly_amount
        app.monthly_amount = value
        app.roll_entry = new
        return None, {"before": before, "amount": value, "start_month": start}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="change_amount",
        reason=reason,
        body=body,
    )


def roll_stop(*, actor, application_id: int, version: int, reason: str) -> Application:
    """停发: paid up to this month, stopped from the next."""

    def body(app):
        entry = roll.roll_entry_lock(app.roll_entry_id)
        today = clock.today()
        roll.roll_end(entry, end_month=max(today.replace(day=1), entry.start_month))
        audit_record(
            actor=actor,
            action="roll.stop",
            subject_type="roll_entry",
            subject_id=entry.pk,
            household_id=app.household_id,
            area_code=app.area_id,
            reason=reason,
            after={"end_month": entry.end_month, "status": "stopped"},
        )
        return None, {"end_month": today.replace(day=1)}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="stop",
        reason=reason,
        body=body,
    )
