"""Synthetic department feeds for a registry export, with planted cases and realistic dirt.

Pure Polars/numpy (no Django), vectorised so that ten million rows take seconds. Reads the
registry export of ``jiuzhu synth`` (docs/registry-export.md: ``persons``, ``households``,
``roll_entries`` as CSV or Parquet) and writes, per department, ``<department>.csv`` in the format
of docs/data-formats.md (公安 in GBK, as its systems export; the rest UTF-8), plus
``feeds_ground_truth.csv`` (every row: the registry person it really is, the dirt applied, the
planted case) and ``planted_cases.csv``.

Rows come from three kinds of people: registry members whose department data agree with the
registry (no finding expected), registry members with a planted case (a finding expected), and
people of the county who are not in the registry at all (most of a real feed). In a share of the
rows (``dirt``), the ID number has one wrong digit, is the old 15-digit form, or is missing (then
only name, birth date and address remain), or the name has a homophone or traditional character.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from jiuzhu.verify.feeds import FEEDS
from jiuzhu.verify.matching import _check_digit_expr

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华燕霞平刚桂兰玉萍红文辉建国志东海波林峰宁云飞鹏斌龙婷雪琳玲凤荣俊浩宇欣怡佳子涵梓轩晨博文慧颖倩雯"
)
# Homophones and simplified→traditional: what clerks and old systems do to names.
VARIANTS = {
    "张": "章",
    "章": "张",
    "燕": "艳",
    "艳": "燕",
    "杨": "阳",
    "刘": "柳",
    "徐": "许",
    "许": "徐",
    "林": "琳",
    "静": "婧",
    "丽": "莉",
    "伟": "玮",
    "芳": "方",
    "明": "铭",
    "华": "桦",
    "英": "瑛",
    "军": "君",
    "红": "虹",
    "萍": "平",
    "玲": "灵",
    "霞": "侠",
    "峰": "锋",
    "勇": "永",
    "杰": "洁",
    "涛": "滔",
    "斌": "彬",
    "辉": "晖",
    "陈": "陳",
    "黄": "黃",
    "赵": "趙",
    "吴": "吳",
    "孙": "孫",
    "郑": "鄭",
    "冯": "馮",
    "国": "國",
    "兰": "蘭",
    "凤": "鳳",
    "龙": "龍",
    "东": "東",
    "云": "雲",
    "宁": "寧",
    "叶": "葉",
    "罗": "羅",
    "马": "馬",
    "韩": "韓",
    "邓": "鄧",
    "萧": "蕭",
    "肖": "萧",
    "钟": "鍾",
    "谭": "譚",
    "陆": "陸",
    "汪": "王",
    "王": "汪",
    "鹏": "朋",
    "婷": "亭",
    "雪": "學",
    "文": "雯",
    "雯": "文",
    "建": "健",
    "海": "亥",
    "波": "博",
    "飞": "菲",
    "宇": "雨",
    "博": "波",
}
DIRT_KINDS = ("id_typo", "id15", "name_variant", "no_id")
DIRT_SHARE = (0.35, 0.20, 0.20, 0.25)
PLANTED_KINDS = (
    "death",
    "vehicle",
    "business",
    "property",
    "wage_above_line",
    "disability_unknown",
    "large_medical",
)
# Changes in a roll household that the monitoring rules of the same names watch for: a member of
# 16–18 who left school (教育), a 户籍 moved to another county (公安), a first unemployment benefit
# (人社). Drawn from their own random stream, after the kinds above, so that adding them left the
# rows of those kinds as they were.
CHANGE_KINDS = ("school_leaving", "hukou_move_out", "job_loss")
CHANGE_DEPARTMENT = {
    "school_leaving": "education",
    "hukou_move_out": "police",
    "job_loss": "hrss",
}


@dataclass
class FeedSet:
    feeds: dict[str, pl.DataFrame]  # department → rows in the documented format
    truth: pl.DataFrame  # department, record_id, household_number, member_no, dirt, planted
    planted: pl.DataFrame  # kind, household_number, member_no, department, record_id


def read_table(directory: Path, name: str) -> pl.DataFrame:
    for ext in ("parquet", "csv"):
        path = Path(directory) / f"{name}.{ext}"
        if path.exists():
            if ext == "parquet":
                return pl.read_parquet(path).cast(pl.Utf8)
            return pl.read_csv(path, infer_schema=False)
    raise FileNotFoundError(f"{directory} 中没有 {name}.csv 或 {name}.parquet")


def registry_frame(directory: Path) -> pl.DataFrame:
    """Registry members with what the feeds need (from a registry export)."""
    persons = read_table(directory, "persons")
    households = read_table(directory, "households").select(
        pl.col("number").alias("household_number"), "hukou_area", "address"
    )
    try:
        roll = read_table(directory, "roll_entries")
        on_roll = (
            roll.filter(pl.col("status") == "active")
            .select("household_number")
            .unique()
            .with_columns(on_roll=pl.lit(True))
        )
    except FileNotFoundError:
        on_roll = pl.DataFrame(schema={"household_number": pl.Utf8, "on_roll": pl.Boolean})
    cols = ["household_number", "member_no", "relation", "id_number", "name", "sex", "birth_date"]
    extra = [
        c
        for c in ("disability_type", "death_date", "school_stage", "employment")
        if c in persons.columns
    ]
    return (
        persons.select(cols + extra)
        .join(households, on="household_number", how="left", maintain_order="left")
        .join(on_roll, on="household_number", how="left", maintain_order="left")
        .with_columns(
            pl.col("on_roll").fill_null(False),
            pl.col("birth_date").str.to_date(),
            pl.col("member_no").cast(pl.Int64),
        )
    )


def _ids(rng, n: int, addr: np.ndarray, births: pl.Series, sex: np.ndarray) -> pl.Series:
    seq = rng.integers(0, 500, n) * 2 + (sex == "M").astype(int)
    frame = pl.DataFrame({"a": addr, "b": births.dt.strftime("%Y%m%d"), "s": seq}).with_columns(
        f=pl.col("a") + pl.col("b") + pl.col("s").cast(pl.Utf8).str.zfill(3)
    )
    return frame.select(pl.col("f") + _check_digit_expr(pl.col("f")))["f"]


def county_people(rng, n: int, area_codes: list[str], registry_ids: set[str]) -> pl.DataFrame:
    """People of the county who are not in the registry."""
    sex = rng.choice(np.array(["M", "F"]), n)
    days = rng.integers(0, 365 * 85, n)
    births = pl.Series(np.datetime64("1935-01-01") + days.astype("timedelta64[D]")).cast(pl.Date)
    areas = np.array(area_codes)[rng.integers(0, len(area_codes), n)]
    names = (
        np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)].astype(object)
        + np.array(GIVEN)[rng.integers(0, len(GIVEN), n)].astype(object)
        + np.where(rng.random(n) < 0.7, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "").astype(
            object
        )
    )
    ids = _ids(
        rng,
        n,
        np.array([a[:6] for a in areas])
        if n < 50_000
        else pl.Series(areas).str.slice(0, 6).to_numpy(),
        births,
        sex,
    )
    frame = pl.DataFrame(
        {
            "household_number": None,
            "member_no": None,
            "id_number": ids,
            "name": names.astype(str),
            "sex": sex,
            "birth_date": births,
            "hukou_area": areas,
            "address": "泰州市某路" + pl.Series(areas).str.slice(9, 3) + "号",
        },
        schema_overrides={"household_number": pl.Utf8, "member_no": pl.Int64},
    )
    if registry_ids:
        frame = frame.filter(~pl.col("id_number").is_in(list(registry_ids)))
    return frame.unique("id_number", maintain_order=True)


def _variant(name: str) -> str:
    for i, ch in enumerate(name):
        if ch in VARIANTS:
            return name[:i] + VARIANTS[ch] + name[i + 1 :]
    return name


def apply_dirt(rng, frame: pl.DataFrame, share: float) -> pl.DataFrame:
    """Dirty a share of rows; ``dirt`` says how. 15-digit numbers only for 19xx births."""
    n = len(frame)
    pick = rng.random(n) < share
    kind = np.where(pick, rng.choice(np.array(DIRT_KINDS), n, p=DIRT_SHARE), "none")
    born19 = frame["birth_date"].dt.year().is_between(1900, 1999).to_numpy()
    kind = np.where((kind == "id15") & ~born19, "id_typo", kind)
    pos = rng.integers(0, 17, n)
    bump = rng.integers(1, 10, n)
    no_id_variant = rng.random(n) < 0.3
    f = frame.with_columns(dirt=pl.Series(kind), _pos=pl.Series(pos), _bump=pl.Series(bump))
    idc = pl.col("id_number")
    old_digit = idc.str.slice(pl.col("_pos"), 1).cast(pl.Int32, strict=False)
    new_digit = ((old_digit + pl.col("_bump")) % 10).cast(pl.Utf8)
    typo = idc.str.slice(0, pl.col("_pos")) + new_digit + idc.str.slice(pl.col("_pos") + 1)
    f = f.with_columns(
        id_number=pl.when(pl.col("dirt") == "id_typo")
        .then(typo)
        .when(pl.col("dirt") == "id15")
        .then(idc.str.slice(0, 6) + idc.str.slice(8, 9))
        .when(pl.col("dirt") == "no_id")
        .then(pl.lit(""))
        .otherwise(idc)
    )
    variant_mask = (kind == "name_variant") | ((kind == "no_id") & no_id_variant)
    names = f["name"].to_list()
    for i in np.flatnonzero(variant_mask):
        names[i] = _variant(names[i])
    return f.with_columns(name=pl.Series(names, dtype=pl.Utf8)).drop("_pos", "_bump")


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _ime_dirt(rng, feeds: dict, truths: list, share: float):
    """Full-width IDs on clean rows and one-digit typos in old 15-digit IDs (issue 13.10/13.11)."""
    out_truths = []
    for (dept, frame), truth in zip(feeds.items(), truths, strict=True):
        ids = frame["id_number"].to_list()
        dirt = truth["dirt"].to_list()
        for i, (number, kind) in enumerate(zip(ids, dirt, strict=True)):
            if kind == "none" and len(number) == 18 and rng.random() < share:
                wide = number.translate(FULL_WIDTH)
                ids[i] = wide[:6] + " " + wide[6:] if rng.random() < 0.5 else wide
                dirt[i] = "full_width"
            elif kind == "id15" and len(number) == 15 and rng.random() < 0.5:
                pos = int(rng.integers(0, 15))
                digit = str((int(number[pos]) + int(rng.integers(1, 10))) % 10)
                ids[i] = number[:pos] + digit + number[pos + 1 :]
                dirt[i] = "id15_typo"
        feeds[dept] = frame.with_columns(id_number=pl.Series(ids, dtype=pl.Utf8))
        out_truths.append(truth.with_columns(dirt=pl.Series(dirt, dtype=pl.Utf8)))
    return feeds, out_truths


def _money(rng, n, low, high) -> pl.Series:
    fen = pl.Series(rng.integers(low * 100, high * 100, n))
    return (fen // 100).cast(pl.Utf8) + "." + (fen % 100).cast(pl.Utf8).str.zfill(2)


def _dates(rng, n, start: datetime.date, days: int) -> pl.Series:
    return (
        pl.Series(np.datetime64(start) + rng.integers(0, days, n).astype("timedelta64[D]"))
        .cast(pl.Date)
        .dt.strftime("%Y-%m-%d")
    )


def _months(today: datetime.date) -> list[str]:
    """The twelve months of an 人社 file, newest first (``YYYY-MM``)."""
    return [
        (today.replace(day=1) - datetime.timedelta(days=30 * i)).strftime("%Y-%m")
        for i in range(1, 13)
    ]


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def change_pools(roll: pl.DataFrame, today: datetime.date) -> dict[str, pl.DataFrame]:
    """Members of roll households who can have each change: 16–18 for school leaving (the age
    from which ``school_leaving`` raises an alert for any roll household), 18–59 for a lost job,
    anyone living for a move."""
    born = pl.col("birth_date")
    return {
        "school_leaving": roll.filter(
            (born > _years_before(today, 19)) & (born <= _years_before(today, 16))
        ),
        "hukou_move_out": roll,
        "job_loss": roll.filter(
            (born > _years_before(today, 60)) & (born <= _years_before(today, 18))
        ),
    }


def _change_rows(
    rng, kind: str, subj: pl.DataFrame, today: datetime.date, other_county: str
) -> pl.DataFrame:
    """Department rows of the planted changes (``CHANGE_KINDS``), in the department's format."""
    dept = CHANGE_DEPARTMENT[kind]
    rows = _dept_rows(rng, dept, subj, today, other_county)
    n = len(rows)
    if kind == "hukou_move_out":
        # the record's area is the 户籍地 after the move: another county
        return rows.with_columns(
            event=pl.lit("move_out"),
            event_date=_dates(rng, n, today - datetime.timedelta(days=150), 140),
            area_code=pl.lit(other_county),
        )
    if kind == "school_leaving":
        graduated = rng.random(n) < 0.5
        june = datetime.date(today.year if today.month > 6 else today.year - 1, 6, 30)
        return rows.with_columns(
            stage=pl.Series(rng.choice(np.array(["senior", "vocational"]), n)),
            enrolled_on=pl.lit(f"{june.year - 3}-09-01"),  # three-year programmes
            status=pl.Series(np.where(graduated, "graduated", "dropped_out")),
            left_on=pl.when(pl.Series(graduated))
            .then(pl.lit(june.isoformat()))
            .otherwise(_dates(rng, n, today - datetime.timedelta(days=120), 110)),
        )
    if kind == "job_loss":
        # the newest one or two months on unemployment benefit; before, 社保缴费 from a job (not
        # wages: a roll household's income above the line is another rule's case)
        months = _months(today)
        on_benefit = pl.Series(rng.integers(1, 3, len(subj)))
        firsts = subj.select("_i").with_columns(_benefit=on_benefit)
        rows = rows.join(firsts, on="_i", how="left", maintain_order="left").with_columns(
            _m=pl.col("month").replace_strict({m: i for i, m in enumerate(months)})
        )
        benefit = pl.col("_m") < pl.col("_benefit")
        return rows.with_columns(
            kind=pl.when(benefit).then(pl.lit("unemployment")).otherwise(pl.lit("contribution")),
            amount=pl.when(benefit)
            .then(_money(rng, n, 1800, 2100))
            .otherwise(_money(rng, n, 400, 900)),
        ).drop("_m", "_benefit")
    raise AssertionError(kind)


