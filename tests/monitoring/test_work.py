"""Alerts as work: routing, deduplication, outcomes (核增/核减/停发/无需处理), holds, escalation."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.cases import services as cases
from jiuzhu.cases.models import Application
from jiuzhu.cases.selectors import todo_rows
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core.errors import ServiceError
from jiuzhu.monitoring import rules
from jiuzhu.monitoring.models import Alert, MonitorRun
from jiuzhu.monitoring.services import alert_close, alerts_escalate, monitor_run
from jiuzhu.registry.models import RollEntry
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def test_alert_goes_to_the_village_worker_with_a_working_day_deadline(cast):
    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [police_death(head, today())])
    monitor_run()
    a = Alert.objects.get(household=hh)
    assert (a.level, a.role, a.assigned_to) == ("village", "village_worker", cast.worker)
    assert a.due_date == add_working_days(today(), 3)  # the death rule's limit
    rows = todo_rows(user=cast.worker)
    assert [r.ref_label for r in rows if r.source == "alert"] == [f"预警 #{a.pk}"]
    assert not [r for r in todo_rows(user=cast.reviewer_xi) if r.source == "alert"]
    # named to the worker: the street reviewer sees it in the list, not on the to-do page
    assert not [r for r in todo_rows(user=cast.reviewer) if r.source == "alert"]


def test_without_a_village_worker_the_street_reviewer_gets_it(cast):
    from jiuzhu.areas.models import Area

    village2 = (
        Area.objects.filter(parent_id="321202001000")
        .exclude(code=cast.village)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    assert village2
    hh, (head,), _ = on_roll(village2)
    import_rows("police", [police_death(head, today())])
    monitor_run()
    a = Alert.objects.get(household=hh)
    assert (a.level, a.assigned_to) == ("township", cast.reviewer)
    assert [r.ref_label for r in todo_rows(user=cast.reviewer) if r.source == "alert"] == [
        f"预警 #{a.pk}"
    ]


def test_one_open_alert_per_household_and_cause_and_reruns_repeat_nothing(cast):
    hh, (head, spouse), _ = on_roll(cast.village, size=2)
    import_rows("police", [police_death(head, today())])
    monitor_run()
    import_rows("police", [police_death(spouse, today())])
    second = monitor_run()
    assert second.alerts_created == 0 and second.alerts_merged == 1
    a = Alert.objects.get(household=hh)
    assert len(a.evidence["records"]) == 2
    again = monitor_run(full=True)
    assert again.alerts_created == 0 and again.alerts_merged == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            household=hh,
            cause="death",
            rule=a.rule,
            run=a.run,
            area_id=a.area_id,
            summary="x",
            level="village",
            role="village_worker",
            due_date=today(),
        )


def test_a_crashed_run_leaves_nothing_and_the_next_run_resumes(cast, monkeypatch):
    hh, (head, _spouse, _kid), _ = on_roll(cast.village, size=3)
    kid = hh.members.get(relation="child")
    import_rows("police", [police_death(head, today())])
    import_rows(
        "education", [["E9", kid.id_number, kid.name, "", "泰州中学", "senior", "2026-09-01", ""]]
    )

    def broken(ctx, p):
        raise RuntimeError("学籍规则出错")

    monkeypatch.setitem(rules.EVALUATORS, "school_change", broken)
    with pytest.raises(RuntimeError):
        monitor_run()
    failed = MonitorRun.objects.get()
    assert failed.status == "failed" and "学籍规则出错" in failed.error
    assert not Alert.objects.exists()  # the death alert evaluated before the crash rolled back
    monkeypatch.undo()
    run = monitor_run()
    assert run.status == "done"
    assert sorted(Alert.objects.values_list("cause", flat=True)) == ["death", "school_change"]


def _reviewed_and_approved(app, cast):
    app = cases.application_review(
        actor=cast.reviewer,
        application_id=app.pk,
        version=app.version,
        recommend=True,
        reason="核实属实",
    )
    return cases.application_approve(
        actor=cast.approver, application_id=app.pk, version=app.version, reason="同意"
    )


def test_death_holds_payment_and_stop_outcome_opens_the_stop_case_that_stops_the_entry(
    cast, django_capture_on_commit_callbacks
):
    from jiuzhu.funds.models import PaymentHold

    hh, (head,), entry = on_roll(cast.village)
    import_rows("police", [police_death(head, today())])
    monitor_run()
    a = Alert.objects.get(household=hh)
    assert a.payment_hold
    hold = PaymentHold.objects.get(source=f"alert:{a.pk}")
    assert hold.person_id == head.pk and hold.released_at is None
    a = alert_close(actor=cast.worker, alert_id=a.pk, outcome="stop", reason="入户核实已死亡")
    assert a.status == "closed" and a.application.purpose == "stop"
    hold.refresh_from_db()
    assert hold.released_at is None  # held until the roll actually changes (issue 13, item 6)
    head.refresh_from_db()
    assert head.death_date == today()  # the death is recorded in the registry
    app = a.application
    assert app.state == "reviewing" and app.target_roll_entry == entry
    assert app.origin == f"alert:{a.pk}" and "公安死亡注销" in app.evidence["records"][0]["text"]
    with django_capture_on_commit_callbacks(execute=True):  # funds settles on CaseDecided
        app = _reviewed_and_approved(app, cast)
    entry.refresh_from_db()
    assert app.state == "approved" and entry.status == "stopped"
    assert entry.end_month == today().replace(day=1)
    assert app.letters.filter(kind="adjustment").exists()
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.outcome == "confirmed"


def test_no_action_needs_a_reason_and_clears_the_hold(cast):
    from jiuzhu.funds.models import PaymentHold

    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [police_death(head, today())])
    monitor_run()
    a = Alert.objects.get(household=hh)
    with pytest.raises(ServiceError, match="处理说明"):
        alert_close(actor=cast.worker, alert_id=a.pk, outcome="no_action", reason=" ")
    alert_close(
        actor=cast.worker,
        alert_id=a.pk,
        outcome="no_action",
        reason="公安误报，本人健在",
        override_reason="入户核实本人健在",
    )
    hold = PaymentHold.objects.get(source=f"alert:{a.pk}")
    assert hold.outcome == "cleared"
    with pytest.raises(ServiceError, match="已办结"):
        alert_close(actor=cast.worker, alert_id=a.pk, outcome="no_action", reason="again")


def test_reduce_opens_a_change_case_and_approval_changes_the_amount_from_next_month(cast):
    hh, (head, spouse), entry = on_roll(cast.village, size=2, amount="1420.00")
    import_rows("police", [police_death(spouse, today())])
    monitor_run()
    a = Alert.objects.get(household=hh)
    a = alert_close(
        actor=cast.worker,
        alert_id=a.pk,
        outcome="reduce",
        reason="配偶死亡，按1人核定",
        amount="710",
    )
    app = _reviewed_and_approved(a.application, cast)
    entry.refresh_from_db()
    new = RollEntry.objects.get(decision_ref=app.number)
    assert entry.status == "stopped" and new.monthly_amount == Decimal("710.00")
    next_month = (today().replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    assert new.start_month == next_month and new.status == "active"


def test_add_opens_an_application_prefilled_from_the_alert(cast):
    from jiuzhu.policy.models import Determination, PolicyRun
    from tests.factories import HouseholdFactory, PersonFactory

    hh = HouseholdFactory(hukou_area_id=cast.village)
    PersonFactory(household=hh)
    run = PolicyRun.objects.create(on_date=today(), status="done")
    Determination.objects.create(
        run=run,
        household_id=hh.pk,
        area_code=hh.hukou_area_id,
        programme="dibao",
        eligible=True,
        amount=Decimal("300"),
        flag="missed",
    )
    monitor_run()
    a = Alert.objects.get(household=hh)
    a = alert_close(actor=cast.worker, alert_id=a.pk, outcome="add", reason="已告知，本人申请")
    app = Application.objects.get(pk=a.application_id)
    assert app.purpose == "apply" and app.programme == "dibao" and app.state == "submitted"
    assert "应保未保" in app.reason and app.origin == f"alert:{a.pk}"


def test_other_areas_cannot_close_an_alert(cast):
    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [police_death(head, today())])
    monitor_run()
    a = Alert.objects.get(household=hh)
    from django.http import Http404

    with pytest.raises(Http404):
        alert_close(actor=cast.reviewer_xi, alert_id=a.pk, outcome="no_action", reason="x")
    a.refresh_from_db()
    assert a.status == "open"


def test_overdue_alerts_escalate_village_to_street_to_county(cast):
    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [police_death(head, today())])
    monitor_run()
    a = Alert.objects.get(household=hh)
    later = a.due_date + datetime.timedelta(days=1)
    assert alerts_escalate(today=later) == 1
    a.refresh_from_db()
    assert (a.level, a.assigned_to, a.escalations) == ("township", cast.reviewer, 1)
    assert a.due_date == add_working_days(later, 3)
    assert alerts_escalate(today=later) == 0  # not overdue any more
    alerts_escalate(today=a.due_date + datetime.timedelta(days=1))
    a.refresh_from_db()
    assert (a.level, a.assigned_to) == ("county", cast.approver)
    assert alerts_escalate(today=a.due_date + datetime.timedelta(days=30)) == 0  # top level
