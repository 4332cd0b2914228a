"""Payment holds: placed by monitoring findings (a death, a move, …) and released by a confirmed review."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area
from jiuzhu.audit.services import audit_record, audit_record_many
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.models import (
    HoldOutcome,
    LineStatus,
    PaymentHold,
    PayrollLine,
    PayrollStatus,
    ReissueStatus,
)
from jiuzhu.funds.services._common import _flag_cleared, _flag_hold_id
from jiuzhu.registry.models import Household, Person

# ---------------------------------------------------------------- payment holds (monitoring's seam)


def payment_hold_place(
    *, person_id: int, household_id: int, reason: str, source: str, actor=None, programme: str = ""
) -> PaymentHold:
    """Hold every payment to this person (and their household's lines) until released.

    Idempotent per person and source: placing the same hold twice returns the existing one.
    The rules and the audit event are those of ``payment_holds_place_many`` (one path)."""
    hold = {
        "person_id": person_id,
        "household_id": household_id,
        "reason": reason,
        "source": source,
        "programme": programme,
    }
    with transaction.atomic():
        _holds_place([hold], actor=actor, not_member=lambda h: _("成员不属于该家庭"))
        return PaymentHold.objects.get(person_id=person_id, source=source)


def payment_holds_place_many(*, holds: list[dict], actor=None) -> int:
    """``payment_hold_place`` for many people at once (a monitoring run that finds many deaths).

    Each dict has person_id, household_id, reason, source and optionally programme. Same rules
    and the same audit events as one by one, in one transaction: a person who is not in the given
    household refuses the whole call; a (person, source) already held, or given twice, is placed
    once. Returns the number of holds placed.
    """
    if not holds:
        return 0
    return _holds_place(
        holds,
        actor=actor,
        not_member=lambda h: (
            _("成员 %(person)s 不属于家庭 %(household)s")
            % {"person": h["person_id"], "household": h["household_id"]}
        ),
    )


def _holds_check(holds: list[dict], *, not_member) -> None:
    """Every hold names its source and reason, and its person is a member of its household
    (``not_member(hold)`` is the message when not; a person unknown is not a member)."""
    for h in holds:
        if not h.get("source"):
            raise ServiceError(_("请注明暂停发放的来源（如 alert:编号）"), field="source")
        if not h.get("reason"):
            raise ServiceError(_("请填写暂停发放的原因"), field="reason")
    homes: dict[int, int] = {}
    ids = list({h["person_id"] for h in holds})
    for i in range(0, len(ids), 5000):
        homes.update(
            Person.objects.filter(pk__in=ids[i : i + 5000]).values_list("pk", "household_id")
        )
    for h in holds:
        if homes.get(h["person_id"]) != h["household_id"]:
            raise ServiceError(not_member(h), field="person_id")


def _holds_place(holds: list[dict], *, actor, not_member) -> int:
    """Check and place ``holds`` in one transaction with one audit event per hold placed."""
    placed_by = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        _holds_check(holds, not_member=not_member)
        existing = set()
        src = list({h["source"] for h in holds})
        for i in range(0, len(src), 5000):
            existing.update(
                PaymentHold.objects.filter(source__in=src[i : i + 5000]).values_list(
                    "person_id", "source"
                )
            )
        wanted: dict[tuple[int, str], dict] = {}
        for h in holds:
            key = (h["person_id"], h["source"])
            if key not in existing:
                wanted.setdefault(key, h)
        new = [
            PaymentHold(
                person_id=h["person_id"],
                household_id=h["household_id"],
                reason=h["reason"][:300],
                source=h["source"],
                programme=h.get("programme", ""),
                placed_by=placed_by,
            )
            for h in wanted.values()
        ]
        PaymentHold.objects.bulk_create(new, batch_size=2000)
        if new and new[0].pk is None:  # a backend that does not return keys from bulk inserts
            keys = {
                (p, s): pk
                for p, s, pk in PaymentHold.objects.filter(
                    source__in=[n.source for n in new]
                ).values_list("person_id", "source", "pk")
            }
            for n in new:
                n.pk = keys[(n.person_id, n.source)]
        areas = dict(
            Household.objects.filter(pk__in={n.household_id for n in new}).values_list(
                "pk", "hukou_area_id"
            )
        )
        audit_record_many(
            actor=actor,
            events=[
                {
                    "action": "funds.hold_place",
                    "subject_type": "payment_hold",
                    "subject_id": n.pk,
                    "household_id": n.household_id,
                    "area_code": areas.get(n.household_id, ""),
                    "reason": n.reason,
                    "after": {"person": n.person_id, "source": n.source, "programme": n.programme},
                }
                for n in new
            ],
        )
    return len(new)


def payment_hold_release(*, source: str, actor, confirmed: bool, note: str = "") -> int:
    """Close the open holds from ``source``. Returns the number of payroll lines affected.

    confirmed=True: the cause is true (e.g. death confirmed); the held lines of submitted
    payrolls become 不予发放 and are never paid (the case stops the roll). confirmed=False: the
    hold was wrong; held lines of submitted payrolls go to the re-issue queue (paid in a
    supplementary batch) unless another check still holds them. A draft payroll picks the
    release up when it is regenerated; the next payroll no longer holds the person."""
    with transaction.atomic():
        holds = list(
            PaymentHold.objects.select_for_update()
            .select_related("household")
            .filter(source=source, released_at__isnull=True)
        )
        return _holds_release(holds, actor=actor, confirmed=confirmed, note=note)


def payment_hold_release_one(*, actor, hold_id: int, confirmed: bool, reason: str) -> int:
    """解除暂停发放 from the holds page: one hold, by a payments officer of its area who checks
    the cause (``payroll.approve``), with a required reason. Same effect on payroll lines as
    ``payment_hold_release``; returns the number of lines affected."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写解除理由（核实情况与依据）"), field="reason")
    if len(reason) > 300:
        raise ServiceError(_("解除理由不能超过300字"), field="reason")
    with transaction.atomic():
        hold = (
            PaymentHold.objects.select_for_update()
            .select_related("household")
            .filter(pk=hold_id)
            .first()
        )
        if hold is None:
            raise ServiceError(_("暂停发放记录不存在"), code="not_found")
        require_area(actor, Capability.PAYROLL_APPROVE, hold.household.hukou_area_id)
        if hold.released_at is not None:
            raise ServiceError(
                _("该暂停已于 %(at)s 解除，请刷新页面")
                % {"at": f"{timezone.localtime(hold.released_at):%Y-%m-%d %H:%M}"},
                code="wrong_state",
            )
        return _holds_release([hold], actor=actor, confirmed=confirmed, note=reason)


