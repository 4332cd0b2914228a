"""The monthly form's engine: pure Polars and Decimal, no Django (tested with tiny frames).

``build_snapshot`` turns the roll, the ledger and the household places into one row per
household × programme for a month; ``group`` sums those rows by the form's dimensions (the
database does the same for a stored snapshot, ``SNAPSHOT_SUMS``); ``evaluate`` computes every
indicator of the form from the sums, exactly (integer fen and people; a ratio as a Decimal), and
``display`` converts to the unit only at the end.
"""

from __future__ import annotations

import ast
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import yaml

FORM_DIR = Path(__file__).parent / "forms"
MEASURES = (
    "people",
    "households",
    "entered_people",
    "exited_people",
    "events",
    "events_ytd",
    "centralized_people",
    "paid_fen",
    "paid_ytd_fen",
    "amount_fen",
    "standard_people_fen",
)
DIMENSIONS = ("programme", "urban_rural", "tier")
MONEY_UNITS = {
    "万元": (Decimal(1_000_000), Decimal("0.1")),
    "元/人·月": (Decimal(100), Decimal("0.01")),
    "元": (Decimal(100), Decimal("0.01")),
}
ROW_SCHEMA = {
    "household_id": pl.Int64,
    "area_code": pl.Utf8,
    "urban_rural": pl.Utf8,
    "programme": pl.Utf8,
    "tier": pl.Utf8,
    "people": pl.Int64,
    "households": pl.Int64,
    "entered_people": pl.Int64,
    "exited_people": pl.Int64,
    "events": pl.Int64,
    "events_ytd": pl.Int64,
    "centralized_people": pl.Int64,
    "amount_fen": pl.Int64,
    "standard_fen": pl.Int64,
    "paid_fen": pl.Int64,
    "paid_ytd_fen": pl.Int64,
}


class FormError(ValueError):
    """The form's YAML is wrong: names the row and the rule."""


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    unit: str
    code: str = ""
    indent: int = 0
    show: bool = True
    measure: str = ""
    where: dict = field(default_factory=dict)
    formula: str = ""

    def names(self) -> set[str]:
        """The ids a formula uses."""
        if not self.formula:
            return set()
        return {
            n.id for n in ast.walk(ast.parse(self.formula, mode="eval")) if isinstance(n, ast.Name)
        }


@dataclass(frozen=True)
class Form:
    title: str
    table_no: str
    authority: str
    approver: str
    footnote: str
    indicators: tuple[Indicator, ...]
    tiers: dict

    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def shown(self) -> list[Indicator]:
        return [i for i in self.indicators if i.show]


_ALLOWED = (
    ast.Expression,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.UnaryOp,
    ast.USub,
)


def load_form(path: Path | str | None = None) -> Form:
    """Read and check a form: unique ids, known measures and dimensions, formulas over known ids
    with + - * / only, no cycles."""
    path = Path(path) if path else FORM_DIR / "monthly.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    groups = raw.get("programme_groups") or {}
    items = []
    for n, it in enumerate(raw.get("indicators") or [], start=1):
        rid = it.get("id") or ""
        if not rid.isidentifier():
            raise FormError(f"第 {n} 行：id “{rid}” 须为字母、数字、下划线组成的名称")
        where = dict(it.get("where") or {})
        for key, value in list(where.items()):
            if key not in DIMENSIONS:
                raise FormError(f"{rid}：where 只能按 {', '.join(DIMENSIONS)} 筛选，不能按 {key}")
            if isinstance(value, str) and value.startswith("@"):
                if value[1:] not in groups:
                    raise FormError(f"{rid}：未定义的项目组 {value}")
                value = groups[value[1:]]
            where[key] = [value] if isinstance(value, str) else list(value)
        measure = it.get("measure") or ""
        formula = str(it.get("formula") or "")
        if bool(measure) == bool(formula):
            raise FormError(f"{rid}：须有且只有 measure 或 formula 之一")
        if measure and measure not in MEASURES:
            raise FormError(f"{rid}：未知的统计量 {measure}")
        if formula:
            try:
                tree = ast.parse(formula, mode="eval")
            except SyntaxError as exc:
                raise FormError(f"{rid}：公式无法解析（{exc.msg}）") from None
            for node in ast.walk(tree):
                if not isinstance(node, _ALLOWED):
                    raise FormError(f"{rid}：公式只能使用 + - * / 和括号")
        items.append(
            Indicator(
                id=rid,
                name=str(it.get("name") or rid),
                unit=str(it.get("unit") or ""),
                code=str(it.get("code") or ""),
                indent=int(it.get("indent") or 0),
                show=bool(it.get("show", True)),
                measure=measure,
                where=where,
                formula=formula,
            )
        )
    ids = [i.id for i in items]
    if len(ids) != len(set(ids)):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise FormError(f"重复的指标 id：{', '.join(dup)}")
    known = set(ids)
    for i in items:
        missing = i.names() - known
        if missing:
            raise FormError(f"{i.id}：公式引用了未定义的指标 {', '.join(sorted(missing))}")
    form = Form(
        title=str(raw.get("title") or ""),
        table_no=str(raw.get("table_no") or ""),
        authority=str(raw.get("authority") or ""),
        approver=str(raw.get("approver") or ""),
        footnote=str(raw.get("footnote") or ""),
        indicators=tuple(items),
        tiers={k: list(v) for k, v in (raw.get("tiers") or {}).items()},
    )
    for i in items:
        _leaves(form, i.id, ())  # raises on a cycle
    return form


