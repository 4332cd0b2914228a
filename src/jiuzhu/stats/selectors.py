"""Statistics reads: the monthly form, its drill-downs, KPIs, supervision lists — every one
scoped to the user's areas with ``jiuzhu.accounts.scoping`` (an area outside them is 404)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
from django.db import transaction
from django.http import Http404

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import scoped, user_scope
from jiuzhu.areas.models import PREFIX_LENGTH, Area, AreaLevel, level_for_code
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.frames import read_frame
from jiuzhu.stats import engine
from jiuzhu.stats.models import (
    DataQualityItem,
    ItemStatus,
    Snapshot,
    SnapshotKind,
    SnapshotRow,
    SpotCheckPlan,
    SupervisionItem,
)

CHILD_LEVEL = {
    AreaLevel.PROVINCE: AreaLevel.CITY,
    AreaLevel.CITY: AreaLevel.COUNTY,
    AreaLevel.COUNTY: AreaLevel.TOWNSHIP,
    AreaLevel.TOWNSHIP: AreaLevel.VILLAGE,
}


def area_prefix(code: str) -> str:
    return code[: PREFIX_LENGTH[level_for_code(code)]]


def area_for(user, code: str, capability: str = Capability.STATS_VIEW) -> Area:
    """The area if the user holds ``capability`` over all of it; otherwise not found (404)."""
    scope = user_scope(user, capability)
    try:
        area = Area.objects.get(code=code)
    except Area.DoesNotExist:
        raise Http404 from None
    if not scope.contains(area.prefix):
        raise Http404
    return area


def default_area(user, capability: str = Capability.STATS_VIEW) -> Area | None:
    """The widest area of the user's scope (their county, their street …)."""
    scope = user_scope(user, capability)
    for prefix in scope.prefixes:
        code = prefix.ljust(12, "0")
        area = Area.objects.filter(code=code).first()
        if area:
            return area
    return None


def reporting_areas(user, capability: str = Capability.STATS_VIEW) -> list[Area]:
    """Areas the user may report on, down to streets (for the area picker)."""
    scope = user_scope(user, capability)
    qs = Area.objects.filter(scope.q("code")).exclude(level=AreaLevel.VILLAGE)
    return list(qs.order_by("code"))


# ---------------------------------------------------------------- snapshot reads


def snapshot_for(month: datetime.date, kind: str = SnapshotKind.CLOSE) -> Snapshot | None:
    qs = Snapshot.objects.filter(month=engine.month_start(month), kind=kind).order_by("-id")
    return qs.first()


def _range(prefix: str) -> tuple[str, str]:
    from jiuzhu.accounts.scoping import prefix_end

    return prefix, prefix_end(prefix)


def snapshot_grouped(snap: Snapshot, prefix: str, by_area_len: int | None = None) -> pl.DataFrame:
    """The snapshot's measures for the area summed by programme, urban/rural and tier — in the
    database, so the city's form reads a few hundred rows, not a million."""
    lo, hi = _range(prefix)
    area = f"SUBSTR(area_code, 1, {by_area_len})" if by_area_len else "''"
    sums = ", ".join(
        "SUM(standard_fen * people)" if m == "standard_people_fen" else f"SUM({m})"
        for m in engine.MEASURES
    )
    table = SnapshotRow._meta.db_table
    sql = (
        f"SELECT {area}, programme, urban_rural, tier, {sums} FROM {table} "
        f"WHERE snapshot_id = %s AND area_code >= %s AND area_code < %s "
        f"GROUP BY {area + ', ' if by_area_len else ''}programme, urban_rural, tier"
    )
    schema = {"area": pl.Utf8, "programme": pl.Utf8, "urban_rural": pl.Utf8, "tier": pl.Utf8}
    schema |= {m: pl.Int64 for m in engine.MEASURES}
    return read_frame(sql, [snap.pk, lo, hi], schema)


