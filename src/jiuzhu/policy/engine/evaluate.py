"""Evaluate compiled programmes over a household feature frame: one plan for 1 or 1,000,000 rows.

``evaluate(features, params, programmes)`` returns a frame with, per programme ``<code>``:
``<code>.c.<condition>`` (bool, one column per named condition — the why), ``<code>.eligible``,
``<code>.beneficiaries`` (count) and ``<code>.amount`` (Decimal(38,2) yuan, 0 when not eligible).
``explain`` turns one row of that frame into the calculator's trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from jiuzhu.policy.engine.errors import EngineError
from jiuzhu.policy.engine.expr import (
    EXACT_SCALE,
    MONEY,
    MONEY_SCALE,
    PARAM_PREFIX,
    Catalogue,
    param_col,
    result_col,
    round_to,
    settle_int,
)
from jiuzhu.policy.engine.features import (
    EXACT_FEATURES,
    FEATURE_SCALES,
    FEATURE_TYPES,
    MONEY_FEATURES,
    derive_with_parameters,
    exact_to_int,
)
from jiuzhu.policy.engine.params import ParamSpec, ParamValue
from jiuzhu.policy.engine.programmes import Programme, bind, compile_all

AMOUNT_DTYPE = pl.Decimal(38, 2)


def catalogue_for(
    specs: dict[str, ParamSpec], programme_codes: set[str] | None = None
) -> Catalogue:
    return Catalogue(
        features=dict(FEATURE_TYPES),
        feature_scales=dict(FEATURE_SCALES),
        parameters={n: s.type for n, s in specs.items()},
        programmes=set(programme_codes or ()),
    )


@dataclass
class Plan:
    """Compiled programmes + parameter catalogue, reusable across runs."""

    programmes: list[Programme]
    specs: dict[str, ParamSpec]
    _bound: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_documents(cls, docs: list[dict], specs: dict[str, ParamSpec]) -> Plan:
        return cls(compile_all(docs, catalogue_for(specs)), specs)

    def bound(self, consts: dict) -> list[Programme]:
        """The programmes compiled for one parameter set (constants folded); cached."""
        key = tuple(sorted((k, v) for k, (v, _dt) in consts.items()))
        if key not in self._bound:
            if len(self._bound) > 64:
                self._bound.clear()
            cat = catalogue_for(self.specs, set(self.codes()))
            self._bound[key] = [bind(p, cat, consts) for p in self.programmes]
        return self._bound[key]

    def codes(self) -> list[str]:
        return [p.code for p in self.programmes]

    def programme(self, code: str) -> Programme:
        for p in self.programmes:
            if p.code == code:
                return p
        raise KeyError(code)


def _programme_columns(p: Programme, consts: dict | None = None) -> list[list[pl.Expr]]:
    """The programme's columns in three stages (each a ``with_columns``): conditions and the raw
    amount; eligibility and the settled amount; the amount in fen and the beneficiaries. The
    intermediate values are columns (``_<code>.raw``, ``_<code>.settled``) so that the rounding
    steps, which read their operand more than once, never recompute a formula."""
    raw, settled = f"_{p.code}.raw", f"_{p.code}.settled"
    conds = [c.expr.expr.fill_null(False).alias(f"{p.code}.c.{c.name}") for c in p.conditions]
    eligible = pl.all_horizontal([pl.col(f"{p.code}.c.{c.name}") for c in p.conditions])
    rounding = p.source.get("rounding")
    # Exact until here (fixed-point integers, ``expr``); ``settle`` recovers exact ties and whole
    # yuan from a 20-decimal quotient; then to the fen, half away from zero, as integer fen.
    value, scale = settle_int(pl.col(raw), p.amount.scale)
    amount = round_to(pl.col(settled), scale, MONEY_SCALE)
    if rounding:
        # Rounding is a parameter, applied once, at the end (RULES.md, 低保办法 Art. 23).
        up = round_to(pl.col(settled), scale, 0, "ceil") * pl.lit(100, dtype=pl.Int64)
        known = (consts or {}).get(rounding, (None, None))[0]
        if known is None:
            amount = pl.when(pl.col(param_col(rounding))).then(up).otherwise(amount)
        elif known:
            amount = up
    zero = pl.lit(0, dtype=pl.Int64)
    ben = p.beneficiaries.expr.cast(pl.Int64)
    eligible_col = pl.col(result_col(p.code, "eligible"))
    return [
        [*conds, p.amount.expr.alias(raw)],
        [eligible.alias(result_col(p.code, "eligible")), value.alias(settled)],
        [
            pl.when(eligible_col)
            .then(amount)
            .otherwise(zero)
            .fill_null(zero)
            .cast(pl.Int64)
            .alias(result_col(p.code, "amount")),
            pl.when(eligible_col)
            .then(ben)
            .otherwise(0)
            .fill_null(0)
            .alias(result_col(p.code, "beneficiaries")),
        ],
    ]


def _literal(value, dtype: pl.DataType) -> pl.Expr:
    """A parameter as the evaluator reads it: money and ratios as fixed-point integers (value ×
    10^scale of their Decimal type), counts and switches as they are."""
    if isinstance(dtype, pl.Decimal):
        v = None if value is None else int(Decimal(value).scaleb(dtype.scale))
        return pl.lit(v, dtype=pl.Int64)
    return pl.lit(value, dtype=dtype)


def param_consts(params: pl.DataFrame, i: int = 0) -> dict:
    """One parameter set as the compiler's constants: name → (value, dtype), as ``_literal``."""
    out = {}
    for c in params.columns:
        if not c.startswith(PARAM_PREFIX):
            continue
        dtype, value = params.schema[c], params[c][i]
        if isinstance(dtype, pl.Decimal):
            value = None if value is None else int(Decimal(value).scaleb(dtype.scale))
            dtype = pl.Int64
        out[c[len(PARAM_PREFIX) :]] = (value, dtype)
    return out


