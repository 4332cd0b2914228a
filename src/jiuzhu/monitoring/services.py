"""Writes of monitoring: runs, closing and escalating alerts, rule configuration, reviews.

Each function is one transaction that checks, changes and audits. A run evaluates every enabled
rule set-based (``jiuzhu.monitoring.rules``), routes and inserts its alerts in bulk and moves its
watermarks forward — all in one transaction: a run that fails leaves nothing behind, and the next
run starts again from the last good watermarks.
"""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

import polars as pl
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, require_capability
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record, jsonable
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.core.frames import read_frame
from jiuzhu.core.language import stored_text
from jiuzhu.funds.services.holds import payment_hold_release, payment_holds_place_many
from jiuzhu.monitoring import loader, outcomes, rules
from jiuzhu.monitoring import params as rule_params
from jiuzhu.monitoring.models import (
    Alert,
    AlertKey,
    AlertRule,
    AlertStatus,
    MonitorRun,
    MonitorRunKind,
    MonitorRunStatus,
    Outcome,
    RuleKind,
)
from jiuzhu.monitoring.routing import Router
from jiuzhu.registry import frames as registry_frames

MAX_EVIDENCE = 20  # records kept on one alert (the rest are counted)
ESCALATION_DAYS = 3  # working days the next level gets after an escalation


# ---------------------------------------------------------------------------- the run


def _standard_lookup(on: datetime.date):
    """低保标准 in fen for an area code, from the policy parameters (cached per county)."""
    from jiuzhu.policy.engine.params import resolve
    from jiuzhu.policy.selectors import param_catalogue, param_rows

    specs = param_catalogue()[0]
    rows = param_rows()
    cache: dict[str, int] = {}

    def standard_fen(area_code: str) -> int:
        if area_code not in cache:
            value = resolve(rows, area_code, on, specs)["dibao.standard"]  # a default exists
            cache[area_code] = int(Decimal(str(value.value)) * 100)
        return cache[area_code]

    return standard_fen