def snapshot_rows(snap: Snapshot, prefix: str) -> pl.DataFrame:
    lo, hi = _range(prefix)
    cols = list(engine.ROW_SCHEMA)
    return read_frame(
        f"SELECT {', '.join(cols)} FROM {SnapshotRow._meta.db_table} "
        "WHERE snapshot_id = %s AND area_code >= %s AND area_code < %s",
        [snap.pk, lo, hi],
        dict(engine.ROW_SCHEMA),
    )


@dataclass
class Source:
    """Where a month's figures come from: a stored snapshot, or the live data (no close yet)."""

    month: datetime.date
    snapshot: Snapshot | None
    live_rows: pl.DataFrame | None = None

    def grouped(self, prefix: str, by_area_len: int | None = None) -> pl.DataFrame:
        if self.snapshot is not None:
            return snapshot_grouped(self.snapshot, prefix, by_area_len)
        rows = self.live_rows.filter(pl.col("area_code").str.starts_with(prefix))
        rows = rows.with_columns(
            (pl.col("area_code").str.slice(0, by_area_len) if by_area_len else pl.lit("")).alias(
                "area"
            )
        )
        return engine.group(rows, ("area", *engine.DIMENSIONS))

    def rows(self, prefix: str) -> pl.DataFrame:
        if self.snapshot is not None:
            return snapshot_rows(self.snapshot, prefix)
        return self.live_rows.filter(pl.col("area_code").str.starts_with(prefix))


def source_for(month: datetime.date, *, live: bool = True) -> Source | None:
    """The month's close snapshot; without one, the live figures (months not yet closed)."""
    snap = snapshot_for(month)
    if snap is not None:
        return Source(month=engine.month_start(month), snapshot=snap)
    if not live:
        return None
    from jiuzhu.stats.services import snapshot_frames

    rows, _tiers = snapshot_frames(month=month)
    return Source(month=engine.month_start(month), snapshot=None, live_rows=rows)


# ---------------------------------------------------------------- the monthly form


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,}" if abs(value) >= 1000 else str(value)


def monthly_form(*, area: Area, month: datetime.date, form=None, source=None) -> dict:
    """The form for an area and month: header and one row per shown indicator with 本期, 上期,
    环比 and, if the month was corrected after close, the adjustment."""
    form = form or engine.load_form()
    m = engine.month_start(month)
    source = source or source_for(m)
    prefix = area_prefix(area.code)
    current = engine.evaluate(form, source.grouped(prefix))
    previous = None
    if m.month > 1:  # 上期: the previous month of the same year's form
        prev_source = source_for(engine.add_months(m, -1))
        previous = engine.evaluate(form, prev_source.grouped(prefix))
    adjustment = None
    adj_snap = snapshot_for(m, SnapshotKind.ADJUSTMENT)
    if source.snapshot is not None and adj_snap is not None:
        adjusted = engine.evaluate(form, snapshot_grouped(adj_snap, prefix))
        adjustment = {
            k: (None if v is None or current[k] is None else v - current[k])
            for k, v in adjusted.items()
        }
    rows = []
    for ind in form.shown():
        now_v = engine.display(ind.unit, current[ind.id])
        prev_v = engine.display(ind.unit, previous[ind.id]) if previous else None
        adj = engine.display(ind.unit, adjustment[ind.id]) if adjustment else None
        rows.append(
            {
                "id": ind.id,
                "name": ind.name,
                "unit": ind.unit,
                "code": ind.code,
                "indent": ind.indent,
                "current": now_v,
                "previous": prev_v,
                "change": engine.change_pct(current[ind.id], previous[ind.id])
                if previous
                else None,
                "adjustment": adj if adj else None,
                "exact": current[ind.id],
            }
        )
    return {
        "form": form,
        "area": area,
        "month": m,
        "rows": rows,
        "values": current,
        "snapshot": source.snapshot,
        "adjustment_snapshot": adj_snap if adjustment else None,
        "has_adjustment": any(r["adjustment"] for r in rows),
    }


