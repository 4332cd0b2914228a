"""Risk classes and review schedules (动态复核): grade households, generate the month's reviews.

Grading is set-based: the roll being paid, open alerts and members' ages and labour capacity
are read as frames; each household takes the first ``RiskClass`` (in ``order``) whose criterion
holds. A household is due when its class's interval has passed since its last review; one never
reviewed is due in a month spread by its id (so a county's first quarter does not fall in one
month).
"""

from __future__ import annotations

import datetime

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.frames import read_frame
from jiuzhu.monitoring import loader
from jiuzhu.monitoring.models import Criterion, ReviewOutcome, ReviewTask, RiskClass
from jiuzhu.monitoring.routing import Router

WORKING_AGE = (16, 60)


def _months(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def risk_grades(*, on: datetime.date | None = None) -> pl.DataFrame:
    """household_id, area_code, programmes, risk_class, interval_months for every roll household."""
    on = on or clock.today()
    roll = loader.roll_frame(on)
    classes = list(RiskClass.objects.order_by("order", "code"))
    schema = {
        "household_id": pl.Int64,
        "area_code": pl.Utf8,
        "programmes": pl.List(pl.Utf8),
        "risk_class": pl.Utf8,
        "interval_months": pl.Int64,
        "deadline_days": pl.Int64,
    }
    if roll.is_empty() or not classes:
        return pl.DataFrame(schema=schema)
    hh = roll.group_by("household_id").agg(
        area_code=pl.col("area_code").first(), programmes=pl.col("programme").unique().sort()
    )
    members = loader.roll_members(None)
    lo = on.replace(year=on.year - WORKING_AGE[1])
    hi = (
        on.replace(year=on.year - WORKING_AGE[0])
        if not (on.month == 2 and on.day == 29)
        else on.replace(day=28, year=on.year - WORKING_AGE[0])
    )
    able = (
        members.filter(
            (pl.col("birth_date") > lo)
            & (pl.col("birth_date") <= hi)
            & pl.col("labour_capacity").is_in(["full", "partial"])
        )
        .group_by("household_id")
        .agg(able=pl.len())
    )
    alerts = read_frame(
        "SELECT DISTINCT household_id FROM monitoring_alert WHERE status = 'open'",
        [],
        {"household_id": pl.Int64},
    ).with_columns(open_alert=pl.lit(True))
    hh = (
        hh.join(able, on="household_id", how="left")
        .join(alerts, on="household_id", how="left")
        .with_columns(
            able=pl.col("able").fill_null(0),
            open_alert=pl.col("open_alert").fill_null(False),
        )
    )
    tests = {
        Criterion.OPEN_ALERT: pl.col("open_alert"),
        Criterion.ABLE_TO_WORK: pl.col("able") > 0,
        Criterion.STABLE: pl.col("programmes").list.contains("tekun") | (pl.col("able") == 0),
        Criterion.OTHER: pl.lit(True),
    }
    expr_class = pl.lit(None, dtype=pl.Utf8)
    expr_interval = pl.lit(None, dtype=pl.Int64)
    expr_deadline = pl.lit(None, dtype=pl.Int64)
    for c in reversed(classes):  # the first class in order wins: build the chain backwards
        cond = tests[Criterion(c.criterion)]
        expr_class = pl.when(cond).then(pl.lit(c.code)).otherwise(expr_class)
        expr_interval = pl.when(cond).then(pl.lit(c.interval_months)).otherwise(expr_interval)
        expr_deadline = pl.when(cond).then(pl.lit(c.deadline_days)).otherwise(expr_deadline)
    return (
        hh.with_columns(
            risk_class=expr_class, interval_months=expr_interval, deadline_days=expr_deadline
        )
        .filter(pl.col("risk_class").is_not_null())
        .select(list(schema))
        .cast(schema)
    )


@transaction.atomic
def review_tasks_generate(*, month: datetime.date | None = None, actor=None) -> int:
    """The month's review tasks, on each household's named worker's 待办. Idempotent per month."""
    month = (month or clock.today()).replace(day=1)
    grades = risk_grades(on=month)
    if grades.is_empty():
        return 0
    last = read_frame(
        "SELECT household_id, MAX(period) FROM monitoring_reviewtask GROUP BY household_id",
        [],
        {"household_id": pl.Int64, "last": pl.Date},
    )
    m = _months(month)
    due = (
        grades.join(last, on="household_id", how="left")
        .with_columns(
            since=pl.when(pl.col("last").is_null())
            .then(None)
            .otherwise(m - (pl.col("last").dt.year() * 12 + pl.col("last").dt.month() - 1))
        )
        .filter(
            pl.when(pl.col("since").is_null())
            .then((pl.col("household_id") + m) % pl.col("interval_months") == 0)
            .otherwise(pl.col("since") >= pl.col("interval_months"))
        )
    )
    if due.is_empty():
        return 0
    router = Router(month)
    start = max(month, clock.today()) if month <= clock.today() else month
    deadlines: dict[int, datetime.date] = {}
    tasks = []
    for row in due.iter_rows(named=True):
        days = row["deadline_days"]
        if days not in deadlines:
            deadlines[days] = add_working_days(start, days)
        who = router.route(row["area_code"], programme=_main_programme(row["programmes"]))
        tasks.append(
            ReviewTask(
                household_id=row["household_id"],
                period=month,
                risk_class=row["risk_class"],
                programmes=row["programmes"],
                area_id=row["area_code"],
                role=who.role,
                assigned_to_id=who.user_id,
                due_date=deadlines[days],
            )
        )
    ReviewTask.objects.bulk_create(tasks, batch_size=2000, ignore_conflicts=True)
    by_class: dict[str, int] = {}
    for t in tasks:
        by_class[t.risk_class] = by_class.get(t.risk_class, 0) + 1
    audit_record(
        actor=actor,
        action="review.generate",
        area_code=NATIONAL,
        subject_type="review_month",
        subject_id=f"{month:%Y-%m}",
        after={"tasks": len(tasks), "by_class": by_class},
    )
    return len(tasks)


def _main_programme(programmes: list[str]) -> str:
    """The programme a household's review is routed by: the basic tier first (as for alerts)."""
    from jiuzhu.monitoring.rules import PROGRAMME_ORDER

    rank = {p: i for i, p in enumerate(PROGRAMME_ORDER)}
    return min(programmes or [""], key=lambda p: rank.get(p, len(rank)))


@transaction.atomic
def review_complete(
    *,
    actor,
    review_id: int,
    outcome: str,
    note: str,
    amount=None,
    phase_out_months: int | None = None,
    roll_entry_id: int | None = None,
) -> ReviewTask:
    """Record a review: 维持, or open a change, 渐退 or stop case for the household's entry."""
    from jiuzhu.cases import services as cases
    from jiuzhu.monitoring.services import _main_entry

    task = access(
        ReviewTask.objects.select_for_update(), actor, Capability.ALERT_HANDLE, pk=review_id
    )
    if task.done:
        raise ServiceError(_("该复核已完成"), code="wrong_state")
    if outcome not in ReviewOutcome.values:
        raise ServiceError(_("复核结论须为维持、变更金额、渐退或停发退出"), field="outcome")
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("须填写复核情况"), field="note")
    app = None
    if outcome != ReviewOutcome.CONFIRM:
        entry_id = roll_entry_id or _main_entry(task.household_id)
        if entry_id is None:
            raise ServiceError(_("该家庭没有在发的名册记录"), field="roll_entry")
        if outcome == ReviewOutcome.PHASE_OUT and not phase_out_months:
            phase_out_months = phase_out_default_months(task.area_id)
        app = cases.adjustment_create(
            actor=actor,
            roll_entry_id=entry_id,
            purpose=outcome,
            reason=f"动态复核（{task.period:%Y年%m月}，{task.risk_class}类）：{note}",
            amount=amount,
            phase_out_months=phase_out_months,
            evidence={"summary": f"动态复核：{note}", "records": []},
            origin=f"review:{task.pk}",
        )
    task.done = True
    task.outcome = outcome
    task.note = note
    task.application = app
    task.done_at = timezone.now()
    task.done_by = actor
    task.save()
    audit_record(
        actor=actor,
        action="review.complete",
        subject_type="review_task",
        subject_id=task.pk,
        household_id=task.household_id,
        area_code=task.area_id,
        reason=note,
        after={"outcome": outcome, "application": app.number if app else None},
    )
    return task


def phase_out_default_months(area_code: str) -> int:
    """渐退期 from the policy parameter ``phase_out.max_months`` for the area (default 6)."""
    from jiuzhu.policy.engine.params import resolve
    from jiuzhu.policy.selectors import param_catalogue, param_rows

    specs = param_catalogue()[0]
    value = resolve(param_rows(), area_code, clock.today(), specs).get("phase_out.max_months")
    try:
        return int(value.value) if value is not None else 6
    except (TypeError, ValueError):
        return 6