def _lock() -> None:
    """One run at a time (PostgreSQL advisory lock; SQLite serialises writers anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [461_2026])


def _ids_sql(ids) -> str:
    return ", ".join(str(int(i)) for i in ids)


def _existing(table_sql: str, household_ids: list[int], schema: dict) -> pl.DataFrame:
    """Rows of a small per-household query for the candidate households (all when many)."""
    if len(household_ids) > 20_000:
        return read_frame(table_sql, [], schema)
    if not household_ids:
        return pl.DataFrame(schema=schema)
    glue = " AND " if " WHERE " in table_sql else " WHERE "
    return read_frame(f"{table_sql}{glue}household_id IN ({_ids_sql(household_ids)})", [], schema)


def _rules_by_kind() -> dict[str, list[AlertRule]]:
    out: dict[str, list[AlertRule]] = {}
    for r in AlertRule.objects.order_by("kind", "area_prefix", "id"):
        out.setdefault(r.kind, []).append(r)
    return out


def _winning_prefix(area_code: str, prefixes: list[str]) -> str | None:
    best = None
    for p in prefixes:
        if area_code.startswith(p) and (best is None or len(p) > len(best)):
            best = p
    return best


def monitor_run(
    *, full: bool = False, trigger: str = "manual", actor=None, on: datetime.date | None = None
) -> MonitorRun:
    """Evaluate the rules: incrementally (what changed since the last good run) or in full."""
    on = on or clock.today()
    previous = MonitorRun.objects.filter(status=MonitorRunStatus.DONE).order_by("-id").first()
    if previous is None:
        full = True
    run = MonitorRun.objects.create(
        kind=MonitorRunKind.FULL if full else MonitorRunKind.INCREMENTAL,
        trigger=trigger[:20],
        as_of=on,
        started_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            _lock()
            _evaluate(run, previous, full=full, on=on, actor=actor)
    except Exception as exc:
        MonitorRun.objects.filter(pk=run.pk).update(
            status=MonitorRunStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    return run


def _evaluate(run: MonitorRun, previous, *, full: bool, on: datetime.date, actor) -> None:
    from jiuzhu.policy.models import PolicyRun
    from jiuzhu.registry.models import RollEntry
    from jiuzhu.verify.models import FeedImport, Finding

    t_start = time.monotonic()
    timings: dict[str, float] = {}
    run.feed_import_upto = (
        FeedImport.objects.filter(status="accepted").aggregate(m=Max("id"))["m"] or 0
    )
    run.finding_upto = Finding.objects.aggregate(m=Max("id"))["m"] or 0
    latest_policy = PolicyRun.objects.filter(status="done").order_by("-id").first()
    run.policy_run_id = latest_policy.pk if latest_policy else None
    run.roll_changed_upto = RollEntry.objects.aggregate(m=Max("updated_at"))["m"]
    t = time.monotonic()
    roll = loader.roll_frame(on)
    timings["load_roll"] = round(time.monotonic() - t, 3)
    ctx = rules.Context(
        as_of=on,
        since=previous.as_of if previous and not full else on - datetime.timedelta(days=31),
        full=full,
        after_import=previous.feed_import_upto if previous else 0,
        upto_import=run.feed_import_upto,
        roll=roll,
        policy_run_id=run.policy_run_id,
        previous_policy_run_id=previous.policy_run_id if previous else None,
        roll_changed_since=(
            _roll_stamp(previous.roll_changed_upto)
            if previous and previous.roll_changed_upto
            else None
        ),
        standard_fen=_standard_lookup(on),
        policy_conditions=latest_policy.programmes if latest_policy else {},
        linked_since=previous.started_at if previous and not full else None,
    )
    by_kind = _rules_by_kind()
    frames = []
    for kind, evaluate in rules.EVALUATORS.items():
        for rule in by_kind.get(kind, []):
            if not rule.enabled:
                continue
            t = time.monotonic()
            found = evaluate(ctx, rule_params.parse(kind, rule.params))
            timings[f"rule:{rule.pk}:{kind}"] = round(time.monotonic() - t, 3)
            if found.height:
                frames.append(
                    found.with_columns(rule_id=pl.lit(rule.pk, pl.Int64), cause=pl.lit(kind))
                )
    counts: dict[str, int] = {}
    created = merged = 0
    if frames:
        t = time.monotonic()
        created, merged, counts = _store(run, pl.concat(frames), by_kind, on=on, actor=actor)
        timings["store"] = round(time.monotonic() - t, 3)
    timings["total"] = round(time.monotonic() - t_start, 3)
    run.counts = counts
    run.timings = {**timings, **(run.timings or {})}
    run.alerts_created, run.alerts_merged = created, merged
    run.status = MonitorRunStatus.DONE
    run.finished_at = timezone.now()
    run.save()
    audit_record(
        actor=actor if getattr(actor, "pk", None) else None,
        action="monitor.run",
        area_code=NATIONAL,
        subject_type="monitor_run",
        subject_id=run.pk,
        reason=f"{stored_text(MonitorRunKind(run.kind).label)}预警运行（{run.trigger}）",
        after={
            "kind": run.kind,
            "created": created,
            "merged": merged,
            "counts": counts,
            "feed_import_upto": run.feed_import_upto,
            "policy_run": run.policy_run_id,
        },
    )


def _roll_stamp(value) -> str:
    """``updated_at`` as the loader reads it (text), for comparing in the frame."""
    if connection.vendor == "postgresql":
        return str(value)
    return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(sep=" ")


def _store(run, cands: pl.DataFrame, by_kind, *, on, actor) -> tuple[int, int, dict]:
    cands = cands.unique(["household_id", "cause", "key"], keep="first", maintain_order=True)
    households = cands["household_id"].unique().to_list()
    areas = registry_frames.household_areas(households)
    cands = _in_rule_scope(cands.join(areas, on="household_id"), by_kind)
    if cands.is_empty():
        return 0, 0, {}
    households = cands["household_id"].unique().to_list()
    seen = _existing(
        "SELECT household_id, cause, key FROM monitoring_alertkey",
        households,
        {"household_id": pl.Int64, "cause": pl.Utf8, "key": pl.Utf8},
    )
    cands = cands.join(seen, on=["household_id", "cause", "key"], how="anti")
    if cands.is_empty():
        return 0, 0, {}
    open_ = _existing(
        "SELECT id, household_id, cause FROM monitoring_alert WHERE status = 'open'",
        households,
        {"alert_id": pl.Int64, "household_id": pl.Int64, "cause": pl.Utf8},
    )
    cands = cands.join(open_, on=["household_id", "cause"], how="left")
    to_merge = cands.filter(pl.col("alert_id").is_not_null())
    fresh = cands.filter(pl.col("alert_id").is_null())
    keys = _merge_evidence(to_merge)
    rule_by_id = {r.pk: r for rs in by_kind.values() for r in rs}
    new_alerts = _new_alerts(run, fresh, rule_by_id, on=on)
    Alert.objects.bulk_create(new_alerts, batch_size=2000)
    if new_alerts and new_alerts[0].pk is None:  # a backend without RETURNING
        ids = {
            (h, c): pk
            for h, c, pk in Alert.objects.filter(run=run).values_list("household_id", "cause", "id")
        }
        for a in new_alerts:
            a.pk = ids[(a.household_id, a.cause)]
    for a in new_alerts:
        for k in a.evidence.pop("keys"):
            keys.append(AlertKey(alert_id=a.pk, household_id=a.household_id, cause=a.cause, key=k))
    AlertKey.objects.bulk_create(keys, batch_size=5000)
    _hold_payments(run, new_alerts, actor=actor)
    counts: dict[str, int] = {}
    for a in new_alerts:
        counts[a.cause] = counts.get(a.cause, 0) + 1
    return len(new_alerts), to_merge.height, counts


def _in_rule_scope(cands: pl.DataFrame, by_kind) -> pl.DataFrame:
    """The candidates each enabled rule keeps: per-area overrides and programme scope."""
    # Per-area overrides and programme scope: a row stays with the rule of its kind whose area
    # prefix is the most specific for the household's village.
    keep_rows = []
    area_codes = cands["area_code"].unique().to_list()
    for rs in by_kind.values():
        prefixes = sorted({r.area_prefix for r in rs})
        winner = {a: _winning_prefix(a, prefixes) for a in area_codes}
        for r in rs:
            if not r.enabled:
                continue
            mine = [a for a, w in winner.items() if w == r.area_prefix]
            part = cands.filter((pl.col("rule_id") == r.pk) & pl.col("area_code").is_in(mine))
            if r.programmes:
                part = part.filter(pl.col("programme").is_in(list(r.programmes)))
            keep_rows.append(part)
    return pl.concat(keep_rows) if keep_rows else cands.head(0)


def _merge_evidence(to_merge: pl.DataFrame) -> list[AlertKey]:
    """Add the candidates' evidence to the open alerts they belong to; return their keys."""
    keys: list[AlertKey] = []
    # Evidence for an open alert is added to it: one open alert per household and cause.
    if to_merge.height:
        by_alert: dict[int, list[dict]] = {}
        for row in to_merge.iter_rows(named=True):
            by_alert.setdefault(row["alert_id"], []).append(row)
            keys.append(
                AlertKey(
                    alert_id=row["alert_id"],
                    household_id=row["household_id"],
                    cause=row["cause"],
                    key=row["key"],
                )
            )
        alerts = list(Alert.objects.filter(pk__in=list(by_alert)))
        for a in alerts:
            records = a.evidence.get("records", [])
            for row in by_alert[a.pk]:
                if len(records) < MAX_EVIDENCE:
                    records.append(_record(row))
            a.evidence = {**a.evidence, "records": records}
        Alert.objects.bulk_update(alerts, ["evidence"], batch_size=1000)
    return keys


