"""The rule kinds, implemented set-based: each evaluator turns frames into candidate alerts.

An evaluator gets a ``Context`` (the date, what changed since the last run, the roll being paid
this month, department records linked to registry persons) and one rule's typed parameters, and
returns a frame of ``CANDIDATE_SCHEMA``: one row per piece of evidence. ``key`` names the
evidence (a department record, a person's birthday, a pair of programmes …); the run never
raises the same (household, cause, key) twice, so a full re-run repeats nothing already raised.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import polars as pl

from jiuzhu.monitoring import loader
from jiuzhu.monitoring import params as P
from jiuzhu.policy.selectors import determinations_frame
from jiuzhu.registry import frames as registry_frames
from jiuzhu.verify import frames as verify_frames
from jiuzhu.verify.feeds import DEPARTMENT_LABELS
from jiuzhu.verify.feeds import VEHICLE_KIND_LABELS as VEHICLE_LABELS

CANDIDATE_SCHEMA = {
    "household_id": pl.Int64,
    "person_id": pl.Int64,
    "programme": pl.Utf8,
    "roll_entry_id": pl.Int64,
    "key": pl.Utf8,
    "summary": pl.Utf8,
    "source": pl.Utf8,
    "event_date": pl.Utf8,
    "hold": pl.Boolean,
}

# Which programme an alert is about when a household is on several (the basic tier first).
PROGRAMME_ORDER = [
    "tekun",
    "dibao",
    "dibao_single",
    "phase_out",
    "orphan_allowance",
    "unsupported_child_allowance",
    "dibao_edge",
    "disability_care_subsidy",
    "disability_living_subsidy",
    "rigid_expense",
    "education_aid",
    "medical_aid",
    "temporary_aid",
    "poverty_watch",
]
STAGE_LABELS = {
    "preschool": "学前",
    "primary": "小学",
    "junior": "初中",
    "senior": "普通高中",
    "vocational": "中职",
    "college": "大专/本科",
    "none": "不在学",
}


@dataclass
class Context:
    as_of: datetime.date
    since: datetime.date  # the previous run's date (ages crossed after it are new)
    full: bool
    after_import: int  # department imports after this id are new
    upto_import: int
    roll: pl.DataFrame  # roll entries paid this month
    policy_run_id: int | None = None
    previous_policy_run_id: int | None = None
    roll_changed_since: str | None = None
    standard_fen: Callable[[str], int] | None = None  # 低保标准 (fen) for an area code
    policy_conditions: dict = field(default_factory=dict)  # programme → condition names (bits)
    # the previous run's start: records linked (or link-confirmed) since are new too
    linked_since: datetime.datetime | None = None
    _linked: dict = field(default_factory=dict)

    def linked(self, departments: tuple[str, ...] | list[str]) -> pl.DataFrame:
        """New department records of these departments, linked to registry persons."""
        key = tuple(sorted(departments))
        if key not in self._linked:
            self._linked[key] = loader.linked_records(
                after_import=0 if self.full else self.after_import,
                upto_import=self.upto_import,
                departments=list(key),
                linked_since=None if self.full else self.linked_since,
            )
        return self._linked[key]

    def roll_by_household(self) -> pl.DataFrame:
        """One row per household on a roll: its main programme and household-level entry."""
        if "_rbh" not in self._linked:
            rank = {p: i for i, p in enumerate(PROGRAMME_ORDER)}
            self._linked["_rbh"] = (
                self.roll.with_columns(
                    _rank=pl.col("programme").replace_strict(
                        rank, default=len(rank), return_dtype=pl.Int64
                    ),
                    _person_level=pl.col("person_id").is_not_null(),
                )
                .sort("household_id", "_person_level", "_rank", "roll_entry_id")
                .group_by("household_id", maintain_order=True)
                .agg(
                    programme=pl.col("programme").first(),
                    roll_entry_id=pl.col("roll_entry_id").first(),
                    programmes=pl.col("programme").unique().sort(),
                )
            )
        return self._linked["_rbh"]


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=CANDIDATE_SCHEMA)


def _finish(frame: pl.DataFrame, **exprs) -> pl.DataFrame:
    if frame.is_empty():
        return empty()
    out = frame.with_columns(**exprs) if exprs else frame
    for col, dtype in CANDIDATE_SCHEMA.items():
        if col not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=dtype).alias(col))
    return out.select([pl.col(c).cast(t) for c, t in CANDIDATE_SCHEMA.items()])


def _date(col: str = "event_date") -> pl.Expr:
    return pl.col(col).dt.strftime("%Y-%m-%d").fill_null("")


def _yuan(expr: pl.Expr) -> pl.Expr:
    return (expr / 100).round(2).cast(pl.Utf8)


def _fen_exact(value: Fraction) -> int:
    """Round an exact amount once, at the end, half up to the fen (for display)."""
    return int(Decimal(value.numerator) / Decimal(value.denominator) + Decimal("0.5"))


def _unconfirmed_note() -> pl.Expr:
    """The summary's warning when the record is this person only by an unconfirmed link."""
    return (
        pl.when(pl.col("link_method") == loader.UNCONFIRMED)
        .then(
            pl.lit("（身份待核对确认：记录身份证号与此人不一致或缺失，按姓名、出生日期等匹配，概率")
            + pl.col("link_probability").round(4).cast(pl.Utf8)
            + pl.lit("，请先核实是否本人）")
        )
        .otherwise(pl.lit(""))
    )


def _on_roll(ctx: Context, frame: pl.DataFrame) -> pl.DataFrame:
    """Keep rows whose household is on a roll; add its programme and household-level entry."""
    return frame.join(ctx.roll_by_household(), on="household_id", how="inner")


# ------------------------------------------------------------------------------------ rules