def _leaves(form: Form, rid: str, path: tuple[str, ...]) -> set[str]:
    if rid in path:
        raise FormError(f"公式循环引用：{' → '.join((*path, rid))}")
    ind = form.by_id()[rid]
    if ind.measure:
        return {rid}
    out: set[str] = set()
    for name in ind.names():
        out |= _leaves(form, name, (*path, rid))
    return out


def leaves(form: Form, rid: str) -> list[Indicator]:
    """The measure rows behind a row (itself, or every measure its formula reaches)."""
    by_id = form.by_id()
    return [by_id[r] for r in sorted(_leaves(form, rid, ()))]


# --------------------------------------------------------------------------- month arithmetic


def month_start(d: datetime.date) -> datetime.date:
    return d.replace(day=1)


def add_months(d: datetime.date, n: int) -> datetime.date:
    m = d.year * 12 + d.month - 1 + n
    return datetime.date(m // 12, m % 12 + 1, 1)


def month_end(d: datetime.date) -> datetime.date:
    return add_months(d, 1) - datetime.timedelta(days=1)


# --------------------------------------------------------------------------- snapshot


def _covers(m: datetime.date) -> pl.Expr:
    return (pl.col("start_month") <= m) & (
        pl.col("end_month").is_null() | (pl.col("end_month") >= m)
    )


def build_snapshot(
    *,
    month: datetime.date,
    entries: pl.DataFrame,
    members: pl.DataFrame,
    places: pl.DataFrame,
    ledger: pl.DataFrame,
    standards: dict[str, int],
    tiers: dict[str, list[str]],
    watch: pl.DataFrame | None = None,
    centralized: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per household × programme for ``month`` (see ``ROW_SCHEMA``), and each
    household's tier (``household_id``, ``area_code``, ``tier``).

    entries: roll entries (id, household_id, person_id, programme, amount_fen, start_month,
    end_month) covering at least the previous month … ``month``; members: counted members alive
    at month end (household_id, members); places: every household (id, area_code, urban_rural);
    ledger: net paid (household_id, programme, area_code, month, fen) from January of the year
    through ``month``; standards: the 低保标准 in fen per area code; watch: households the
    calculator puts on the 监测 watch (household_id); centralized: the counted members alive at
    month end whose support is 集中供养 (person_id, household_id) — an entry for a person counts
    that person, a household entry counts its members in care."""
    m = month_start(month)
    prev = add_months(m, -1)
    year_start = m.replace(month=1)
    if centralized is None:
        centralized = pl.DataFrame(schema={"person_id": pl.Int64, "household_id": pl.Int64})
    in_care = centralized.group_by("household_id").agg(pl.len().cast(pl.Int64).alias("hh_central"))
    cared = set(centralized.get_column("person_id").to_list())
    e = (
        entries.join(members, on="household_id", how="left")
        .join(in_care, on="household_id", how="left")
        .with_columns(
            pl.when(pl.col("person_id").is_not_null())
            .then(1)
            .otherwise(pl.col("members").fill_null(1))
            .cast(pl.Int64)
            .alias("n"),
            pl.when(pl.col("person_id").is_not_null())
            .then(pl.col("person_id").is_in(list(cared)).cast(pl.Int64))
            .otherwise(pl.col("hh_central").fill_null(0))
            .cast(pl.Int64)
            .alias("n_central"),
            _covers(m).alias("on_m"),
            _covers(prev).alias("on_prev"),
        )
    )
    case = e.group_by("household_id", "programme").agg(
        pl.col("n").filter(pl.col("on_m")).sum().alias("people"),
        pl.col("n_central").filter(pl.col("on_m")).sum().alias("centralized_people"),
        pl.col("on_m").any().cast(pl.Int64).alias("households"),
        pl.col("n").filter(pl.col("on_prev")).sum().alias("people_prev"),
        pl.col("on_prev").any().alias("was_on"),
        (pl.col("start_month") == m).sum().cast(pl.Int64).alias("events"),
        ((pl.col("start_month") >= year_start) & (pl.col("start_month") <= m))
        .sum()
        .cast(pl.Int64)
        .alias("events_ytd"),
        pl.col("amount_fen").filter(pl.col("on_m")).sum().alias("amount_fen"),
    )
    case = case.with_columns(
        pl.when((pl.col("households") == 1) & ~pl.col("was_on"))
        .then(pl.col("people"))
        .otherwise(0)
        .alias("entered_people"),
        pl.when((pl.col("households") == 0) & pl.col("was_on"))
        .then(pl.col("people_prev"))
        .otherwise(0)
        .alias("exited_people"),
    ).drop("people_prev", "was_on")
    led = ledger.filter((pl.col("month") >= year_start) & (pl.col("month") <= m))
    money = led.group_by("household_id", "programme").agg(
        pl.col("fen").filter(pl.col("month") == m).sum().alias("paid_fen"),
        pl.col("fen").sum().alias("paid_ytd_fen"),
        pl.col("area_code").first().alias("ledger_area"),
    )
    rows = case.join(money, on=["household_id", "programme"], how="full", coalesce=True)
    rows = rows.join(
        places.select(pl.col("id").alias("household_id"), "area_code", "urban_rural"),
        on="household_id",
        how="left",
    ).with_columns(
        pl.coalesce("area_code", "ledger_area").alias("area_code"),
        pl.col("urban_rural").fill_null(""),
    )
    counts = [
        "people",
        "households",
        "entered_people",
        "exited_people",
        "events",
        "events_ytd",
        "centralized_people",
        "amount_fen",
        "paid_fen",
        "paid_ytd_fen",
    ]
    rows = rows.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in counts)
    # a row is kept when it says something about the month or the year's money
    rows = rows.filter(
        (pl.col("households") > 0)
        | (pl.col("exited_people") > 0)
        | (pl.col("paid_ytd_fen") != 0)
        | (pl.col("events_ytd") > 0)
    )
    std = pl.DataFrame(
        {"area_code": list(standards), "standard_fen": list(standards.values())},
        schema={"area_code": pl.Utf8, "standard_fen": pl.Int64},
    )
    rows = rows.join(std, on="area_code", how="left").with_columns(
        pl.col("standard_fen").fill_null(0)
    )
    # tiers: the lowest tier number a household's current programmes reach
    rank = {name: n for n, name in enumerate(["floor", "special", "watch"])}
    prog_tier = pl.DataFrame(
        [(p, t, rank.get(t, 9)) for t, progs in tiers.items() for p in progs],
        schema={"programme": pl.Utf8, "tier": pl.Utf8, "rank": pl.Int64},
        orient="row",
    )
    on_roll = rows.filter(pl.col("households") > 0).select("household_id", "area_code", "programme")
    if watch is not None and watch.height:
        w = (
            watch.select("household_id")
            .unique()
            .join(places.select(pl.col("id").alias("household_id"), "area_code"), on="household_id")
            .with_columns(pl.lit("poverty_watch").alias("programme"))
        )
        on_roll = pl.concat([on_roll, w.select(on_roll.columns)])
    hh_tier = (
        on_roll.join(prog_tier, on="programme")
        .sort("rank")
        .group_by("household_id", maintain_order=True)
        .agg(pl.col("area_code").first(), pl.col("tier").first())
    )
    rows = rows.join(
        hh_tier.select("household_id", "tier"), on="household_id", how="left"
    ).with_columns(pl.col("tier").fill_null(""))
    return rows.select(list(ROW_SCHEMA)).cast(ROW_SCHEMA).sort(
        "area_code", "household_id", "programme"
    ), hh_tier


def group(rows: pl.DataFrame, by: tuple[str, ...] = DIMENSIONS) -> pl.DataFrame:
    """The measures summed by the form's dimensions (what SQL gives for a stored snapshot)."""
    return (
        rows.with_columns((pl.col("standard_fen") * pl.col("people")).alias("standard_people_fen"))
        .group_by(list(by))
        .agg(pl.col(m).sum().cast(pl.Int64) for m in MEASURES)
    )


def _match(frame: pl.DataFrame, where: dict) -> pl.DataFrame:
    for key, values in where.items():
        frame = frame.filter(pl.col(key).is_in(values))
    return frame


def where_expr(where: dict) -> pl.Expr:
    expr = pl.lit(True)
    for key, values in where.items():
        expr = expr & pl.col(key).is_in(values)
    return expr


def drill_expr(form: Form, rid: str) -> pl.Expr:
    """The snapshot rows behind a figure. A measure row: the rows it sums that are not zero. A
    difference of two measures over the same rows (分散供养 = 特困人数 − 集中供养): the rows where
    the difference is not zero. Any other formula: the rows behind any of its measures."""
    ind = form.by_id()[rid]
    if ind.formula:
        body = ast.parse(ind.formula, mode="eval").body
        if (
            isinstance(body, ast.BinOp)
            and isinstance(body.op, ast.Sub)
            and isinstance(body.left, ast.Name)
            and isinstance(body.right, ast.Name)
        ):
            a, b = form.by_id()[body.left.id], form.by_id()[body.right.id]
            if a.measure and b.measure and a.where == b.where:
                return where_expr(a.where) & ((_measure(a.measure) - _measure(b.measure)) != 0)
    return pl.any_horizontal(
        [where_expr(leaf.where) & (_measure(leaf.measure) != 0) for leaf in leaves(form, rid)]
    )


def _measure(name: str) -> pl.Expr:
    """A measure on snapshot rows (the weighted standard is a product, not a stored column)."""
    if name == "standard_people_fen":
        return pl.col("standard_fen") * pl.col("people")
    return pl.col(name)


def evaluate(form: Form, grouped: pl.DataFrame) -> dict[str, Decimal | None]:
    """Every indicator's exact value (fen, people, or a Decimal ratio); None when a ratio divides
    by zero."""
    values: dict[str, Decimal | None] = {}
    for ind in form.indicators:
        if ind.measure:
            part = _match(grouped, ind.where)
            values[ind.id] = (
                Decimal(int(part[ind.measure].sum() or 0)) if part.height else Decimal(0)
            )
    by_id = form.by_id()

    def calc(rid: str) -> Decimal | None:
        if rid in values:
            return values[rid]
        tree = ast.parse(by_id[rid].formula, mode="eval")
        values[rid] = _eval(tree.body, calc)
        return values[rid]

    for ind in form.indicators:
        calc(ind.id)
    return values


def _eval(node, calc) -> Decimal | None:
    if isinstance(node, ast.Constant):
        return Decimal(str(node.value))
    if isinstance(node, ast.Name):
        return calc(node.id)
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, calc)
        return None if v is None else -v
    a, b = _eval(node.left, calc), _eval(node.right, calc)
    if a is None or b is None:
        return None
    if isinstance(node.op, ast.Add):
        return a + b
    if isinstance(node.op, ast.Sub):
        return a - b
    if isinstance(node.op, ast.Mult):
        return a * b
    if b == 0:
        return None
    return a / b


def display(unit: str, value: Decimal | None) -> Decimal | None:
    """The exact value in the unit the form prints, rounded half-up only here."""
    if value is None:
        return None
    if unit in MONEY_UNITS:
        divisor, step = MONEY_UNITS[unit]
        return (value / divisor).quantize(step, rounding=ROUND_HALF_UP)
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def change_pct(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """环比 (%) = (本期 − 上期) ÷ 上期 × 100, one decimal; None without a 上期 or when it is 0."""
    if current is None or previous is None or previous == 0:
        return None
    return ((current - previous) / previous * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