def _new_alerts(run, fresh: pl.DataFrame, rule_by_id: dict, *, on) -> list[Alert]:
    """One new alert per household and cause of the fresh candidates, routed (not saved)."""
    router = Router(on)
    due_for: dict[int, datetime.date] = {}
    new_alerts: list[Alert] = []
    groups = fresh.group_by(["household_id", "cause"], maintain_order=True).agg(pl.all())
    for g in groups.iter_rows(named=True):
        rule = rule_by_id[g["rule_id"][0]]
        if rule.deadline_days not in due_for:
            due_for[rule.deadline_days] = add_working_days(on, rule.deadline_days)
        who = router.route(g["area_code"][0], programme=g["programme"][0] or "")
        rows = [
            {k: g[k][i] for k in ("key", "summary", "source", "event_date")}
            for i in range(len(g["key"]))
        ]
        person = next((p for p in g["person_id"] if p is not None), None)
        entry = next((e for e in g["roll_entry_id"] if e is not None), None)
        new_alerts.append(
            Alert(
                household_id=g["household_id"],
                person_id=person,
                cause=g["cause"],
                rule=rule,
                run=run,
                programme=g["programme"][0] or "",
                roll_entry_id=entry,
                area_id=g["area_code"][0],
                summary=g["summary"][0][:300],
                evidence={
                    "summary": g["summary"][0],
                    "records": [_record(r) for r in rows[:MAX_EVIDENCE]],
                    "more": max(0, len(rows) - MAX_EVIDENCE),
                    "hold_wanted": any(bool(h) for h in g["hold"]),
                    "keys": [r["key"] for r in rows],
                },
                level=who.level,
                role=who.role,
                assigned_to_id=who.user_id,
                office=who.office,
                due_date=due_for[rule.deadline_days],
            )
        )
    return new_alerts


