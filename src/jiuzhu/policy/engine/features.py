"""Household features, computed columnar from the registry's frames. The one place they are defined.

Input frames (one per registry table; money in integer fen, dates as ``pl.Date``) are described by
``INPUT_SCHEMAS``; ``compute_features`` returns one row per household with the columns listed in
``FEATURES``. ``docs/policy-features.md`` is generated from ``FEATURES`` (``jiuzhu policy docs``).

Rules followed (RULES.md):
- members counted (共同生活家庭成员, 低保办法 Art. 7): ``is_counted`` and alive at the date;
- income (Art. 13): items overlapping the look-back window, pro rata by whole months, excluded
  items (``excluded``) left out; only counted members' and household-level items; each item's share
  is rounded half-up to the fen once; per-capita income = (income − allowed deductions) /
  (months × counted members), rounded half-up to the fen (see ``derive_with_parameters``);
- property (Art. 14): non-exempt assets only;
- rigid spending (刚性支出办法 Art. 4–5): the 12 months before the evaluation month;
- age at the evaluation date; 无劳动能力 as 特困办法 Art. 5 (with minors and students to 18+);
- legal obligors (特困办法 Art. 4, 8): each member who could be 特困 carries ``obligor_status``
  (``unknown`` / ``none`` / ``unable`` / ``able``; a frame without the column reads as unknown);
- emergencies (临时救助急难型): events dated in the ``emergency_months`` before the evaluation date
  (inclusive of both ends, same day of the month);
- 核对 findings (optional ``verified`` frame): a vehicle, company or property a department
  registered and the household did not declare counts as an asset; wages above the line found by
  人社 count as income where the registry has none (``merge_verified``).

The look-back window is the ``lookback`` whole months *before* the evaluation month.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from jiuzhu.policy.engine.expr import BOOL, COUNT, MONEY

FEN = pl.Int64
_CENT = Decimal("0.01")
D2 = pl.Decimal(38, 2)

INPUT_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "households": {
        "household_id": pl.Int64,
        "area_code": pl.Utf8,
        "urban_rural": pl.Utf8,
        "emergency_event": pl.Boolean,
        "obligor_able": pl.Boolean,
    },
    "persons": {
        "person_id": pl.Int64,
        "household_id": pl.Int64,
        "birth_date": pl.Date,
        "death_date": pl.Date,
        "is_counted": pl.Boolean,
        "disability_type": pl.Utf8,
        "disability_grade": pl.Int64,
        "major_illness": pl.Boolean,
        "labour_capacity": pl.Utf8,
        "self_care": pl.Utf8,
        "employment": pl.Utf8,
        "school_stage": pl.Utf8,
        "orphan": pl.Boolean,
        "unsupported_child": pl.Boolean,
        "obligor_status": pl.Utf8,
    },
    "events": {
        "household_id": pl.Int64,
        "kind": pl.Utf8,
        "event_date": pl.Date,
        "loss_fen": FEN,
    },
    "income": {
        "household_id": pl.Int64,
        "person_id": pl.Int64,
        "kind": pl.Utf8,
        "amount_fen": FEN,
        "period_start": pl.Date,
        "period_end": pl.Date,
        "excluded": pl.Boolean,
    },
    "assets": {
        "household_id": pl.Int64,
        "kind": pl.Utf8,
        "value_fen": FEN,
        "exempt": pl.Boolean,
    },
    "expenses": {
        "household_id": pl.Int64,
        "kind": pl.Utf8,
        "amount_fen": FEN,
        "period_start": pl.Date,
        "period_end": pl.Date,
    },
    "roll": {
        "household_id": pl.Int64,
        "programme": pl.Utf8,
        "monthly_amount_fen": FEN,
        "start_month": pl.Date,
        "end_month": pl.Date,
        "status": pl.Utf8,
    },
    # 核对 findings about assets and income the registry lacks (optional; see merge_verified)
    "verified": {
        "household_id": pl.Int64,
        "person_id": pl.Int64,
        "kind": pl.Utf8,
        "amount_fen": FEN,
        "as_of": pl.Date,
        "department": pl.Utf8,
    },
}

# The 核对 finding kinds (jiuzhu.verify FindingKind) that are facts the programmes test.
VERIFIED_ASSET_KINDS = ("vehicle", "business", "property")
VERIFIED_WAGE_KIND = "wage_above_line"
VERIFIED_KINDS = (*VERIFIED_ASSET_KINDS, VERIFIED_WAGE_KIND)

# Programmes whose roll status is a feature (on_roll_<code>, roll_amount_<code>).
ROLL_PROGRAMMES = ("dibao", "dibao_single", "phase_out", "tekun")


@dataclass(frozen=True)
class Feature:
    name: str
    type: str
    label: str
    rule: str


def _f(name, type_, label, rule):
    return Feature(name, type_, label, rule)


FEATURES: list[Feature] = [
    _f("members", COUNT, "在世家庭成员数", "户内在评估日在世的成员"),
    _f("counted_members", COUNT, "共同生活家庭成员数", "低保办法第七条：is_counted 且在世"),
    _f("urban", BOOL, "城市户", "urban_rural == urban"),
    _f(
        "income_lookback",
        MONEY,
        "核算期收入合计",
        "第十三条：核算期内计入的收入，按月分摊，不计入收入除外",
    ),
    _f("lookback_months", COUNT, "核算期月数", "参数 income.lookback_months"),
    _f("disabled_wage_lookback", MONEY, "残疾成员工资收入(核算期)", "用于残疾人就业收入扣减"),
    _f("n_disabled_earners", COUNT, "有工资收入的残疾成员数", ""),
    _f(
        "per_capita_income",
        MONEY,
        "家庭月人均收入",
        "（核算期收入 − 允许扣减）÷（月数 × 共同生活成员数），四舍五入到分",
    ),
    _f("annual_income", MONEY, "家庭年收入(折算)", "扣减后核算期收入 × 12 ÷ 月数，四舍五入到分"),
    _f("financial_assets", MONEY, "金融资产合计", "第十四条：存款+证券+商业保险，豁免的除外"),
    _f(
        "financial_assets_per_capita",
        MONEY,
        "人均金融资产",
        "金融资产 ÷ 共同生活成员数，四舍五入到分",
    ),
    _f("n_vehicles", COUNT, "机动车辆数(非豁免)", "第十四条"),
    _f("n_properties", COUNT, "房产套数(非豁免)", "第十四条"),
    _f("n_businesses", COUNT, "工商登记数(非豁免)", "第十四条"),
    _f("rigid_expense_12m", MONEY, "近12个月刚性支出", "刚性支出办法第四、五条：评估月前12个月"),
    _f("medical_expense_12m", MONEY, "近12个月医疗自付", ""),
    _f("education_expense_12m", MONEY, "近12个月教育支出", ""),
    _f("rigid_expense_3m", MONEY, "近3个月刚性支出", "临时救助支出型"),
    _f("n_elderly", COUNT, "60岁以上成员数", "评估日年龄 ≥ 60"),
    _f("n_elderly_80", COUNT, "80岁以上成员数", "评估日年龄 ≥ 80"),
    _f("n_minors", COUNT, "未成年成员数", "年龄 < 18"),
    _f("n_disabled", COUNT, "残疾成员数", "持残疾证（有等级）"),
    _f("n_disabled_12", COUNT, "一、二级残疾成员数", ""),
    _f("n_disabled_34", COUNT, "三、四级残疾成员数", ""),
    _f("n_severe_disabled", COUNT, "重度残疾成员数", "一、二级，或三级智力/精神（低保办法第八条）"),
    _f("n_disabled_care", COUNT, "需长期照护的一、二级残疾成员数", "一、二级且生活不能完全自理"),
    _f("n_major_ill", COUNT, "重特大疾病成员数", ""),
    _f(
        "n_unable_work",
        COUNT,
        "无劳动能力成员数",
        "特困办法第五条：≥60岁、<18岁(或18岁以上仍在义务教育/高中/中职)、智力/精神1–3级、"
        "肢体1–2级、视力1级、多重1–2级，或劳动能力登记为无",
    ),
    _f("n_able_adults", COUNT, "有劳动能力成员数", "共同生活成员数 − 无劳动能力成员数"),
    _f(
        "n_care_full",
        COUNT,
        "无劳动能力且生活自理的成员数",
        "特困办法第二十条；不含选择孤儿/事实无人抚养保障的儿童",
    ),
    _f("n_care_partial", COUNT, "无劳动能力且部分丧失自理能力的成员数", ""),
    _f("n_care_none", COUNT, "无劳动能力且完全丧失自理能力的成员数", ""),
    _f("n_students_preschool", COUNT, "学前在学人数", ""),
    _f("n_students_compulsory", COUNT, "义务教育在学人数", "小学、初中"),
    _f("n_students_senior", COUNT, "高中/中职在学人数", ""),
    _f("n_students_college", COUNT, "大专/本科在学人数", ""),
    _f("n_employed", COUNT, "就业成员数", "就业或灵活就业"),
    _f("n_orphans", COUNT, "孤儿人数", "未满18岁且登记为孤儿"),
    _f("n_unsupported_children", COUNT, "事实无人抚养儿童人数", "未满18岁且登记为事实无人抚养"),
    _f("n_single_candidates", COUNT, "可单人保的成员数", "低保办法第八条：重度残疾或重特大疾病"),
    _f("single_candidate_income", MONEY, "可单人保成员的月收入", "这些成员本人核算期收入 ÷ 月数"),
    _f(
        "emergency_event",
        BOOL,
        "近期遭遇急难事件",
        "临时救助急难型：登记的急难事件发生在评估日前 temporary_aid.emergency_window_months "
        "个月内（含当日），或计算器文档直接标明",
    ),
    _f("emergency_loss", MONEY, "近期急难事件损失合计", "同一时间窗内登记的损失/费用之和"),
    _f(
        "obligor_able",
        BOOL,
        "有履行能力的法定义务人",
        "特困办法第八条：可能认定特困的成员中，有人的法定义务人有赡养/抚养/扶养能力",
    ),
    _f(
        "n_obligor_unverified",
        COUNT,
        "义务人情况未核实的成员数",
        "特困办法第四、八条：可能认定特困的成员（无劳动能力且未选择孤儿/事实无人抚养保障）中，"
        "法定义务人情况登记为“未核实”的人数",
    ),
    *[
        f
        for code in ROLL_PROGRAMMES
        for f in (
            _f(f"on_roll_{code}", BOOL, f"在{code}名册", "评估日在保（active）"),
            _f(f"roll_amount_{code}", MONEY, f"{code}名册月金额", "名册上的月救助金额合计"),
        )
    ],
    _f("phase_out_months_used", COUNT, "已享受渐退月数", "渐退名册起始月到评估月的月数"),
]
FEATURE_TYPES: dict[str, str] = {f.name: f.type for f in FEATURES}
MONEY_FEATURES = [f.name for f in FEATURES if f.type == MONEY]


def month_index(d: datetime.date) -> int:
    return d.year * 12 + d.month - 1


def _midx(col: str) -> pl.Expr:
    return pl.col(col).dt.year().cast(pl.Int64) * 12 + pl.col(col).dt.month().cast(pl.Int64) - 1


def _ensure(df: pl.DataFrame | None, name: str) -> pl.DataFrame:
    schema = INPUT_SCHEMAS[name]
    if df is None:
        return pl.DataFrame(schema=schema)
    missing = [c for c in schema if c not in df.columns]
    if missing:
        df = df.with_columns([pl.lit(None, dtype=schema[c]).alias(c) for c in missing])
    return df.select([pl.col(c).cast(t) for c, t in schema.items()])


def _prorated(df: pl.DataFrame, w0: int, w1: int, amount: str) -> pl.Expr:
    """Each item's fen share in months [w0, w1], rounded half-up once (amounts may be negative)."""
    ps, pe = _midx("period_start"), _midx("period_end")
    overlap = (pl.min_horizontal(pe, pl.lit(w1)) - pl.max_horizontal(ps, pl.lit(w0)) + 1).clip(0)
    months = pe - ps + 1
    num = pl.col(amount) * overlap
    # half-up for x >= 0, half-away-from-zero for negatives: sign(x) * floor((2|x| + m) / 2m)
    return num.sign() * ((num.abs() * 2 + months) // (months * 2))


def _half_up_div(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """Integer num / den rounded half away from zero; 0 when den is 0."""
    return (
        pl.when(den > 0)
        .then(num.sign() * ((num.abs() * 2 + den) // (den * 2)))
        .otherwise(pl.lit(0, dtype=pl.Int64))
    )


def months_before(on: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` months earlier (the month's last day where it has fewer days)."""
    m = on.year * 12 + on.month - 1 - months
    y, mo = m // 12, m % 12 + 1
    return datetime.date(y, mo, min(on.day, calendar.monthrange(y, mo)[1]))


def counted_verified(income: pl.DataFrame, verified: pl.DataFrame) -> pl.DataFrame:
    """The findings ``merge_verified`` counts (rows of ``verified``): every asset finding, and the
    wage findings with a date in households whose registry frames hold no wage income."""
    v = verified.filter(pl.col("kind").is_in(VERIFIED_KINDS))
    if v.is_empty():
        return v
    has_wage = (
        income.filter((pl.col("kind") == "wage") & ~pl.col("excluded").fill_null(False))
        .select("household_id")
        .unique()
    )
    wage = (pl.col("kind") == VERIFIED_WAGE_KIND) & pl.col("as_of").is_not_null()
    return pl.concat(
        [
            v.filter(pl.col("kind").is_in(VERIFIED_ASSET_KINDS)),
            v.filter(wage).join(has_wage, on="household_id", how="anti"),
        ]
    )


def verified_facts(frames: dict[str, pl.DataFrame | None]) -> pl.DataFrame:
    """``counted_verified`` for registry-shaped frames (either frame may be missing)."""
    return counted_verified(
        _ensure(frames.get("income"), "income"), _ensure(frames.get("verified"), "verified")
    )


def merge_verified(
    assets: pl.DataFrame, income: pl.DataFrame, verified: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Department facts a 核对 found, merged into the registry's asset and income frames.

    - A vehicle (车管), company (市场监管) or property (不动产) the household did not declare
      counts like a registry asset of that kind, not exempt (the rules already leave exempt
      vehicle types out); its value is the department's amount, or 0.
    - Wages above the line (人社: the 12 months' wages summed) count as wage income of the
      finding's person over the 12 months up to the finding's month — only in households whose
      registry frames hold no wage income (the registry's own figure prevails where there is one;
      the difference stays a finding for a worker to settle).

    The loader passes the findings of each household's latest 核对 only, and leaves out assets
    the registry already holds under the same registration number."""
    v = counted_verified(income, verified)
    if v.is_empty():
        return assets, income
    found_assets = v.filter(pl.col("kind").is_in(VERIFIED_ASSET_KINDS)).select(
        "household_id",
        "kind",
        value_fen=pl.col("amount_fen").fill_null(0),
        exempt=pl.lit(False),
    )
    end = pl.col("as_of")
    wages = v.filter(pl.col("kind") == VERIFIED_WAGE_KIND).select(
        "household_id",
        "person_id",
        kind=pl.lit("wage"),
        amount_fen=pl.col("amount_fen").fill_null(0),
        period_start=end.dt.month_start().dt.offset_by("-11mo"),
        period_end=end,
        excluded=pl.lit(False),
    )
    assets = pl.concat([assets, found_assets.cast(INPUT_SCHEMAS["assets"])])
    income = pl.concat([income, wages.cast(INPUT_SCHEMAS["income"])])
    return assets, income


def compute_features(
    frames: dict[str, pl.DataFrame | None],
    on: datetime.date,
    *,
    lookback: int = 12,
    emergency_months: int = 3,
) -> pl.DataFrame:
    """One row per household: ``household_id``, ``area_code`` and the fen/count/bool features.

    Money features are in integer fen here (``<name>_fen`` columns are not used: the columns carry
    the feature name and hold fen); ``to_expression_frame`` turns them into exact Decimal yuan.
    """
    hh = _ensure(frames.get("households"), "households")
    persons = _ensure(frames.get("persons"), "persons")
    income = _ensure(frames.get("income"), "income")
    assets = _ensure(frames.get("assets"), "assets")
    expenses = _ensure(frames.get("expenses"), "expenses")
    roll = _ensure(frames.get("roll"), "roll")
    events = _ensure(frames.get("events"), "events")
    assets, income = merge_verified(assets, income, _ensure(frames.get("verified"), "verified"))
    eval_m = month_index(on)
    on_lit = pl.lit(on, dtype=pl.Date)

    # --- persons: age, status flags ---------------------------------------------------------
    age = (
        pl.lit(on.year)
        - pl.col("birth_date").dt.year()
        - (
            (pl.col("birth_date").dt.month() > on.month)
            | (
                (pl.col("birth_date").dt.month() == on.month)
                & (pl.col("birth_date").dt.day() > on.day)
            )
        ).cast(pl.Int32)
    ).cast(pl.Int64)
    alive = (pl.col("death_date").is_null() | (pl.col("death_date") > on_lit)) & (
        pl.col("birth_date") <= on_lit
    )
    grade = pl.col("disability_grade").fill_null(0)
    dtype = pl.col("disability_type").fill_null("")
    stage = pl.col("school_stage").fill_null("none")
    p = persons.with_columns(
        age=age,
        alive=alive,
        counted=alive & pl.col("is_counted").fill_null(True),
    )
    severe = (grade.is_between(1, 2)) | ((grade == 3) & dtype.is_in(["intellectual", "mental"]))
    in_school_to_18plus = stage.is_in(["primary", "junior", "senior", "vocational"])
    unable = (
        (pl.col("age") >= 60)
        | (pl.col("age") < 16)
        | ((pl.col("age") < 18) | in_school_to_18plus) & (pl.col("age") < 20)
        | (dtype.is_in(["intellectual", "mental"]) & grade.is_between(1, 3))
        | (dtype.is_in(["physical", "multiple"]) & grade.is_between(1, 2))
        | ((dtype == "visual") & (grade == 1))
        | (pl.col("labour_capacity") == "none")
    )
    c = pl.col("counted")
    # Minors who take the orphan / unsupported-child scheme are not 特困 (特困办法 Art. 9).
    child_scheme = (pl.col("age") < 18) & (
        pl.col("orphan").fill_null(False) | pl.col("unsupported_child").fill_null(False)
    )
    tekun_candidate = unable & ~child_scheme
    obligor = pl.col("obligor_status").fill_null("unknown")

    def n(cond: pl.Expr) -> pl.Expr:
        return (c & cond).sum().cast(pl.Int64)

    selfcare = pl.col("self_care").fill_null("full")
    person_agg = p.group_by("household_id").agg(
        members=pl.col("alive").sum().cast(pl.Int64),
        counted_members=c.sum().cast(pl.Int64),
        n_elderly=n(pl.col("age") >= 60),
        n_elderly_80=n(pl.col("age") >= 80),
        n_minors=n(pl.col("age") < 18),
        n_disabled=n(grade >= 1),
        n_disabled_12=n(grade.is_between(1, 2)),
        n_disabled_34=n(grade.is_between(3, 4)),
        n_severe_disabled=n(severe),
        n_disabled_care=n(grade.is_between(1, 2) & (selfcare != "full")),
        n_major_ill=n(pl.col("major_illness").fill_null(False)),
        n_unable_work=n(unable),
        n_care_full=n(tekun_candidate & (selfcare == "full")),
        n_care_partial=n(tekun_candidate & (selfcare == "partial")),
        n_care_none=n(tekun_candidate & (selfcare == "none")),
        n_students_preschool=n(stage == "preschool"),
        n_students_compulsory=n(stage.is_in(["primary", "junior"])),
        n_students_senior=n(stage.is_in(["senior", "vocational"])),
        n_students_college=n(stage == "college"),
        n_employed=n(pl.col("employment").is_in(["employed", "flexible"])),
        n_orphans=n((pl.col("age") < 18) & pl.col("orphan").fill_null(False)),
        n_unsupported_children=n(
            (pl.col("age") < 18) & pl.col("unsupported_child").fill_null(False)
        ),
        n_single_candidates=n(severe | pl.col("major_illness").fill_null(False)),
        member_obligor_able=n(tekun_candidate & (obligor == "able")) > 0,
        n_obligor_unverified=n(tekun_candidate & (obligor == "unknown")),
    )
    person_flags = p.select(
        "household_id",
        "person_id",
        "counted",
        disabled=pl.col("disability_grade").fill_null(0) >= 1,
        single=severe | pl.col("major_illness").fill_null(False),
    )

    # --- income over the look-back ----------------------------------------------------------
    w1, w0 = eval_m - 1, eval_m - lookback
    # Join on (household, person): a person id is only unique within its household in documents.
    inc = income.filter(~pl.col("excluded").fill_null(False)).join(
        person_flags, on=["household_id", "person_id"], how="left"
    )
    inc = inc.filter(pl.col("person_id").is_null() | pl.col("counted").fill_null(False))
    inc = inc.with_columns(share=_prorated(inc, w0, w1, "amount_fen"))
    income_agg = inc.group_by("household_id").agg(
        income_lookback=pl.col("share").sum().cast(pl.Int64),
        disabled_wage_lookback=pl.col("share")
        .filter(pl.col("disabled").fill_null(False) & (pl.col("kind") == "wage"))
        .sum()
        .cast(pl.Int64),
        n_disabled_earners=pl.col("person_id")
        .filter(
            pl.col("disabled").fill_null(False) & (pl.col("kind") == "wage") & (pl.col("share") > 0)
        )
        .n_unique()
        .cast(pl.Int64),
        single_lookback=pl.col("share").filter(pl.col("single").fill_null(False)).sum(),
    )

    # --- assets -----------------------------------------------------------------------------
    a = assets.filter(~pl.col("exempt").fill_null(False))
    asset_agg = a.group_by("household_id").agg(
        financial_assets=pl.col("value_fen")
        .filter(pl.col("kind").is_in(["deposit", "security", "insurance"]))
        .sum()
        .cast(pl.Int64),
        n_vehicles=(pl.col("kind") == "vehicle").sum().cast(pl.Int64),
        n_properties=(pl.col("kind") == "property").sum().cast(pl.Int64),
        n_businesses=(pl.col("kind") == "business").sum().cast(pl.Int64),
    )

    # --- rigid expenditure -------------------------------------------------------------------
    ex = expenses.with_columns(
        s12=_prorated(expenses, eval_m - 12, eval_m - 1, "amount_fen"),
        s3=_prorated(expenses, eval_m - 3, eval_m - 1, "amount_fen"),
    )
    exp_agg = ex.group_by("household_id").agg(
        rigid_expense_12m=pl.col("s12").sum().cast(pl.Int64),
        medical_expense_12m=pl.col("s12").filter(pl.col("kind") == "medical").sum().cast(pl.Int64),
        education_expense_12m=pl.col("s12")
        .filter(pl.col("kind") == "education")
        .sum()
        .cast(pl.Int64),
        rigid_expense_3m=pl.col("s3").sum().cast(pl.Int64),
    )

    # --- roll --------------------------------------------------------------------------------
    month_start = on.replace(day=1)
    r = roll.filter(
        (pl.col("status") == "active")
        & (pl.col("start_month") <= on_lit)
        & (pl.col("end_month").is_null() | (pl.col("end_month") >= pl.lit(month_start)))
    )
    roll_aggs = []
    for code in ROLL_PROGRAMMES:
        sel = pl.col("programme") == code
        roll_aggs += [
            sel.any().alias(f"on_roll_{code}"),
            pl.col("monthly_amount_fen")
            .filter(sel)
            .sum()
            .cast(pl.Int64)
            .alias(f"roll_amount_{code}"),
        ]
    roll_aggs.append(
        (pl.lit(eval_m) - _midx("start_month"))
        .filter(pl.col("programme") == "phase_out")
        .max()
        .cast(pl.Int64)
        .alias("phase_out_months_used")
    )
    roll_agg = r.group_by("household_id").agg(roll_aggs)

    # --- emergencies in the window ------------------------------------------------------------
    since = pl.lit(months_before(on, emergency_months), dtype=pl.Date)
    ev = events.filter((pl.col("event_date") >= since) & (pl.col("event_date") <= on_lit))
    event_agg = ev.group_by("household_id").agg(
        recent_event=pl.len() > 0,
        emergency_loss=pl.col("loss_fen").fill_null(0).sum().cast(pl.Int64),
    )

    out = (
        hh.select(
            "household_id",
            "area_code",
            urban=pl.col("urban_rural") == "urban",
            flag_emergency=pl.col("emergency_event").fill_null(False),
            flag_obligor_able=pl.col("obligor_able").fill_null(False),
        )
        .join(person_agg, on="household_id", how="left")
        .join(income_agg, on="household_id", how="left")
        .join(asset_agg, on="household_id", how="left")
        .join(exp_agg, on="household_id", how="left")
        .join(roll_agg, on="household_id", how="left")
        .join(event_agg, on="household_id", how="left")
        .with_columns(
            emergency_event=pl.col("flag_emergency") | pl.col("recent_event").fill_null(False),
            obligor_able=pl.col("flag_obligor_able")
            | pl.col("member_obligor_able").fill_null(False),
        )
        .drop("flag_emergency", "recent_event", "flag_obligor_able", "member_obligor_able")
    )
    cm = pl.col("counted_members").fill_null(0)
    fills = []
    for f in FEATURES:
        if f.name in ("urban", "emergency_event", "obligor_able"):
            continue
        if f.name in (
            "per_capita_income",
            "annual_income",
            "lookback_months",
            "financial_assets_per_capita",
            "single_candidate_income",
            "n_able_adults",
        ):
            continue
        default = pl.lit(False) if f.type == BOOL else pl.lit(0, dtype=pl.Int64)
        fills.append(pl.col(f.name).fill_null(default))
    out = (
        out.with_columns(fills)
        .with_columns(
            lookback_months=pl.lit(lookback, dtype=pl.Int64),
            n_able_adults=(cm - pl.col("n_unable_work")).clip(0),
            financial_assets_per_capita=_half_up_div(pl.col("financial_assets"), cm),
            single_candidate_income=_half_up_div(
                pl.col("single_lookback").fill_null(0).cast(pl.Int64),
                pl.lit(lookback, dtype=pl.Int64),
            ),
        )
        .drop("single_lookback")
    )
    return out


def derive_with_parameters(df: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame | pl.DataFrame:
    """Features that depend on per-area parameters (fen, integer arithmetic, half-up once).

    Needs ``p:income.disabled_wage_deduction`` (yuan/month per disabled earner) in the frame.
    """
    ded_fen = (
        (pl.col("p:income.disabled_wage_deduction") * pl.lit(100))
        .round(0, mode="half_away_from_zero")
        .cast(pl.Int64)
    )
    months = pl.col("lookback_months")
    deduction = pl.min_horizontal(
        pl.col("disabled_wage_lookback"), pl.col("n_disabled_earners") * ded_fen * months
    ).clip(0)
    net = pl.col("income_lookback") - deduction
    return df.with_columns(
        per_capita_income=_half_up_div(net, months * pl.col("counted_members")),
        annual_income=_half_up_div(net * 12, months),
    )


def money_to_decimal(df, names: list[str] | None = None):
    """Fen Int64 columns → exact Decimal yuan columns for the expression language."""
    names = names if names is not None else MONEY_FEATURES
    return df.with_columns(
        [
            (pl.col(c).cast(pl.Decimal(38, 0)) * pl.lit(_CENT, dtype=pl.Decimal(38, 2))).alias(c)
            for c in names
        ]
    )