def _holds_release(holds: list[PaymentHold], *, actor, confirmed: bool, note: str) -> int:
    """Release ``holds`` (locked, open) inside the caller's transaction; one audit event each."""
    affected = 0
    now = timezone.now()
    for hold in holds:
        mine_count = 0
        hold.released_at = now
        hold.released_by = actor if actor is not None and actor.is_authenticated else None
        hold.outcome = HoldOutcome.CONFIRMED if confirmed else HoldOutcome.CLEARED
        hold.note = note[:300]
        hold.save(update_fields=["released_at", "released_by", "outcome", "note"])
        lines = (
            PayrollLine.objects.select_for_update()
            .filter(household_id=hold.household_id, status=LineStatus.HELD)
            .exclude(payroll__status=PayrollStatus.DRAFT)
        )
        for line in lines:
            mine = [f for f in line.flags if _flag_hold_id(f) == hold.pk]
            if not mine:
                continue
            if confirmed:
                line.status = LineStatus.WITHHELD
                line.save(update_fields=["status"])
                mine_count += 1
                continue
            others = [
                f for f in line.flags if f.get("held") and f not in mine and not _flag_cleared(f)
            ]
            if not others:
                line.reissue_status = ReissueStatus.QUEUED
                line.failure_note = "暂停已解除（误报），待补发"
                line.save(update_fields=["reissue_status", "failure_note"])
                mine_count += 1
        affected += mine_count
        audit_record(
            actor=actor,
            action="funds.hold_release",
            subject_type="payment_hold",
            subject_id=hold.pk,
            household_id=hold.household_id,
            area_code=hold.household.hukou_area_id,
            reason=note,
            after={"outcome": hold.outcome, "source": hold.source, "lines": mine_count},
        )
    return affected