def _hold_payments(run, new_alerts: list[Alert], *, actor) -> None:
    """Place the payment holds the new alerts want (the person's payments stop until decided)."""
    t_holds = time.monotonic()
    wanted = [a for a in new_alerts if a.evidence.get("hold_wanted") and a.person_id]
    held = []
    if wanted:  # the payments of the people a finding is about stop until the case decides
        payment_holds_place_many(
            holds=[
                {
                    "person_id": a.person_id,
                    "household_id": a.household_id,
                    "reason": f"预警#{a.pk}：{a.summary}"[:200],
                    "source": f"alert:{a.pk}",
                }
                for a in wanted
            ],
            actor=actor if getattr(actor, "pk", None) else None,
        )
        held = [a.pk for a in wanted]
    if held:
        Alert.objects.filter(pk__in=held).update(payment_hold=True)
    run.timings = {**(run.timings or {}), "holds": round(time.monotonic() - t_holds, 3)}


def _record(row: dict) -> dict:
    return {
        "key": row["key"],
        "text": row["summary"],
        "source": row["source"],
        "date": row["event_date"],
    }


# ---------------------------------------------------------------------------- alerts


def _alert_for_update(actor, alert_id: int, version: int | None) -> Alert:
    alert = access(
        Alert.objects.select_for_update(of=("self",)).select_related("household", "roll_entry"),
        actor,
        Capability.ALERT_HANDLE,
        pk=alert_id,
    )
    if version is not None and alert.version != version:
        raise ConcurrentEditError(_("该预警"))
    if alert.status != AlertStatus.OPEN:
        raise ServiceError(_("该预警已办结，不能重复处理"), code="wrong_state")
    return alert


@transaction.atomic
def alert_close(
    *,
    actor,
    alert_id: int,
    outcome: str,
    reason: str,
    version: int | None = None,
    programme: str = "",
    amount=None,
    roll_entry_id: int | None = None,
    phase_out_months: int | None = None,
    override_reason: str = "",
) -> Alert:
    """Close an alert with its outcome. 核增 opens an application; 核减 a change case (new
    ``amount``), a 渐退 case (``phase_out_months``) or, with neither, a stop case; 停发 a stop
    case for the roll entry; 无需处理 needs a reason. A payment hold is released: confirmed for
    核减/停发/核增, not confirmed for 无需处理 (the report was wrong)."""

    alert = _alert_for_update(actor, alert_id, version)
    reason = (reason or "").strip()
    if outcome not in Outcome.values:
        raise ServiceError(_("处理结果须为核增、核减、停发或无需处理"), field="outcome")
    if not reason:
        raise ServiceError(_("须填写处理说明（无需处理的须写明理由）"), field="reason")
    override_reason = (override_reason or "").strip()
    overridden = outcomes.check(alert, outcome, override_reason)
    evidence = {
        "summary": f"预警#{alert.pk}（{stored_text(RuleKind(alert.cause).label)}）：{alert.summary}",
        "records": alert.evidence.get("records", []),
    }
    app = _case_for_outcome(
        actor,
        alert,
        outcome,
        reason,
        evidence,
        programme=programme,
        amount=amount,
        roll_entry_id=roll_entry_id,
        phase_out_months=phase_out_months,
    )
    # A hold is settled only where the roll is settled: 无需处理 clears it (the report was wrong)
    # and 核增 changes nobody's payment; a 核减/停发 case settles it when it is decided.
    hold_released = alert.payment_hold and outcome in (Outcome.NO_ACTION, Outcome.ADD)
    if hold_released:
        payment_hold_release(
            source=f"alert:{alert.pk}",
            actor=actor,
            confirmed=outcome != Outcome.NO_ACTION,
            note=reason,
        )
    alert.status = AlertStatus.CLOSED
    alert.outcome = outcome
    alert.outcome_reason = f"{reason}（不按证据处理：{override_reason}）" if overridden else reason
    alert.application = app
    alert.closed_at = timezone.now()
    alert.closed_by = actor
    alert.version = F("version") + 1
    alert.save()
    alert.refresh_from_db()
    audit_record(
        actor=actor,
        action="alert.close",
        subject_type="alert",
        subject_id=alert.pk,
        household_id=alert.household_id,
        area_code=alert.area_id,
        reason=reason,
        before={"status": "open"},
        after={
            "status": "closed",
            "outcome": outcome,
            "application": app.number if app else None,
            "hold_released": hold_released,
            "override": override_reason if overridden else None,
        },
    )
    return alert


