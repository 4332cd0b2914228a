"""The seam monitoring calls: payment_hold_place / payment_hold_release."""

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.services import audit_verify
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.models import LineStatus, PaymentHold, PayrollLine, ReissueStatus
from jiuzhu.funds.services import (
    payment_hold_place,
    payment_hold_release,
    payment_holds_place_many,
)
from tests.funds.conftest import household, on_roll
from tests.funds.helpers import released

pytestmark = pytest.mark.django_db


def _held_payroll(officers, source="alert:41"):
    hh, head = household(officers["zijin"], name="死亡预警")
    on_roll(hh)
    other, _ = household(officers["zijin"], name="正常")
    on_roll(other)
    hold = payment_hold_place(
        person_id=head.pk, household_id=hh.pk, reason="死亡预警", source=source
    )
    p = released(officers)
    return p, hold, hh


def test_place_is_idempotent_per_person_and_source_and_audited(officers):
    hh, head = household(officers["zijin"], name="甲")
    a = payment_hold_place(
        person_id=head.pk, household_id=hh.pk, reason="死亡预警", source="alert:1"
    )
    b = payment_hold_place(
        person_id=head.pk, household_id=hh.pk, reason="死亡预警", source="alert:1"
    )
    assert a.pk == b.pk and PaymentHold.objects.count() == 1
    assert AuditEvent.objects.filter(action="funds.hold_place").count() == 1


def test_held_line_is_not_sent_and_confirmed_hold_keeps_it_unpaid(officers):
    p, hold, hh = _held_payroll(officers)
    line = PayrollLine.objects.get(payroll=p, household=hh)
    assert line.status == LineStatus.HELD
    assert (
        payment_hold_release(
            source="alert:41", actor=officers["zijin"], confirmed=True, note="死亡属实"
        )
        == 1
    )
    line.refresh_from_db()
    assert line.status == LineStatus.WITHHELD and line.reissue_status == ""
    hold.refresh_from_db()
    assert hold.outcome == "confirmed" and hold.released_at


def test_cleared_hold_sends_the_line_to_the_reissue_queue(officers):
    p, hold, hh = _held_payroll(officers, source="alert:42")
    assert (
        payment_hold_release(
            source="alert:42", actor=officers["zijin"], confirmed=False, note="误报"
        )
        == 1
    )
    line = PayrollLine.objects.get(payroll=p, household=hh)
    assert line.reissue_status == ReissueStatus.QUEUED
    from jiuzhu.funds.services import payroll_reissue

    supp = payroll_reissue(actor=officers["zijin"], payroll_id=p.pk)
    assert supp.lines.get().household_id == hh.pk


def test_many_holds_in_one_call_are_idempotent_audited_and_chained(officers):
    people = [household(officers["zijin"], name=f"批量{i}") for i in range(3)]
    payment_hold_place(
        person_id=people[0][1].pk, household_id=people[0][0].pk, reason="死亡预警", source="alert:7"
    )
    holds = [
        {
            "person_id": head.pk,
            "household_id": hh.pk,
            "reason": "死亡预警",
            "source": f"alert:{7 + i}",
        }
        for i, (hh, head) in enumerate(people)
    ]
    assert payment_holds_place_many(holds=holds) == 2  # the first was already held
    assert payment_holds_place_many(holds=holds) == 0
    assert PaymentHold.objects.count() == 3
    events = AuditEvent.objects.filter(action="funds.hold_place")
    assert events.count() == 3
    assert {e.household_id for e in events} == {hh.pk for hh, _ in people}
    assert audit_verify().ok


def test_many_holds_refuse_a_person_outside_the_household_and_write_nothing(officers):
    (hh1, head1), (hh2, _) = (household(officers["zijin"], name=n) for n in ("甲", "乙"))
    bad = [
        {"person_id": head1.pk, "household_id": hh1.pk, "reason": "死亡预警", "source": "alert:1"},
        {"person_id": head1.pk, "household_id": hh2.pk, "reason": "死亡预警", "source": "alert:2"},
    ]
    with pytest.raises(ServiceError):
        payment_holds_place_many(holds=bad)
    assert PaymentHold.objects.count() == 0


def test_one_and_many_share_the_rules_each_with_its_own_message(officers):
    (hh1, head1), (hh2, _) = (household(officers["zijin"], name=n) for n in ("丙", "丁"))
    with pytest.raises(ServiceError) as one:
        payment_hold_place(person_id=head1.pk, household_id=hh2.pk, reason="死亡预警", source="a:1")
    assert one.value.errors == {"person_id": ["成员不属于该家庭"]}
    with pytest.raises(ServiceError) as many:
        payment_holds_place_many(
            holds=[
                {"person_id": head1.pk, "household_id": hh2.pk, "reason": "死亡", "source": "a:1"}
            ]
        )
    assert many.value.errors == {"person_id": [f"成员 {head1.pk} 不属于家庭 {hh2.pk}"]}
    with pytest.raises(ServiceError, match="成员不属于该家庭"):  # an unknown person
        payment_hold_place(
            person_id=head1.pk + 999, household_id=hh1.pk, reason="死亡", source="a:1"
        )
    for kw, field in (({"source": ""}, "source"), ({"reason": ""}, "reason")):
        args = {"person_id": head1.pk, "household_id": hh1.pk, "reason": "死亡", "source": "a:1"}
        with pytest.raises(ServiceError) as exc:
            payment_hold_place(**{**args, **kw})
        assert field in exc.value.errors
        with pytest.raises(ServiceError) as exc:
            payment_holds_place_many(holds=[{**args, **kw}])
        assert field in exc.value.errors
    assert PaymentHold.objects.count() == 0
    assert not AuditEvent.objects.filter(action="funds.hold_place").exists()


def test_the_same_hold_twice_in_one_call_is_placed_once_like_one_by_one(officers):
    (hh, head), (hh2, head2) = (household(officers["zijin"], name=n) for n in ("戊", "己"))
    hold = {"person_id": head.pk, "household_id": hh.pk, "reason": "死亡预警", "source": "alert:3"}
    assert payment_holds_place_many(holds=[hold, dict(hold)]) == 1
    single = payment_hold_place(
        person_id=head2.pk,
        household_id=hh2.pk,
        reason="死亡预警",
        source="alert:3",
        actor=officers["zijin"],
    )
    assert single.placed_by == officers["zijin"] and single.household_id == hh2.pk
    events = {e.household_id: e for e in AuditEvent.objects.filter(action="funds.hold_place")}
    assert set(events) == {hh.pk, hh2.pk}
    assert events[hh.pk].after == {"person": head.pk, "source": "alert:3", "programme": ""}
    assert events[hh2.pk].after == {"person": head2.pk, "source": "alert:3", "programme": ""}
    assert events[hh2.pk].area_code == hh2.hukou_area_id
