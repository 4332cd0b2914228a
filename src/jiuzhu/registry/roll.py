"""The roll (救助名册): the only code that changes ``RollEntry``.

Cases (decisions, adjustments), verify (merging a duplicate person) and the registry's own
import ask these functions; each change publishes ``core.events.RollChanged`` (dispatched after
the commit). The callers keep their own audit events, which carry the case's context.
Lock-and-read (``roll_entry_lock``) is here too, so a caller checks the state it is about to
change under the same row lock.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import F

from jiuzhu.core import events
from jiuzhu.registry.models import RollEntry, RollStatus


def _changed(entry: RollEntry, change: str) -> None:
    events.publish(
        events.RollChanged(
            roll_entry_id=entry.pk,
            household_id=entry.household_id,
            programme=entry.programme,
            change=change,
            status=str(entry.status),
            amount=entry.monthly_amount if isinstance(entry.monthly_amount, Decimal) else None,
            effective=entry.start_month if change == "added" else entry.end_month,
        )
    )


def roll_entry_lock(entry_id: int) -> RollEntry:
    """The entry, locked for the rest of the transaction (``select_for_update``)."""
    return RollEntry.objects.select_for_update().get(pk=entry_id)


def roll_add(
    *,
    household_id: int,
    programme: str,
    amount: Decimal,
    start_month: datetime.date,
    end_month: datetime.date | None = None,
    decision_ref: str,
    person_id: int | None = None,
    source: str = "case",
) -> RollEntry:
    """Put a household (or, for per-person programmes, a member) on the roll from ``start_month``."""
    entry = RollEntry.objects.create(
        household_id=household_id,
        person_id=person_id,
        programme=programme,
        monthly_amount=amount,
        start_month=start_month,
        end_month=end_month,
        decision_ref=decision_ref,
        source=source,
    )
    _changed(entry, "added")
    return entry


def roll_end(entry: RollEntry, *, end_month: datetime.date) -> RollEntry:
    """Stop a (locked) entry: ``end_month`` is the last month paid. Bumps its version."""
    entry.end_month = end_month
    entry.status = RollStatus.STOPPED
    entry.version = F("version") + 1
    entry.save()
    entry.refresh_from_db(fields=["version"])
    _changed(entry, "status")
    return entry


def roll_person_reassign(*, from_person_id: int, to_person_id: int) -> int:
    """A duplicate person merged into another: their entries follow the kept person."""
    ids = list(RollEntry.objects.filter(person_id=from_person_id).values_list("pk", flat=True))
    RollEntry.objects.filter(pk__in=ids).update(person_id=to_person_id)
    for entry in RollEntry.objects.filter(pk__in=ids):
        _changed(entry, "person")
    return len(ids)