def death(ctx: Context, p: P.DeathParams) -> pl.DataFrame:
    """A death reported by 公安 for a person on any roll (the person's own or the household's).

    A death dated after the file's extraction date or after the run's date is bad data and is
    never acted on. The payment is held automatically only when the record is certainly this
    person (``verify.selectors.link_holds_payment``: an exact ID match, a person's confirmation,
    or a probabilistic link at or above the documented hold threshold); an alert from a
    probabilistic link says so, for the worker to check before acting."""
    from jiuzhu.verify.selectors import HOLD_PROBABILITY, LINK_METHODS_CERTAIN

    rec = ctx.linked(("police",)).filter(pl.col("kind") == "death")
    if rec.is_empty():
        return empty()
    rec = rec.filter(
        pl.col("event_date").is_not_null()
        & (pl.col("event_date") <= ctx.as_of)
        & (pl.col("extracted_on").is_null() | (pl.col("event_date") <= pl.col("extracted_on")))
    )
    if rec.is_empty():
        return empty()
    certain = pl.col("link_method").is_null() | pl.col("link_method").is_in(
        list(LINK_METHODS_CERTAIN)
    )
    accepted = pl.col("link_method").fill_null("") != loader.UNCONFIRMED
    rec = (
        rec.with_columns(
            _certain=certain
            | (accepted & (pl.col("link_probability").fill_null(0) >= HOLD_PROBABILITY))
        )
        .sort("record_id", "_certain", descending=[False, True])
        .unique("record_id", keep="first", maintain_order=True)
    )
    own = ctx.roll.filter(pl.col("person_id").is_not_null()).select(
        "person_id", own_entry="roll_entry_id", own_programme="programme"
    )
    rec = rec.join(own, on="person_id", how="left")
    hh = ctx.roll_by_household()
    rec = rec.join(hh, on="household_id", how="left")
    rec = rec.filter(pl.col("own_entry").is_not_null() | pl.col("programme").is_not_null())
    return _finish(
        rec,
        programme=pl.coalesce("own_programme", "programme"),
        roll_entry_id=pl.coalesce("own_entry", "roll_entry_id"),
        key=pl.lit("death:") + pl.col("person_id").cast(pl.Utf8),
        summary=pl.lit("公安死亡注销：")
        + pl.col("person_name")
        + pl.lit("于")
        + _date()
        + pl.lit("死亡，仍在救助名册")
        + pl.when(pl.col("link_method").fill_null("exact").is_in(list(LINK_METHODS_CERTAIN)))
        .then(pl.lit(""))
        .when(pl.col("link_method") == loader.UNCONFIRMED)
        .then(
            pl.lit("（该死亡记录的身份待核对确认：概率匹配到此人，匹配概率")
            + pl.col("link_probability").round(4).cast(pl.Utf8)
            + pl.lit("，未自动暂停发放，请先核实是否本人）")
        )
        .otherwise(
            pl.lit("（该死亡记录按姓名、出生日期等概率匹配到此人，匹配概率")
            + pl.col("link_probability").round(4).cast(pl.Utf8)
            + pl.when(pl.col("_certain"))
            .then(pl.lit("，已暂停发放，请先核实是否本人）"))
            .otherwise(pl.lit("，未自动暂停发放，请核实是否本人）"))
        ),
        source=pl.lit("公安 记录") + pl.col("record_key"),
        event_date=_date(),
        hold=pl.lit(p.hold_payment) & pl.col("_certain"),
    )


def income_above_line(ctx: Context, p: P.IncomeParams) -> pl.DataFrame:
    """Department income (wages, pensions, business) puts a roll household above the standard."""

    half = f"{ctx.as_of.year}H{1 if ctx.as_of.month <= 6 else 2}"
    from_policy = _income_from_policy(ctx, half) if p.use_policy_run else empty()
    depts = ("hrss", "tax") if p.include_business else ("hrss",)
    new = ctx.linked(depts)
    hh = ctx.roll_by_household()
    if ctx.full:
        affected = hh["household_id"].to_list()
    else:
        affected = new.join(hh, on="household_id", how="semi")["household_id"].unique().to_list()
    if not affected:
        return from_policy
    since = ctx.as_of - datetime.timedelta(days=round(p.months * 30.44))
    monthly, totals = _department_income(ctx, p, since, None if ctx.full else affected)
    sizes = loader.roll_members(None if ctx.full else affected)
    sizes = dict(
        sizes.filter(pl.col("is_counted"))
        .group_by("household_id")
        .agg(size=pl.len().cast(pl.Int64))
        .rows()
    )
    exact = {hh_id: amount / max(1, sizes.get(hh_id) or 1) for hh_id, amount in monthly.items()}
    total = pl.DataFrame(
        [(hh_id, totals.get(hh_id, 0), _fen_exact(v)) for hh_id, v in exact.items()],
        schema={"household_id": pl.Int64, "total_fen": pl.Int64, "per_capita": pl.Int64},
        orient="row",
    )
    frame = total.join(hh, on="household_id", how="inner").join(
        ctx.roll.group_by("household_id").agg(area_code=pl.col("area_code").first()),
        on="household_id",
    )
    if frame.is_empty():
        return from_policy
    mult = Decimal(p.multiplier)
    lines = {
        a: int(Decimal(ctx.standard_fen(a)) * mult) for a in frame["area_code"].unique().to_list()
    }
    above = [
        hh_id
        for hh_id, area in frame.select("household_id", "area_code").rows()
        if exact[hh_id] > Fraction(Decimal(ctx.standard_fen(area)) * mult)
    ]
    frame = frame.with_columns(
        line=pl.col("area_code").replace_strict(lines, return_dtype=pl.Int64)
    ).filter(pl.col("household_id").is_in(above))
    found = _finish(
        frame,
        person_id=pl.lit(None, dtype=pl.Int64),
        key=pl.lit(f"income:{half}"),
        summary=pl.lit(
            f"部门收入数据：近{p.months}个月（按数据实际覆盖的月份）工资、养老金、经营收入合计"
        )
        + _yuan(pl.col("total_fen"))
        + pl.lit("元，人均月收入约")
        + _yuan(pl.col("per_capita"))
        + pl.lit("元，高于标准")
        + _yuan(pl.col("line"))
        + pl.lit("元"),
        source=pl.lit("人社/税务"),
        event_date=pl.lit(ctx.as_of.isoformat()),
        hold=pl.lit(False),
    )
    return pl.concat([found, from_policy])


def _income_from_policy(ctx: Context, half: str) -> pl.DataFrame:
    """错保 in the newest 政策找人 run because per-capita income is no longer below the standard."""
    bits = {}
    for programme in ("dibao", "dibao_single"):
        names = [c[0] for c in ctx.policy_conditions.get(programme, {}).get("conditions", [])]
        if "income_below_standard" in names:
            bits[programme] = 1 << names.index("income_below_standard")
    if not bits:
        return empty()
    det = _determinations(
        ctx,
        "flag = 'wrongly_included' AND programme IN (" + ", ".join(f"'{p}'" for p in bits) + ")",
        with_failed=True,
    )
    det = det.filter(
        (pl.col("failed") & pl.col("programme").replace_strict(bits, return_dtype=pl.Int64)) != 0
    )
    if det.is_empty():
        return empty()
    det = det.join(ctx.roll_by_household().drop("programme"), on="household_id", how="inner")
    return _finish(
        det,
        person_id=pl.lit(None, dtype=pl.Int64),
        key=pl.lit(f"income:{half}"),
        summary=pl.lit("政策找人（错保）：按登记库收入重新测算，家庭人均收入已不低于")
        + pl.col("programme")
        + pl.lit("标准"),
        source=pl.lit(f"政策找人运行#{ctx.policy_run_id}"),
        event_date=pl.lit(ctx.as_of.isoformat()),
        hold=pl.lit(False),
    )


