"""Random registry frames in memory, for benchmarks and property tests (no database).

The shape follows the registry (households, persons, income, assets, expenses, roll) with enough
poor, disabled, elderly and sick households that every programme has eligible rows.
"""

from __future__ import annotations

import datetime

import numpy as np
import polars as pl


def random_frames(
    n: int,
    *,
    seed: int = 7,
    on: datetime.date = datetime.date(2025, 1, 1),
    area_codes: list[str] | None = None,
) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    areas = np.array(area_codes or ["321202001001", "321202001002", "321203001001"])
    hh_ids = np.arange(1, n + 1, dtype=np.int64)
    size = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.2, 0.3, 0.25, 0.18, 0.07])
    households = pl.DataFrame(
        {
            "household_id": hh_ids,
            "area_code": areas[rng.integers(0, len(areas), n)],
            "urban_rural": np.where(rng.random(n) < 0.5, "urban", "rural"),
            "emergency_event": rng.random(n) < 0.005,
            "obligor_able": rng.random(n) < 0.3,
        }
    )
    pn = int(size.sum())
    p_hh = np.repeat(hh_ids, size)
    ages = rng.integers(0, 95, pn)
    birth_ord = np.array(on.toordinal() - ages * 365.25 - rng.integers(0, 365, pn), dtype=np.int64)
    epoch = datetime.date(1970, 1, 1).toordinal()
    grade = np.where(rng.random(pn) < 0.08, rng.integers(1, 5, pn), 0)
    dtype_ = np.array(
        ["physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple"]
    )[rng.integers(0, 7, pn)]
    stage = np.select(
        [ages < 3, ages < 6, ages < 12, ages < 15, ages < 18, (ages < 22) & (rng.random(pn) < 0.4)],
        ["none", "preschool", "primary", "junior", "senior", "college"],
        "none",
    )
    persons = pl.DataFrame(
        {
            "person_id": np.arange(1, pn + 1, dtype=np.int64),
            "household_id": p_hh,
            "birth_date": (birth_ord - epoch).astype("int32"),
            # Art. 7 facts: head first, then relatives; 3 % do not live with the household
            "lives_together": rng.random(pn) < 0.97,
            "disability_type": np.where(grade > 0, dtype_, ""),
            "disability_grade": grade.astype(np.int64),
            "major_illness": rng.random(pn) < 0.03,
            "labour_capacity": np.where(rng.random(pn) < 0.05, "none", "full"),
            # how many of the six self-care items cannot be done (特困办法 Art. 20–23)
            "adl_unable": rng.choice(
                [0, 1, 2, 3, 4, 5, 6], size=pn, p=[0.9, 0.03, 0.02, 0.02, 0.01, 0.01, 0.01]
            ),
            "employment": np.where(
                (ages >= 18) & (ages < 60) & (rng.random(pn) < 0.7), "employed", "na"
            ),
            "school_stage": stage,
            "orphan": (ages < 18) & (rng.random(pn) < 0.003),
            "unsupported_child": (ages < 18) & (rng.random(pn) < 0.003),
        }
    ).with_columns(
        pl.col("birth_date").cast(pl.Date),
        pl.lit(None, dtype=pl.Date).alias("death_date"),
        pl.when(pl.col("disability_grade") > 0).then(pl.col("disability_grade")),
    )
    # Income: one yearly item per earning adult; a poor tail near the standard.
    earner = (ages >= 18) & (ages < 65) & (rng.random(pn) < 0.8)
    monthly = np.where(
        rng.random(pn) < 0.12, rng.integers(0, 120_000, pn), rng.integers(100_000, 800_000, pn)
    )
    inc_idx = np.nonzero(earner)[0]
    income = pl.DataFrame(
        {
            "household_id": p_hh[inc_idx],
            "person_id": inc_idx.astype(np.int64) + 1,
            "kind": rng.choice(
                ["wage", "business", "transfer"], size=len(inc_idx), p=[0.7, 0.2, 0.1]
            ),
            "amount_fen": (monthly[inc_idx] * 12).astype(np.int64),
            "period_start": [datetime.date(on.year - 1, on.month, 1)] * len(inc_idx),
            "period_end": [_month_before(on)] * len(inc_idx),
            "excluded": rng.random(len(inc_idx)) < 0.03,
        }
    )
    na = n // 2
    a_hh = rng.choice(hh_ids, size=na)
    assets = pl.DataFrame(
        {
            "household_id": a_hh,
            "kind": rng.choice(
                ["deposit", "vehicle", "property", "business", "security"],
                size=na,
                p=[0.55, 0.12, 0.25, 0.03, 0.05],
            ),
            "value_fen": rng.integers(0, 20_000_000, na).astype(np.int64),
            "exempt": rng.random(na) < 0.1,
        }
    )
    ne = n // 5
    expenses = pl.DataFrame(
        {
            "household_id": rng.choice(hh_ids, size=ne),
            "kind": rng.choice(["medical", "education", "rehabilitation"], size=ne),
            "amount_fen": rng.integers(0, 5_000_000, ne).astype(np.int64),
            "period_start": [datetime.date(on.year - 1, on.month, 1)] * ne,
            "period_end": [_month_before(on)] * ne,
        }
    )
    nr = max(1, n // 25)
    roll = pl.DataFrame(
        {
            "household_id": rng.choice(hh_ids, size=nr, replace=False),
            "programme": rng.choice(["dibao", "tekun", "phase_out"], size=nr, p=[0.8, 0.15, 0.05]),
            "monthly_amount_fen": rng.integers(10_000, 200_000, nr).astype(np.int64),
            "start_month": [datetime.date(on.year - 1, 1, 1)] * nr,
            "end_month": [None] * nr,
            "status": ["active"] * nr,
        }
    ).with_columns(pl.col("end_month").cast(pl.Date))
    # Drawn last, so the frames above stay what they were before these columns existed.
    # Relation to the head: the first member of each household is the head.
    first = np.r_[True, p_hh[1:] != p_hh[:-1]]
    rel = np.where(
        first,
        "head",
        rng.choice(["spouse", "child", "parent", "grandchild", "child_in_law"], size=pn),
    )
    checked = rng.random(pn) < 0.6
    persons = persons.with_columns(relation=pl.Series(rel), obligors_checked=pl.Series(checked))
    # One obligor for most checked people, with the facts 特困办法 Art. 8 tests.
    oi = np.flatnonzero(checked & (rng.random(pn) < 0.7))
    no = oi.size
    obligors = pl.DataFrame(
        {
            "household_id": p_hh[oi],
            "person_id": oi.astype(np.int64) + 1,
            "age": rng.integers(20, 90, no).astype(np.int64),
            "on_tekun": rng.random(no) < 0.02,
            "on_dibao": rng.random(no) < 0.1,
            "income_year_fen": rng.integers(0, 8_000_000, no).astype(np.int64),
            "property_within_limits": rng.random(no) < 0.5,
            "in_prison": rng.random(no) < 0.01,
        }
    )
    nv = max(1, n // 100)
    events = pl.DataFrame(
        {
            "household_id": rng.choice(hh_ids, size=nv),
            "kind": rng.choice(["fire", "traffic", "illness", "accident"], size=nv),
            "event_date": [on - datetime.timedelta(days=int(d)) for d in rng.integers(0, 365, nv)],
            "loss_fen": rng.integers(0, 5_000_000, nv).astype(np.int64),
        }
    )
    return {
        "households": households,
        "persons": persons,
        "obligors": obligors,
        "income": income,
        "assets": assets,
        "expenses": expenses,
        "roll": roll,
        "events": events,
    }


def _month_before(d: datetime.date) -> datetime.date:
    return (d.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