def _case_for_outcome(
    actor,
    alert: Alert,
    outcome: str,
    reason: str,
    evidence: dict,
    *,
    programme: str,
    amount,
    roll_entry_id: int | None,
    phase_out_months: int | None,
):
    """The case an alert's outcome opens (None for 无需处理): 核增 an application; 核减/停发 of
    a death an adjustment for that person; other 核减/停发 a change, 渐退 or stop case."""
    from jiuzhu.cases import services as cases

    app = None
    death = alert.cause == RuleKind.DEATH and alert.person_id and outcome != Outcome.NO_ACTION
    if death and outcome in (Outcome.REDUCE, Outcome.STOP):
        # 停发/核减 for that person, the household's amount recomputed; the hold stays until
        # the case is decided and the roll changes.
        app = cases.death_adjustment(
            actor=actor,
            person_id=alert.person_id,
            death_date=_death_date(alert),
            reason=f"预警{stored_text(Outcome(outcome).label)}：{reason}",
            stop=outcome == Outcome.STOP,
            amount=amount,
            roll_entry_id=roll_entry_id or alert.roll_entry_id,
            evidence=evidence,
            origin=f"alert:{alert.pk}",
        )
    elif outcome == Outcome.ADD:
        if death:  # survivors may need help: the death is recorded first, so the guard holds
            cases.death_record(
                actor=actor, person_id=alert.person_id, death_date=_death_date(alert), reason=reason
            )
        app = cases.application_create(
            actor=actor,
            household_id=alert.household_id,
            programme=programme or _add_programme(alert),
            reason=f"预警核增：{alert.summary}；{reason}"[:1000],
            origin=f"alert:{alert.pk}",
            evidence=evidence,
        )
    elif outcome in (Outcome.REDUCE, Outcome.STOP):
        app = _adjustment_for_outcome(
            actor, alert, outcome, reason, evidence, amount, roll_entry_id, phase_out_months
        )
    return app


def _adjustment_for_outcome(
    actor, alert, outcome, reason, evidence, amount, roll_entry_id, phase_out_months
):
    """核减 or 停发 of a roll entry: a change, 渐退 or stop case (or one the calculator picks)."""
    from jiuzhu.cases import services as cases

    entry_id = (
        roll_entry_id
        or (outcomes.person_entry_id(alert) if outcome == Outcome.STOP else None)
        or alert.roll_entry_id
        or _main_entry(alert.household_id)
    )
    if entry_id is None:
        raise ServiceError(_("该家庭没有在发的名册记录，不能核减或停发"), field="roll_entry")
    # 核减 to a new amount is a change case, over months a 渐退 case, to nothing a stop case;
    # with neither, a cause that changes the household's amount asks the calculator.
    purpose = "stop"
    if outcome == Outcome.REDUCE and phase_out_months:
        purpose = "phase_out"
    elif outcome == Outcome.REDUCE and amount not in (None, ""):
        purpose = "change"
    elif outcome == Outcome.REDUCE:
        purpose, amount = _recomputed(alert, entry_id)
        if amount is not None:
            evidence["recomputed"] = str(amount)
    return cases.adjustment_create(
        actor=actor,
        roll_entry_id=entry_id,
        purpose=purpose,
        reason=f"预警{stored_text(Outcome(outcome).label)}：{reason}",
        amount=amount,
        phase_out_months=phase_out_months,
        evidence=evidence,
        origin=f"alert:{alert.pk}",
    )


def expected_outcome(alert: Alert) -> str:
    """The outcome the page selects first for ``alert`` (``outcomes.RULES``, refined)."""
    return outcomes.rule_for(alert).default


def _recomputed(alert: Alert, entry_id: int) -> tuple[str, Decimal | None]:
    """核减 with neither amount nor months: the calculator's new amount (a change case), none
    (a stop case); the same amount is refused, the clerk types one or closes 无需处理."""
    from jiuzhu.registry.models import RollEntry

    entry = RollEntry.objects.filter(pk=entry_id).first()
    asked, amount = outcomes.recomputed_amount(alert, entry)
    if not asked:
        return "stop", None
    if amount is None:
        return "stop", None
    if amount == entry.monthly_amount:
        raise ServiceError(
            _(
                "按预警证据重新测算，该家庭的救助金额不变（%(amount)s 元/月）；"
                "请核实后填写新金额，或选择“无需处理”并写明理由"
            )
            % {"amount": amount},
            field="amount",
            code="no_change",
        )
    return "change", amount


def _death_date(alert: Alert) -> datetime.date:
    """The date of death the evidence gives (the latest dated record), else today."""
    days = []
    for r in alert.evidence.get("records", []):
        try:
            days.append(datetime.date.fromisoformat(str(r.get("date", ""))[:10]))
        except ValueError:
            continue
    today = clock.today()
    days = [d for d in days if d <= today]
    return max(days) if days else today


ADD_PROGRAMMES = {
    "medical_spending": "rigid_expense",
    "severe_disability": "dibao",
    "low_income_risk": "dibao_edge",
    "job_loss": "dibao",
}


