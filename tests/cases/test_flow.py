"""The whole path for 低保, 特困 and 临时救助, and what each step records."""

import datetime
from decimal import Decimal

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.services import audit_verify
from jiuzhu.cases import services as s
from jiuzhu.cases.models import Application, DecisionLetter, State, Task
from jiuzhu.core.errors import ServiceError
from jiuzhu.registry.models import RollEntry
from tests.cases.helpers import advance, make_cast, new_case

pytestmark = pytest.mark.django_db


def _month_after(d):
    return (d.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


@pytest.mark.parametrize("programme", ["dibao", "tekun"])
def test_full_path_puts_household_on_roll(taizhou, programme):
    cast = make_cast()
    app = new_case(cast, programme=programme)
    app = advance(cast, app, State.APPROVED)
    assert app.state == State.APPROVED
    entry = RollEntry.objects.get(pk=app.roll_entry_id)
    assert entry.programme == programme
    assert entry.monthly_amount == Decimal("710.00")
    assert entry.start_month == _month_after(app.decided_on)
    assert app.reviewed_by == cast.reviewer and app.decided_by == cast.approver
    actions = list(app.events.values_list("action", flat=True))
    assert actions == ["submit", "accept", "submit_visit", "review", "close_notice", "approve"]
    assert all(e.actor_name for e in app.events.all())
    assert DecisionLetter.objects.get(application=app, kind="approval").pdf[:5] == b"%PDF-"
    assert not Task.objects.filter(application=app, done_at__isnull=True).exists()
    assert (
        AuditEvent.objects.filter(subject_type="application", subject_id=str(app.pk)).count() >= 6
    )
    assert audit_verify().ok


def test_tekun_has_its_own_limits(taizhou):
    cast = make_cast()
    app = new_case(cast, programme="tekun")
    assert app.chain["review_days"] == 15 and app.chain["approve_days"] == 15


def test_emergency_temporary_aid_is_helped_first(taizhou):
    cast = make_cast()
    app = new_case(
        cast, programme="temporary_aid", temp_aid_kind="emergency", papers=False, signatures=False
    )
    app = s.application_grant_emergency(
        actor=cast.reviewer,
        application_id=app.pk,
        version=app.version,
        amount="2130.00",
        reason="突发火灾，先行救助",
    )
    assert app.state == State.APPROVED
    entry = app.roll_entry
    assert entry.monthly_amount == Decimal("2130.00") and entry.end_month == entry.start_month
    assert Task.objects.filter(application=app, kind="follow_up", done_at__isnull=True).exists()


def test_expenditure_temporary_aid_takes_the_full_path(taizhou):
    cast = make_cast()
    app = new_case(cast, programme="temporary_aid", temp_aid_kind="expenditure")
    with pytest.raises(ServiceError) as e:
        s.application_grant_emergency(
            actor=cast.reviewer,
            application_id=app.pk,
            version=app.version,
            amount="100",
            reason="x",
        )
    assert e.value.code == "not_emergency"
    app = advance(cast, app, State.APPROVED)
    assert app.one_off_amount == Decimal("710.00") and app.roll_entry.end_month is not None


def test_refusal_gives_written_reasons(taizhou):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.REFUSED)
    assert app.decision_reason == "收入超标" and app.decided_by == cast.approver
    assert DecisionLetter.objects.filter(application=app, kind="refusal").exists()
    assert not RollEntry.objects.filter(household=app.household).exists()


def test_change_and_stop_keep_history(taizhou):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.APPROVED)
    app = s.roll_change(
        actor=cast.approver,
        application_id=app.pk,
        version=app.version,
        amount="500.00",
        reason="家庭收入增加",
    )
    assert app.monthly_amount == Decimal("500.00")
    entries = RollEntry.objects.filter(household=app.household).order_by("id")
    assert [e.monthly_amount for e in entries] == [Decimal("710.00"), Decimal("500.00")]
    app = s.roll_stop(
        actor=cast.approver,
        application_id=app.pk,
        version=app.version,
        reason="家庭成员就业，收入超过标准",
    )
    assert app.state == State.STOPPED
    assert app.roll_entry.status == "stopped"


def test_return_for_correction_and_resubmit(taizhou):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.RETURNED)
    assert Task.objects.filter(application=app, kind="correct", done_at__isnull=True).exists()
    app = s.application_resubmit(
        actor=cast.worker, application_id=app.pk, version=app.version, reason="已补充收入证明"
    )
    assert app.state == State.REVIEWING


def test_vague_application_gets_proposals_and_needs_a_programme(taizhou):
    cast = make_cast()
    app = new_case(cast, programme="")
    assert app.vague and app.proposed_programmes
    assert app.proposed_programmes[0]["programme"] == "dibao"
    with pytest.raises(ServiceError) as e:
        s.application_accept(actor=cast.reviewer, application_id=app.pk, version=app.version)
    assert "模糊申请" in str(e.value)
    app = s.application_set_programme(
        actor=cast.worker, application_id=app.pk, version=app.version, programme="dibao"
    )
    app = s.application_accept(actor=cast.reviewer, application_id=app.pk, version=app.version)
    assert app.state == State.INVESTIGATING


def test_client_ref_is_idempotent(taizhou):
    cast = make_cast()
    app = new_case(cast, client_ref="online-123")
    again = s.application_create(
        actor=cast.worker, household_id=app.household_id, programme="dibao", client_ref="online-123"
    )
    assert again.pk == app.pk
    assert Application.objects.filter(client_ref="online-123").count() == 1


def test_second_open_application_refused(taizhou):
    cast = make_cast()
    app = new_case(cast)
    with pytest.raises(ServiceError) as e:
        s.application_create(actor=cast.worker, household_id=app.household_id, programme="dibao")
    assert e.value.code == "duplicate"
