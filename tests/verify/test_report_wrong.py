"""报告匹配错误 (issue 22): the 核对 officer marks an accepted link as someone else's record, with a
reason; the link goes, its findings and alerts are withdrawn, the payment hold it placed is released
(the payroll line back to be paid), everything audited and scoped. A rejected review item releases
a hold an earlier run placed the same way."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.models import PaymentHold, PayrollLine, ReissueStatus
from jiuzhu.monitoring.models import Alert
from jiuzhu.monitoring.services import monitor_run
from jiuzhu.verify import matching
from jiuzhu.verify.false_links import link_report_wrong, withdrawal_effects
from jiuzhu.verify.models import (
    Check,
    FeedRecord,
    Finding,
    LinkStatus,
    MatchRun,
    RecordLink,
    ReviewDecision,
)
from jiuzhu.verify.services import review_decide
from tests.clock import travel_to
from tests.conftest import CHENGDONG, CHENGXI, HAILING
from tests.factories import first_village, user_with_role
from tests.funds.conftest import bank_profiles, household, officers  # noqa: F401 - fixtures
from tests.funds.conftest import on_roll as funds_on_roll
from tests.funds.helpers import released
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _written_on():
    with travel_to(datetime.date(2026, 12, 7)):
        yield


def _linked_death(person, probability: float = 0.9995, key: str | None = None):
    """A police death record without an ID number, linked to ``person`` by the engine at a
    probability that holds payments."""
    key = key or f"GAP{person.pk}"
    row = police_death(person, DAY, key=key)
    row[1] = ""
    import_rows("police", [row])
    record = FeedRecord.objects.get(record_key=key)
    run = MatchRun.objects.create(kind=MatchRun.KIND_FEEDS)
    return RecordLink.objects.create(
        record=record,
        person=person,
        run=run,
        method=matching.METHOD_PROBABILISTIC,
        status=LinkStatus.ACCEPTED,
        match_probability=probability,
        match_weight=14.0,
        comparison={
            "name": {"level": "name_exact", "weight": 9.0},
            "birth_date": {"level": "birth_exact", "weight": 8.0},
            "sex": {"level": "sex_same", "weight": 1.0},
            "area": {"level": "area_township", "weight": 2.0},
        },
    )


def _finding(link):
    check = Check.objects.create(household=link.person.household, reason="测试")
    return Finding.objects.create(
        check_run=check,
        household=link.person.household,
        person=link.person,
        kind="death",
        department="police",
        source="feed:police",
        summary="死亡未注销",
        detail={"record_id": link.record_id},
    )


def test_reporting_a_link_wrong_withdraws_the_alert_releases_the_hold_and_pays_the_line(
    django_capture_on_commit_callbacks,
    officers,  # noqa: F811
):
    hh, head = household(officers["zijin"], name="周秀兰")
    funds_on_roll(hh)
    link = _linked_death(head)
    finding = _finding(link)
    monitor_run(on=DAY)
    alert = Alert.objects.get(household=hh, cause="death")
    assert alert.payment_hold
    hold = PaymentHold.objects.get(source=f"alert:{alert.pk}")
    payroll = released(officers)
    line = PayrollLine.objects.get(payroll=payroll, household=hh)
    assert line.status == "held"

    officer = user_with_role(Role.COUNTY_APPROVER, HAILING)
    with django_capture_on_commit_callbacks(execute=True):  # LinkWithdrawn: on commit
        done = link_report_wrong(
            actor=officer, link_id=link.pk, reason="同名同姓，本人健在，已入户核实"
        )

    assert not RecordLink.objects.filter(pk=link.pk).exists()
    decision = ReviewDecision.objects.get(record=link.record, person=head)
    assert decision.decision == "rejected" and decision.link_status == "accepted"
    assert decision.comparison["area"]["level"] == "area_township"  # the next training's label
    assert not Finding.objects.filter(pk=finding.pk).exists()
    alert.refresh_from_db()
    assert (alert.status, alert.outcome) == ("closed", "no_action")
    assert "同名同姓" in alert.outcome_reason
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.outcome == "cleared"
    assert "匹配已被判定为错误" in hold.note
    line.refresh_from_db()
    assert line.reissue_status == ReissueStatus.QUEUED, (
        line.flags
    )  # paid in the supplementary batch
    assert withdrawal_effects(household_id=hh.pk, after_seq=done["audit_seq"]) == {
        "alerts": 1,
        "holds": 1,
    }
    event = AuditEvent.objects.get(action="verify.link_report_wrong")
    assert event.reason.startswith("同名同姓") and event.before["person"] == head.pk
    assert [f["id"] for f in event.after["findings_withdrawn"]] == [finding.pk]
    assert AuditEvent.objects.filter(action="monitoring.alert_withdraw").count() == 1
    assert AuditEvent.objects.filter(action="funds.hold_release").count() == 1
    # the next run does not link the pair again
    monitor_run(on=DAY)
    assert not Alert.objects.filter(household=hh, cause="death", status="open").exists()


def test_an_alert_with_other_evidence_is_requeued_without_the_record(
    taizhou, django_capture_on_commit_callbacks
):
    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    link = _linked_death(head)
    monitor_run(on=DAY)
    alert = Alert.objects.get(household=hh, cause="death")
    alert.evidence["records"].append(
        {"key": "x", "text": "另一条记录", "source": "民政 火化记录H1", "date": "2026-11-19"}
    )
    alert.save()
    with django_capture_on_commit_callbacks(execute=True):
        link_report_wrong(
            actor=user_with_role(Role.COUNTY_APPROVER, HAILING), link_id=link.pk, reason="不是本人"
        )
    alert.refresh_from_db()
    assert alert.status == "open"
    assert [r["source"] for r in alert.evidence["records"]] == ["民政 火化记录H1"]
    assert "不是本人" in alert.evidence["withdrawn"]
    assert PaymentHold.objects.get(source=f"alert:{alert.pk}").released_at is None


def test_a_reason_is_required_and_only_accepted_links_in_scope_are_reported(taizhou):
    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    link = _linked_death(head)
    officer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    with pytest.raises(ServiceError) as exc:
        link_report_wrong(actor=officer, link_id=link.pk, reason="  ")
    assert "reason" in exc.value.errors
    with pytest.raises(ServiceError):
        link_report_wrong(actor=officer, link_id=link.pk, reason="长" * 201)
    with pytest.raises(Http404):  # another street's officer does not see the link
        link_report_wrong(
            actor=user_with_role(Role.TOWNSHIP_REVIEWER, CHENGXI), link_id=link.pk, reason="x"
        )
    link.status = LinkStatus.REVIEW
    link.save()
    with pytest.raises(ServiceError) as exc:
        link_report_wrong(actor=officer, link_id=link.pk, reason="不是本人")
    assert exc.value.code == "wrong_state"
    assert RecordLink.objects.filter(pk=link.pk).exists()
    assert not ReviewDecision.objects.exists()
    assert not AuditEvent.objects.filter(action="verify.link_report_wrong").exists()


def test_rejecting_a_review_item_releases_the_hold_an_earlier_run_placed(
    taizhou, django_capture_on_commit_callbacks
):
    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    link = _linked_death(head)
    monitor_run(on=DAY)
    alert = Alert.objects.get(household=hh, cause="death")
    hold = PaymentHold.objects.get(source=f"alert:{alert.pk}")
    link.status = LinkStatus.REVIEW  # a retrained model sent it to a person
    link.save()
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(
            actor=user_with_role(Role.COUNTY_APPROVER, HAILING),
            link_id=link.pk,
            decision="rejected",
            note="出生地不同，不是本人",
        )
    hold.refresh_from_db()
    alert.refresh_from_db()
    assert hold.released_at is not None and hold.outcome == "cleared"
    assert alert.status == "closed"
    event = AuditEvent.objects.get(action="verify.link_rejected")
    withdrawn = AuditEvent.objects.get(action="monitoring.alert_withdraw")
    assert withdrawn.subject_id == str(alert.pk) and withdrawn.seq > event.seq


def test_a_withdrawal_that_rolls_back_tells_nobody(taizhou, django_capture_on_commit_callbacks):
    """The event is dispatched on commit: a report undone by an error later in the same
    transaction leaves the alert and its hold alone."""
    from django.db import transaction

    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    link = _linked_death(head)
    monitor_run(on=DAY)
    alert = Alert.objects.get(household=hh, cause="death")
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture, pytest.raises(RuntimeError), transaction.atomic():
        link_report_wrong(
            actor=user_with_role(Role.COUNTY_APPROVER, HAILING), link_id=link.pk, reason="不是本人"
        )
        raise RuntimeError("a later step failed")
    alert.refresh_from_db()
    assert alert.status == "open" and RecordLink.objects.filter(pk=link.pk).exists()
    assert PaymentHold.objects.get(source=f"alert:{alert.pk}").released_at is None


def test_the_link_page_shows_the_evidence_and_the_button_and_keeps_typed_input(
    client, taizhou, django_capture_on_commit_callbacks
):
    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    link = _linked_death(head)
    _finding(link)
    monitor_run(on=DAY)
    officer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    client.force_login(officer)
    report = client.get(f"/verify/households/{hh.pk}/report/").content.decode()
    assert f"/verify/links/{link.pk}/" in report
    alert = Alert.objects.get(household=hh, cause="death")
    client.force_login(user_with_role(Role.COUNTY_APPROVER, HAILING))
    assert (
        f"/verify/links/{link.pk}/"
        in client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    )
    client.force_login(officer)
    page = client.get(f"/verify/links/{link.pk}/").content.decode()
    assert "报告匹配错误" in page and head.name in page
    assert head.id_number not in page
    assert AuditEvent.objects.filter(action="verify.link_view", subject_id=link.pk).exists()
    typed = "长" * 201
    response = client.post(f"/verify/links/{link.pk}/", {"reason": typed})
    assert response.status_code == 400
    assert typed in response.content.decode() and "200" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/verify/links/{link.pk}/", {"reason": "不是本人"})
    assert response.status_code == 302 and response["Location"].endswith(
        f"/verify/households/{hh.pk}/report/"
    )
    alert.refresh_from_db()
    assert alert.status == "closed"
    assert not RecordLink.objects.filter(pk=link.pk).exists()
    # a worker who may only view cannot report
    link2 = _linked_death(head, key="GAP2")
    viewer = user_with_role(Role.FINANCE, HAILING)
    client.force_login(viewer)
    assert client.post(f"/verify/links/{link2.pk}/", {"reason": "x"}).status_code == 403