def new_asset(ctx: Context, p: P.AssetParams) -> pl.DataFrame:
    """A vehicle, company or property reported for a member of a roll household, not declared.

    Only records of new imports count (a full run: every record, each raised once ever)."""
    rec = ctx.linked(p.departments)
    if rec.is_empty():
        return empty()
    recent = (
        ctx.as_of - datetime.timedelta(days=p.lookback_days)
        if p.lookback_days
        else datetime.date.min
    )
    rec = rec.filter(
        (pl.col("event_date").fill_null(ctx.as_of) >= recent)
        & ~((pl.col("department") == "vehicles") & pl.col("kind").is_in(p.exempt_vehicle_types))
        & ~((pl.col("department") == "market") & (pl.col("status").fill_null("") != "active"))
        & (pl.col("amount_fen").fill_null(0) >= p.min_value_fen)
    )
    rec = _on_roll(ctx, rec.unique("record_id"))
    if rec.is_empty():
        return empty()
    declared = registry_frames.declared_registrations(rec["household_id"].unique().to_list())
    rec = rec.join(declared, on=["household_id", "ref"], how="anti")
    what = (
        pl.when(pl.col("department") == "vehicles")
        .then(
            pl.lit("车管登记")
            + pl.col("kind").replace_strict(VEHICLE_LABELS, default=pl.col("kind"))
            + pl.lit(" ")
            + pl.col("ref")
        )
        .when(pl.col("department") == "market")
        .then(pl.lit("市场监管登记企业：") + pl.col("label") + pl.lit("（") + pl.col("ref") + ")")
        .otherwise(
            pl.lit("不动产登记：") + pl.col("label") + pl.lit("（证号") + pl.col("ref") + ")"
        )
    )
    return _finish(
        rec,
        key=pl.lit("rec:") + pl.col("record_id").cast(pl.Utf8),
        summary=pl.col("person_name")
        + pl.lit("名下新增")
        + what
        + pl.lit("，登记日期")
        + _date()
        + pl.lit("，未申报")
        + _unconfirmed_note(),
        source=pl.col("department").replace_strict(DEPARTMENT_LABELS, default="")
        + pl.lit(" 记录")
        + pl.col("record_key"),
        event_date=_date(),
        hold=pl.lit(False),
    )


def medical_spending(ctx: Context, p: P.MedicalParams) -> pl.DataFrame:
    """Out-of-pocket medical spending above the warning line in a month or 12 months (返贫/致贫)."""
    new = ctx.linked(("medical_insurance",))
    if p.roll_only:
        new = new.join(ctx.roll_by_household(), on="household_id", how="semi")
    affected = None if ctx.full else new["household_id"].unique().to_list()
    if affected is not None and not affected:
        return empty()
    start = ctx.as_of - datetime.timedelta(days=365)
    monthly = loader.window_sums(
        department="medical_insurance",
        kinds=None,
        since=start,
        upto=ctx.as_of,
        household_ids=affected,
        by_month=True,
    )
    if monthly.is_empty():
        return empty()
    if not ctx.full:  # only months in which something new was settled
        months = new.select(
            "household_id", month=pl.col("event_date").dt.strftime("%Y-%m")
        ).unique()
        monthly_new = monthly.join(months, on=["household_id", "month"], how="semi")
    else:
        monthly_new = monthly
    over_month = monthly_new.filter(pl.col("total_fen") >= p.monthly_line_fen).with_columns(
        key=pl.lit("med-month:") + pl.col("month"),
        summary=pl.lit("医保结算：")
        + pl.col("month")
        + pl.lit("个人自付医疗费用")
        + _yuan(pl.col("total_fen"))
        + pl.lit(f"元，超过月预警线{p.monthly_line_fen / 100:.2f}元（因病致贫/返贫风险）"),
    )
    yearly = monthly.group_by("household_id").agg(total_fen=pl.col("total_fen").sum())
    over_year = yearly.filter(pl.col("total_fen") >= p.yearly_line_fen).with_columns(
        key=pl.lit(f"med-year:{ctx.as_of:%Y-%m}"),
        summary=pl.lit("医保结算：近12个月个人自付医疗费用")
        + _yuan(pl.col("total_fen"))
        + pl.lit(f"元，超过年度预警线{p.yearly_line_fen / 100:.2f}元（因病致贫/返贫风险）"),
    )
    frame = pl.concat(
        [
            over_month.select("household_id", "key", "summary"),
            over_year.select("household_id", "key", "summary"),
        ]
    )
    hh = ctx.roll_by_household()
    frame = frame.join(hh, on="household_id", how="left").with_columns(
        programme=pl.coalesce("programme", pl.lit("medical_aid"))
    )
    return _finish(
        frame,
        source=pl.lit("医保"),
        event_date=pl.lit(ctx.as_of.isoformat()),
        hold=pl.lit(False),
    )


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


AGE_NOTES = {
    16: "年满16周岁：特困“无劳动能力”按未满16周岁认定的条件不再成立，需核实是否在校",
    18: "年满18周岁：未成年人保障（孤儿/事实无人抚养儿童、特困）到期，需核实是否仍在校",
    60: "年满60周岁：视为无劳动能力，可能符合特困供养或需调整低保分类施保",
}


def age_threshold(ctx: Context, p: P.AgeParams) -> pl.DataFrame:
    """A member of a roll household turned 16, 18 or 60 since the last run."""
    since = ctx.since if not ctx.full else ctx.as_of - datetime.timedelta(days=31)
    if since >= ctx.as_of:
        return empty()
    ranges = [(_add_years(since, -a), _add_years(ctx.as_of, -a), a) for a in p.ages]
    people = loader.persons_born_between(ranges)
    people = _on_roll(ctx, people)
    notes = {a: AGE_NOTES.get(a, f"年满{a}周岁") for a in p.ages}
    return _finish(
        people,
        key=pl.lit("age:") + pl.col("person_id").cast(pl.Utf8) + ":" + pl.col("age").cast(pl.Utf8),
        summary=pl.col("person_name")
        + pl.lit("（")
        + pl.col("birth_date").dt.strftime("%Y-%m-%d")
        + pl.lit("出生）")
        + pl.col("age").replace_strict(notes, return_dtype=pl.Utf8),
        source=pl.lit("信息库出生日期"),
        event_date=pl.lit(ctx.as_of.isoformat()),
        hold=pl.lit(False),
    )