def _dept_rows(
    rng, dept: str, subj: pl.DataFrame, today: datetime.date, other_county: str
) -> pl.DataFrame:
    """Department-specific columns for the subjects (one row each; hrss: 12 rows each)."""
    n = len(subj)
    base = subj.select(
        "id_number",
        "name",
        pl.col("birth_date").dt.strftime("%Y-%m-%d").alias("birth_date"),
        "sex",
        "hukou_area",
        "address",
        "_tag",
        "_i",
        "household_number",
        "member_no",
        "dirt",
    )
    if dept == "police":
        return base.with_columns(
            area_code=pl.col("hukou_area"),
            event=pl.when(pl.col("_tag") == "death")
            .then(pl.lit("death"))
            .otherwise(pl.lit("hukou")),
            event_date=pl.when(pl.col("_tag") == "death")
            .then(_dates(rng, n, today - datetime.timedelta(days=200), 180))
            .otherwise(pl.col("birth_date")),
        )
    if dept == "hrss":
        reps = base.with_columns(m=pl.lit(list(range(12)))).explode("m")
        k = len(reps)
        wage = pl.Series(rng.integers(4000, 9000, k)).cast(pl.Utf8) + ".00"
        months = _months(today)
        return reps.with_columns(
            employer=pl.lit("泰州某制造有限公司"),
            kind=pl.when(pl.col("_tag") == "pension")
            .then(pl.lit("pension"))
            .otherwise(pl.lit("wage")),
            month=pl.col("m").replace_strict(dict(enumerate(months)), return_dtype=pl.Utf8),
            amount=pl.when(pl.col("_tag") == "wage_above_line")
            .then(wage)
            .otherwise(pl.lit("1500.00")),
        ).drop("m")
    if dept == "market":
        return base.with_columns(
            credit_code=pl.lit("91321202")
            + pl.Series(rng.integers(10**9, 10**10 - 1, n)).cast(pl.Utf8),
            company_name=pl.col("name").str.slice(0, 1) + pl.lit("氏商贸有限公司"),
            role=pl.lit("legal_rep"),
            registered_capital=_money(rng, n, 10000, 500000),
            status=pl.lit("active"),
            registered_on=_dates(rng, n, datetime.date(2015, 1, 1), 3000),
            area_code=pl.col("hukou_area"),
        )
    if dept == "property":
        return base.with_columns(
            address=pl.col("address") + pl.lit("另一套房"),
            area_code=pl.col("hukou_area"),
            use=pl.lit("residential"),
            floor_area=pl.Series(rng.integers(60, 160, n)).cast(pl.Utf8),
            value=_money(rng, n, 300000, 2000000),
            registered_on=_dates(rng, n, datetime.date(2012, 1, 1), 4000),
        )
    if dept == "vehicles":
        other = rng.random(n) < 0.5
        return base.with_columns(
            plate_no=pl.lit("苏M") + pl.Series(rng.integers(10000, 99999, n)).cast(pl.Utf8),
            vehicle_type=pl.lit("car"),
            value=_money(rng, n, 30000, 250000),
            registered_on=_dates(rng, n, datetime.date(2016, 1, 1), 3000),
            area_code=pl.when(pl.Series(other))
            .then(pl.lit(other_county))
            .otherwise(pl.col("hukou_area")),
        )
    if dept == "bank":
        return base.with_columns(
            bank_name=pl.lit("泰州农村商业银行"),
            kind=pl.lit("deposit"),
            balance=_money(rng, n, 0, 3000),
            balance_date=pl.lit(today.isoformat()),
        )
    if dept == "tax":
        return base.with_columns(
            income_kind=pl.lit("wage"),
            taxable_income=_money(rng, n, 60000, 200000),
            period_end=pl.lit(f"{today.year - 1}-12-31"),
        )
    if dept == "medical_insurance":
        big = pl.col("_tag") == "large_medical"
        oop = pl.when(big).then(_money(rng, n, 15000, 60000)).otherwise(_money(rng, n, 50, 800))
        return base.with_columns(
            hospital=pl.lit("泰州市人民医院"),
            settled_on=_dates(rng, n, today - datetime.timedelta(days=300), 280),
            out_of_pocket=oop,
        ).with_columns(
            total_cost=(pl.col("out_of_pocket").cast(pl.Float64) * 2.5)
            .round(2)
            .cast(pl.Decimal(14, 2))
            .cast(pl.Utf8),
            fund_paid=(pl.col("out_of_pocket").cast(pl.Float64) * 1.5)
            .round(2)
            .cast(pl.Decimal(14, 2))
            .cast(pl.Utf8),
        )
    if dept == "disability_federation":
        return base.with_columns(
            disability_type=pl.Series(
                rng.choice(np.array(["physical", "visual", "intellectual", "mental"]), n)
            ),
            disability_grade=pl.Series(rng.integers(1, 5, n)).cast(pl.Utf8),
            issued_on=_dates(rng, n, datetime.date(2010, 1, 1), 5000),
        )
    if dept == "education":
        return base.with_columns(
            school=pl.lit("泰州市第一中学"),
            stage=pl.lit("senior"),
            enrolled_on=_dates(rng, n, today - datetime.timedelta(days=900), 800),
            area_code=pl.col("hukou_area"),
        )
    raise AssertionError(dept)