def _add_programme(alert: Alert) -> str:
    from jiuzhu.cases.models import Programme

    if alert.programme in Programme.values:
        return alert.programme
    return ADD_PROGRAMMES.get(alert.cause, "dibao")


def _main_entry(household_id: int) -> int | None:
    from jiuzhu.registry.models import RollEntry

    month = clock.today().replace(day=1)
    e = (
        RollEntry.objects.filter(household_id=household_id, status="active", start_month__lte=month)
        .order_by("person_id", "id")
        .first()
    )
    return e.pk if e else None


@transaction.atomic
def alerts_escalate(*, today: datetime.date | None = None, actor=None) -> int:
    """Overdue open alerts go up one level (village → street → county) with a new deadline."""
    today = today or clock.today()
    router = Router(today)
    due = add_working_days(today, ESCALATION_DAYS)
    overdue = list(
        Alert.objects.select_for_update()
        .filter(status=AlertStatus.OPEN, due_date__lt=today)
        .exclude(level="county")
    )
    for a in overdue:
        nxt = router.next_level(a.level)
        who = router.route(a.area_id, start=nxt)
        before = {"level": a.level, "assigned_to": a.assigned_to_id, "due_date": a.due_date}
        a.level, a.role, a.assigned_to_id, a.office = who.level, who.role, who.user_id, who.office
        a.due_date = due
        a.escalations += 1
        a.version += 1
        audit_record(
            actor=actor,
            action="alert.escalate",
            subject_type="alert",
            subject_id=a.pk,
            household_id=a.household_id,
            area_code=a.area_id,
            reason="预警逾期未处理，升级至上一级",
            before=before,
            after={"level": a.level, "assigned_to": a.assigned_to_id, "due_date": due},
        )
    Alert.objects.bulk_update(
        overdue,
        ["level", "role", "assigned_to", "office", "due_date", "escalations", "version"],
        batch_size=1000,
    )
    return len(overdue)


# ---------------------------------------------------------------------------- configuration


@transaction.atomic
def alert_rule_save(
    *,
    actor,
    rule_id: int | None = None,
    kind: str,
    name: str,
    enabled: bool,
    area_prefix: str = "",
    programmes: list[str] | None = None,
    params: dict | None = None,
    deadline_days: int = 10,
) -> AlertRule:
    """Add or change a rule: any kind from code, other thresholds, an area, programmes."""
    require_capability(actor, Capability.ALERT_CONFIGURE)
    if kind not in RuleKind.values:
        raise ServiceError(_("规则类型“%(kind)s”不存在") % {"kind": kind}, field="kind")
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("须填写规则名称"), field="name")
    area_prefix = (area_prefix or "").strip()
    if area_prefix and (not area_prefix.isdigit() or len(area_prefix) > 12):
        raise ServiceError(
            _("适用区域须为区划代码前缀（数字，最多12位），留空表示全部区域"), field="area_prefix"
        )
    if not 1 <= int(deadline_days) <= 60:
        raise ServiceError(_("处理时限须为1至60个工作日"), field="deadline_days")
    typed = rule_params.parse(kind, params)  # refuses unknown keys and wrong types
    import dataclasses

    stored = jsonable(dataclasses.asdict(typed))
    rule = AlertRule.objects.select_for_update().get(pk=rule_id) if rule_id else AlertRule()
    before = (
        {
            "enabled": rule.enabled,
            "params": rule.params,
            "area_prefix": rule.area_prefix,
            "programmes": rule.programmes,
            "deadline_days": rule.deadline_days,
        }
        if rule_id
        else None
    )
    if rule_id and rule.kind != kind:
        raise ServiceError(_("已有规则不能改变类型，请新增一条规则"), field="kind")
    rule.kind, rule.name, rule.enabled = kind, name, bool(enabled)
    rule.area_prefix, rule.programmes = area_prefix, list(programmes or [])
    rule.params, rule.deadline_days, rule.updated_by = stored, int(deadline_days), actor
    if (
        AlertRule.objects.filter(kind=kind, area_prefix=area_prefix, name=name)
        .exclude(pk=rule.pk)
        .exists()
    ):
        raise ServiceError(_("同一类型、同一区域已有同名规则"), field="name")
    rule.save()
    audit_record(
        actor=actor,
        action="alert_rule.save",
        area_code=NATIONAL,
        subject_type="alert_rule",
        subject_id=rule.pk,
        before=before,
        after={
            "kind": kind,
            "name": name,
            "enabled": rule.enabled,
            "params": stored,
            "area_prefix": area_prefix,
            "programmes": rule.programmes,
            "deadline_days": rule.deadline_days,
        },
    )
    return rule