def monthly_report(*, user, area_code: str, month: datetime.date, fmt: str = "page") -> dict:
    """``monthly_form`` for a user (404 outside their areas); the run is recorded."""
    from jiuzhu.stats.models import ReportRun

    area = area_for(user, area_code)
    report = monthly_form(area=area, month=month)
    ReportRun.objects.create(
        area_code=area.code,
        month=report["month"],
        fmt=fmt,
        snapshot=report["snapshot"],
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    return report


def area_breakdown(
    *, user, area: Area, month: datetime.date, ids: list[str], form=None
) -> list[dict]:
    """Chosen indicators for each child area (a county's streets, a street's villages), ranked
    by the first; scoped: only children inside the user's areas."""
    form = form or engine.load_form()
    child = CHILD_LEVEL.get(AreaLevel(area.level))
    if child is None:
        return []
    length = PREFIX_LENGTH[child]
    source = source_for(month)
    grouped = source.grouped(area_prefix(area.code), by_area_len=length)
    scope = user_scope(user, Capability.STATS_VIEW)
    children = {
        a.prefix: a
        for a in Area.objects.filter(parent=area).order_by("code")
        if scope.contains(a.prefix)
    }
    by_id = form.by_id()
    out = []
    for prefix, child_area in children.items():
        values = engine.evaluate(form, grouped.filter(pl.col("area") == prefix))
        out.append(
            {
                "area": child_area,
                "values": [engine.display(by_id[i].unit, values[i]) for i in ids],
            }
        )
    out.sort(key=lambda r: (-(r["values"][0] or 0), r["area"].code))
    return out


def drilldown(
    *, user, area_code: str, month: datetime.date, indicator: str, page: int = 1, per_page: int = 50
) -> dict:
    """The households behind one figure: the snapshot rows matching the indicator's measure rows
    (every leaf of a formula), inside the user's areas; audited as a read of personal data."""
    from jiuzhu.registry.selectors import households_brief

    form = engine.load_form()
    by_id = form.by_id()
    if indicator not in by_id:
        raise Http404
    area = area_for(user, area_code)
    source = source_for(month)
    rows = source.rows(area_prefix(area.code))
    scope = user_scope(user, Capability.STATS_VIEW)
    found = rows.filter(engine.drill_expr(form, indicator))
    found = found.filter(
        pl.any_horizontal(pl.col("area_code").str.starts_with(p) for p in scope.prefixes)
        if scope.prefixes
        else pl.lit(False)
    ).sort("area_code", "household_id", "programme")
    total = found.height
    page = max(1, page)
    chunk = found.slice((page - 1) * per_page, per_page)
    brief = households_brief(
        user=user,
        household_ids=chunk.get_column("household_id").to_list(),
        capability=Capability.STATS_VIEW,
    )
    items = []
    for n, r in enumerate(chunk.iter_rows(named=True), start=(page - 1) * per_page + 1):
        b = brief.get(r["household_id"], {})
        items.append(
            {
                **r,
                "seq": n,
                "number": b.get("number", ""),
                "head_name": b.get("head_name", ""),
                "area_name": b.get("area_name", ""),
                "paid": engine.display("元", Decimal(r["paid_fen"])),
                "paid_ytd": engine.display("元", Decimal(r["paid_ytd_fen"])),
                "amount": engine.display("元", Decimal(r["amount_fen"])),
            }
        )
    with transaction.atomic():
        audit_record(
            actor=user,
            action="stats.drilldown_view",
            subject_type="stats_indicator",
            subject_id=0,
            area_code=area.code,
            reason=f"{by_id[indicator].name} {engine.month_start(month):%Y-%m}",
            extra={"indicator": indicator, "households": [i["household_id"] for i in items]},
        )
    return {
        "indicator": by_id[indicator],
        "area": area,
        "month": engine.month_start(month),
        "items": items,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // per_page)),
        "value": engine.display(
            by_id[indicator].unit,
            engine.evaluate(form, source.grouped(area_prefix(area.code)))[indicator],
        ),
    }


# ---------------------------------------------------------------- KPIs


def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def handling_kpis(decisions: list[dict]) -> dict:
    """Pure over ``cases.selectors.decisions_between`` rows: mean working days from application
    to decision, share decided by the legal deadline (办结期限), 退回补正 rate, materials per
    case."""
    from jiuzhu.cases.workdays import working_days_between

    n = len(decisions)
    if not n:
        return {
            "decided": 0,
            "mean_days": None,
            "within_limit": None,
            "returned": None,
            "materials": None,
        }
    days = [working_days_between(d["applied_on"], d["decided_on"]) for d in decisions]
    within = sum(
        1 for d in decisions if d["decision_due"] is None or d["decided_on"] <= d["decision_due"]
    )
    returned = sum(1 for d in decisions if d["returns"])
    return {
        "decided": n,
        "mean_days": (Decimal(sum(days)) / n).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        "within_limit": _pct(within, n),
        "returned": _pct(returned, n),
        "materials": (Decimal(sum(d["materials"] for d in decisions)) / n).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        ),
    }