def _with_literals(lf: pl.LazyFrame, params: pl.DataFrame, i: int = 0, *, fixed=True):
    return lf.with_columns(
        [
            (_literal if fixed else pl.lit)(params[c][i], params.schema[c]).alias(c)
            for c in params.columns
            if c != "area_code"
        ]
    )


def _internal(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The feature frame in the evaluator's fixed point: money features stay integer fen (as
    ``compute_features`` gives them), exact quotients become Int128 × 10^20; then the features
    that need parameters."""
    names = [c for c in lf.collect_schema().names() if c in EXACT_FEATURES]
    return derive_with_parameters(exact_to_int(lf, names))


def prepare(features: pl.DataFrame | pl.LazyFrame, params: pl.DataFrame) -> pl.LazyFrame:
    """Parameters as literals (``params`` has one row, area ``*``) and derived features, as the
    caller sees them (Decimal yuan)."""
    lf = features.lazy() if isinstance(features, pl.DataFrame) else features
    return _to_edge(_internal(_with_literals(lf, params)).collect(), params, "all").lazy()


def fen_to_decimal(s: pl.Series) -> pl.Series:
    """Integer fen → Decimal(38, 2) yuan without arithmetic: the fen are the Decimal's own
    integer (Arrow decimal128 holds value × 10^scale as a 16-byte integer)."""
    import numpy as np
    import pyarrow as pa

    s = s.cast(pl.Int64).rechunk()
    v = s.fill_null(0).to_numpy()
    words = np.empty((len(v), 2), dtype=np.int64)
    words[:, 0] = v
    words[:, 1] = v >> 63  # sign extension into the high word
    validity = s.to_arrow().buffers()[0] if s.null_count() else None
    arr = pa.Array.from_buffers(
        pa.decimal128(38, 2), len(v), [validity, pa.py_buffer(words)], null_count=s.null_count()
    )
    return pl.Series(s.name, arr)


def int_to_decimal(s: pl.Series, scale: int) -> pl.Series:
    """Int128 value × 10^scale → Decimal(38, scale), without arithmetic."""
    import pyarrow as pa

    a = s.cast(pl.Decimal(38, 0)).rechunk().to_arrow()
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    b = pa.Array.from_buffers(
        pa.decimal128(38, scale), len(a), a.buffers(), null_count=a.null_count, offset=a.offset
    )
    return pl.Series(s.name, b)


def _to_edge(df: pl.DataFrame, params: pl.DataFrame, keep) -> pl.DataFrame:
    """The evaluator's integers back to the Decimal yuan callers read: amounts, kept money
    features and exact quotients, and (for ``all``) the parameters as given."""
    cols = {}
    for c in df.columns:
        if c.endswith(".amount") or (c in MONEY_FEATURES and c not in EXACT_FEATURES):
            if df.schema[c] != pl.Decimal(38, 2):
                cols[c] = fen_to_decimal(df[c])
        elif c in EXACT_FEATURES:
            cols[c] = int_to_decimal(df[c], EXACT_SCALE)
    if cols:
        df = df.with_columns(list(cols.values()))
    shown = params.select([c for c in params.columns if c != "area_code" and c in df.columns])
    if shown.width:
        df = _with_literals(df.lazy(), shown, fixed=False).collect()
    return df


def _plan_frame(lf: pl.LazyFrame, plan: Plan, keep, consts: dict | None = None) -> pl.LazyFrame:
    for p in plan.bound(consts) if consts is not None else plan.programmes:
        for stage in _programme_columns(p, consts):
            lf = lf.with_columns(stage)
    if keep == "all":
        lf = lf.select(pl.exclude(r"^_.*\.(raw|settled)$"))
    else:
        cols = ["household_id", "area_code", *([] if keep == "results" else list(keep))]
        for p in plan.programmes:
            cols += [f"{p.code}.c.{c.name}" for c in p.conditions]
            cols += [result_col(p.code, w) for w in ("eligible", "amount", "beneficiaries")]
        lf = lf.select(cols)
    return lf


def evaluate(
    features: pl.DataFrame | pl.LazyFrame,
    params: pl.DataFrame,
    plan: Plan,
    *,
    keep: str | list[str] = "all",
) -> pl.DataFrame:
    """Run every programme. ``keep`` may also be a list of extra columns to keep. ``params``: one row per area code (``resolve_frame``) or a single row
    with area ``*`` for all. ``keep``: ``all`` columns, or ``results`` (ids + per-programme
    conditions, eligible, amount, beneficiaries — no feature or parameter columns).

    Households are grouped by their *parameter set* (areas sharing every value — typically one
    per county): each group runs with its parameters as literals, which is much faster than
    joining fifty parameter columns onto every household.
    """
    df = features.collect() if isinstance(features, pl.LazyFrame) else features
    if df.height == 0 and params.height:
        # No households: still return every result column (the schema) for callers.
        one = params.head(1).with_columns(area_code=pl.lit("*"))
        return _run(_internal(_with_literals(df.lazy(), one)), plan, keep, one)
    if params.height == 1 and params["area_code"][0] == "*":
        return _run(_internal(_with_literals(df.lazy(), params)), plan, keep, params)
    value_cols = [c for c in params.columns if c != "area_code"]
    sets = params.select(value_cols).unique(maintain_order=True).with_row_index("_set")
    area_set = params.join(sets, on=value_cols, how="left", nulls_equal=True).select(
        "area_code", "_set"
    )
    tagged = df.join(area_set, on="area_code", how="left")
    if tagged["_set"].null_count():
        missing = tagged.filter(pl.col("_set").is_null())["area_code"].unique().to_list()[:5]
        raise EngineError("areas_without_params", {"areas": str(missing)})
    parts = []
    for (set_id,), part in tagged.partition_by("_set", as_dict=True).items():
        one = sets.filter(pl.col("_set") == set_id).drop("_set")
        lf = _with_literals(part.drop("_set").lazy(), one)
        parts.append(_run(_internal(lf), plan, keep, one))
    return pl.concat(parts, how="vertical")


def _run(prepared: pl.LazyFrame, plan: Plan, keep, params: pl.DataFrame) -> pl.DataFrame:
    # Materialise the prepared frame first: left lazy, the optimiser inlines the derived
    # features into every condition that reads them and the plan runs twice as slow.
    base = prepared.collect()
    out = _plan_frame(base.lazy(), plan, keep, param_consts(params)).collect(
        optimizations=pl.QueryOptFlags(comm_subexpr_elim=False)
    )
    return _to_edge(out, params, keep)


def single_area_params(values: dict[str, ParamValue], specs: dict[str, ParamSpec]) -> pl.DataFrame:
    """A one-row parameter frame that applies to every household (``area_code == "*"``)."""
    from jiuzhu.policy.engine.params import _dtype

    data = {"area_code": ["*"]}
    schema = {"area_code": pl.Utf8}
    for name, spec in specs.items():
        data[param_col(name)] = [values[name].value]
        schema[param_col(name)] = _dtype(spec)
    return pl.DataFrame(data, schema=schema)


def decimal_text(v: Decimal) -> str:
    """A money value as text: two decimals when exact to the fen, else every digit carried (an
    exact per-capita figure such as 799.99666666666666666667 is shown as it was compared)."""
    q = v.quantize(Decimal("0.01"))
    return str(q) if v == q else format(v.normalize(), "f")


def _jsonable(v):
    if isinstance(v, Decimal):
        return decimal_text(v)
    return v


def explain(row: dict, plan: Plan, resolved: dict[str, ParamValue] | None = None) -> list[dict]:
    """The calculator's output for one evaluated row: per programme, result and trace."""
    out = []
    for p in plan.programmes:
        conditions = []
        for c in p.conditions:
            conditions.append(
                {
                    "name": c.name,
                    "label": c.label,
                    "expr": c.expr.source,
                    "article": c.article,
                    "passed": bool(row[f"{p.code}.c.{c.name}"]),
                    "values": _values(c.expr.names, row, resolved),
                }
            )
        amount = row[result_col(p.code, "amount")]
        out.append(
            {
                "programme": p.code,
                "name": p.name,
                "tier": p.tier,
                "unit": p.unit,
                "period": p.period,
                "eligible": bool(row[result_col(p.code, "eligible")]),
                "amount": str(amount),
                "beneficiaries": int(row[result_col(p.code, "beneficiaries")]),
                "amount_formula": p.amount.source,
                "amount_values": _values(p.amount.names, row, resolved),
                "failed": [c["name"] for c in conditions if not c["passed"]],
                "conditions": conditions,
            }
        )
    return out


def _values(names: list[str], row: dict, resolved: dict[str, ParamValue] | None) -> dict:
    vals = {}
    for n in names:
        if n in FEATURE_TYPES:
            vals[n] = _jsonable(row.get(n))
        elif n.startswith(("eligible.", "amount.")):
            head, code = n.split(".", 1)
            vals[n] = _jsonable(row.get(result_col(code, head)))
        else:
            entry = {"value": _jsonable(row.get(param_col(n)))}
            if resolved and n in resolved:
                pv = resolved[n]
                entry.update(
                    area_code=pv.area_code,
                    effective_from=pv.effective_from.isoformat(),
                    version=pv.version,
                )
            vals[n] = entry
    return vals


def money_type(name: str) -> bool:
    return FEATURE_TYPES.get(name) == MONEY