def _risk_class_state(rc) -> dict:
    return {
        "code": rc.code,
        "label": rc.label,
        "criterion": rc.criterion,
        "interval_months": rc.interval_months,
        "order": rc.order,
        "deadline_days": rc.deadline_days,
    }


def _whole(value, field: str, label: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ServiceError(
            _("%(label)s须为整数（%(low)s至%(high)s）")
            % {"label": label, "low": low, "high": high},
            field=field,
        ) from None
    if not low <= number <= high:
        raise ServiceError(
            _("%(label)s须在%(low)s至%(high)s之间，现为%(number)s")
            % {"label": label, "low": low, "high": high, "number": number},
            field=field,
        )
    return number


@transaction.atomic
def risk_class_save(
    *,
    actor,
    class_id: int | None = None,
    code: str,
    label: str,
    criterion: str,
    interval_months,
    order,
    deadline_days,
):
    """Add or change a risk class (风险分类): its test, review interval, order and deadline.

    Households take the first class in ``order`` whose criterion holds, so at least one class must
    keep the catch-all criterion 其他在保家庭 — else some households would never be reviewed."""
    from jiuzhu.monitoring.models import Criterion, RiskClass

    require_capability(actor, Capability.ALERT_CONFIGURE)
    code = (code or "").strip().upper()
    if not code or len(code) > 4 or not code.isalnum():
        raise ServiceError(_("类别代码须为1至4位字母或数字（如 A、B、Y）"), field="code")
    label = (label or "").strip()
    if not label or len(label) > 40:
        raise ServiceError(_("须填写类别名称（不超过40字）"), field="label")
    if criterion not in Criterion.values:
        raise ServiceError(
            _("判定条件须为：%(choices)s")
            % {"choices": "、".join(str(c.label) for c in Criterion)},
            field="criterion",
        )
    interval = _whole(interval_months, "interval_months", gettext_lazy("复核周期(月)"), 1, 24)
    position = _whole(order, "order", gettext_lazy("判定顺序"), 1, 99)
    days = _whole(deadline_days, "deadline_days", gettext_lazy("复核时限(工作日)"), 1, 60)
    rc = RiskClass.objects.select_for_update().get(pk=class_id) if class_id else RiskClass()
    before = _risk_class_state(rc) if class_id else None
    if RiskClass.objects.filter(code=code).exclude(pk=rc.pk).exists():
        raise ServiceError(_("类别代码“%(code)s”已被使用") % {"code": code}, field="code")
    if (
        class_id
        and rc.criterion == Criterion.OTHER
        and criterion != Criterion.OTHER
        and not RiskClass.objects.filter(criterion=Criterion.OTHER).exclude(pk=rc.pk).exists()
    ):
        raise ServiceError(
            _("须保留至少一个判定条件为“其他在保家庭”的类别，否则部分家庭不会被复核"),
            field="criterion",
        )
    rc.code, rc.label, rc.criterion = code, label, criterion
    rc.interval_months, rc.order, rc.deadline_days = interval, position, days
    rc.save()
    audit_record(
        actor=actor,
        action="risk_class.save",
        area_code=NATIONAL,
        subject_type="risk_class",
        subject_id=rc.pk,
        before=before,
        after=_risk_class_state(rc),
    )
    return rc


@transaction.atomic
def risk_class_delete(*, actor, class_id: int, reason: str) -> None:
    """Remove a risk class (review tasks already generated keep its code)."""
    from jiuzhu.monitoring.models import Criterion, RiskClass

    require_capability(actor, Capability.ALERT_CONFIGURE)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("须填写删除理由"), field="reason")
    rc = RiskClass.objects.select_for_update().get(pk=class_id)
    if (
        rc.criterion == Criterion.OTHER
        and not RiskClass.objects.filter(criterion=Criterion.OTHER).exclude(pk=rc.pk).exists()
    ):
        raise ServiceError(
            _("这是唯一一个“其他在保家庭”类别，不能删除，否则部分家庭不会被复核"), field="criterion"
        )
    before = _risk_class_state(rc)
    pk = rc.pk
    rc.delete()
    audit_record(
        actor=actor,
        action="risk_class.delete",
        area_code=NATIONAL,
        subject_type="risk_class",
        subject_id=pk,
        reason=reason,
        before=before,
        after=None,
    )


def _route_state(route) -> dict:
    return {"programme": route.programme, "area_prefix": route.area_prefix, "level": route.level}


