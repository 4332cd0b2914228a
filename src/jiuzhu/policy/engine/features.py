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
- legal obligors (特困办法 Art. 4, 8): the ``obligors`` frame holds each obligor's facts and
  ``obligors_checked`` says they were looked at; ``obligor_status`` (a recorded conclusion, read
  only where ``obligors_checked`` is false; the registry no longer has one) defaults to unknown;
- refused job offers (低保办法 Art. 34): the ``job_offers`` frame (``refusals_in_a_row``);
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
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from jiuzhu.policy.engine.expr import BOOL, COUNT, EXACT_SCALE, MONEY, SETTLE_SCALE, settle

FEN = pl.Int64
_CENT = Decimal("0.01")
D2 = pl.Decimal(38, 2)
EXACT = pl.Decimal(38, EXACT_SCALE)
_ZERO = pl.lit(Decimal(0), dtype=EXACT)
EXCLUSIONS_FILE = Path(__file__).resolve().parent.parent / "programmes" / "_income_exclusions.yaml"

# 低保办法 Art. 7: adult children at school up to bachelor level count as family members.
STUDENT_TO_BACHELOR = ("primary", "junior", "senior", "vocational", "college")
# Relations with a legal duty of support (民法典: parents and children, grandparents and
# grandchildren, siblings) count when living together long-term (Art. 7).
DUTY_RELATIONS = ("child", "parent", "grandparent", "grandchild", "sibling")
# 特困: past 18, support continues while in compulsory education, senior high or 中职.
TEKUN_SCHOOL_STAGES = ("primary", "junior", "senior", "vocational")
# Movable financial property (低保办法 Art. 14).
FINANCIAL_ASSET_KINDS = ("deposit", "security", "insurance", "receivable", "internet_finance")
# 单人保 grounds, one class per person (compute_features: clergy, then the 2022 widening, then
# severe disability with or without a major illness, then a major illness alone).
SINGLE_CLASSES = ("severe", "ill", "severe_ill", "unemployed_severe", "clergy")
# 2022 notice: 赡养费、扶养费 paid by siblings or people aged 60+, which an area may leave out of
# a 单人保 applicant's income (income category; parameter dibao_single.exempt_sibling_elderly_support).
SIBLING_ELDERLY_SUPPORT = "support_sibling_elderly"
EXPENSE_FEATURES = (
    "rigid_expense_12m",
    "medical_expense_12m",
    "education_expense_12m",
    "rigid_expense_3m",
)

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
        # Facts the rules test (the registry and calculator documents give these; the three
        # conclusions above — ``is_counted``, ``self_care``, ``obligor_status`` — are read only
        # where the facts are absent, i.e. a calculator document that gives the conclusion).
        "relation": pl.Utf8,  # to the applicant (head): 低保办法 Art. 7
        "lives_together": pl.Boolean,  # long-term co-residence
        "cannot_live_independently": pl.Boolean,  # an adult child (Art. 7)
        "religious_site_years": pl.Int64,  # clergy living in a religious site (Art. 7, 8)
        "in_prison": pl.Boolean,
        "in_drug_rehab": pl.Boolean,
        "declared_missing": pl.Boolean,
        "other_exclusion": pl.Boolean,  # another situation the province names (Art. 7)
        "adl_unable": pl.Int64,  # how many of the six self-care items cannot be done (Art. 20–23)
        "tekun_supported": pl.Boolean,  # already supported as 特困 (on the roll): Art. 5, 16–18
        "obligors_checked": pl.Boolean,  # the obligors frame lists this member's obligors
    },
    # One row per legal obligor of a member (特困办法 Art. 8), with the facts Art. 8 tests.
    "obligors": {
        "household_id": pl.Int64,
        "person_id": pl.Int64,
        "age": pl.Int64,  # at the evaluation date (or from ``birth_date``)
        "birth_date": pl.Date,
        "on_tekun": pl.Boolean,
        "on_dibao": pl.Boolean,
        "disability_type": pl.Utf8,
        "disability_grade": pl.Int64,
        "income_year_fen": FEN,  # the obligor's per-capita annual income
        "property_within_limits": pl.Boolean,  # property within the low-income limits
        "no_legal_capacity": pl.Boolean,
        "declared_missing": pl.Boolean,
        "in_prison": pl.Boolean,
    },
    # Suitable jobs offered to a member, and whether refused (低保办法 Art. 34).
    "job_offers": {
        "household_id": pl.Int64,
        "person_id": pl.Int64,
        "offered_on": pl.Date,
        "refused": pl.Boolean,
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
        "excluded": pl.Boolean,  # left out for every programme (a worker's decision)
        "category": pl.Utf8,  # INCOME_CATEGORIES: each programme's exclusion list reads it
    },
    "assets": {
        "household_id": pl.Int64,
        "kind": pl.Utf8,
        "value_fen": FEN,
        "exempt": pl.Boolean,
        "residential": pl.Boolean,  # a property: home (null = home) or shop/office/factory
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
        "person_id": pl.Int64,  # per-person programmes (null: the whole household)
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
    _f(
        "counted_members",
        COUNT,
        "共同生活家庭成员数",
        "低保办法第七条：由与申请人关系、共同居住和排除情形认定（配偶、未成年子女、在学或不能独立"
        "生活的成年子女、长期共同居住的有法定义务的亲属；不含在宗教场所3年以上的教职人员、服刑、"
        "强制隔离戒毒、宣告失踪人员）；登记库未记录这些事实的，用 is_counted；且在世",
    ),
    _f("urban", BOOL, "城市户", "urban_rural == urban"),
    _f(
        "income_lookback",
        MONEY,
        "核算期收入合计",
        "低保办法第十三条：核算期内计入的收入，按月分摊（精确值，不按项取整），"
        "按收入类别扣除低保的不计入收入清单（_income_exclusions.yaml）和登记为不计入的项",
    ),
    _f(
        "income_lookback_tekun",
        MONEY,
        "核算期收入合计(特困口径)",
        "特困办法第六、七条：同上，但按特困的不计入收入清单（中央基础养老金、社会保险待遇、"
        "优待抚恤金、高龄津贴）",
    ),
    _f("lookback_months", COUNT, "核算期月数", "参数 income.lookback_months"),
    _f("disabled_wage_lookback", MONEY, "残疾成员工资收入(核算期)", "用于残疾人就业收入扣减"),
    _f("n_disabled_earners", COUNT, "有工资收入的残疾成员数", ""),
    _f(
        "per_capita_income",
        MONEY,
        "家庭月人均收入",
        "（核算期收入 − 允许扣减）÷（月数 × 共同生活成员数），精确值（不取整，与标准比较时不舍入）",
    ),
    _f(
        "per_capita_income_tekun",
        MONEY,
        "家庭月人均收入(特困口径)",
        "特困办法第六条：同上，按特困的不计入收入清单",
    ),
    _f("annual_income", MONEY, "家庭年收入(折算)", "扣减后核算期收入 × 12 ÷ 月数，精确值"),
    _f(
        "financial_assets",
        MONEY,
        "金融资产合计",
        "低保办法第十四条：存款、有价证券/基金、商业保险、家庭享有的债权、互联网金融资产，豁免的除外",
    ),
    _f(
        "financial_assets_per_capita",
        MONEY,
        "人均金融资产",
        "金融资产 ÷ 共同生活成员数，精确值（不取整）",
    ),
    _f("n_vehicles", COUNT, "机动车辆数(非豁免)", "第十四条"),
    _f("n_properties", COUNT, "住房套数(非豁免)", "低保办法第十四条：住宅（未标明的房产按住宅计）"),
    _f(
        "n_nonresidential",
        COUNT,
        "非住宅房产数(非豁免)",
        "低保办法第十四条：商铺、办公、厂房等非住宅房产（residential = false）",
    ),
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
    _f(
        "n_im_34",
        COUNT,
        "三、四级智力/精神残疾成员数",
        "国发〔2015〕52号：护理补贴可扩大到非重度智力、精神残疾人",
    ),
    _f("n_im_34_care", COUNT, "需长期照护的三、四级智力/精神残疾成员数", "且生活不能完全自理"),
    _f("n_major_ill", COUNT, "重特大疾病成员数", ""),
    _f(
        "n_unable_work",
        COUNT,
        "无劳动能力成员数",
        "特困办法第五条：≥60岁、<16岁；已纳入特困供养的未成年人至18岁，18岁以上仍在义务教育/"
        "普通高中/中职就读的继续；智力/精神1–3级、肢体1–2级、视力1级、多重1–2级，或劳动能力"
        "登记为无",
    ),
    _f(
        "n_able_adults",
        COUNT,
        "有劳动能力的成员数",
        "共同生活成员中不属无劳动能力的人数；选择孤儿/事实无人抚养保障的儿童不计（特困办法第九条），"
        "16–17岁的这类儿童不妨碍同户老人认定特困",
    ),
    _f(
        "n_tekun_candidates",
        COUNT,
        "可认定特困的成员数",
        "特困办法第五、九条：无劳动能力且未选择孤儿/事实无人抚养保障的共同生活成员",
    ),
    _f(
        "n_care_full",
        COUNT,
        "无劳动能力且生活自理的成员数",
        "特困办法第二十至二十三条：六项（进食、穿衣、上下床、如厕、室内行走、洗澡）都能完成为"
        "自理，1–3项不能为部分丧失，4项以上为完全丧失（登记库未记录六项的，用登记的等级）；"
        "不含选择孤儿/事实无人抚养保障的儿童",
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
    _f("n_single_severe", COUNT, "单人保：重度残疾（无重病）", "低保办法第八条"),
    _f(
        "single_severe_income",
        MONEY,
        "单人保：重度残疾者本人月收入合计",
        "核算期收入 ÷ 月数，精确值",
    ),
    _f("n_single_ill", COUNT, "单人保：重特大疾病（非重度残疾）", "低保办法第八条"),
    _f("single_ill_income", MONEY, "单人保：重病者本人月收入合计", "同上"),
    _f(
        "n_single_severe_ill", COUNT, "单人保：重度残疾且重病", "低保办法第八条（两项依据之一即可）"
    ),
    _f("single_severe_ill_income", MONEY, "单人保：重度残疾且重病者本人月收入合计", "同上"),
    _f(
        "n_single_unemployed_severe",
        COUNT,
        "单人保：无业的成年重度残疾人",
        "2022 年通知：可单独成户（地方开关 dibao_single.ground_unemployed_severe_2022）",
    ),
    _f(
        "single_unemployed_severe_income", MONEY, "单人保：无业成年重度残疾人本人月收入合计", "同上"
    ),
    _f(
        "n_single_clergy",
        COUNT,
        "单人保：在宗教场所居住3年以上的教职人员",
        "低保办法第七、八条（不计入家庭成员，可单独申请）",
    ),
    _f("single_clergy_income", MONEY, "单人保：教职人员本人月收入合计", "同上"),
    *(
        _f(
            f"single_{k}_exempt_income",
            MONEY,
            "单人保：其中兄弟姐妹或60岁以上老年人给付的赡养费、扶养费（月）",
            "2022 年通知：可不计入本人收入（地方开关 dibao_single.exempt_sibling_elderly_support；"
            "开启时从 single_*_income 中扣除）",
        )
        for k in SINGLE_CLASSES
    ),
    _f(
        "n_refused_work",
        COUNT,
        "连续3次拒绝适当工作的有劳动能力成员数",
        "低保办法第三十四条：共同生活成员中有劳动能力（不属无劳动能力）的人，评估日前最近"
        "连续无正当理由拒绝推荐的适当工作达3次（最后一次接受之后的拒绝次数）；其本人份额按"
        "dibao.refused_work_share_kept 减发或停发",
    ),
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
        "obligor_income_max",
        MONEY,
        "须经收入检验的义务人的最高人均年收入",
        "特困办法第八条：70周岁以上或重度残疾（含三级智力/精神）的义务人，收入低于上年当地人均"
        "可支配收入且财产符合低收入条件的，无履行能力；此处为这类义务人中收入最高者（元/年），"
        "与 stats.disposable_income_year 比较",
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
# Quotients and pro-rata sums: exact Decimal yuan (``EXACT_SCALE`` decimals), never rounded.
EXACT_FEATURES = {
    "income_lookback",
    "income_lookback_tekun",
    "disabled_wage_lookback",
    "per_capita_income",
    "per_capita_income_tekun",
    "annual_income",
    "financial_assets_per_capita",
    *EXPENSE_FEATURES,
    *(f"single_{k}_income" for k in SINGLE_CLASSES),
    *(f"single_{k}_exempt_income" for k in SINGLE_CLASSES),
}
FEATURE_SCALES = {n: EXACT_SCALE for n in EXACT_FEATURES}
# Computed by derive_with_parameters (they need per-area parameters).
DERIVED_LATER = {"per_capita_income", "per_capita_income_tekun", "annual_income"}


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
    assets, income = _ensure(assets, "assets"), _ensure(income, "income")
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
    assets = pl.concat([assets, _ensure(found_assets, "assets")])
    income = pl.concat([income, _ensure(wages, "income")])
    return assets, income


def income_exclusions(on: datetime.date, path: Path | None = None) -> dict[str, set[str]]:
    """Each exclusion list's categories in force at ``on`` (``_income_exclusions.yaml``)."""
    data = _exclusion_data(path or EXCLUSIONS_FILE)
    out: dict[str, set[str]] = {}
    for name, lst in data["lists"].items():
        cats = set()
        for entry in lst["exclude"]:
            start, end = entry.get("from"), entry.get("to")
            if (start is None or start <= on) and (end is None or on <= end):
                cats.add(entry["category"])
        out[name] = cats
    return out


def income_categories(path: Path | None = None) -> dict[str, str]:
    return dict(_exclusion_data(path or EXCLUSIONS_FILE)["categories"])


@functools.cache
def _exclusion_data(path: Path) -> dict:
    import yaml

    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _with_overlap(df: pl.DataFrame, w0: int, w1: int) -> pl.DataFrame:
    """Items overlapping months [w0, w1], with the months covered and the item's length."""
    ps, pe = _midx("period_start"), _midx("period_end")
    overlap = (pl.min_horizontal(pe, pl.lit(w1)) - pl.max_horizontal(ps, pl.lit(w0)) + 1).clip(0)
    months = pe - ps + 1
    return df.with_columns(overlap=overlap, months=months, full=overlap == months).filter(
        pl.col("overlap") > 0
    )


def _window_sums(df: pl.DataFrame, specs: dict[str, pl.Expr]) -> pl.DataFrame:
    """Per household, ``_<name>_fen``: the exact fen (Decimal) of the items matching each
    condition, pro rata by whole months. Items wholly inside the window are summed as integer
    fen; a partly-covered item counts fen × months covered ÷ months of the item, a quotient kept
    exact — never rounded to the fen item by item."""
    whole = (
        df.filter(pl.col("full"))
        .group_by("household_id")
        .agg(
            [
                pl.col("amount_fen").filter(cond).sum().cast(pl.Int64).alias(f"_{n}_whole")
                for n, cond in specs.items()
            ]
        )
    )
    part = (
        df.filter(~pl.col("full"))
        .with_columns(
            exact=(pl.col("amount_fen") * pl.col("overlap")).cast(EXACT)
            / pl.col("months").cast(EXACT)
        )
        .group_by("household_id")
        .agg([pl.col("exact").filter(cond).sum().alias(f"_{n}_part") for n, cond in specs.items()])
    )
    return whole.join(part, on="household_id", how="full", coalesce=True).select(
        "household_id",
        *[
            (
                pl.col(f"_{n}_whole").fill_null(0).cast(EXACT)
                + pl.col(f"_{n}_part").fill_null(_ZERO).cast(EXACT)
            ).alias(f"_{n}_fen")
            for n in specs
        ],
    )


def _exact_yuan(num_fen: pl.Expr, den: pl.Expr) -> pl.Expr:
    """``num_fen / den`` as exact Decimal yuan (``settle``d; 0 where ``den`` is 0). Never a float,
    never rounded to the fen: 2,399.99 元 over 3 members is 799.99666…, below 800.00."""
    q = num_fen.cast(EXACT) / (den.cast(pl.Int64) * 100).cast(EXACT)
    return pl.when(den > 0).then(settle(q, EXACT_SCALE)).otherwise(_ZERO)


OBLIGOR_REASONS = (
    "tekun",
    "dibao_elderly",
    "no_capacity",
    "elderly_low_income",
    "severe_disability",
)


def obligor_facts(obligors: pl.DataFrame, on: datetime.date | None = None) -> pl.DataFrame:
    """Each obligor with ``obligor_reason``: the first of the five situations of 特困办法 Art. 8
    that applies (null: none applies). ``elderly_low_income`` and ``severe_disability`` also need
    the obligor's income below last year's local per-capita disposable income — a parameter,
    tested in the 特困 condition (``obligor_income_max``).

    The age is ``age``, else reckoned from ``birth_date`` at ``on`` (the registry keeps the birth
    date). ``obligor_undetermined``: no situation applies but the age is unknown, so two of the
    five (60+ on 低保, 70+) cannot be ruled out — the obligor is neither able nor unable."""
    if on is not None and "birth_date" in obligors.columns:
        born = pl.col("birth_date")
        from_birth = (
            pl.lit(on.year)
            - born.dt.year()
            - (
                (born.dt.month() > on.month)
                | ((born.dt.month() == on.month) & (born.dt.day() > on.day))
            ).cast(pl.Int32)
        ).cast(pl.Int64)
        obligors = obligors.with_columns(age=pl.coalesce(pl.col("age"), from_birth))
    og = pl.col("disability_grade").fill_null(0)
    ot = pl.col("disability_type").fill_null("")
    prop_ok = pl.col("property_within_limits").fill_null(False)
    no_capacity = (
        pl.col("no_legal_capacity").fill_null(False)
        | pl.col("declared_missing").fill_null(False)
        | pl.col("in_prison").fill_null(False)
    )
    severe = og.is_between(1, 2) | ((og == 3) & ot.is_in(["intellectual", "mental"]))
    oage = pl.col("age").fill_null(0)
    reason = (
        pl.when(pl.col("on_tekun").fill_null(False))
        .then(pl.lit("tekun"))
        .when(pl.col("on_dibao").fill_null(False) & (oage >= 60))
        .then(pl.lit("dibao_elderly"))
        .when(no_capacity & prop_ok)
        .then(pl.lit("no_capacity"))
        .when((oage >= 70) & prop_ok)
        .then(pl.lit("elderly_low_income"))
        .when(severe & prop_ok)
        .then(pl.lit("severe_disability"))
    )
    return obligors.with_columns(obligor_reason=reason).with_columns(
        obligor_undetermined=pl.col("obligor_reason").is_null() & pl.col("age").is_null()
    )


def _first(rules: list[tuple[str, pl.Expr]]) -> pl.Expr:
    """The reason of the first rule that holds (null if none)."""
    out = pl.when(rules[0][1]).then(pl.lit(rules[0][0]))
    for code, cond in rules[1:]:
        out = out.when(cond).then(pl.lit(code))
    return out


def person_facts(
    persons: pl.DataFrame,
    on: datetime.date,
    roll: pl.DataFrame,
    obligors: pl.DataFrame,
    *,
    reasons: bool = True,
) -> pl.DataFrame:
    """Per person: age, alive, and each determination the rules make from the facts, with the
    reason (a stable code, ``PERSON_REASONS``) — the same for the calculator and the batch.

    - ``counted`` / ``counted_reason`` (低保办法 Art. 7): from the relation to the applicant, the
      co-residence and the exclusion facts; a row without a relation keeps the registry's
      ``is_counted`` (``counted_reason`` = ``recorded``);
    - ``self_care_level`` (特困办法 Art. 20–23): from how many of the six items the person
      cannot do (0 自理, 1–3 部分丧失, 4–6 完全丧失), else the recorded level;
    - ``unable`` / ``unable_reason`` (特困办法 Art. 5): 60+, under 16, a minor already supported
      as 特困 (to 18) or still at school past 18 (compulsory, senior high, secondary vocational),
      the disability grades, or a recorded 无劳动能力;
    - ``obligor`` (Art. 4, 8): ``unknown`` (not checked), ``none``, ``able``, ``unable`` — from
      the obligors' facts where the member's obligors are listed, else the recorded status; an
      obligor whose inability rests on the income test (70+, or severely disabled) leaves
      ``obligor_income_fen`` (the highest such income), tested against the parameter later.
    """
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
    on_lit = pl.lit(on, dtype=pl.Date)
    alive = (pl.col("death_date").is_null() | (pl.col("death_date") > on_lit)) & (
        pl.col("birth_date") <= on_lit
    )
    p = persons.with_columns(age=age, alive=alive)
    # Already supported as 特困: the member's own roll entry, or the household's.
    month_start = on.replace(day=1)
    active = roll.filter(
        (pl.col("programme") == "tekun")
        & (pl.col("status") == "active")
        & (pl.col("start_month") <= on_lit)
        & (pl.col("end_month").is_null() | (pl.col("end_month") >= pl.lit(month_start)))
    )
    per_person = active.filter(pl.col("person_id").is_not_null()).select(
        "household_id", "person_id", roll_person=pl.lit(True)
    )
    per_household = (
        active.filter(pl.col("person_id").is_null())
        .select("household_id", roll_household=pl.lit(True))
        .unique()
    )
    p = (
        p.join(per_person.unique(), on=["household_id", "person_id"], how="left")
        .join(per_household, on="household_id", how="left")
        .with_columns(
            supported=pl.col("tekun_supported").fill_null(False)
            | pl.col("roll_person").fill_null(False)
            | pl.col("roll_household").fill_null(False)
        )
        .drop("roll_person", "roll_household")
    )

    grade = pl.col("disability_grade").fill_null(0)
    dtype = pl.col("disability_type").fill_null("")
    stage = pl.col("school_stage").fill_null("none")
    a = pl.col("age")
    rel = pl.col("relation")
    together = pl.col("lives_together").fill_null(False)
    # --- 共同生活家庭成员 (低保办法 Art. 7) ---
    # (reason, condition) in order: the boolean and the reason read the same list.
    exclusions = [
        ("clergy_apart", pl.col("religious_site_years").fill_null(0) >= 3),
        ("in_prison", pl.col("in_prison").fill_null(False)),
        ("in_drug_rehab", pl.col("in_drug_rehab").fill_null(False)),
        ("declared_missing", pl.col("declared_missing").fill_null(False)),
        ("other", pl.col("other_exclusion").fill_null(False)),
    ]
    inclusions = [
        ("applicant", rel == "head"),
        ("spouse", rel == "spouse"),
        ("minor_child", (rel == "child") & (a < 18)),
        ("student_child", (rel == "child") & stage.is_in(STUDENT_TO_BACHELOR)),
        (
            "dependent_child",
            (rel == "child") & pl.col("cannot_live_independently").fill_null(False),
        ),
        ("duty_co_resident", rel.is_in(DUTY_RELATIONS) & together),
    ]
    excluded = pl.any_horizontal([c.fill_null(False) for _, c in exclusions])
    included = pl.any_horizontal([c.fill_null(False) for _, c in inclusions])
    counted_raw = (
        pl.when(rel.is_null())
        .then(pl.col("is_counted").fill_null(True))
        .otherwise(~excluded & included)
    )
    # --- 生活自理能力 (特困办法 Art. 20–23) ---
    items = pl.col("adl_unable")
    self_care = (
        pl.when(items.is_null())
        .then(pl.col("self_care").fill_null("full"))
        .when(items == 0)
        .then(pl.lit("full"))
        .when(items <= 3)
        .then(pl.lit("partial"))
        .otherwise(pl.lit("none"))
    )
    # --- 无劳动能力 (特困办法 Art. 5; ages 16–18) ---
    sup = pl.col("supported")
    unable_rules = [
        ("age_60", a >= 60),
        ("under_16", a < 16),
        ("supported_minor", sup & (a < 18)),
        ("supported_student", sup & stage.is_in(TEKUN_SCHOOL_STAGES)),
        (
            "disability_intellectual_mental",
            dtype.is_in(["intellectual", "mental"]) & grade.is_between(1, 3),
        ),
        ("disability_physical", dtype.is_in(["physical", "multiple"]) & grade.is_between(1, 2)),
        ("disability_visual", (dtype == "visual") & (grade == 1)),
        ("recorded", pl.col("labour_capacity") == "none"),
    ]
    p = p.with_columns(
        counted=pl.col("alive") & counted_raw,
        self_care_level=self_care,
        # a null fact is not a reason (as in the reason chain): never a null decision
        unable=pl.any_horizontal([c.fill_null(False) for _, c in unable_rules]),
    )
    if reasons:
        p = p.with_columns(
            counted_reason=pl.when(rel.is_null())
            .then(pl.lit("recorded"))
            .when(excluded)
            .then(pl.lit("excluded_") + _first(exclusions))
            .when(included)
            .then(_first(inclusions))
            .otherwise(pl.lit("not_family")),
            unable_reason=_first(unable_rules),
        )

    # --- 法定义务人 (特困办法 Art. 8) ---
    o = obligor_facts(obligors, on)
    tested = pl.col("obligor_reason").is_in(["elderly_low_income", "severe_disability"])
    undetermined = pl.col("obligor_undetermined")
    ob = o.group_by("household_id", "person_id").agg(
        n_obligors=pl.len().cast(pl.Int64),
        n_able_fixed=(pl.col("obligor_reason").is_null() & ~undetermined).sum().cast(pl.Int64),
        n_income_unknown=((tested & pl.col("income_year_fen").is_null()) | undetermined)
        .sum()
        .cast(pl.Int64),
        obligor_income_fen=pl.col("income_year_fen").filter(tested).max(),
    )
    p = p.join(ob, on=["household_id", "person_id"], how="left")
    checked = pl.col("obligors_checked").fill_null(False)
    n_ob = pl.col("n_obligors").fill_null(0)
    p = p.with_columns(
        obligor=pl.when(~checked)
        .then(pl.col("obligor_status").fill_null("unknown"))
        .when(n_ob == 0)
        .then(pl.lit("none"))
        .when(pl.col("n_able_fixed").fill_null(0) > 0)
        .then(pl.lit("able"))
        .when(pl.col("n_income_unknown").fill_null(0) > 0)
        .then(pl.lit("unknown"))
        .otherwise(pl.lit("unable")),
        obligor_income_fen=pl.when(checked).then(pl.col("obligor_income_fen")),
    ).drop("n_obligors", "n_able_fixed", "n_income_unknown")
    return p


# 低保办法 Art. 34: refusals in a row that reduce or stop the member's own share.
REFUSALS_IN_A_ROW = 3


def refusals_in_a_row(job_offers: pl.DataFrame, on: datetime.date) -> pl.DataFrame:
    """Per member, how many suitable job offers they refused since the last one they accepted,
    counting offers made up to ``on`` (低保办法 Art. 34): ``refused_in_a_row``."""
    offers = job_offers.filter(pl.col("offered_on") <= pl.lit(on, dtype=pl.Date))
    refused = pl.col("refused").fill_null(False)
    last_accepted = pl.col("offered_on").filter(~refused).max()
    return offers.group_by("household_id", "person_id").agg(
        refused_in_a_row=(
            refused & (last_accepted.is_null() | (pl.col("offered_on") > last_accepted))
        )
        .sum()
        .cast(pl.Int64)
    )


def compute_features(
    frames: dict[str, pl.DataFrame | None],
    on: datetime.date,
    *,
    lookback: int = 12,
    emergency_months: int = 3,
) -> pl.DataFrame:
    """One row per household: ``household_id``, ``area_code`` and the features.

    Counts and sums of whole items are integer fen here; ``to_expression_frame`` turns them into
    Decimal yuan. Quotients (``EXACT_FEATURES``: per-capita figures, partial-period income) are
    exact Decimal yuan already — nothing is rounded before a decision (RULES.md: rounding is
    applied once, at the end, to the amount).
    """
    hh = _ensure(frames.get("households"), "households")
    persons = _ensure(frames.get("persons"), "persons")
    income = _ensure(frames.get("income"), "income")
    assets = _ensure(frames.get("assets"), "assets")
    expenses = _ensure(frames.get("expenses"), "expenses")
    roll = _ensure(frames.get("roll"), "roll")
    events = _ensure(frames.get("events"), "events")
    obligors = _ensure(frames.get("obligors"), "obligors")
    assets, income = merge_verified(assets, income, _ensure(frames.get("verified"), "verified"))
    eval_m = month_index(on)
    on_lit = pl.lit(on, dtype=pl.Date)

    p = person_facts(persons, on, roll, obligors, reasons=False)
    offers = _ensure(frames.get("job_offers"), "job_offers")
    if offers.height:
        p = p.join(refusals_in_a_row(offers, on), on=["household_id", "person_id"], how="left")
    else:
        p = p.with_columns(refused_in_a_row=pl.lit(None, dtype=pl.Int64))
    grade = pl.col("disability_grade").fill_null(0)
    dtype = pl.col("disability_type").fill_null("")
    stage = pl.col("school_stage").fill_null("none")
    severe = (grade.is_between(1, 2)) | ((grade == 3) & dtype.is_in(["intellectual", "mental"]))
    ill = pl.col("major_illness").fill_null(False)
    c = pl.col("counted")
    unable = pl.col("unable")
    # Minors who take the orphan / unsupported-child scheme are not 特困 (特困办法 Art. 9).
    child_scheme = (pl.col("age") < 18) & (
        pl.col("orphan").fill_null(False) | pl.col("unsupported_child").fill_null(False)
    )
    tekun_candidate = unable & ~child_scheme
    obligor = pl.col("obligor")
    # 单人保 grounds (低保办法 Art. 8; 2022 notice), one class per person, disjoint.
    clergy = pl.col("alive") & (pl.col("religious_site_years").fill_null(0) >= 3)
    u2022 = c & severe & (pl.col("age") >= 18) & (pl.col("employment") == "unemployed")
    single_class = (
        pl.when(clergy)
        .then(pl.lit("clergy"))
        .when(u2022)
        .then(pl.lit("unemployed_severe"))
        .when(c & severe & ill)
        .then(pl.lit("severe_ill"))
        .when(c & severe)
        .then(pl.lit("severe"))
        .when(c & ill)
        .then(pl.lit("ill"))
    )
    p = p.with_columns(single_class=single_class)

    def n(cond: pl.Expr) -> pl.Expr:
        return (c & cond).sum().cast(pl.Int64)

    def n_class(name: str) -> pl.Expr:
        return (pl.col("single_class") == name).sum().cast(pl.Int64)

    selfcare = pl.col("self_care_level")
    im34 = dtype.is_in(["intellectual", "mental"]) & grade.is_between(3, 4)
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
        n_im_34=n(im34),
        n_im_34_care=n(im34 & (selfcare != "full")),
        n_major_ill=n(ill),
        n_unable_work=n(unable),
        n_able_adults=n(~unable & ~child_scheme),
        n_tekun_candidates=n(tekun_candidate),
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
        n_single_candidates=n(severe | ill),
        n_single_severe=n_class("severe"),
        n_single_ill=n_class("ill"),
        n_single_severe_ill=n_class("severe_ill"),
        n_single_unemployed_severe=n_class("unemployed_severe"),
        n_single_clergy=n_class("clergy"),
        n_refused_work=n(~unable & (pl.col("refused_in_a_row").fill_null(0) >= REFUSALS_IN_A_ROW)),
        member_obligor_able=n(tekun_candidate & (obligor == "able")) > 0,
        n_obligor_unverified=n(tekun_candidate & (obligor == "unknown")),
        obligor_income_max=pl.col("obligor_income_fen")
        .filter(c & tekun_candidate & (obligor == "unable"))
        .max()
        .cast(pl.Int64),
    )
    person_flags = p.select(
        "household_id",
        "person_id",
        "counted",
        "single_class",
        disabled=pl.col("disability_grade").fill_null(0) >= 1,
    )

    # --- income over the look-back ----------------------------------------------------------
    w1, w0 = eval_m - 1, eval_m - lookback
    lists = income_exclusions(on)
    cat = pl.col("category").fill_null("")
    worker_excluded = pl.col("excluded").fill_null(False)
    # Join on (household, person): a person id is only unique within its household in documents.
    inc = income.join(person_flags, on=["household_id", "person_id"], how="left")
    inc = inc.filter(
        pl.col("person_id").is_null()
        | pl.col("counted").fill_null(False)
        | pl.col("single_class").is_not_null()
    )
    inc = _with_overlap(inc, w0, w1).with_columns(
        family=pl.col("person_id").is_null() | pl.col("counted").fill_null(False),
        count_dibao=~worker_excluded & ~cat.is_in(sorted(lists.get("dibao", set()))),
        count_tekun=~worker_excluded & ~cat.is_in(sorted(lists.get("tekun", set()))),
    )
    specs = {
        "income": pl.col("family") & pl.col("count_dibao"),
        "income_tekun": pl.col("family") & pl.col("count_tekun"),
        "disabled_wage": pl.col("family")
        & pl.col("count_dibao")
        & pl.col("disabled").fill_null(False)
        & (pl.col("kind") == "wage"),
        **{
            f"single_{k}": (pl.col("single_class") == k) & pl.col("count_dibao")
            for k in SINGLE_CLASSES
        },
        # 2022 notice: support from siblings or people aged 60+ may be left out (a local switch,
        # applied in derive_with_parameters)
        **{
            f"single_{k}_exempt": (pl.col("single_class") == k)
            & pl.col("count_dibao")
            & (cat == SIBLING_ELDERLY_SUPPORT)
            for k in SINGLE_CLASSES
        },
    }
    income_agg = _window_sums(inc, specs)
    earners = (
        inc.filter(
            pl.col("family")
            & pl.col("count_dibao")
            & pl.col("disabled").fill_null(False)
            & (pl.col("kind") == "wage")
            & (pl.col("amount_fen") > 0)
        )
        .group_by("household_id")
        .agg(n_disabled_earners=pl.col("person_id").n_unique().cast(pl.Int64))
    )
    income_agg = income_agg.join(earners, on="household_id", how="full", coalesce=True)

    # --- assets -----------------------------------------------------------------------------
    a = assets.filter(~pl.col("exempt").fill_null(False))
    home = pl.col("residential").fill_null(True)
    asset_agg = a.group_by("household_id").agg(
        financial_assets=pl.col("value_fen")
        .filter(pl.col("kind").is_in(FINANCIAL_ASSET_KINDS))
        .sum()
        .cast(pl.Int64),
        n_vehicles=(pl.col("kind") == "vehicle").sum().cast(pl.Int64),
        n_properties=((pl.col("kind") == "property") & home).sum().cast(pl.Int64),
        n_nonresidential=((pl.col("kind") == "property") & ~home).sum().cast(pl.Int64),
        n_businesses=(pl.col("kind") == "business").sum().cast(pl.Int64),
    )

    # --- rigid expenditure -------------------------------------------------------------------
    medical = pl.col("kind") == "medical"
    education = pl.col("kind") == "education"
    exp12 = _window_sums(
        _with_overlap(expenses, eval_m - 12, eval_m - 1),
        {
            "rigid_expense_12m": pl.lit(True),
            "medical_expense_12m": medical,
            "education_expense_12m": education,
        },
    )
    exp3 = _window_sums(
        _with_overlap(expenses, eval_m - 3, eval_m - 1), {"rigid_expense_3m": pl.lit(True)}
    )
    exp_agg = exp12.join(exp3, on="household_id", how="full", coalesce=True)

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
        if f.name in ("urban", "emergency_event", "obligor_able") or f.name in DERIVED_LATER:
            continue
        if f.name in EXACT_FEATURES or f.name not in out.columns:
            continue
        default = pl.lit(False) if f.type == BOOL else pl.lit(0, dtype=pl.Int64)
        fills.append(pl.col(f.name).fill_null(default))
    lb = pl.lit(lookback, dtype=pl.Int64)
    one = pl.lit(1, dtype=pl.Int64)
    out = out.with_columns(fills).with_columns(
        lookback_months=lb,
        financial_assets_per_capita=_exact_yuan(pl.col("financial_assets"), cm),
        **{
            name: _exact_yuan(pl.col(f"_{name}_fen").fill_null(_ZERO), one)
            for name in EXPENSE_FEATURES
        },
        income_lookback=_exact_yuan(pl.col("_income_fen").fill_null(_ZERO), one),
        income_lookback_tekun=_exact_yuan(pl.col("_income_tekun_fen").fill_null(_ZERO), one),
        disabled_wage_lookback=_exact_yuan(pl.col("_disabled_wage_fen").fill_null(_ZERO), one),
        **{
            f"single_{k}_income": _exact_yuan(pl.col(f"_single_{k}_fen").fill_null(_ZERO), lb)
            for k in SINGLE_CLASSES
        },
        **{
            f"single_{k}_exempt_income": _exact_yuan(
                pl.col(f"_single_{k}_exempt_fen").fill_null(_ZERO), lb
            )
            for k in SINGLE_CLASSES
        },
    )
    return out.drop([c for c in out.columns if c.startswith("_")])


def derive_with_parameters(df: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame | pl.DataFrame:
    """Features that depend on per-area parameters, exact, in the evaluator's fixed point.

    Reads the exact features as Int128 at ``EXACT_SCALE`` (``exact_to_int``) and
    ``p:income.disabled_wage_deduction`` as integer fen (yuan/month per disabled earner); writes
    ``per_capita_income``, ``per_capita_income_tekun`` and ``annual_income`` the same way: the
    exact quotient ``settle``d at 16 decimals (the quotient is floored at the 20th first, which
    ``settle`` absorbs — see its docstring).
    """
    from jiuzhu.policy.engine.expr import div_round, widen

    months = pl.col("lookback_months")
    allowed_fen = (
        pl.col("n_disabled_earners") * months * pl.col("p:income.disabled_wage_deduction")
    ).cast(pl.Int64)
    allowed = widen(allowed_fen, 2, EXACT_SCALE)
    deduction = pl.max_horizontal(
        pl.min_horizontal(pl.col("disabled_wage_lookback"), allowed), pl.lit(0, dtype=pl.Int128)
    )
    den = months * pl.col("counted_members")
    # Each quotient settled at 16 decimals by one integer division, rounding half away from zero
    # (the same as flooring at 20 decimals and rounding that at 16, as ``settle`` does).
    return (
        df.with_columns(_deduction=deduction)
        .with_columns(
            _net=pl.col("income_lookback") - pl.col("_deduction"),
            _net_tekun=pl.col("income_lookback_tekun") - pl.col("_deduction"),
        )
        .with_columns(
            [
                pl.when(d > 0)
                .then(
                    widen(div_round(num, d, EXACT_SCALE - SETTLE_SCALE), SETTLE_SCALE, EXACT_SCALE)
                )
                .otherwise(pl.lit(0, dtype=pl.Int128))
                .alias(n)
                for n, num, d in (
                    ("per_capita_income", pl.col("_net"), den),
                    ("per_capita_income_tekun", pl.col("_net_tekun"), den),
                    ("annual_income", pl.col("_net") * pl.lit(12, dtype=pl.Int128), months),
                )
            ]
        )
        .drop("_deduction", "_net", "_net_tekun")
        .with_columns(
            [
                pl.when(pl.col("p:dibao_single.exempt_sibling_elderly_support").fill_null(False))
                .then(pl.col(f"single_{k}_income") - pl.col(f"single_{k}_exempt_income"))
                .otherwise(pl.col(f"single_{k}_income"))
                .alias(f"single_{k}_income")
                for k in SINGLE_CLASSES
            ]
        )
    )


def exact_to_int(df, names):
    """Exact Decimal(38, 20) feature columns → their Int128 value × 10^20 (no arithmetic)."""
    return df.with_columns([pl.col(c).cast(EXACT).to_physical().alias(c) for c in names])


def money_to_decimal(df, names: list[str] | None = None):
    """Fen Int64 columns → exact Decimal yuan columns for the expression language (the exact
    quotients are Decimal yuan already)."""
    names = names if names is not None else [n for n in MONEY_FEATURES if n not in EXACT_FEATURES]
    return df.with_columns(
        [
            (pl.col(c).cast(pl.Decimal(38, 0)) * pl.lit(_CENT, dtype=pl.Decimal(38, 2))).alias(c)
            for c in names
        ]
    )