def kpis(*, user, area_code: str, month: datetime.date) -> dict:
    """The month's KPIs for an area: handling, accuracy (政策找人 per 10,000 on the roll and
    resolved), 核对 coverage, alerts closed on time, tiers; and the child areas ranked."""
    from jiuzhu.cases.selectors import decisions_between, open_applications_count
    from jiuzhu.monitoring.selectors import alerts_closed_between
    from jiuzhu.policy.selectors import flags_frame
    from jiuzhu.verify.selectors import last_check_frame

    area = area_for(user, area_code)
    prefix = area_prefix(area.code)
    m = engine.month_start(month)
    end = engine.month_end(m)
    today = min(clock.today(), end)
    decisions = [
        d for d in decisions_between(start=m, end=end) if d["area_code"].startswith(prefix)
    ]
    handling = handling_kpis(decisions)
    open_cases = [r for r in open_applications_count(today=today) if r[0].startswith(prefix)]
    handling["open"] = sum(r[1] for r in open_cases)
    handling["overdue"] = sum(r[2] for r in open_cases)
    source = source_for(m)
    rows = source.rows(prefix)
    on_roll = rows.filter(pl.col("households") > 0)
    roll_households = on_roll.get_column("household_id").n_unique()
    flags_now = flags_frame(on=end).filter(pl.col("area_code").str.starts_with(prefix))
    flags_before = flags_frame(on=m - datetime.timedelta(days=1)).filter(
        pl.col("area_code").str.starts_with(prefix)
    )

    def flagged(frame, flag):
        return set(
            frame.filter(pl.col("flag") == flag).select("household_id", "programme").iter_rows()
        )

    accuracy = {}
    for flag in ("missed", "wrongly_included"):
        now_set, before_set = flagged(flags_now, flag), flagged(flags_before, flag)
        accuracy[flag] = {
            "count": len(now_set),
            "per_10k": (Decimal(len(now_set)) * 10000 / roll_households).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
            if roll_households
            else None,
            "resolved": len(before_set - now_set),
        }
    checks = last_check_frame()
    year_ago = end - datetime.timedelta(days=365)
    covered = (
        on_roll.select("household_id")
        .unique()
        .join(checks, on="household_id", how="inner")
        .filter((pl.col("checked") > year_ago) & (pl.col("checked") <= end))
        .height
    )
    alerts = [a for a in alerts_closed_between(start=m, end=end) if a[0].startswith(prefix)]
    child = CHILD_LEVEL.get(AreaLevel(area.level))
    children = []
    if child is not None:
        scope = user_scope(user, Capability.STATS_VIEW)
        for a in Area.objects.filter(parent=area).order_by("code"):
            if not scope.contains(a.prefix):
                continue
            mine = [d for d in decisions if d["area_code"].startswith(a.prefix)]
            children.append({"area": a, **handling_kpis(mine)})
        # fastest first; areas with no decision last
        children.sort(key=lambda r: (r["mean_days"] is None, r["mean_days"] or 0, r["area"].code))
    satisfaction = satisfaction_kpis(user=user, area=area, month=m)
    tiers = {
        t: rows.filter((pl.col("tier") == t) & (pl.col("households") > 0))
        .get_column("household_id")
        .n_unique()
        for t in ("floor", "special", "watch")
    }
    return {
        "area": area,
        "month": m,
        "handling": handling,
        "accuracy": accuracy,
        "roll_households": roll_households,
        "check_coverage": _pct(covered, roll_households),
        "alerts_closed": len(alerts),
        "alerts_on_time": _pct(sum(1 for _a, due, closed in alerts if closed <= due), len(alerts)),
        "tiers": tiers,
        "children": children,
        "satisfaction": satisfaction,
    }


