"""Which differences between department data and the registry matter (pure Polars, no Django).

Input frames (the adapter builds them from the database; the benchmark from files):

- ``persons``: person_id, household_id, name, death_date, disability_type, school_stage
- ``households``: household_id, size (counted members), on_roll (bool)
- ``declared``: household_id, person_id, category (asset:<kind> / income:<kind> /
  expense:<kind>), registration_no, amount_fen — what the household declared or a visit found
- ``records``: record_id, department, kind, area_code, event_date, amount_fen, ref (plate,
  credit code, certificate …), label (company, address, school …)
- ``links``: record_id, person_id (accepted links only)

Output: one row per finding with household_id, person_id, kind, department, record_id, as_of,
amount_fen, summary (Chinese, names the source and date). Thresholds are ``RuleParams``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import polars as pl

from jiuzhu.verify.feeds import VEHICLE_KIND_LABELS

FINDING_SCHEMA = {
    "household_id": pl.Int64,
    "person_id": pl.Int64,
    "kind": pl.Utf8,
    "department": pl.Utf8,
    "record_id": pl.Int64,
    "as_of": pl.Date,
    "amount_fen": pl.Int64,
    "summary": pl.Utf8,
}

VEHICLE_LABELS = VEHICLE_KIND_LABELS
ROLE_LABELS = {"legal_rep": "法定代表人", "shareholder": "股东", "owner": "经营者"}
DISABILITY_LABELS = {
    "physical": "肢体",
    "visual": "视力",
    "hearing": "听力",
    "speech": "言语",
    "intellectual": "智力",
    "mental": "精神",
    "multiple": "多重",
}


@dataclass(frozen=True)
class RuleParams:
    """Thresholds. The 低保标准 comes from the policy parameters of each household's area; the
    tolerances are this engine's own (see docs/verification.md)."""

    # 低保标准 in fen per area code, for the areas of the households checked: the caller reads
    # them from the dated per-area policy parameters (``verify.services.dibao_lines``).
    lines_fen: Mapping[str, int] = field(default_factory=dict)
    wage_tolerance: float = 0.10  # feed wages more than 10 % above what was declared
    large_medical_fen: int = 1_000_000  # out-of-pocket ≥ 10,000 yuan in 12 months
    deposit_tolerance_fen: int = 500_000  # balances more than 5,000 yuan above the declaration
    exempt_vehicle_types: tuple[str, ...] = ("motorcycle", "disability_scooter")
    lookback_days: int = 366

    def line_fen(self, area_code: str) -> int:
        """The 低保标准 of the area; a missing one is an error, never a made-up number."""
        try:
            return self.lines_fen[area_code]
        except KeyError:
            raise ValueError(f"no 低保标准 given for area {area_code}") from None