def generate(
    registry: pl.DataFrame,
    *,
    seed: int,
    today: datetime.date = datetime.date(2026, 10, 31),
    dirt: float = 0.15,
    planted_share: float = 0.03,
    county_factor: float = 1.0,
    consistent_share: float = 0.3,
    plant_changes: bool = True,
    ime_dirt: float = 0.0,
) -> FeedSet:
    """Ten feeds for ``registry`` (``registry_frame``). ``county_factor``: rows of people outside
    the registry per registry member, per feed; ``consistent_share``: members with ordinary,
    agreeing data per feed; ``plant_changes``: also the ``CHANGE_KINDS`` (rows appended after the
    others; without them the 教育 file has no ``status``/``left_on`` columns); ``ime_dirt``: the
    share of clean rows whose ID is typed in full-width digits (a Chinese IME, some with a space),
    and the same share of old 15-digit IDs mistyped by one digit (``full_width``/``id15_typo``;
    own random stream, 0 leaves the files as before)."""
    rng = np.random.default_rng(seed)
    reg = registry.with_row_index("_i").with_columns(pl.col("_i").cast(pl.Int64))
    alive = reg.filter(
        pl.col("death_date").is_null() if "death_date" in reg.columns else pl.lit(True)
    )
    # sorted: Polars' unique() returns values in no fixed order, and the county's people are
    # drawn from this list by index — unsorted, one seed gave different feeds run to run
    areas = sorted(reg["hukou_area"].unique().drop_nulls().to_list())
    county = areas[0][:6] if areas else "321202"
    other_county = "321204" if county != "321204" else "321203"
    other_county_area = other_county + "001001"
    people = (
        county_people(
            rng,
            max(10, int(len(reg) * county_factor)),
            areas,
            set(reg["id_number"].drop_nulls().to_list()),
        )
        .with_row_index("_i", offset=10**9)
        .with_columns(pl.col("_i").cast(pl.Int64))
    )

    adults = alive.filter(pl.col("birth_date") <= today - datetime.timedelta(days=365 * 22))
    no_dis = alive.filter(
        (pl.col("disability_type").fill_null("") == "")
        if "disability_type" in alive.columns
        else pl.lit(True)
    )
    roll = alive.filter(pl.col("on_roll"))
    pools = {
        "death": roll,
        "vehicle": adults,
        "business": adults,
        "property": adults,
        "wage_above_line": adults.filter(
            pl.col("birth_date") >= today - datetime.timedelta(days=365 * 58)
        ),
        "disability_unknown": no_dis,
        "large_medical": alive,
    }
    dept_of = {
        "death": "police",
        "vehicle": "vehicles",
        "business": "market",
        "property": "property",
        "wage_above_line": "hrss",
        "disability_unknown": "disability_federation",
        "large_medical": "medical_insurance",
    }
    planted_subjects: dict[str, list[pl.DataFrame]] = {d: [] for d in FEEDS}
    for kind, pool in pools.items():
        k = min(len(pool), max(1, int(len(reg) * planted_share / 3)))
        if k and len(pool):
            planted_subjects[dept_of[kind]].append(
                pool.sample(n=k, seed=int(rng.integers(1 << 30))).with_columns(_tag=pl.lit(kind))
            )

    # Changes in roll households (CHANGE_KINDS): at most one member per household, none already
    # planted in the same department, from a stream of their own.
    rng_changes = np.random.default_rng([seed, 1])
    change_subjects: dict[str, list[pl.DataFrame]] = {d: [] for d in FEEDS}
    for kind, pool in (change_pools(roll, today) if plant_changes else {}).items():
        dept = CHANGE_DEPARTMENT[kind]
        taken = [p.select("_i") for p in planted_subjects[dept] + change_subjects[dept]]
        if taken:
            pool = pool.join(pl.concat(taken), on="_i", how="anti")
        k = min(len(pool), max(1, int(len(reg) * planted_share / 3)))
        if k:
            picked = (
                pool.sample(fraction=1.0, shuffle=True, seed=int(rng_changes.integers(1 << 30)))
                .unique("household_number", keep="first", maintain_order=True)
                .head(k)
            )
            change_subjects[dept].append(picked.with_columns(_tag=pl.lit(kind)))

    # Showcase (the "done when"): a spouse on the roll with a car in another county whose
    # ID has one wrong digit, and a company.
    spouses = (
        roll.filter(pl.col("relation") == "spouse") if "relation" in roll.columns else roll.head(0)
    )
    showcase = spouses.head(1)

    feeds: dict[str, pl.DataFrame] = {}
    truths: list[pl.DataFrame] = []
    for dept, feed in FEEDS.items():
        parts = [p for p in planted_subjects[dept]]
        consistent = alive.sample(
            fraction=consistent_share, seed=int(rng.integers(1 << 30))
        ).with_columns(_tag=pl.lit(""))
        if dept == "disability_federation" and "disability_type" in alive.columns:
            consistent = alive.filter(pl.col("disability_type").fill_null("") != "").with_columns(
                _tag=pl.lit("")
            )
        elif dept in ("vehicles", "market", "property", "tax"):
            consistent = consistent.head(0)  # a recipient's car or company is always a finding
        elif dept == "education" or dept == "hrss":
            consistent = consistent.head(0)
        noise = people.sample(fraction=min(1.0, 1.0), seed=int(rng.integers(1 << 30))).with_columns(
            _tag=pl.lit(""), on_roll=pl.lit(False)
        )
        cols = [
            "_i",
            "household_number",
            "member_no",
            "id_number",
            "name",
            "sex",
            "birth_date",
            "hukou_area",
            "address",
            "_tag",
        ]
        subj = pl.concat(
            [p.select(cols) for p in [*parts, consistent, noise]], how="vertical_relaxed"
        )
        if dept in ("vehicles", "market") and len(showcase):
            subj = pl.concat(
                [subj, showcase.with_columns(_tag=pl.lit("showcase")).select(cols)],
                how="vertical_relaxed",
            )
        subj = apply_dirt(rng, subj, dirt)
        if dept in ("vehicles", "market") and len(showcase):
            # the showcase row: one wrong digit in the vehicle feed, clean in the market feed
            sc = pl.col("_tag") == "showcase"
            subj = subj.with_columns(
                dirt=pl.when(sc)
                .then(pl.lit("id_typo" if dept == "vehicles" else "none"))
                .otherwise(pl.col("dirt"))
            )
            orig = showcase["id_number"][0]
            bad = orig[:9] + str((int(orig[9]) + 3) % 10) + orig[10:]
            subj = subj.with_columns(
                id_number=pl.when(sc)
                .then(pl.lit(bad if dept == "vehicles" else orig))
                .otherwise(pl.col("id_number")),
                name=pl.when(sc).then(pl.lit(showcase["name"][0])).otherwise(pl.col("name")),
            )
        rows = _dept_rows(rng, dept, subj, today, other_county_area)
        if dept == "vehicles":
            rows = rows.with_columns(
                area_code=pl.when(pl.col("_tag") == "showcase")
                .then(pl.lit(other_county_area))
                .otherwise(pl.col("area_code"))
            )
        rows = _blank_births(rng, rows)
        columns = feed.base_column_names
        if change_subjects[dept]:
            changes = []
            for part in change_subjects[dept]:
                part = apply_dirt(rng_changes, part.select(cols), dirt)
                kind = part["_tag"][0]
                part = _change_rows(rng_changes, kind, part, today, other_county_area)
                changes.append(_blank_births(rng_changes, part))
            if dept == "education":  # the optional columns, filled for every row
                columns = [c.name for c in feed.columns]
                rows = rows.with_columns(status=pl.lit("enrolled"), left_on=pl.lit(""))
            rows = pl.concat([rows, *changes], how="diagonal_relaxed")
        rows = rows.with_row_index("_n").with_columns(
            record_id=pl.lit(f"{dept[:3].upper()}") + (pl.col("_n") + 1).cast(pl.Utf8).str.zfill(8)
        )
        truths.append(
            rows.select(
                department=pl.lit(dept),
                record_id="record_id",
                household_number="household_number",
                member_no="member_no",
                dirt="dirt",
                planted=pl.col("_tag"),
            )
        )
        feeds[dept] = rows.select(columns).with_columns(pl.all().cast(pl.Utf8).fill_null(""))
    if ime_dirt > 0:
        feeds, truths = _ime_dirt(np.random.default_rng(seed + 7919), feeds, truths, ime_dirt)
    truth = pl.concat(truths)
    planted = (
        truth.filter(pl.col("planted") != "")
        .select(
            kind="planted",
            household_number="household_number",
            member_no="member_no",
            department="department",
            record_id="record_id",
        )
        .unique(
            ["kind", "household_number", "member_no", "department"],
            keep="first",
            maintain_order=True,
        )
    )
    return FeedSet(feeds=feeds, truth=truth, planted=planted)


def _blank_births(rng, rows: pl.DataFrame) -> pl.DataFrame:
    """Half the rows that have an ID number leave the birth date blank (departments do)."""
    blank_birth = rows["id_number"].str.len_chars() > 0
    return rows.with_columns(
        birth_date=pl.when(pl.Series(blank_birth) & pl.Series(rng.random(len(rows)) < 0.5))
        .then(pl.lit(""))
        .otherwise(pl.col("birth_date"))
    )


ENCODING = {"police": "gb18030"}


def write(feedset: FeedSet, out: Path, *, fmt: str = "csv") -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for dept, frame in feedset.feeds.items():
        if fmt == "parquet":
            path = out / f"{dept}.parquet"
            frame.write_parquet(path)
        else:
            path = out / f"{dept}.csv"
            text = frame.write_csv()
            path.write_bytes(text.encode(ENCODING.get(dept, "utf-8")))
        written.append(path)
    feedset.truth.write_csv(out / "feeds_ground_truth.csv")
    feedset.planted.write_csv(out / "planted_cases.csv")
    return written