def _satisfaction_figures(rows: list[dict]) -> dict:
    """count, mean score (two decimals) and share satisfied (%, one decimal) of rating sums."""
    n = sum(r["count"] for r in rows)
    total = sum(r["score_sum"] for r in rows)
    satisfied = sum(r["satisfied"] for r in rows)
    return {
        "count": n,
        "mean": (Decimal(total) / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if n
        else None,
        "satisfied": satisfied,
        "satisfied_pct": _pct(satisfied, n),
    }


def satisfaction_kpis(*, user, area: Area, month: datetime.date) -> dict:
    """满意度: the citizens' ratings given in the month in the area (through the portal's
    selector), overall and per stage (入户调查 / 审批决定), and each child area inside the
    user's scope ranked by the mean score."""
    from jiuzhu.portal.selectors import satisfaction_sums

    m = engine.month_start(month)
    end = engine.month_end(m)
    prefix = area_prefix(area.code)
    rows = satisfaction_sums(area_prefix=prefix, start=m, end=end)
    stages = {
        stage: _satisfaction_figures([r for r in rows if r["stage"] == stage])
        for stage in ("visit", "decision")
    }
    children = []
    child = CHILD_LEVEL.get(AreaLevel(area.level))
    if child is not None:
        scope = user_scope(user, Capability.STATS_VIEW)
        by_child = satisfaction_sums(
            area_prefix=prefix, start=m, end=end, by_area_len=PREFIX_LENGTH[child]
        )
        for a in Area.objects.filter(parent=area).order_by("code"):
            if scope.contains(a.prefix):
                mine = [r for r in by_child if r["prefix"] == a.prefix]
                children.append({"area": a, **_satisfaction_figures(mine)})
        children.sort(key=lambda r: (r["mean"] is None, -(r["mean"] or 0), r["area"].code))
    return {"overall": _satisfaction_figures(rows), "stages": stages, "children": children}


def satisfaction_ratings(*, user, area_code: str, month: datetime.date):
    """The ratings behind the satisfaction figures (drill-down), inside the user's scope: an
    area outside it is 404. The caller paginates and audits the page it shows."""
    from jiuzhu.portal.selectors import ratings_between

    area = area_for(user, area_code)
    m = engine.month_start(month)
    return area, ratings_between(
        area_prefix=area_prefix(area.code), start=m, end=engine.month_end(m)
    )


def trend(*, area: Area, month: datetime.date, ids: list[str], months: int = 12) -> dict:
    """The chosen indicators over the closed snapshots of the last ``months`` months (trend
    lines), summed in one query grouped by snapshot."""
    form = engine.load_form()
    by_id = form.by_id()
    m = engine.month_start(month)
    snaps = {
        s.pk: s
        for s in Snapshot.objects.filter(
            kind=SnapshotKind.CLOSE, month__gt=engine.add_months(m, -months), month__lte=m
        )
    }
    labels, series = [], {i: [] for i in ids}
    if snaps:
        lo, hi = _range(area_prefix(area.code))
        sums = ", ".join(
            "SUM(standard_fen * people)" if c == "standard_people_fen" else f"SUM({c})"
            for c in engine.MEASURES
        )
        marks = ", ".join(["%s"] * len(snaps))
        schema = {"snapshot_id": pl.Int64, "programme": pl.Utf8, "urban_rural": pl.Utf8}
        schema |= {"tier": pl.Utf8} | {c: pl.Int64 for c in engine.MEASURES}
        grouped = read_frame(
            f"SELECT snapshot_id, programme, urban_rural, tier, {sums} "
            f"FROM {SnapshotRow._meta.db_table} WHERE snapshot_id IN ({marks}) "
            "AND area_code >= %s AND area_code < %s "
            "GROUP BY snapshot_id, programme, urban_rural, tier",
            [*snaps, lo, hi],
            schema,
        )
        for snap in sorted(snaps.values(), key=lambda s: s.month):
            values = engine.evaluate(form, grouped.filter(pl.col("snapshot_id") == snap.pk))
            labels.append(f"{snap.month:%Y-%m}")
            for i in ids:
                v = engine.display(by_id[i].unit, values[i])
                series[i].append(None if v is None else float(v))  # chart data only
    return {"labels": labels, "series": [{"name": by_id[i].name, "data": series[i]} for i in ids]}


# ---------------------------------------------------------------- supervision


def supervision_items(*, user, status: str = ItemStatus.OPEN):
    return scoped(SupervisionItem.objects.filter(status=status), user, Capability.SUPERVISE)


def spot_plans(*, user):
    return scoped(SpotCheckPlan.objects.all(), user, Capability.SUPERVISE)


def spot_plan_get(*, user, plan_id: int) -> dict:
    from jiuzhu.accounts.scoping import access

    plan = access(SpotCheckPlan, user, Capability.SUPERVISE, pk=plan_id)
    samples = list(scoped(plan.samples.all(), user, Capability.SUPERVISE))
    summary: dict[str, dict] = {}
    for s in samples:
        row = summary.setdefault(s.stratum, {"sampled": 0, "done": 0, "problems": 0})
        row["sampled"] += 1
        row["done"] += bool(s.result)
        row["problems"] += s.result == "problem"
    for stratum, row in summary.items():
        row["population"] = plan.population.get(stratum, 0)
        row["share"] = _pct(row["sampled"], row["population"])
    return {"plan": plan, "samples": samples, "summary": summary}


def data_quality(*, user, kind: str = ""):
    qs = scoped(DataQualityItem.objects.all(), user, Capability.SUPERVISE)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def data_quality_counts(*, user) -> dict[str, int]:
    from django.db.models import Count

    qs = scoped(DataQualityItem.objects.all(), user, Capability.SUPERVISE)
    return dict(qs.values("kind").annotate(n=Count("id")).values_list("kind", "n"))


def household_tier_section(*, user, household) -> dict | None:
    """For ``core.profile_sections``: the household's stored 分层分类 tier (from the latest
    month-end snapshot), or None when the user may not see statistics there or none is stored."""
    from jiuzhu.stats.models import HouseholdTier

    scope = user_scope(user, Capability.STATS_VIEW)
    if not scope.contains(household.hukou_area_id):
        return None
    tier = HouseholdTier.objects.filter(household_id=household.pk).first()
    if tier is None:
        return None
    return {"tier": tier.get_tier_display(), "month": tier.month}


def ratings_viewed(*, user, area: Area, month: datetime.date, ratings) -> None:
    """Audit one page of the ratings drill-down (the citizens' comments are personal data)."""
    with transaction.atomic():
        audit_record(
            actor=user,
            action="stats.ratings_view",
            subject_type="stats_indicator",
            subject_id=0,
            area_code=area.code,
            reason=f"满意度 {engine.month_start(month):%Y-%m}",
            extra={"ratings": [r.pk for r in ratings]},
        )