def _yuan(expr: pl.Expr) -> pl.Expr:
    """Fen as yuan text with two decimals (5200.00, not 5200.0)."""
    fen = expr.round(0).cast(pl.Int64)
    sign = pl.when(fen < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    fen = fen.abs()
    return sign + (fen // 100).cast(pl.Utf8) + pl.lit(".") + (fen % 100).cast(pl.Utf8).str.zfill(2)


def _area_note(code: pl.Expr, home: pl.Expr) -> pl.Expr:
    return (
        pl.when(code.is_null() | (code == ""))
        .then(pl.lit(""))
        .when(code.str.slice(0, 6) != home.str.slice(0, 6))
        .then(pl.lit("，登记地在外县（区划") + code + pl.lit("）"))
        .otherwise(pl.lit("，登记地") + code)
    )


def monthly_rates(rows, covered: frozenset[str], upto: str) -> dict:
    """Exact monthly amount per key (an earner) from ``(key, "YYYY-MM", fen)`` rows: the sum of
    the key's amounts divided by the months covered from the key's first month to ``upto``.

    A department that sends only the latest month covers one month (5,200 in it is 5,200 a
    month, not 433); a job started three months ago is judged over three months; a steady wage
    over twelve covered months over twelve. Months a key has a row for always count as covered."""
    sums: dict = {}
    seen: dict = {}
    for key, month, fen in rows:
        sums[key] = sums.get(key, 0) + int(fen or 0)
        seen.setdefault(key, set()).add(month)
    out = {}
    for key, total in sums.items():
        first = min(seen[key])
        span = {m for m in covered | seen[key] if first <= m <= upto}
        out[key] = Fraction(total, max(1, len(span)))
    return out


def _wage_households(wages, declared, months, today, params) -> pl.DataFrame:
    """Households whose members' current wages put them above the line (exact fractions)."""
    upto = today.strftime("%Y-%m")
    rows = wages.select(
        "household_id", "person_id", pl.col("event_date").dt.strftime("%Y-%m"), "amount_fen"
    ).rows()
    rates = monthly_rates(
        (((hh, person), month, fen) for hh, person, month, fen in rows), months, upto
    )
    monthly: dict[int, Fraction] = {}
    for (hh, _person), rate in rates.items():
        monthly[hh] = monthly.get(hh, Fraction(0)) + rate
    decl = dict(
        declared.filter(pl.col("category") == "income:wage")
        .group_by("household_id")
        .agg(pl.col("amount_fen").sum())
        .rows()
    )
    other = dict(
        declared.filter(
            pl.col("category").str.starts_with("income:") & (pl.col("category") != "income:wage")
        )
        .group_by("household_id")
        .agg(pl.col("amount_fen").sum())
        .rows()
    )
    info = wages.group_by("household_id").agg(
        feed_fen=pl.col("amount_fen").sum(),
        person_id=pl.col("person_id").sort_by("amount_fen", descending=True).first(),
        record_id=pl.col("record_id").sort_by("event_date", descending=True).first(),
        event_date=pl.col("event_date").max(),
        size=pl.col("size").first(),
        first_month=pl.col("event_date").min().dt.strftime("%Y-%m"),
        area=pl.col("home_area").first(),
    )
    tolerance = Fraction(Decimal(str(params.wage_tolerance)))
    keep = []
    for hh, size, first, area in info.select("household_id", "size", "first_month", "area").rows():
        line = Fraction(params.line_fen(area))
        wage_month = monthly.get(hh, Fraction(0))
        declared_year = Fraction(decl.get(hh) or 0)
        per_capita = (wage_month + Fraction(other.get(hh) or 0, 12)) / max(1, size or 1)
        if wage_month * 12 > declared_year * (1 + tolerance) and per_capita > line:
            n = len({m for m in months if first <= m <= upto} | {first})
            keep.append(
                (
                    hh,
                    _round_fen(wage_month),
                    _round_fen(wage_month * 12),
                    _round_fen(per_capita),
                    int(declared_year),
                    f"{first}至{upto}数据覆盖的{n}个月",
                    int(line),
                )
            )
    schema = {
        "household_id": pl.Int64,
        "monthly_fen": pl.Int64,
        "annual_fen": pl.Int64,
        "per_capita": pl.Int64,
        "declared_fen": pl.Int64,
        "months_text": pl.Utf8,
        "line_fen": pl.Int64,
    }
    found = pl.DataFrame(keep, schema=schema, orient="row")
    return info.join(found, on="household_id").with_columns(department=pl.lit("hrss"))


def _round_fen(value: Fraction) -> int:
    """Round once, at the end, half up to the fen."""
    return int(Decimal(value.numerator) / Decimal(value.denominator) + Decimal("0.5"))


def findings(
    *,
    persons: pl.DataFrame,
    households: pl.DataFrame,
    declared: pl.DataFrame,
    records: pl.DataFrame,
    links: pl.DataFrame,
    today: datetime.date,
    params: RuleParams = RuleParams(),
    covered_months: frozenset[str] | None = None,
) -> pl.DataFrame:
    """``covered_months``: the months ("YYYY-MM") the 人社 extracts cover in the look-back window
    (``verify.selectors.covered_months``); wages are divided by them, not by 12."""
    since = today - datetime.timedelta(days=params.lookback_days)
    linked = (
        links.select("record_id", "person_id")
        .join(records, on="record_id")
        .join(
            persons.select(
                "person_id",
                "household_id",
                "death_date",
                "disability_type",
                "school_stage",
                "home_area",
            ),
            on="person_id",
        )
        .join(households.select("household_id", "size", "on_roll"), on="household_id", how="left")
    )
    out: list[pl.DataFrame] = []

    def emit(frame: pl.DataFrame, kind: str, summary: pl.Expr, amount: pl.Expr | None = None):
        if frame.is_empty():
            return
        out.append(
            frame.select(
                "household_id",
                "person_id",
                kind=pl.lit(kind),
                department="department",
                record_id="record_id",
                as_of="event_date",
                amount_fen=amount if amount is not None else pl.lit(None, dtype=pl.Int64),
                summary=summary,
            ).cast(FINDING_SCHEMA)
        )

    _registry_gaps(linked, declared, today, params, emit)
    recent = linked.filter(pl.col("event_date") >= since)
    _income_above_declared(recent, linked, declared, today, params, covered_months, emit)
    _balances_and_costs(recent, linked, declared, params, emit)
    if not out:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    return pl.concat(out).sort("household_id", "kind", "record_id")


def _declared_sum(declared: pl.DataFrame, prefixes: list[str]) -> pl.DataFrame:
    """``household_id, declared_fen``: what each household declared in these categories."""
    return (
        declared.filter(pl.col("category").is_in(prefixes))
        .group_by("household_id")
        .agg(declared_fen=pl.col("amount_fen").sum())
    )


def _declared_refs(declared: pl.DataFrame) -> pl.DataFrame:
    """``household_id, ref``: the registration numbers of the declared assets."""
    return declared.filter(
        pl.col("registration_no").is_not_null() & (pl.col("registration_no") != "")
    ).select("household_id", pl.col("registration_no").alias("ref"))


def _registry_gaps(linked, declared, today, params, emit) -> None:
    """What the departments know and the registry does not: a death, a vehicle, a company or a
    property not declared, a disability certificate, a school place."""
    dept = pl.col("department")
    date_s = pl.col("event_date").dt.strftime("%Y-%m-%d")
    # 死亡: a death the registry does not know.
    deaths = linked.filter(
        (dept == "police")
        & (pl.col("kind") == "death")
        & pl.col("death_date").is_null()
        & (pl.col("event_date") <= pl.lit(today))  # a future death is bad data, never acted on
    )
    emit(
        deaths,
        "death",
        pl.lit("公安死亡注销：")
        + date_s
        + pl.lit("死亡")
        + pl.when(pl.col("on_roll"))
        .then(pl.lit("，仍在救助名册"))
        .otherwise(pl.lit("，信息库仍登记为在世")),
    )

    declared_refs = _declared_refs(declared)

    # 车辆 not declared (exempt types ignored).
    cars = linked.filter(
        (dept == "vehicles") & ~pl.col("kind").is_in(list(params.exempt_vehicle_types))
    ).join(declared_refs, on=["household_id", "ref"], how="anti")
    emit(
        cars,
        "vehicle",
        pl.lit("车管登记")
        + pl.col("kind").replace_strict(VEHICLE_LABELS, default=pl.col("kind"))
        + pl.lit(" ")
        + pl.col("ref")
        + _area_note(pl.col("area_code"), pl.col("home_area"))
        + pl.lit("，登记日期")
        + date_s
        + pl.lit("，未申报"),
        pl.col("amount_fen"),
    )

    # 工商登记 (active).
    biz = linked.filter((dept == "market") & (pl.col("status") == "active")).join(
        declared_refs, on=["household_id", "ref"], how="anti"
    )
    emit(
        biz,
        "business",
        pl.lit("市场监管登记：")
        + pl.col("label")
        + pl.lit("（")
        + pl.col("kind").replace_strict(ROLE_LABELS, default=pl.col("kind"))
        + pl.lit("，统一社会信用代码")
        + pl.col("ref")
        + pl.lit("，成立于")
        + date_s
        + pl.lit("）"),
        pl.col("amount_fen"),
    )

    # 不动产 not declared.
    prop = linked.filter(dept == "property").join(
        declared_refs, on=["household_id", "ref"], how="anti"
    )
    emit(
        prop,
        "property",
        pl.lit("不动产登记：")
        + pl.col("label")
        + pl.lit("（证号")
        + pl.col("ref")
        + pl.lit("，登记日期")
        + date_s
        + pl.lit("），未申报"),
        pl.col("amount_fen"),
    )

    _statuses_unknown(linked, emit)


def _statuses_unknown(linked, emit) -> None:
    """A disability certificate or a school place the registry does not record."""
    dept = pl.col("department")
    date_s = pl.col("event_date").dt.strftime("%Y-%m-%d")
    # 残疾 unknown to the registry.
    dis = linked.filter(
        (dept == "disability_federation")
        & (pl.col("disability_type").is_null() | (pl.col("disability_type") == ""))
    )
    emit(
        dis,
        "disability_unknown",
        pl.lit("残联持证：")
        + pl.col("kind").replace_strict(DISABILITY_LABELS, default=pl.col("kind"))
        + pl.lit("残疾")
        + pl.col("grade").fill_null("")
        + pl.lit("级（证号")
        + pl.col("ref")
        + pl.lit("，发证")
        + date_s
        + pl.lit("），信息库未登记残疾"),
    )

    # 在校学生 the registry does not record.
    stu = linked.filter(
        (dept == "education")
        & (pl.col("school_stage").is_null() | (pl.col("school_stage") == "none"))
    )
    emit(stu, "student", pl.lit("教育学籍：在读于") + pl.col("label") + pl.lit("，入学") + date_s)


def _income_above_declared(recent, linked, declared, today, params, covered_months, emit) -> None:
    """Income the departments paid above what was declared: wages above the line, pensions and
    unemployment benefit, taxable income."""
    dept = pl.col("department")
    _wages_above_line(recent, declared, today, params, covered_months, emit)
    # 养老金/失业金 received and not declared as transfer income.
    pens = recent.filter((dept == "hrss") & pl.col("kind").is_in(["pension", "unemployment"]))
    if not pens.is_empty():
        agg = (
            pens.group_by("household_id", "person_id")
            .agg(
                feed_fen=pl.col("amount_fen").sum(),
                record_id=pl.col("record_id").max(),
                event_date=pl.col("event_date").max(),
                department=pl.col("department").first(),
            )
            .join(_declared_sum(declared, ["income:transfer"]), on="household_id", how="left")
            .filter(
                pl.col("feed_fen")
                > pl.col("declared_fen").fill_null(0) * (1 + params.wage_tolerance)
            )
        )
        emit(
            agg,
            "pension",
            pl.lit("人社发放养老金/失业金：近12个月")
            + _yuan(pl.col("feed_fen"))
            + pl.lit("元，申报转移性收入")
            + _yuan(pl.col("declared_fen").fill_null(0))
            + pl.lit("元"),
            pl.col("feed_fen"),
        )

    # 应税收入 above all declared income.
    tax = linked.filter(dept == "tax")
    if not tax.is_empty():
        agg = (
            tax.group_by("household_id")
            .agg(
                feed_fen=pl.col("amount_fen").sum(),
                person_id=pl.col("person_id").first(),
                record_id=pl.col("record_id").max(),
                event_date=pl.col("event_date").max(),
                department=pl.col("department").first(),
            )
            .join(
                declared.filter(pl.col("category").str.starts_with("income:"))
                .group_by("household_id")
                .agg(declared_fen=pl.col("amount_fen").sum()),
                on="household_id",
                how="left",
            )
            .filter(
                pl.col("feed_fen")
                > pl.col("declared_fen").fill_null(0) * (1 + params.wage_tolerance)
            )
        )
        emit(
            agg,
            "taxable_income",
            pl.lit("税务应税收入")
            + _yuan(pl.col("feed_fen"))
            + pl.lit("元，申报收入合计")
            + _yuan(pl.col("declared_fen").fill_null(0))
            + pl.lit("元"),
            pl.col("feed_fen"),
        )


def _wages_above_line(recent, declared, today, params, covered_months, emit) -> None:
    """Each earner's wages over the months the 人社 extracts cover, per member above the line."""
    dept = pl.col("department")
    # 工资 above the line: each earner's wages over the months the extracts cover (from the
    # first month the earner has a wage), not over a fixed 12; against what was declared.
    wages = recent.filter((dept == "hrss") & (pl.col("kind") == "wage"))
    if not wages.is_empty():
        months = covered_months
        if months is None:  # no department-wide view given: the months in these records
            months = frozenset(
                recent.filter(dept == "hrss")["event_date"].dt.strftime("%Y-%m").to_list()
            )
        per_hh = _wage_households(wages, declared, months, today, params)
        emit(
            per_hh,
            "wage_above_line",
            pl.lit("人社工资记录：")
            + pl.col("months_text")
            + pl.lit("工资合计")
            + _yuan(pl.col("feed_fen"))
            + pl.lit("元，按覆盖月数折合每月")
            + _yuan(pl.col("monthly_fen"))
            + pl.lit("元（申报全年")
            + _yuan(pl.col("declared_fen"))
            + pl.lit("元），按此家庭人均月收入约")
            + _yuan(pl.col("per_capita"))
            + pl.lit("元，高于标准")
            + _yuan(pl.col("line_fen"))
            + pl.lit("元"),
            # the amount the policy engine reads as the member's 12-month wage: the monthly
            # rate over the covered months × 12 (not the raw sum of however many months came)
            pl.col("annual_fen"),
        )


def _balances_and_costs(recent, linked, declared, params, emit) -> None:
    """Deposits above the declaration; large medical costs out of pocket."""
    dept = pl.col("department")
    # 存款/金融资产 above the declaration.
    bank = linked.filter(dept == "bank")
    if not bank.is_empty():
        agg = (
            bank.group_by("household_id")
            .agg(
                feed_fen=pl.col("amount_fen").sum(),
                person_id=pl.col("person_id").sort_by("amount_fen", descending=True).first(),
                record_id=pl.col("record_id").max(),
                event_date=pl.col("event_date").max(),
                department=pl.col("department").first(),
            )
            .join(
                _declared_sum(declared, ["asset:deposit", "asset:security", "asset:insurance"]),
                on="household_id",
                how="left",
            )
            .filter(
                pl.col("feed_fen")
                > pl.col("declared_fen").fill_null(0) + params.deposit_tolerance_fen
            )
        )
        emit(
            agg,
            "deposit",
            pl.lit("银行存款及金融资产余额合计")
            + _yuan(pl.col("feed_fen"))
            + pl.lit("元，申报")
            + _yuan(pl.col("declared_fen").fill_null(0))
            + pl.lit("元"),
            pl.col("feed_fen"),
        )

    # 大额医疗 out-of-pocket (may make the household eligible for 刚性支出/医疗救助).
    med = recent.filter(dept == "medical_insurance")
    if not med.is_empty():
        agg = (
            med.group_by("household_id")
            .agg(
                feed_fen=pl.col("amount_fen").sum(),
                person_id=pl.col("person_id").sort_by("amount_fen", descending=True).first(),
                record_id=pl.col("record_id").max(),
                event_date=pl.col("event_date").max(),
                department=pl.col("department").first(),
            )
            .filter(pl.col("feed_fen") >= params.large_medical_fen)
            .join(_declared_sum(declared, ["expense:medical"]), on="household_id", how="left")
        )
        emit(
            agg,
            "large_medical",
            pl.lit("医保结算：近12个月个人自付")
            + _yuan(pl.col("feed_fen"))
            + pl.lit("元（申报医疗支出")
            + _yuan(pl.col("declared_fen").fill_null(0))
            + pl.lit("元）"),
            pl.col("feed_fen"),
        )