def severe_disability(ctx: Context, p: P.DisabilityParams) -> pl.DataFrame:
    """残联 issued a severe disability certificate the registry does not know."""
    rec = ctx.linked(("disability_federation",)).with_columns(
        grade_n=pl.col("grade").cast(pl.Int64, strict=False)
    )
    rec = rec.filter(
        (pl.col("grade_n") <= p.max_grade)
        & (pl.col("disability_grade").is_null() | (pl.col("disability_grade") > pl.col("grade_n")))
    ).unique("record_id")
    hh = ctx.roll_by_household()
    rec = rec.join(hh, on="household_id", how="left").with_columns(
        programme=pl.coalesce("programme", pl.lit("disability_care_subsidy"))
    )
    return _finish(
        rec,
        key=pl.lit("rec:") + pl.col("record_id").cast(pl.Utf8),
        summary=pl.col("person_name")
        + pl.lit("新办残疾人证（")
        + pl.col("grade_n").cast(pl.Utf8)
        + pl.lit("级，证号")
        + pl.col("record_key")
        + pl.lit("，发证")
        + _date()
        + pl.lit("）：可能符合重度残疾人护理补贴、单人保")
        + _unconfirmed_note(),
        source=pl.lit("残联 证号") + pl.col("record_key"),
        event_date=_date(),
        hold=pl.lit(False),
    )


def school_change(ctx: Context, p: P.SchoolParams) -> pl.DataFrame:
    """教育 reports an enrolment at a stage the registry does not record (入学/升学/转入)."""
    rec = ctx.linked(("education",)).filter(
        pl.col("status").fill_null("").is_in(["", "enrolled"])  # leaving rows: school_leaving
    )
    rec = rec.filter(pl.col("kind") != pl.col("school_stage").fill_null("none")).unique("record_id")
    rec = (
        _on_roll(ctx, rec)
        if p.roll_only
        else rec.join(ctx.roll_by_household(), on="household_id", how="left")
    )
    return _finish(
        rec,
        key=pl.lit("rec:") + pl.col("record_id").cast(pl.Utf8),
        summary=pl.col("person_name")
        + pl.lit("学籍：")
        + pl.col("label")
        + pl.lit(" ")
        + pl.col("kind").replace_strict(STAGE_LABELS, default=pl.col("kind"))
        + pl.lit("，入学")
        + _date()
        + pl.lit("（信息库登记为")
        + pl.col("school_stage")
        .fill_null("none")
        .replace_strict(STAGE_LABELS, default=pl.col("school_stage"))
        + pl.lit("）")
        + _unconfirmed_note(),
        source=pl.lit("教育 学籍号") + pl.col("record_key"),
        event_date=_date(),
        hold=pl.lit(False),
    )


LEFT_LABELS = {
    "graduated": "毕业",
    "dropped_out": "退学",
    "suspended": "休学",
    "transferred_out": "转出",
}
CHILD_PROGRAMMES = ("tekun", "orphan_allowance", "unsupported_child_allowance")


def _age(birth: pl.Expr, on: datetime.date) -> pl.Expr:
    """Whole years from ``birth`` to ``on``."""
    before_birthday = (birth.dt.month() * 100 + birth.dt.day()) > (on.month * 100 + on.day)
    return (pl.lit(on.year) - birth.dt.year() - before_birthday.cast(pl.Int32)).cast(pl.Int64)


def school_leaving(ctx: Context, p: P.SchoolLeavingParams) -> pl.DataFrame:
    """教育 reports a student left school (毕业/退学/休学) where that changes assistance.

    It matters when the student is ``min_age`` or older (from 16 a member out of school counts as
    able to work: 低保 分类施保, the 特困/孤儿 conditions for 16–18) or the household gets 教育救助
    (which stops when the student leaves)."""
    rec = ctx.linked(("education",)).filter(pl.col("status").is_in(list(p.statuses)))
    if rec.is_empty():
        return empty()
    rec = rec.unique("record_id")
    hh = ctx.roll_by_household()
    rec = (
        rec.join(hh, on="household_id", how="inner")
        if p.roll_only
        else rec.join(hh, on="household_id", how="left")
    )
    if rec.is_empty():
        return empty()
    born = loader.roll_members(rec["household_id"].unique().to_list()).select(
        "person_id", "birth_date"
    )
    rec = rec.join(born, on="person_id", how="left").with_columns(
        age=_age(pl.col("birth_date"), ctx.as_of),
        aid=pl.col("programmes").fill_null([]).list.contains("education_aid"),
        child=pl.col("programmes")
        .fill_null([])
        .list.eval(pl.element().is_in(CHILD_PROGRAMMES))
        .list.any(),
    )
    rec = rec.filter((pl.col("age").fill_null(0) >= p.min_age) | pl.col("aid"))
    note = (
        pl.when(pl.col("aid") & (pl.col("age").fill_null(0) < p.min_age))
        .then(pl.lit("家庭享受教育救助，学生离校后应停止或变更"))
        .when(pl.col("child") & (pl.col("age") >= 18))
        .then(pl.lit("已满18周岁且离校：特困/孤儿等未成年人保障条件不再成立，应核减或停发"))
        .when(pl.col("child"))
        .then(pl.lit("16周岁以上且不在校：特困“无劳动能力”条件需重新认定"))
        .otherwise(pl.lit("16周岁以上不在校：按有劳动能力成员复核收入与分类施保"))
    )
    return _finish(
        rec,
        programme=pl.when(pl.col("aid") & (pl.col("age").fill_null(0) < p.min_age))
        .then(pl.lit("education_aid"))
        .otherwise(pl.col("programme")),
        key=pl.lit("left:") + pl.col("record_id").cast(pl.Utf8) + ":" + pl.col("status"),
        summary=pl.col("person_name")
        + pl.lit("（")
        + pl.col("age").cast(pl.Utf8).fill_null("?")
        + pl.lit("岁）学籍")
        + pl.col("status").replace_strict(LEFT_LABELS, default=pl.col("status"))
        + pl.lit("：")
        + pl.col("label")
        + pl.lit("，离校")
        + _date("left_on").replace("", "日期未报")
        + pl.lit("。")
        + note
        + _unconfirmed_note(),
        source=pl.lit("教育 学籍号") + pl.col("record_key"),
        event_date=pl.coalesce(_date("left_on").replace("", None), _date()),
        hold=pl.lit(False),
    )


