"""13.8: alerts follow linking. A death reported with a mistyped ID is linked by 核对 after the
import's own monitoring run; the next incremental run (tonight's, after 核对) must alert on it,
not wait for the weekly full run. The same for a link a reviewer confirms."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from jiuzhu.core import clock
from jiuzhu.monitoring.models import Alert
from jiuzhu.monitoring.services import monitor_run
from jiuzhu.verify.models import FeedRecord, MatchRun, RecordLink, ReviewDecision
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db


def _mistyped(person) -> list:
    row = police_death(person, clock.today() - datetime.timedelta(days=10))
    number = person.id_number
    row[1] = number[:9] + str((int(number[9]) + 3) % 10) + number[10:]
    return row


def test_a_record_linked_after_the_import_alerts_in_the_next_incremental_run(cast):
    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [_mistyped(head)])
    monitor_run(trigger="import")  # right after the import: the dirty ID links to no one yet
    assert not Alert.objects.filter(household=hh).exists()
    # tonight's 核对 links the record (a matching run, after the import's monitoring run)
    run = MatchRun.objects.create()
    RecordLink.objects.create(
        record=FeedRecord.objects.get(),
        person=head,
        run=run,
        method="probabilistic",
        status="accepted",
        match_probability=0.999,
    )
    monitor_run(trigger="nightly")  # incremental: no new import since the last run
    alert = Alert.objects.get(household=hh)
    assert alert.cause == "death"


def test_a_link_a_reviewer_confirms_alerts_in_the_next_incremental_run(cast):
    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [_mistyped(head)])
    run = MatchRun.objects.create()
    link = RecordLink.objects.create(
        record=FeedRecord.objects.get(),
        person=head,
        run=run,
        method="probabilistic",
        status="review",
        match_probability=0.9,
    )
    monitor_run(trigger="nightly")
    assert not Alert.objects.filter(household=hh).exists()  # waiting for review
    reviewer = get_user_model().objects.create(username="reviewer")
    ReviewDecision.objects.create(
        record=link.record, person=head, decision="confirmed", decided_by=reviewer
    )
    link.status = "accepted"
    link.save(update_fields=["status"])
    monitor_run(trigger="nightly")
    assert Alert.objects.get(household=hh).cause == "death"


def test_a_death_dated_after_today_is_never_acted_on(cast):
    """22.2: a death record stored before the import refused future dates (or dated after the
    run's day) raises no alert and no payment hold."""
    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [police_death(head, clock.today() - datetime.timedelta(days=1))])
    FeedRecord.objects.update(event_date=clock.today() + datetime.timedelta(days=30))
    monitor_run(full=True)
    assert not Alert.objects.filter(household=hh).exists()


def test_a_near_certain_link_left_for_review_alerts_unconfirmed_without_a_hold(cast):
    """13.11 on the monitoring side: a mistyped old ID the engine links at ≥ 0.99 but leaves
    for review (a vetoing ID disagreement) alerts tonight, marked 身份待核对确认, never holding
    the payment; below 0.99 it waits for the review (the test above)."""
    from jiuzhu.funds.models import PaymentHold

    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [_mistyped(head)])
    monitor_run(trigger="import")
    RecordLink.objects.create(
        record=FeedRecord.objects.get(),
        person=head,
        run=MatchRun.objects.create(),
        method="probabilistic",
        status="review",
        match_probability=0.99999,
    )
    monitor_run(trigger="nightly")
    alert = Alert.objects.get(household=hh)
    assert alert.cause == "death" and "身份待核对确认" in alert.summary
    assert not alert.payment_hold and not PaymentHold.objects.exists()


def test_a_move_out_with_a_dirty_id_alerts_once_linked(cast):
    """A 户籍迁出 record's area is the destination; once linked (or proposed at ≥ 0.99) it
    alerts, with the unconfirmed note when the link is not accepted."""
    hh, (head, _spouse), _ = on_roll(cast.village, size=2)
    row = [
        "MV1",
        "",  # no ID number at all
        head.name,
        head.sex,
        head.birth_date.isoformat(),
        "320102001001",  # 南京: another county
        "南京市玄武区",
        "move_out",
        (clock.today() - datetime.timedelta(days=5)).isoformat(),
    ]
    import_rows("police", [row])
    monitor_run(trigger="import")
    assert not Alert.objects.filter(household=hh).exists()
    RecordLink.objects.create(
        record=FeedRecord.objects.get(),
        person=head,
        run=MatchRun.objects.create(),
        method="probabilistic",
        status="review",
        match_probability=0.995,
    )
    monitor_run(trigger="nightly")
    alert = Alert.objects.get(household=hh)
    assert alert.cause == "hukou_move_out" and "身份待核对确认" in alert.summary
