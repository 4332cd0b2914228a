"""Simulation: the same plan with changed parameters, compared with the current ones. Pure.

``compare(base, scenario, plan, group_by)`` → per programme and area: households and persons added
and removed, monthly and yearly cost delta (Decimal yuan). Year amounts count 1/12 per month;
one-off amounts count once a year. ``cliff_curve`` evaluates one household type over a range of
incomes (悬崖效应 chart).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import polars as pl

from jiuzhu.policy.engine.evaluate import Plan, evaluate, single_area_params
from jiuzhu.policy.engine.features import compute_features
from jiuzhu.policy.engine.params import ParamValue

D = pl.Decimal(38, 2)


def _monthly(col: pl.Expr, period: str) -> pl.Expr:
    if period == "month":
        return col
    return (col.cast(pl.Decimal(38, 10)) / pl.lit(Decimal(12))).round(2).cast(D)


def _fen(col: str) -> pl.Expr:
    return (pl.col(col) * pl.lit(Decimal(100))).cast(pl.Int64)


def compare(
    base: pl.DataFrame, scenario: pl.DataFrame, plan: Plan, *, area_len: int = 6
) -> pl.DataFrame:
    """Rows: programme, area (code prefix padded to 12), base/scenario households, added/removed
    households and persons, monthly_delta and yearly_delta (Decimal yuan).

    One join and one group-by for all programmes; sums in integer fen, exact."""
    cols = [
        c
        for p in plan.programmes
        for c in (f"{p.code}.eligible", f"{p.code}.amount", f"{p.code}.beneficiaries")
    ]
    b = base.select("household_id", "area_code", *cols).sort("household_id")
    n = scenario.select("household_id", *cols).sort("household_id")
    if b.height == n.height and b["household_id"].equals(n["household_id"]):
        # Same households: line them up by id instead of a hash join (faster at 1M rows).
        j = b.hstack(n.drop("household_id").rename({c: c + "_new" for c in cols}))
    else:
        j = b.join(n, on="household_id", suffix="_new")
    key = pl.col("area_code").str.slice(0, area_len).str.pad_end(12, "0").alias("area")
    aggs = []
    for p in plan.programmes:
        e, a, b = f"{p.code}.eligible", f"{p.code}.amount", f"{p.code}.beneficiaries"
        old, new = pl.col(e), pl.col(e + "_new")
        delta = _fen(a + "_new") - _fen(a)
        c = p.code
        aggs += [
            old.sum().cast(pl.Int64).alias(f"{c}|base_households"),
            new.sum().cast(pl.Int64).alias(f"{c}|scenario_households"),
            (new & ~old).sum().cast(pl.Int64).alias(f"{c}|added_households"),
            (old & ~new).sum().cast(pl.Int64).alias(f"{c}|removed_households"),
            pl.col(b + "_new").filter(new & ~old).sum().cast(pl.Int64).alias(f"{c}|added_persons"),
            pl.col(b).filter(old & ~new).sum().cast(pl.Int64).alias(f"{c}|removed_persons"),
            delta.sum().alias(f"{c}|delta_fen"),
        ]
    wide = j.group_by(key).agg(aggs)
    parts = []
    for p in plan.programmes:
        c = p.code
        delta = pl.col(f"{c}|delta_fen").cast(pl.Decimal(38, 0)) * pl.lit(Decimal("0.01"))
        monthly = (
            delta
            if p.period == "month"
            else ((delta.cast(pl.Decimal(38, 10)) / pl.lit(Decimal(12))).round(2))
        )
        yearly = delta * pl.lit(Decimal(12)) if p.period == "month" else delta
        parts.append(
            wide.select(
                pl.lit(c).alias("programme"),
                "area",
                *[
                    pl.col(f"{c}|{k}").alias(k)
                    for k in (
                        "base_households",
                        "scenario_households",
                        "added_households",
                        "removed_households",
                        "added_persons",
                        "removed_persons",
                    )
                ],
                monthly_delta=monthly.cast(D),
                yearly_delta=yearly.cast(D),
            )
        )
    return pl.concat(parts).sort(["programme", "area"])


def cliff_curve(
    doc_for_income,
    *,
    plan: Plan,
    values: dict[str, ParamValue],
    on: datetime.date,
    incomes_fen: list[int],
    lookback: int = 12,
) -> pl.DataFrame:
    """Total monthly support against the household's monthly income (fen) for one household type.

    ``doc_for_income(i)`` returns the registry-shaped frames for household ``i`` (income in fen).
    Yearly amounts are shown per month (/12); one-off amounts are left out of the monthly total.
    """
    frames_list = [doc_for_income(i, inc) for i, inc in enumerate(incomes_fen, start=1)]
    frames = {
        k: pl.concat([f[k] for f in frames_list if f.get(k) is not None], how="vertical")
        if any(f.get(k) is not None for f in frames_list)
        else None
        for k in frames_list[0]
    }
    feats = compute_features(frames, on, lookback=lookback)
    res = evaluate(feats, single_area_params(values, plan.specs), plan).sort("household_id")
    cols = {}
    total = pl.lit(Decimal("0.00"), dtype=D)
    for p in plan.programmes:
        if p.period == "once":
            continue
        m = _monthly(pl.col(f"{p.code}.amount"), p.period)
        cols[p.code] = m
        total = total + m
    out = res.select(
        income=pl.Series(incomes_fen).cast(pl.Decimal(38, 0)) * pl.lit(Decimal("0.01")),
        **cols,
        support=total,
    )
    return out.with_columns(disposable=pl.col("income") + pl.col("support"))