def hukou_move_out(ctx: Context, p: P.MoveOutParams) -> pl.DataFrame:
    """公安 reports a roll member's 户籍 moved out of the place the registry records.

    The record's area is the 户籍地 after the move: blank (not known), another county (the
    assistance should stop here and move with the person: 核减/停发), or — with ``within_county``
    — another village of this county (属地 changes: 变更). A record naming the household's own
    village says nothing new and is skipped."""
    rec = ctx.linked(("police",)).filter(
        (pl.col("kind") == "move_out") & pl.col("death_date").is_null()
    )
    if rec.is_empty():
        return empty()
    rec = rec.unique("record_id").with_columns(dest=pl.col("record_area").fill_null(""))
    rec = rec.filter(pl.col("dest") != pl.col("area_code"))
    outside = (pl.col("dest") == "") | (
        pl.col("dest").str.slice(0, 6) != pl.col("area_code").str.slice(0, 6)
    )
    if not p.within_county:
        rec = rec.filter(outside)
    own = ctx.roll.filter(pl.col("person_id").is_not_null()).select(
        "person_id", own_entry="roll_entry_id", own_programme="programme"
    )
    rec = rec.join(own, on="person_id", how="left").join(
        ctx.roll_by_household(), on="household_id", how="left"
    )
    rec = rec.filter(pl.col("own_entry").is_not_null() | pl.col("programme").is_not_null())
    if rec.is_empty():
        return empty()
    from jiuzhu.areas.models import Area

    names = dict(
        Area.objects.filter(code__in=[d for d in rec["dest"].unique() if d]).values_list(
            "code", "name"
        )
    )
    rec = rec.with_columns(
        dest_name=pl.col("dest").replace_strict(names, default=pl.col("dest"), return_dtype=pl.Utf8)
    )
    where = (
        pl.when(pl.col("dest") == "")
        .then(pl.lit("（迁往地未报）：请核实是否仍在本地居住，不在本地的应停发"))
        .when(outside)
        .then(pl.lit("迁往县外") + pl.col("dest_name") + pl.lit("：应在本地停发，告知迁入地申请"))
        .otherwise(pl.lit("迁往县内") + pl.col("dest_name") + pl.lit("：需变更属地、转交管理"))
    )
    return _finish(
        rec,
        programme=pl.coalesce("own_programme", "programme"),
        roll_entry_id=pl.coalesce("own_entry", "roll_entry_id"),
        key=pl.lit("moveout:") + pl.col("person_id").cast(pl.Utf8) + ":" + _date(),
        summary=pl.lit("公安户籍迁出：")
        + pl.col("person_name")
        + pl.lit("于")
        + _date()
        + pl.lit("户籍迁出")
        + where
        + _unconfirmed_note(),
        source=pl.lit("公安 记录") + pl.col("record_key"),
        event_date=_date(),
        hold=pl.lit(False),
    )


