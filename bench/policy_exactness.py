"""Exactness check for the policy engine: every determination, old code against new, to the fen.

    .venv/bin/python bench/policy_exactness.py --households 100000 --save /tmp/base.parquet
    # change the engine, then
    .venv/bin/python bench/policy_exactness.py --households 100000 --against /tmp/base.parquet

Builds the random registry-shaped frames (``jiuzhu.demo.policy_frames``, fixed seed), computes the
features and evaluates every programme under several parameter scenarios at once (areas given
different values: the national defaults; 分类施保 + whole-yuan rounding + a household minimum + Art. 34
share kept; every 单人保 ground and the 渐退 ceiling on; odd standards and ratios so that quotients
and products carry many decimals). Saves, or compares against a saved run, every condition,
eligibility, beneficiary count and amount (as exact text), and the exact derived features.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("JIUZHU_DEBUG", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

ON = datetime.date(2026, 11, 1)
AREAS = [f"3212{c:02d}{t:03d}001" for c in (2, 3, 4, 81) for t in (1, 2)]
SCENARIOS = {
    # county 02: national defaults
    "321203": {
        "dibao.category_enabled": True,
        "dibao.round_up_yuan": True,
        "dibao.minimum_amount": Decimal("35.50"),
        "dibao.refused_work_share_kept": Decimal("0.3333"),
        "dibao.standard": Decimal("813.37"),
    },
    "321204": {
        "dibao_single.ground_severe_disability": True,
        "dibao_single.ground_major_illness": True,
        "dibao_single.ground_clergy": True,
        "dibao_single.ground_unemployed_severe_2022": True,
        "phase_out.income_ceiling_enabled": True,
        "tekun.basic_multiplier": Decimal("1.3333"),
        "dibao.standard": Decimal("799.99"),
        "disability.care_include_nonsevere_im": True,
        "income.disabled_wage_deduction": Decimal("123.45"),
    },
    "321281": {
        "dibao.standard": Decimal("1001.01"),
        "medical_aid.ratio_dibao": Decimal("0.7777"),
        "temporary_aid.expenditure_ratio": Decimal("0.3333"),
        "rigid_expense.ratio": Decimal("0.5555"),
        "dibao.round_up_yuan": True,
    },
}


def results(n: int):
    import polars as pl

    from jiuzhu.demo.policy_frames import random_frames
    from jiuzhu.policy.engine.evaluate import Plan, evaluate
    from jiuzhu.policy.engine.features import compute_features
    from jiuzhu.policy.engine.params import ParamValue, load_catalogue, resolve_frame
    from jiuzhu.policy.engine.programmes import load_documents

    specs, defaults = load_catalogue()
    plan = Plan.from_documents(load_documents(), specs)
    rows = [*defaults]
    for county, values in SCENARIOS.items():
        for name, v in values.items():
            rows.append(ParamValue(name, county + "000000", ON, v, "scenario"))
    frames = random_frames(n, on=ON, area_codes=AREAS)
    feats = compute_features(frames, ON)
    params, _ = resolve_frame(rows, AREAS, ON, specs)
    extra = ["per_capita_income", "per_capita_income_tekun", "annual_income"]
    t0 = time.perf_counter()
    res = evaluate(feats, params, plan, keep=extra)
    took = time.perf_counter() - t0
    # every value as text: exact comparison, whatever the dtypes
    out = res.sort("household_id").select(
        [pl.col(c).cast(pl.Utf8) for c in res.columns if c not in ("household_id", "area_code")]
        + [pl.col("household_id"), pl.col("area_code")]
    )
    return out, took, plan


def main(argv=None):
    import polars as pl

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--save")
    ap.add_argument("--against")
    a = ap.parse_args(argv)
    out, took, plan = results(a.households)
    print(f"{out.height:,} households, {len(out.columns)} columns, evaluate {took:.2f} s")
    for p in plan.programmes:
        col = f"{p.code}.amount"
        elig = out.filter(pl.col(f"{p.code}.eligible") == "true").height
        print(f"  {p.code:30s} eligible {elig:7,d}  distinct amounts {out[col].n_unique():6,d}")
    if a.save:
        out.write_parquet(a.save)
        print("saved", a.save)
    if a.against:
        base = pl.read_parquet(a.against)
        bad = 0
        for c in base.columns:
            if c not in out.columns:
                print("MISSING column", c)
                bad += 1
                continue
            diff = (
                base.select(c).with_columns(new=out[c]).filter(pl.col(c).ne_missing(pl.col("new")))
            )
            if diff.height:
                bad += 1
                print(f"DIFFERENT {c}: {diff.height} rows, e.g. {diff.head(3).rows()}")
        extra = set(out.columns) - set(base.columns)
        if extra:
            print("new columns", sorted(extra))
        print("IDENTICAL" if not bad else f"{bad} columns differ")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
