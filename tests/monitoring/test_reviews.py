"""Risk classes, the month's review tasks, and a review's outcomes (维持/变更/渐退/停发)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from jiuzhu.cases import services as cases
from jiuzhu.cases.selectors import todo_rows
from jiuzhu.core.errors import ServiceError
from jiuzhu.monitoring.models import Alert, ReviewTask, RiskClass
from jiuzhu.monitoring.reviews import review_complete, review_tasks_generate, risk_grades
from jiuzhu.registry.models import RollEntry
from tests.monitoring.helpers import on_roll

pytestmark = pytest.mark.django_db


def month():
    return timezone.localdate().replace(day=1)


def test_grades_follow_the_configured_order(cast):
    tekun, _, _ = on_roll(cast.village, programme="tekun", head_birth=datetime.date(1950, 1, 1))
    able, _, _ = on_roll(cast.village, head_birth=datetime.date(1985, 1, 1))
    alerted, _, _ = on_roll(cast.village, head_birth=datetime.date(1985, 1, 1))
    from jiuzhu.monitoring.models import AlertRule, MonitorRun

    run = MonitorRun.objects.create(kind="full", as_of=month())
    Alert.objects.create(
        household=alerted,
        cause="death",
        rule=AlertRule.objects.get(kind="death"),
        run=run,
        area_id=alerted.hukou_area_id,
        summary="x",
        level="village",
        role="village_worker",
        due_date=month(),
    )
    g = {r["household_id"]: r for r in risk_grades(on=month()).iter_rows(named=True)}
    assert g[alerted.pk]["risk_class"] == "A" and g[alerted.pk]["interval_months"] == 1
    assert g[able.pk]["risk_class"] == "B" and g[able.pk]["interval_months"] == 3
    assert g[tekun.pk]["risk_class"] == "Y" and g[tekun.pk]["interval_months"] == 12
    RiskClass.objects.filter(code="B").update(interval_months=2)
    assert risk_grades(on=month()).filter(risk_class="B")["interval_months"].to_list() == [2]


def test_the_month_generates_due_reviews_once_on_the_workers_list(cast):
    households = [on_roll(cast.village, head_birth=datetime.date(1985, 1, 1))[0] for _ in range(6)]
    m = month().year * 12 + month().month - 1
    # B class (quarterly), never reviewed: spread by id, about a third of them this month
    expected = {h.pk for h in households if (h.pk + m) % 3 == 0}
    n = review_tasks_generate(month=month())
    due = ReviewTask.objects.filter(period=month())
    assert n == len(expected) and set(due.values_list("household_id", flat=True)) == expected
    assert review_tasks_generate(month=month()) == 0  # idempotent
    RiskClass.objects.filter(code="B").update(interval_months=1)
    assert review_tasks_generate(month=month()) == 6 - len(expected)  # the rest, now monthly
    t = ReviewTask.objects.filter(period=month()).first()
    assert t.assigned_to == cast.worker and t.risk_class == "B"
    assert f"复核 #{t.pk}" in [r.ref_label for r in todo_rows(user=cast.worker)]
    assert f"复核 #{t.pk}" not in [r.ref_label for r in todo_rows(user=cast.reviewer_xi)]
    RiskClass.objects.filter(code="B").update(interval_months=3)
    nxt = (month() + datetime.timedelta(days=32)).replace(day=1)
    assert review_tasks_generate(month=nxt) == 0  # all reviewed this month: due in 3 months
    later = (month() + datetime.timedelta(days=95)).replace(day=1)
    assert review_tasks_generate(month=later) == 6


def _one_review(cast, **kw):
    hh, members, entry = on_roll(cast.village, **kw)
    task = ReviewTask.objects.create(
        household=hh,
        period=month(),
        risk_class="B",
        programmes=["dibao"],
        area_id=hh.hukou_area_id,
        role="village_worker",
        assigned_to=cast.worker,
        due_date=timezone.localdate(),
    )
    return hh, members, entry, task


def test_confirm_closes_the_review(cast):
    hh, _, entry, task = _one_review(cast)
    with pytest.raises(ServiceError, match="复核情况"):
        review_complete(actor=cast.worker, review_id=task.pk, outcome="confirm", note="")
    task = review_complete(
        actor=cast.worker, review_id=task.pk, outcome="confirm", note="入户核实无变化"
    )
    assert task.done and task.application is None
    entry.refresh_from_db()
    assert entry.status == "active"


def test_phase_out_end_to_end_creates_falling_monthly_roll_rows(cast):
    hh, (head,), entry, task = _one_review(cast, amount="600.00")
    task = review_complete(
        actor=cast.worker,
        review_id=task.pk,
        outcome="phase_out",
        note="户主就业，收入超过标准",
        phase_out_months=3,
    )
    app = task.application
    assert app.purpose == "phase_out" and app.phase_out_months == 3
    app = cases.application_review(
        actor=cast.reviewer,
        application_id=app.pk,
        version=app.version,
        recommend=True,
        reason="同意渐退",
    )
    app = cases.application_approve(
        actor=cast.approver, application_id=app.pk, version=app.version, reason="批准渐退3个月"
    )
    entry.refresh_from_db()
    assert entry.status == "stopped" and entry.end_month == timezone.localdate().replace(day=1)
    rows = list(RollEntry.objects.filter(decision_ref=app.number).order_by("start_month"))
    assert [r.programme for r in rows] == ["phase_out"] * 3
    assert [r.monthly_amount for r in rows] == [
        Decimal("450.00"),
        Decimal("300.00"),
        Decimal("150.00"),
    ]
    assert all(r.start_month == r.end_month and r.status == "active" for r in rows)
    first = (entry.end_month + datetime.timedelta(days=32)).replace(day=1)
    assert rows[0].start_month == first
    assert rows[2].start_month == (first + datetime.timedelta(days=62)).replace(day=1)


def test_phase_out_is_only_for_dibao(cast):
    hh, _, entry, task = _one_review(cast, programme="tekun")
    with pytest.raises(ServiceError, match="渐退只适用于低保"):
        review_complete(
            actor=cast.worker, review_id=task.pk, outcome="phase_out", note="x", phase_out_months=3
        )
    task.refresh_from_db()
    assert not task.done


def test_change_outcome_opens_a_change_case(cast):
    hh, _, entry, task = _one_review(cast, size=2, amount="1000.00")
    task = review_complete(
        actor=cast.worker, review_id=task.pk, outcome="change", note="收入增加", amount="800"
    )
    assert task.application.purpose == "change" and task.application.monthly_amount == Decimal(
        "800.00"
    )
    with pytest.raises(ServiceError, match="办理中的变更"):
        cases.adjustment_create(
            actor=cast.worker, roll_entry_id=entry.pk, purpose="stop", reason="重复发起"
        )


def test_stop_outcome_opens_a_stop_case_that_ends_the_entry_when_approved(cast):
    hh, _, entry, task = _one_review(cast, amount="710.00")
    with pytest.raises(ServiceError, match="复核情况"):
        review_complete(actor=cast.worker, review_id=task.pk, outcome="stop", note=" ")
    task = review_complete(
        actor=cast.worker, review_id=task.pk, outcome="stop", note="家庭成员已全部就业，申请退出"
    )
    app = task.application
    assert task.done and task.outcome == "stop"
    assert app.purpose == "stop" and app.state == "reviewing" and app.target_roll_entry == entry
    assert app.origin == f"review:{task.pk}" and "家庭成员已全部就业" in app.evidence["summary"]
    app = cases.application_review(
        actor=cast.reviewer,
        application_id=app.pk,
        version=app.version,
        recommend=True,
        reason="核实属实",
    )
    app = cases.application_approve(
        actor=cast.approver, application_id=app.pk, version=app.version, reason="同意退出"
    )
    entry.refresh_from_db()
    assert app.state == "approved" and entry.status == "stopped"
    assert entry.end_month == month()
    assert not RollEntry.objects.filter(household=hh, status="active").exclude(pk=entry.pk).exists()
    assert app.letters.filter(kind="adjustment").exists()
