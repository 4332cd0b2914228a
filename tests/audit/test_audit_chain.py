import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.services import audit_record, audit_record_many, audit_verify

pytestmark = pytest.mark.django_db


def _write(n):
    with transaction.atomic():
        for i in range(n):
            audit_record(
                actor=None,
                action="test.event",
                subject_type="thing",
                subject_id=i,
                before={"amount": "1.00"},
                after={"amount": f"{i}.50", "名": "张三"},
            )


def _raw(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_intact_chain_verifies():
    _write(5)
    result = audit_verify()
    assert result.ok, result.message
    assert result.checked == AuditEvent.objects.count()
    call_command("audit", "verify")


def test_edited_event_is_detected_at_that_event():
    _write(5)
    target = AuditEvent.objects.filter(action="test.event").order_by("seq")[2]
    _raw("UPDATE audit_auditevent SET reason = %s WHERE seq = %s", ["改过", target.seq])
    result = audit_verify()
    assert not result.ok
    assert result.problem_seq == target.seq
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_deleted_middle_event_is_detected():
    _write(5)
    target = AuditEvent.objects.filter(action="test.event").order_by("seq")[1]
    _raw("DELETE FROM audit_auditevent WHERE seq = %s", [target.seq])
    result = audit_verify()
    assert not result.ok
    assert result.problem_seq == target.seq


def test_deleted_last_event_is_detected():
    _write(3)
    last = AuditEvent.objects.order_by("-seq").first()
    _raw("DELETE FROM audit_auditevent WHERE seq = %s", [last.seq])
    assert not audit_verify().ok


def test_events_cannot_be_changed_through_the_orm():
    _write(1)
    event = AuditEvent.objects.order_by("-seq").first()
    event.reason = "x"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_events_recorded_in_bulk_continue_the_chain():
    _write(2)
    with transaction.atomic():
        rows = audit_record_many(
            actor=None,
            events=[
                {"action": "test.bulk", "subject_type": "thing", "subject_id": i, "after": {"i": i}}
                for i in range(50)
            ],
        )
    _write(1)
    assert [r.seq for r in rows] == list(range(rows[0].seq, rows[0].seq + 50))
    assert AuditEvent.objects.filter(action="test.bulk").count() == 50
    assert audit_verify().ok
    target = AuditEvent.objects.filter(action="test.bulk").order_by("seq")[10]
    _raw("UPDATE audit_auditevent SET after = %s WHERE seq = %s", ['{"i": 99}', target.seq])
    result = audit_verify()
    assert not result.ok and result.problem_seq == target.seq


@pytest.mark.django_db(transaction=True)
def test_bulk_recording_needs_the_transaction_of_the_change():
    with pytest.raises(RuntimeError):
        audit_record_many(
            actor=None, events=[{"action": "x", "subject_type": "t", "subject_id": 1}]
        )
