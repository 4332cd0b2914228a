"""core.events: dispatch after commit, never for a rolled-back transaction; one catalogue."""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction

from jiuzhu.core import events

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen(monkeypatch):
    monkeypatch.setattr(events, "_subscribers", defaultdict(list))
    got: list = []
    events.subscribe(events.RollChanged, got.append)
    return got


def _event(entry_id=1):
    return events.RollChanged(
        roll_entry_id=entry_id,
        household_id=2,
        programme="dibao",
        change="added",
        status="active",
        amount=Decimal("500.00"),
        effective=datetime.date(2026, 12, 1),
    )


def test_subscribers_run_after_the_commit_not_before(seen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.publish(_event())
        assert seen == []  # not yet: the transaction may still roll back
    assert seen == [_event()]


def test_a_rolled_back_transaction_publishes_nothing(seen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.publish(_event(1))
            try:
                with transaction.atomic():  # a savepoint that rolls back
                    events.publish(_event(2))
                    raise RuntimeError
            except RuntimeError:
                pass
        with pytest.raises(ValueError), transaction.atomic():
            events.publish(_event(3))
            raise ValueError
    assert [e.roll_entry_id for e in seen] == [1]


def test_a_failing_subscriber_is_not_swallowed(seen, django_capture_on_commit_callbacks):
    def boom(event):
        raise RuntimeError("subscriber failed")

    events.subscribe(events.RollChanged, boom)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        events.publish(_event())


def test_events_are_frozen_and_catalogued(seen):
    with pytest.raises(dataclasses.FrozenInstanceError):
        _event().programme = "tekun"

    @dataclasses.dataclass(frozen=True)
    class Stray(events.Event):
        x: int

    with pytest.raises(TypeError):
        events.publish(Stray(1))
    with pytest.raises(TypeError):
        events.subscribe(Stray, print)


def test_the_roll_writer_publishes_roll_changed(seen, django_capture_on_commit_callbacks):
    from jiuzhu.registry import roll
    from tests.factories import household_with_head

    hh = household_with_head()
    with django_capture_on_commit_callbacks(execute=True):
        entry = roll.roll_add(
            household_id=hh.pk,
            programme="dibao",
            amount=Decimal("500.00"),
            start_month=datetime.date(2026, 12, 1),
            decision_ref="TEST-1",
        )
        roll.roll_end(roll.roll_entry_lock(entry.pk), end_month=datetime.date(2027, 1, 1))
    assert [(e.roll_entry_id, e.change, e.status) for e in seen] == [
        (entry.pk, "added", "active"),
        (entry.pk, "status", "stopped"),
    ]
