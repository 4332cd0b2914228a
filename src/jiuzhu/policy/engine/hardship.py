"""Hardship score (困难程度得分, seed 003): 100 minus weighted hardship indicators; lower = harder.

Each indicator is between 0 and 1; its weight is the most points it can take off. Weights are
configurable (``programmes/_hardship.yaml``) and documented in ``docs/policy-features.md``. The
score orders work lists; it decides nothing, so it is computed in floating point and stored
rounded to 2 decimals.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml

from jiuzhu.policy.engine.errors import EngineError

HARDSHIP_FILE = Path(__file__).resolve().parent.parent / "programmes" / "_hardship.yaml"

INDICATORS: dict[str, tuple[str, pl.Expr]] = {}


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(0.0).clip(0.0, 1.0)


def indicators() -> dict[str, tuple[str, pl.Expr]]:
    """name → (label, expression in [0, 1]) over the evaluated frame (Decimal money as float)."""
    pci = pl.col("per_capita_income").cast(pl.Float64)
    std = pl.col("p:dibao.standard").cast(pl.Float64)
    cm = pl.col("counted_members").cast(pl.Float64)
    return {
        "income_gap": (
            "收入差距：1 − 月人均收入/(2×低保标准)",
            (1.0 - _ratio(pci, 2.0 * std)).clip(0.0, 1.0),
        ),
        "severe_disability": (
            "重度残疾成员占比",
            _ratio(pl.col("n_severe_disabled").cast(pl.Float64), cm),
        ),
        "major_illness": ("重病成员占比", _ratio(pl.col("n_major_ill").cast(pl.Float64), cm)),
        "elderly": ("60岁以上成员占比", _ratio(pl.col("n_elderly").cast(pl.Float64), cm)),
        "minors": ("未成年成员占比", _ratio(pl.col("n_minors").cast(pl.Float64), cm)),
        "no_able_adult": ("无劳动能力家庭", (pl.col("n_able_adults") == 0).cast(pl.Float64)),
        "rigid_expense": (
            "近12个月刚性支出/年收入",
            _ratio(
                pl.col("rigid_expense_12m").cast(pl.Float64),
                pl.max_horizontal(pl.col("annual_income").cast(pl.Float64), pl.lit(1.0)),
            ),
        ),
    }


def load_weights(path: Path = HARDSHIP_FILE) -> dict[str, float]:
    with path.open(encoding="utf-8") as fh:
        w = yaml.safe_load(fh)["weights"]
    unknown = set(w) - set(indicators())
    if unknown:
        raise EngineError("unknown_indicator", {"names": ", ".join(sorted(unknown))})
    return {k: float(v) for k, v in w.items()}


def score_expr(weights: dict[str, float]) -> pl.Expr:
    ind = indicators()
    penalty = pl.lit(0.0)
    for name, w in weights.items():
        penalty = penalty + pl.lit(w) * ind[name][1].fill_null(0.0)
    return (pl.lit(100.0) - penalty).clip(0.0, 100.0).round(2).alias("hardship_score")