def _month_back(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def job_loss(ctx: Context, p: P.JobLossParams) -> pl.DataFrame:
    """人社: a household member newly on unemployment benefit (none in the months before).

    On a roll: the household's income changed, review the amount. Not on a roll (a registry
    household): income is falling — 低收入 risk, visit and maybe 核增."""
    new = ctx.linked(("hrss",)).filter(pl.col("kind") == "unemployment")
    if new.is_empty():
        return empty()
    persons = new["person_id"].unique().to_list()
    start = _month_back(ctx.as_of, p.new_within_months + p.quiet_months)
    hist = verify_frames.hrss_history(persons, start, ctx.as_of)
    first = (
        hist.filter(pl.col("kind") == "unemployment")
        .group_by("person_id")
        .agg(first_month=pl.col("event_date").min())
        .filter(pl.col("first_month") >= _month_back(ctx.as_of, p.new_within_months))
    )
    if first.is_empty():
        return empty()
    work = (
        hist.filter(pl.col("kind") != "unemployment")
        .join(first, on="person_id")
        .filter(pl.col("event_date") < pl.col("first_month"))
        .sort("event_date")
        .group_by("person_id")
        .agg(last_work=pl.col("event_date").last(), employer=pl.col("employer").last())
    )
    people = (
        new.select("person_id", "household_id", "person_name")
        .unique("person_id")
        .join(first, on="person_id")
        .join(work, on="person_id", how="left")
        .join(ctx.roll_by_household(), on="household_id", how="left")
    )
    on_roll = pl.col("roll_entry_id").is_not_null()
    if not p.roll_households:
        people = people.filter(~on_roll)
    if not p.off_roll_households:
        people = people.filter(on_roll)
    last = (
        pl.when(pl.col("last_work").is_not_null())
        .then(
            pl.lit("，此前工资/社保缴费至")
            + pl.col("last_work").dt.strftime("%Y-%m")
            + pl.when(pl.col("employer").fill_null("") != "")
            .then(pl.lit("（") + pl.col("employer") + pl.lit("）"))
            .otherwise(pl.lit(""))
        )
        .otherwise(pl.lit(""))
    )
    return _finish(
        people,
        key=pl.lit("unemp:")
        + pl.col("person_id").cast(pl.Utf8)
        + ":"
        + pl.col("first_month").dt.strftime("%Y-%m"),
        summary=pl.col("person_name")
        + pl.lit("自")
        + pl.col("first_month").dt.strftime("%Y-%m")
        + pl.lit("起领取失业保险金")
        + last
        + pl.when(on_roll)
        .then(pl.lit("。在保家庭收入变化，请复核家庭收入与救助金额"))
        .otherwise(pl.lit("。家庭收入可能下降（低收入风险），请入户了解是否需要救助")),
        source=pl.lit("人社 失业金"),
        event_date=pl.col("first_month").dt.strftime("%Y-%m-%d"),
        hold=pl.lit(False),
    )


def duplicate_benefit(ctx: Context, p: P.DuplicateParams) -> pl.DataFrame:
    """The same person (or household) paid by two programmes that exclude each other, or twice."""
    from jiuzhu.policy.engine.exclusions import EXCLUSIONS

    roll = ctx.roll
    if roll.is_empty():
        return empty()
    if not ctx.full and ctx.roll_changed_since:
        changed = roll.filter(pl.col("updated_at") > ctx.roll_changed_since)
        households = changed["household_id"].unique()
        roll = roll.filter(pl.col("household_id").is_in(households.implode()))
    if roll.is_empty():
        return empty()
    excl = pl.DataFrame(
        {
            "a": [min(e.first, e.second) for e in EXCLUSIONS],
            "b": [max(e.first, e.second) for e in EXCLUSIONS],
            "unit": [e.unit for e in EXCLUSIONS],
            "rule": [e.rule for e in EXCLUSIONS],
        }
    )
    return pl.concat(
        [
            _paid_twice(ctx, roll),
            _excluded_programmes_of_persons(ctx, roll, excl),
            _excluded_programmes_of_households(ctx, roll, excl),
            *([_duplicate_pairs_on_roll(ctx)] if p.include_duplicate_pairs else []),
        ]
    )


def _paid_twice(ctx: Context, roll: pl.DataFrame) -> pl.DataFrame:
    """The same household (or person) with two entries of one programme paid now."""
    twice = (
        roll.group_by("household_id", "person_id", "programme")
        .agg(n=pl.len(), roll_entry_id=pl.col("roll_entry_id").max())
        .filter(pl.col("n") > 1)
    )
    return _finish(
        twice,
        key=pl.lit("twice:")
        + pl.col("programme")
        + ":"
        + pl.col("person_id").cast(pl.Utf8).fill_null("hh"),
        summary=pl.lit("同一")
        + pl.when(pl.col("person_id").is_null()).then(pl.lit("家庭")).otherwise(pl.lit("人员"))
        + pl.lit("在")
        + pl.col("programme")
        + pl.lit("名册中有")
        + pl.col("n").cast(pl.Utf8)
        + pl.lit("条同时在发的记录（重复救助）"),
        source=pl.lit("救助名册"),
        event_date=pl.lit(ctx.as_of.isoformat()),
        hold=pl.lit(False),
    )


def _excluded_programmes_of_persons(ctx: Context, roll: pl.DataFrame, excl) -> pl.DataFrame:
    """A person on two programmes that exclude each other person by person: each member's
    programmes are their own entries plus the household's."""
    members = loader.roll_members(roll["household_id"].unique().to_list())
    hh_level = roll.filter(pl.col("person_id").is_null()).select(
        "household_id", "programme", "roll_entry_id"
    )
    per_person = pl.concat(
        [
            members.select("person_id", "household_id", "person_name")
            .join(hh_level, on="household_id")
            .select("person_id", "household_id", "person_name", "programme", "roll_entry_id"),
            roll.filter(pl.col("person_id").is_not_null())
            .join(members.select("person_id", "person_name"), on="person_id", how="left")
            .select("person_id", "household_id", "person_name", "programme", "roll_entry_id"),
        ]
    ).unique(["person_id", "programme"])
    pairs = (
        per_person.join(per_person, on="person_id", suffix="_2")
        .filter(pl.col("programme") < pl.col("programme_2"))
        .rename({"programme": "a", "programme_2": "b"})
        .join(excl.filter(pl.col("unit") == "person"), on=["a", "b"])
    )
    key = (
        pl.lit("excl:") + pl.col("person_id").cast(pl.Utf8) + ":" + pl.col("a") + "+" + pl.col("b")
    )
    return _excluded_pair_alerts(ctx, pairs, key, pl.col("person_name").fill_null(""))


def _excluded_programmes_of_households(ctx: Context, roll: pl.DataFrame, excl) -> pl.DataFrame:
    """A household on two programmes that exclude each other household by household."""
    hh_pairs = (
        roll.select("household_id", "programme", "roll_entry_id")
        .unique(["household_id", "programme"])
        .pipe(lambda f: f.join(f, on="household_id", suffix="_2"))
        .filter(pl.col("programme") < pl.col("programme_2"))
        .rename({"programme": "a", "programme_2": "b"})
        .join(excl.filter(pl.col("unit") == "household"), on=["a", "b"])
    )
    key = pl.lit("excl:hh:") + pl.col("a") + "+" + pl.col("b")
    return _excluded_pair_alerts(ctx, hh_pairs, key, pl.lit("同一家庭"))


def _excluded_pair_alerts(ctx: Context, pairs: pl.DataFrame, key: pl.Expr, who: pl.Expr):
    """The alerts of pairs of excluding programmes ``a`` and ``b`` (with their ``rule``)."""
    return _finish(
        pairs,
        programme=pl.col("a"),
        roll_entry_id=pl.max_horizontal("roll_entry_id", "roll_entry_id_2"),
        key=key,
        summary=who
        + pl.lit("同时在")
        + pl.col("a")
        + pl.lit("与")
        + pl.col("b")
        + pl.lit("名册中：")
        + pl.col("rule"),
        source=pl.lit("救助名册"),
        event_date=pl.lit(ctx.as_of.isoformat()),
        hold=pl.lit(False),
    )


def _duplicate_pairs_on_roll(ctx: Context) -> pl.DataFrame:
    """An open duplicate pair of 核对 whose two households are both on a roll."""
    dup = verify_frames.open_duplicate_pairs()
    on_roll = ctx.roll["household_id"].unique().implode()
    dup = dup.filter(
        pl.col("household_id").is_in(on_roll) & pl.col("other_household").is_in(on_roll)
    )
    dup = _on_roll(ctx, dup)
    return _finish(
        dup,
        key=pl.lit("pair:") + pl.col("pair_id").cast(pl.Utf8),
        summary=pl.col("person_name")
        + pl.lit("疑似在两户重复登记且两户均在救助名册（另一户编号")
        + pl.col("other_household").cast(pl.Utf8)
        + pl.lit("）"),
        source=pl.lit("疑似重复人员"),
        event_date=pl.lit(ctx.as_of.isoformat()),
        hold=pl.lit(False),
    )


def _fen(amount) -> int:
    from decimal import Decimal

    return int((Decimal(str(amount or 0)) * 100).to_integral_value())


def payment_mismatch(ctx: Context, p: P.PaymentParams) -> pl.DataFrame:
    """Payroll lines (funds) that disagree with the roll."""
    from jiuzhu.funds.selectors import payments_disagreeing_with_roll

    # Lines are dated by the month they pay (its first day): an incremental run reads the lines
    # of the month before the previous run's month onwards, so this month's payroll is read on
    # any day of it, and a change to last month's paid line is seen tonight, not on Sunday.
    since = None
    if not ctx.full:
        since = (loader.month_start(ctx.since) - datetime.timedelta(days=1)).replace(day=1)
    rows = list(payments_disagreeing_with_roll(since=since))
    if not rows:
        return empty()
    frame = pl.DataFrame(
        [
            {
                "household_id": int(r["household_id"]),
                "person_id": r.get("person_id"),
                "programme": str(r.get("programme") or ""),
                "line_id": int(r["line_id"]),
                "payroll_id": int(r["payroll_id"]),
                "paid_fen": _fen(r["paid_amount"]),
                "roll_fen": _fen(r["roll_amount"]),
                "month": str(r.get("month") or ""),
            }
            for r in rows
        ],
        schema_overrides={"person_id": pl.Int64},
    ).filter((pl.col("paid_fen") - pl.col("roll_fen")).abs() >= p.min_difference_fen)
    frame = frame.join(
        ctx.roll_by_household().select("household_id", "roll_entry_id"),
        on="household_id",
        how="left",
    )
    return _finish(
        frame,
        key=pl.lit("pay:") + pl.col("line_id").cast(pl.Utf8),
        summary=pl.lit("发放批次#")
        + pl.col("payroll_id").cast(pl.Utf8)
        + pl.lit(" ")
        + pl.col("month").str.slice(0, 7)
        + pl.lit("：实发")
        + _yuan(pl.col("paid_fen"))
        + pl.lit("元，名册金额")
        + _yuan(pl.col("roll_fen"))
        + pl.lit("元，不一致"),
        source=pl.lit("资金发放"),
        event_date=pl.lit(ctx.as_of.isoformat()),
        hold=pl.lit(False),
    )


def _determinations(ctx: Context, where: str, with_failed: bool = False) -> pl.DataFrame:
    schema = {"household_id": pl.Int64, "programme": pl.Utf8, "amount_fen": pl.Int64}
    if with_failed:
        schema["failed"] = pl.Int64
    if ctx.policy_run_id is None or (
        not ctx.full and ctx.policy_run_id == ctx.previous_policy_run_id
    ):
        return pl.DataFrame(schema=schema)
    return determinations_frame(ctx.policy_run_id, where, schema, with_failed=with_failed)


def _half(day: datetime.date, months: int) -> str:
    months = max(1, months)
    index = (day.year * 12 + day.month - 1) // months
    return f"{index * months // 12}-{index * months % 12 + 1:02d}"


def eligible_not_enrolled(ctx: Context, p: P.ListParams) -> pl.DataFrame:
    """政策找人: a household the policy engine finds eligible for a programme it is not on."""
    det = _determinations(ctx, "flag = 'missed'")
    if det.is_empty():
        return empty()
    return _finish(
        det,
        person_id=pl.lit(None, dtype=pl.Int64),
        roll_entry_id=pl.lit(None, dtype=pl.Int64),
        key=pl.lit("missed:")
        + pl.col("programme")
        + ":"
        + pl.lit(_half(ctx.as_of, p.repeat_after_months)),
        summary=pl.lit("政策找人（应保未保）：经测算符合")
        + pl.col("programme")
        + pl.lit("，测算金额")
        + _yuan(pl.col("amount_fen"))
        + pl.lit("元，未在名册，请主动告知并核实"),
        source=pl.lit(f"政策找人运行#{ctx.policy_run_id}"),
        event_date=pl.lit(ctx.as_of.isoformat()),
        hold=pl.lit(False),
    )


BASIC = ("dibao", "dibao_single", "tekun", "phase_out")


def low_income_risk(ctx: Context, p: P.LowIncomeParams) -> pl.DataFrame:
    """低收入人口动态监测: households not on a basic roll whose income falls towards the line —
    from the policy engine's watch tier (``use_watch_list``) and from 人社 income (``trend``)."""
    parts = []
    if p.use_watch_list:
        parts.append(_watch_list(ctx, p))
    if p.trend:
        parts.append(_income_falling(ctx, p))
    return pl.concat(parts) if parts else empty()


def _watch_list(ctx: Context, p: P.LowIncomeParams) -> pl.DataFrame:
    """政策找人: households in the watch tier (per-capita income just above the standard)."""
    det = _determinations(ctx, "programme = 'poverty_watch' AND eligible")
    if det.is_empty():
        return empty()
    basic = ctx.roll.filter(pl.col("programme").is_in(BASIC))
    det = det.join(basic, on="household_id", how="anti")
    return _finish(
        det,
        person_id=pl.lit(None, dtype=pl.Int64),
        roll_entry_id=pl.lit(None, dtype=pl.Int64),
        key=pl.lit("watch:") + pl.lit(_half(ctx.as_of, p.repeat_after_months)),
        summary=pl.lit(
            "低收入监测：家庭人均收入已接近低保标准（监测预警层级），请入户了解是否需要救助"
        ),
        source=pl.lit(f"政策找人运行#{ctx.policy_run_id}"),
        event_date=pl.lit(ctx.as_of.isoformat()),
        hold=pl.lit(False),
    )


HRSS_KIND_LABELS = {"wage": "工资", "pension": "养老金", "unemployment": "失业金"}


def _income_falling(ctx: Context, p: P.LowIncomeParams) -> pl.DataFrame:
    """人社 monthly income of a household not on a basic roll fell by ``fall_share`` within
    ``fall_months`` and is now, per counted member, at most ``near_multiplier`` × 低保标准.

    Only persons with income in the household's newest month count, in both months: wages that
    stop without a record are not evidence (absence from an extract never is)."""
    from decimal import Decimal

    kinds = list(p.trend_kinds)
    if not kinds or p.fall_months < 1:
        return empty()
    affected = None
    if not ctx.full:
        new = ctx.linked(("hrss",)).filter(pl.col("kind").is_in(kinds))
        affected = new["household_id"].unique().to_list()
        if not affected:
            return empty()
    rows = loader.person_month_sums(
        department="hrss",
        kinds=kinds,
        since=_month_back(ctx.as_of, p.fall_months),
        upto=ctx.as_of,
        household_ids=affected,
    )
    basic = ctx.roll.filter(pl.col("programme").is_in(BASIC)).select("household_id").unique()
    rows = rows.join(basic, on="household_id", how="anti")
    if rows.is_empty():
        return empty()
    frame = _fallen_households(rows, p.fall_share)
    if frame.is_empty():
        return empty()
    frame = _per_capita_near_line(ctx, frame, p.near_multiplier)
    mult = Decimal(p.near_multiplier)
    what = "、".join(HRSS_KIND_LABELS.get(k, k) for k in kinds)
    fall_pct = (
        ((pl.col("then_fen") - pl.col("now_fen")) * 100 / pl.col("then_fen"))
        .round(0)
        .cast(pl.Int64)
    )
    near = (
        pl.when(pl.col("per_capita") < pl.col("standard"))
        .then(pl.lit("，已低于低保标准") + _yuan(pl.col("standard")) + pl.lit("元，可能符合低保"))
        .otherwise(
            pl.lit("，接近低保标准")
            + _yuan(pl.col("standard"))
            + pl.lit(f"元（{mult}倍为")
            + _yuan(pl.col("line"))
            + pl.lit("元）")
        )
    )
    return _finish(
        frame,
        person_id=pl.lit(None, dtype=pl.Int64),
        roll_entry_id=pl.lit(None, dtype=pl.Int64),
        key=pl.lit("trend:") + pl.lit(_half(ctx.as_of, p.repeat_after_months)),
        summary=pl.lit(f"低收入监测（收入下降）：人社{what}家庭月收入由")
        + pl.col("first_month")
        + pl.lit("的")
        + _yuan(pl.col("then_fen"))
        + pl.lit("元降至")
        + pl.col("last_month")
        + pl.lit("的")
        + _yuan(pl.col("now_fen"))
        + pl.lit("元（下降")
        + fall_pct.cast(pl.Utf8)
        + pl.lit("%），按")
        + pl.col("size").cast(pl.Utf8)
        + pl.lit("人计人均月收入")
        + _yuan(pl.col("per_capita"))
        + pl.lit("元")
        + near
        + pl.lit("，请入户了解是否需要救助"),
        source=pl.lit("人社 ") + pl.lit(what),
        event_date=pl.col("last_month") + pl.lit("-01"),
        hold=pl.lit(False),
    )


def _department_income(ctx: Context, p: P.IncomeParams, since, households) -> tuple[dict, dict]:
    """Each household's monthly department income (exact fractions of fen) and its total over
    the window: 人社 per earner over the months the extracts cover, 税务 经营所得 over the
    window's months (``include_business``)."""
    # 人社 amounts (monthly): each earner over the months the extracts cover from the earner's
    # first month, not over a fixed 12 (verify.rules.monthly_rates, the rule 核对 uses).
    wages = loader.person_month_sums(
        department="hrss",
        kinds=list(p.kinds),
        since=since,
        upto=ctx.as_of,
        household_ids=households,
    )
    rates = loader.hrss_earner_rates(wages, since=since, upto=ctx.as_of)
    monthly: dict[int, Fraction] = {}
    for (hh_id, _person), rate in rates.items():
        monthly[hh_id] = monthly.get(hh_id, Fraction(0)) + rate
    totals = dict(wages.group_by("household_id").agg(pl.col("total_fen").sum()).rows())
    if p.include_business:  # 税务 经营所得 is yearly: over the window's months
        business = loader.window_sums(
            department="tax",
            kinds=["business"],
            since=since,
            upto=ctx.as_of,
            household_ids=households,
        )
        for hh_id, fen in business.rows():
            monthly[hh_id] = monthly.get(hh_id, Fraction(0)) + Fraction(int(fen or 0), p.months)
            totals[hh_id] = totals.get(hh_id, 0) + int(fen or 0)
    return monthly, totals


def _fallen_households(rows: pl.DataFrame, fall_share) -> pl.DataFrame:
    """Households whose income (of the persons with income in their newest month) fell from
    their first month to their newest by at least ``fall_share``: ``household_id,
    first_month, last_month, then_fen, now_fen``."""
    from decimal import Decimal

    last = rows.group_by("household_id").agg(last_month=pl.col("month").max())
    now_rows = rows.join(last, on="household_id").filter(pl.col("month") == pl.col("last_month"))
    rows = rows.join(now_rows.select("household_id", "person_id"), on=["household_id", "person_id"])
    first = rows.group_by("household_id").agg(first_month=pl.col("month").min())
    per_month = rows.group_by("household_id", "month").agg(pl.col("total_fen").sum())
    frame = (
        last.join(first, on="household_id")
        .filter(pl.col("first_month") < pl.col("last_month"))
        .join(
            per_month.rename({"month": "first_month", "total_fen": "then_fen"}),
            on=["household_id", "first_month"],
        )
        .join(
            per_month.rename({"month": "last_month", "total_fen": "now_fen"}),
            on=["household_id", "last_month"],
        )
    )
    share = Decimal(fall_share)
    basis = 10_000
    frame = frame.filter(
        (pl.col("then_fen") > 0)
        & (
            (pl.col("then_fen") - pl.col("now_fen")) * basis
            >= pl.col("then_fen") * int(share * basis)
        )
    )
    return frame


def _per_capita_near_line(ctx: Context, frame: pl.DataFrame, near_multiplier) -> pl.DataFrame:
    """The households whose income now, per counted member, is at most ``near_multiplier`` ×
    their area's 低保标准 (``size``, ``per_capita``, ``standard`` and ``line`` added)."""
    from decimal import Decimal

    ids = frame["household_id"].to_list()
    sizes = (
        loader.roll_members(ids)
        .filter(pl.col("is_counted"))
        .group_by("household_id")
        .agg(size=pl.len().cast(pl.Int64))
    )
    areas = registry_frames.household_areas(ids)
    frame = (
        frame.join(sizes, on="household_id", how="left")
        .join(areas, on="household_id")
        .with_columns(size=pl.col("size").fill_null(1).clip(1, None))
        .with_columns(per_capita=(pl.col("now_fen") / pl.col("size")).round(0).cast(pl.Int64))
    )
    mult = Decimal(near_multiplier)
    standards = {a: ctx.standard_fen(a) for a in frame["area_code"].unique().to_list()}
    return frame.with_columns(
        standard=pl.col("area_code").replace_strict(standards, return_dtype=pl.Int64),
        line=pl.col("area_code").replace_strict(
            {a: int(Decimal(v) * mult) for a, v in standards.items()}, return_dtype=pl.Int64
        ),
    ).filter(pl.col("per_capita") <= pl.col("line"))


EVALUATORS: dict[str, Callable[[Context, object], pl.DataFrame]] = {
    "death": death,
    "income_above_line": income_above_line,
    "new_asset": new_asset,
    "medical_spending": medical_spending,
    "age_threshold": age_threshold,
    "severe_disability": severe_disability,
    "school_change": school_change,
    "school_leaving": school_leaving,
    "hukou_move_out": hukou_move_out,
    "job_loss": job_loss,
    "duplicate_benefit": duplicate_benefit,
    "payment_mismatch": payment_mismatch,
    "eligible_not_enrolled": eligible_not_enrolled,
    "low_income_risk": low_income_risk,
}