@transaction.atomic
def programme_route_save(
    *, actor, route_id: int | None = None, programme: str, area_prefix: str = "", level: str
):
    """Send a programme's alerts and reviews to another level first (按项目分派).

    Without a route a programme's work starts at the village; with one, at ``level`` (going up
    when nobody holds the role there), in villages under ``area_prefix`` (blank: everywhere)."""
    from jiuzhu.core.programmes import PROGRAMME_LABELS
    from jiuzhu.monitoring.models import Level, ProgrammeRoute

    require_capability(actor, Capability.ALERT_CONFIGURE)
    programme = (programme or "").strip()
    if programme not in PROGRAMME_LABELS:
        raise ServiceError(
            _("救助项目“%(programme)s”不存在") % {"programme": programme}, field="programme"
        )
    area_prefix = (area_prefix or "").strip()
    if area_prefix and (not area_prefix.isdigit() or len(area_prefix) > 12):
        raise ServiceError(
            _("适用区域须为区划代码前缀（数字，最多12位），留空表示全部区域"), field="area_prefix"
        )
    if level not in Level.values:
        raise ServiceError(
            _("首先办理层级须为：%(choices)s")
            % {"choices": "、".join(str(v.label) for v in Level)},
            field="level",
        )
    route = (
        ProgrammeRoute.objects.select_for_update().get(pk=route_id)
        if route_id
        else ProgrammeRoute()
    )
    before = _route_state(route) if route_id else None
    if (
        ProgrammeRoute.objects.filter(programme=programme, area_prefix=area_prefix)
        .exclude(pk=route.pk)
        .exists()
    ):
        raise ServiceError(_("该项目在该区域已有分派设置，请修改原设置"), field="programme")
    route.programme, route.area_prefix, route.level = programme, area_prefix, level
    route.updated_by = actor
    route.save()
    audit_record(
        actor=actor,
        action="programme_route.save",
        area_code=NATIONAL,
        subject_type="programme_route",
        subject_id=route.pk,
        before=before,
        after=_route_state(route),
    )
    return route


@transaction.atomic
def programme_route_delete(*, actor, route_id: int, reason: str) -> None:
    """Remove a programme's route: its work starts at the village again."""
    from jiuzhu.monitoring.models import ProgrammeRoute

    require_capability(actor, Capability.ALERT_CONFIGURE)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("须填写删除理由"), field="reason")
    route = ProgrammeRoute.objects.select_for_update().get(pk=route_id)
    before = _route_state(route)
    pk = route.pk
    route.delete()
    audit_record(
        actor=actor,
        action="programme_route.delete",
        area_code=NATIONAL,
        subject_type="programme_route",
        subject_id=pk,
        reason=reason,
        before=before,
        after=None,
    )


def alerts_assign(*, actor, alert_ids: list[int], assignee_id: int | None) -> int:
    """批量分派: give open alerts to one person who may handle every one of them.

    Allowed in bulk because it decides nothing about anyone's aid (unlike 受理 or 审批, which are
    one case at a time). Every alert must be open and in the actor's scope; the assignee must
    hold ``alert.handle`` over each alert's area. One transaction, one audit event per alert.
    """
    from jiuzhu.accounts.models import User
    from jiuzhu.accounts.scoping import scoped, user_scope
    from jiuzhu.audit.services import audit_record_many

    ids = sorted({int(i) for i in alert_ids})
    if not ids:
        raise ServiceError(_("请至少勾选一条预警"), field="alerts")
    assignee = User.objects.filter(pk=assignee_id, is_active=True).first() if assignee_id else None
    if assignee is None:
        raise ServiceError(_("分派对象：请选择一名在职的工作人员"), field="assignee")
    with transaction.atomic():
        alerts = list(
            scoped(Alert.objects.select_for_update(), actor, Capability.ALERT_HANDLE)
            .filter(pk__in=ids, status=AlertStatus.OPEN)
            .order_by("pk")
        )
        if len(alerts) != len(ids):
            raise ServiceError(
                _("所选预警中有已办结或不在您管辖区域内的，请刷新后重新勾选"), field="alerts"
            )
        scope = user_scope(assignee, Capability.ALERT_HANDLE)
        if any(not scope.contains(a.area_id) for a in alerts):
            raise ServiceError(
                _("分派对象：须在每条所选预警所在区域有预警处理权限"), field="assignee"
            )
        before = {a.pk: a.assigned_to_id for a in alerts}
        for a in alerts:
            a.assigned_to = assignee
            a.version += 1
        Alert.objects.bulk_update(alerts, ["assigned_to", "version"])
        audit_record_many(
            actor=actor,
            events=[
                {
                    "action": "alert.assign",
                    "subject_type": "alert",
                    "subject_id": a.pk,
                    "household_id": a.household_id,
                    "area_code": a.area_id,
                    "before": {"assigned_to": before[a.pk]},
                    "after": {"assigned_to": assignee.pk},
                }
                for a in alerts
            ],
        )
    return len(alerts)
