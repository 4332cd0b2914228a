"""The synthetic county: a realistic registry generated from a seed, column by column.

Plain Python + numpy + Polars (no Django, no ORM): every step draws whole columns at once, so a
million households take seconds, not hours. One ``numpy.random.Generator`` seeded with ``seed``
draws everything in a fixed order, so the same seed, size and areas give byte-identical files.

Money is integer fen throughout (``*_fen`` columns, int64) and becomes a yuan string with two
places only when written. The rules the roll and the planted errors follow are in docs/synth.md.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl

from jiuzhu.core.money import fen_to_text
from jiuzhu.demo.parameters import demo_dibao_standard_fen, demo_parameter, demo_tekun_basic_fen
from jiuzhu.demo.synth import names as N
from jiuzhu.registry.export_format import TABLES as EXPORT_TABLES


def _fen(name: str) -> int:
    return int(Decimal(demo_parameter(name)) * 100)


DEMO_AREA_FILE = Path(__file__).resolve().parents[2] / "areas" / "data" / "taizhou-321200.csv"
DEFAULT_AREA = "321200000000"
DEFAULT_AS_OF = datetime.date(2026, 10, 31)
# The demo county's policy amounts, from the shipped parameter files (never typed in here).
DIBAO_STANDARD_FEN = demo_dibao_standard_fen()  # 低保标准 per person per month
TEKUN_BASIC_FEN = demo_tekun_basic_fen()  # multiplier × 低保标准, rounded up to whole yuan
TEKUN_CARE_FEN = {k: _fen(f"tekun.care_{k}") for k in ("full", "partial", "none")}
DISABILITY_LIVING_FEN = {
    g: _fen("disability.living_12" if g <= 2 else "disability.living_34") for g in (1, 2, 3, 4)
}
DISABILITY_CARE_FEN = _fen("disability.care")
CHILD_ALLOWANCE_FEN = _fen("orphan.amount")  # 孤儿 / 事实无人抚养儿童基本生活费 per child per month
EDGE_MULTIPLIER_TENTHS = int(Decimal(demo_parameter("dibao_edge.multiplier")) * 10)  # 低保边缘
ASSET_MONTHS = int(demo_parameter("dibao.asset_months"))  # 低保 and 特困: assets ≤ N months
EDGE_ASSET_MONTHS = int(demo_parameter("dibao_edge.asset_months"))  # 低保边缘 (and 单人保)
PHASE_OUT_MULTIPLIER = int(demo_parameter("phase_out.income_multiplier"))  # 渐退
TEMPORARY_AID_MONTHS = 3  # 急难型临时救助: 3 months of the standard per member …
TEMPORARY_AID_CAP_FEN = 1_000_000  # … at most 10,000 yuan
EMERGENCY_WINDOW_MONTHS = 3  # an emergency counts for 3 months after it happened
POOR_SHARE = 0.042  # households designated poor before planting errors
EPOCH = datetime.date(1970, 1, 1)

# Household types and their shares (urban, rural).
HH_TYPES = [
    "single",
    "lone_elderly",
    "couple",
    "elderly_couple",
    "nuclear",
    "single_parent",
    "three_generation",
    "skipped_generation",
]
HH_TYPE_P_URBAN = [0.14, 0.09, 0.10, 0.12, 0.32, 0.05, 0.15, 0.03]
HH_TYPE_P_RURAL = [0.10, 0.12, 0.07, 0.15, 0.25, 0.04, 0.21, 0.06]

DISABILITY_TYPES = ["physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple"]
DISABILITY_TYPE_P = [0.45, 0.10, 0.12, 0.01, 0.08, 0.12, 0.12]
# 第二代残疾人证: ID number + category digit (1 视力 … 7 多重) + grade digit.
DISABILITY_CODE = {
    "visual": 1,
    "hearing": 2,
    "speech": 3,
    "physical": 4,
    "intellectual": 5,
    "mental": 6,
    "multiple": 7,
}
DISABILITY_GRADE_P = [0.12, 0.25, 0.30, 0.33]
MAJOR_ILLNESSES = ["恶性肿瘤", "尿毒症", "白血病", "重性精神疾病", "器官移植术后", "脑卒中后遗症"]
CHRONIC_ILLNESSES = ["高血压", "糖尿病", "慢性阻塞性肺疾病", "冠心病", "类风湿关节炎"]
PHONE_PREFIXES = [
    "130",
    "131",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "182",
    "187",
    "188",
    "189",
    "199",
]

PLANTED_KINDS = {
    "eligible_not_on_roll": "应保未保：人均收入低于低保标准、财产符合，但不在名册",
    "ineligible_income_rose": "错保：在低保名册，但近期新增收入使人均收入超过标准",
    "ineligible_vehicle": "错保：在低保名册，但名下新登记机动车辆",
    "amount_mismatch": "金额不符：名册月救助金额与按差额计算的金额不同",
    "deceased_member_on_roll": "成员已死亡，名册仍按原人数发放",
    "boundary_at_standard": "边界：人均收入恰好等于标准（不符合，不在名册）",
    "boundary_below_standard": "边界：人均收入比标准低 0.01 元（符合，在名册，金额 1 元）",
    "tekun_not_on_roll": "应保未保：无劳动能力、无生活来源、义务人无履行能力（已核实），但不在特困名册",
    "orphan_not_on_roll": "应保未保：孤儿未领取基本生活费",
    "unsupported_child_not_on_roll": "应保未保：事实无人抚养儿童未领取基本生活费",
    "single_dibao_not_on_roll": "应保未保：低保边缘家庭中的重度残疾/重病成员可单人保，名册没有单人保",
    "phase_out_due": "渐退：在保家庭成员就业后收入超过标准但低于渐退上限，应给予渐退期",
    "disability_subsidy_follows": "困难残疾人生活补贴随家庭低保/特困/单人保状态：应领未领或已不应领",
    "emergency_recent": "急难：近3个月内登记了急难事件，应给予急难型临时救助（一次性）",
}
# The programme each kind is about (the ground truth's ``programme`` column).
KIND_PROGRAMME = {
    "tekun_not_on_roll": "tekun",
    "orphan_not_on_roll": "orphan_allowance",
    "unsupported_child_not_on_roll": "unsupported_child_allowance",
    "single_dibao_not_on_roll": "dibao_single",
    "phase_out_due": "phase_out",
    "disability_subsidy_follows": "disability_living_subsidy",
    "emergency_recent": "temporary_aid",
}
OBLIGOR_REASONS = [
    "tekun",
    "dibao_elderly",
    "elderly_low_income",
    "severe_disability",
    "no_capacity",
]
OBLIGOR_REASON_P = [0.1, 0.3, 0.3, 0.15, 0.15]
EVENT_KINDS = ["fire", "traffic", "illness", "disaster", "accident"]
EVENT_KIND_P = [0.2, 0.25, 0.4, 0.05, 0.1]
EVENT_NOTES = {
    "fire": "住房失火",
    "traffic": "交通事故受伤",
    "illness": "突发重大疾病住院",
    "disaster": "暴雨房屋受损",
    "accident": "意外伤害",
}


@dataclass
class SynthConfig:
    households: int
    seed: int = 1
    area: str = DEFAULT_AREA
    as_of: datetime.date = DEFAULT_AS_OF
    dibao_standard_fen: int = DIBAO_STANDARD_FEN


@dataclass
class SynthResult:
    config: SynthConfig
    tables: dict[str, pl.DataFrame]
    ground_truth: pl.DataFrame
    stats: dict = field(default_factory=dict)


def add_months(day: datetime.date, months: int) -> datetime.date:
    m = day.year * 12 + day.month - 1 + months
    return datetime.date(m // 12, m % 12 + 1, 1)


def read_areas(path: Path | str = DEMO_AREA_FILE) -> pl.DataFrame:
    """An area table (code, name, level, parent_code) as Polars, without the database."""
    return pl.read_csv(path, infer_schema=False).select("code", "name", "level", "parent_code")


def _prefix(code: str) -> str:
    code = code.ljust(12, "0")
    for n in (2, 4, 6, 9):
        if code[n:] == "0" * (12 - n):
            return code[:n]
    return code


def villages_under(areas: pl.DataFrame, area: str) -> pl.DataFrame:
    """Villages/communities under ``area``, with urban/rural read from their names."""
    prefix = _prefix(area)
    townships = areas.filter(pl.col("level") == "township").select(
        pl.col("code").alias("parent_code"), pl.col("name").alias("township_name")
    )
    v = (
        areas.filter((pl.col("level") == "village") & pl.col("code").str.starts_with(prefix))
        .join(townships, on="parent_code", how="left")
        .sort("code")
        .with_columns(
            urban=pl.col("name").str.contains("社区|居委会|居民委员会|生活区"),
            virtual=pl.col("name").str.contains("虚拟"),
            county=pl.col("code").str.slice(0, 6),
            short=pl.col("name")
            .str.replace(r"(村民委员会|村委会)$", "村")
            .str.replace(r"(社区居民委员会|居民委员会|居委会)$", "社区"),
        )
    )
    if v.height == 0:
        raise ValueError(f"区划 {area} 下没有村/社区，无法生成合成数据")
    return v


def _money_str(col: str) -> pl.Expr:
    """Integer fen → yuan string with exactly two places ("-12.05")."""
    return fen_to_text(pl.col(col))


def _s(a) -> pl.Series:
    """A numpy string array as Polars, label by label (Polars' own conversion of numpy strings is
    slow); meant for low-cardinality columns."""
    a = np.asarray(a)
    if a.dtype.kind not in "UO":
        return pl.Series(a)
    if a.size == 0:
        return pl.Series([], dtype=pl.Utf8)
    codes = np.full(a.size, -1, np.int64)
    labels: list[str] = []
    pending = np.ones(a.size, bool)
    sample = a[:: max(1, a.size // 2000)]
    while True:
        for lab in dict.fromkeys(sample.tolist()):
            hit = pending & (a == lab)
            if hit.any():
                codes[hit] = len(labels)
                labels.append(str(lab))
                pending &= ~hit
        if not pending.any():
            break
        sample = a[pending][:200]
    return pl.Series(labels, dtype=pl.Utf8).gather(codes)


def _col(value, n: int) -> pl.Series:
    """A scalar repeated or a numpy string array, as a Polars string column of length n."""
    if isinstance(value, str):
        return _const(value, n)
    return _s(value)


def _const(value: str, n: int) -> pl.Series:
    return pl.repeat(value, n, eager=True, dtype=pl.Utf8)


def _fen_sum(index: np.ndarray, fen: np.ndarray, n: int) -> np.ndarray:
    """Sum integer fen per index (exact: float64 holds integers to 2**53 fen)."""
    return np.round(np.bincount(index, weights=fen, minlength=n)).astype(np.int64)


def _digits_str(values: np.ndarray, width: int) -> pl.Series:
    return pl.Series(values.astype(np.int64)).cast(pl.Utf8).str.zfill(width)


class _Gen:
    def __init__(self, config: SynthConfig, areas: pl.DataFrame):
        self.c = config
        self.rng = np.random.default_rng(config.seed)
        self.config_seed = config.seed
        self.n = config.households
        self.as_of = config.as_of
        self.month0 = config.as_of.replace(day=1)
        self.period_start = add_months(self.month0, -11)
        self.std = config.dibao_standard_fen
        self.villages = villages_under(areas, config.area)
        # A second stream for what was added later (child status, obligors, emergencies), so the
        # draws of the first stream — and everything they made — stay as they were.
        self.rng2 = np.random.default_rng([config.seed, 2])
        # The nightly 政策找人 that reproduces the roll runs on the day after the reference date:
        # its 12-month look-back is then exactly the 12 months the income items cover.
        self.eval_date = config.as_of + datetime.timedelta(days=1)

    # ---------------------------------------------------------------- households
    def households(self) -> None:
        rng, n, v = self.rng, self.n, self.villages
        urban_v = v["urban"].to_numpy()
        w = np.where(urban_v, 2.0, 1.0) * np.where(v["virtual"].to_numpy(), 0.05, 1.0)
        w = w * rng.lognormal(0.0, 0.35, v.height)
        vidx = np.sort(rng.choice(v.height, size=n, p=w / w.sum()))
        self.vidx = vidx
        self.urban = urban_v[vidx]
        within = (
            pl.DataFrame({"v": vidx}).with_columns(s=pl.int_range(pl.len()).over("v") + 1)["s"]
        ).to_numpy()
        self.hh_number = v["code"].gather(vidx) + _digits_str(within, 5)
        self.county = v["county"].to_numpy()[vidx]
        counties = np.unique(self.county)
        self.county_idx = np.searchsorted(counties, self.county)
        self.counties = counties

        p = np.where(self.urban[:, None], HH_TYPE_P_URBAN, HH_TYPE_P_RURAL)
        u = rng.random(n)
        self.hh_type = (u[:, None] > np.cumsum(p, axis=1)).sum(axis=1)

        # 人户分离: ~8 % live in another village/community of the same county.
        sep = rng.random(n) < 0.08
        v_county = v["county"].to_numpy()
        c_first = np.searchsorted(v_county, self.county, side="left")
        c_count = np.searchsorted(v_county, self.county, side="right") - c_first
        cand = c_first + np.floor(rng.random(n) * c_count).astype(np.int64)
        cand = np.where(cand == vidx, c_first + (cand - c_first + 1) % c_count, cand)
        ok = sep & (cand != vidx)
        self.residence = pl.select(pl.when(pl.Series(ok)).then(v["code"].gather(cand))).to_series()
        self.separated = ok

    # ---------------------------------------------------------------- members
    def _spread(self, age: np.ndarray, lo: float, hi: float) -> np.ndarray:
        """Ages outside [lo, hi] redrawn uniformly inside (clipping would pile people on one day)."""
        redraw = self.rng.uniform(lo, hi, age.size)
        return np.where((age < lo) | (age > hi), redraw, age)

    def members(self) -> None:
        rng, n, t = self.rng, self.n, self.hh_type
        T = {name: i for i, name in enumerate(HH_TYPES)}
        head_age = np.select(
            [
                t == T["single"],
                t == T["lone_elderly"],
                t == T["couple"],
                t == T["elderly_couple"],
                t == T["nuclear"],
                t == T["single_parent"],
                t == T["three_generation"],
                t == T["skipped_generation"],
            ],
            [
                rng.uniform(19, 60, n),
                60 + rng.gamma(2.2, 5.5, n),
                rng.uniform(22, 60, n),
                60 + rng.gamma(2.0, 5.0, n),
                rng.uniform(27, 56, n),
                rng.uniform(28, 56, n),
                rng.uniform(28, 56, n),
                rng.uniform(56, 80, n),
            ],
        )
        head_age = self._spread(head_age, 18.2, 99.9)
        has_spouse = (
            np.isin(t, [T["couple"], T["elderly_couple"], T["nuclear"]])
            | ((t == T["three_generation"]) & (rng.random(n) < 0.9))
            | ((t == T["skipped_generation"]) & (rng.random(n) < 0.75))
        )
        kids = rng.choice([1, 2, 3], size=n, p=[0.55, 0.38, 0.07])
        n_children = np.where(t == T["nuclear"], kids, 0)
        n_children = np.where(
            t == T["single_parent"], rng.choice([1, 2], n, p=[0.7, 0.3]), n_children
        )
        n_children = np.where(
            t == T["three_generation"], rng.choice([0, 1, 2], n, p=[0.1, 0.6, 0.3]), n_children
        )
        n_parents = np.where(t == T["three_generation"], rng.choice([1, 2], n, p=[0.55, 0.45]), 0)
        n_grand = np.where(t == T["skipped_generation"], rng.choice([1, 2], n, p=[0.65, 0.35]), 0)

        p_male_head = np.select(
            [t == T["single"], t == T["lone_elderly"], t == T["single_parent"]],
            [0.6, 0.4, 0.35],
            0.78,
        )
        head_male = rng.random(n) < p_male_head

        hh = np.arange(n)
        parts = []
        # relation order: head 0, spouse 1, child 2, child_in_law 3, grandchild 4, parent 5
        parts.append((hh, np.zeros(n, int), np.zeros(n, int), head_age, head_male))
        s_hh = hh[has_spouse]
        s_age = self._spread(
            head_age[s_hh] + np.where(head_male[s_hh], -2.0, 2.0) + rng.normal(0, 3, s_hh.size),
            18.2,
            99.9,
        )
        parts.append(
            (s_hh, np.ones(s_hh.size, int), np.zeros(s_hh.size, int), s_age, ~head_male[s_hh])
        )
        c_hh = np.repeat(hh, n_children)
        c_j = (
            pl.DataFrame({"h": c_hh})
            .with_columns(j=pl.int_range(pl.len()).over("h"))["j"]
            .to_numpy()
        )
        c_age = (
            head_age[c_hh] - rng.uniform(23, 33, c_hh.size) - c_j * rng.uniform(1.5, 5, c_hh.size)
        )
        c_age = np.where(c_age < 0, rng.uniform(0, 2, c_hh.size), c_age)
        parts.append((c_hh, np.full(c_hh.size, 2), c_j, c_age, rng.random(c_hh.size) < 0.515))
        g_hh = np.repeat(hh, n_grand)
        g_j = (
            pl.DataFrame({"h": g_hh})
            .with_columns(j=pl.int_range(pl.len()).over("h"))["j"]
            .to_numpy()
        )
        g_age = self._spread(head_age[g_hh] - rng.uniform(48, 62, g_hh.size), 0.5, 17.9)
        parts.append((g_hh, np.full(g_hh.size, 4), g_j, g_age, rng.random(g_hh.size) < 0.52))
        p_hh = np.repeat(hh, n_parents)
        p_j = (
            pl.DataFrame({"h": p_hh})
            .with_columns(j=pl.int_range(pl.len()).over("h"))["j"]
            .to_numpy()
        )
        p_age = self._spread(head_age[p_hh] + rng.uniform(23, 32, p_hh.size), 50, 99.9)
        p_male = np.where(n_parents[p_hh] == 2, p_j == 0, rng.random(p_hh.size) < 0.35)
        parts.append((p_hh, np.full(p_hh.size, 5), p_j, p_age, p_male))

        ph = np.concatenate([p[0] for p in parts])
        rel = np.concatenate([p[1] for p in parts])
        j = np.concatenate([p[2] for p in parts])
        age = np.concatenate([p[3] for p in parts])
        male = np.concatenate([p[4] for p in parts])
        order = np.lexsort((j, rel, ph))
        self.p_hh = ph[order]
        self.p_rel = rel[order]
        self.p_male = male[order]
        self.p_age_f = age[order]
        self.size = np.bincount(self.p_hh, minlength=n)
        starts = np.concatenate([[0], np.cumsum(self.size)[:-1]])
        self.p_member_no = np.arange(self.p_hh.size) - starts[self.p_hh] + 1
        self.hh_first = starts
        self.head_male = head_male

        # Birth dates and integer ages on the reference date.
        as_of_days = (self.as_of - EPOCH).days
        birth_days = as_of_days - np.floor(self.p_age_f * 365.2425).astype(np.int64) - 1
        self.p_birth_days = birth_days
        birth = pl.Series(birth_days, dtype=pl.Int32).cast(pl.Date)
        self.p_birth = birth
        by = birth.dt.year().to_numpy().astype(np.int64)
        bm = birth.dt.month().to_numpy().astype(np.int64)
        bd = birth.dt.day().to_numpy().astype(np.int64)
        self.p_by, self.p_bm, self.p_bd = by, bm, bd
        a = self.as_of
        self.p_age = a.year - by - ((a.month < bm) | ((a.month == bm) & (a.day < bd)))

    # ---------------------------------------------------------------- names and IDs
    def names(self) -> None:
        rng, m = self.rng, self.p_hh.size
        sn = pl.Series([s for s, _ in N.SURNAMES])
        sp = np.array([p for _, p in N.SURNAMES])
        sp = sp / sp.sum()
        own = rng.choice(sp.size, size=m, p=sp)
        hh_sur = own[self.hh_first]  # the head's surname
        # Children take the father's surname: the head's if he is male, else the spouse's.
        spouse_pos = self.hh_first + 1
        has_sp = (self.size > 1) & (self.p_rel[np.minimum(spouse_pos, m - 1)] == 1)
        father = np.where(~self.head_male & has_sp, own[np.minimum(spouse_pos, m - 1)], hh_sur)
        rel = self.p_rel
        inherits = np.isin(rel, [2, 4]) | ((rel == 5) & self.p_male)
        surname = sn.gather(np.where(inherits, father[self.p_hh], own))
        old = self.p_by < 1970
        pools = [N.MALE_OLD, N.MALE_NEW, N.FEMALE_OLD, N.FEMALE_NEW]
        chars = pl.Series([c for pool in pools for c in pool] + [""])
        offsets = np.cumsum([0] + [len(p) for p in pools])
        sizes = np.array([len(p) for p in pools])
        pool_id = np.where(self.p_male, 0, 2) + np.where(old, 0, 1)
        c1 = offsets[pool_id] + np.floor(rng.random(m) * sizes[pool_id]).astype(np.int64)
        c2 = offsets[pool_id] + np.floor(rng.random(m) * sizes[pool_id]).astype(np.int64)
        two = rng.random(m) < np.where(old, 0.55, 0.78)
        c2 = np.where(two, c2, len(chars) - 1)
        self.p_name = surname + chars.gather(c1) + chars.gather(c2)

        # ID numbers: county + birth date + sequence (odd men, even women) + check digit.
        county_of_p = self.county_idx[self.p_hh]
        key = pl.DataFrame({"c": county_of_p, "b": self.p_birth_days, "s": self.p_male})
        rank = key.with_columns(r=pl.int_range(pl.len()).over("c", "b", "s"))["r"].to_numpy()
        off = (self.p_birth_days * 37 + county_of_p * 101) % 200
        seq = 2 * (rank + off) + self.p_male.astype(np.int64)
        if seq.max() >= 1000:
            raise ValueError("too many people born on one day in one county for unique ID numbers")
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        addr_sum = np.array(
            [sum(int(d) * w for d, w in zip(c, weights[:6], strict=True)) for c in self.counties]
        )
        digits = [
            self.p_by // 1000,
            self.p_by // 100 % 10,
            self.p_by // 10 % 10,
            self.p_by % 10,
            self.p_bm // 10,
            self.p_bm % 10,
            self.p_bd // 10,
            self.p_bd % 10,
            seq // 100,
            seq // 10 % 10,
            seq % 10,
        ]
        total = addr_sum[county_of_p] + sum(d * w for d, w in zip(digits, weights[6:], strict=True))
        self.p_id = (
            pl.Series(self.counties.tolist()).gather(county_of_p)
            + self.p_birth.dt.strftime("%Y%m%d")
            + _digits_str(seq, 3)
            + pl.Series(list("10X98765432")).gather(total % 11)
        )

    # ---------------------------------------------------------------- health, work, school
    def attributes(self) -> None:
        rng, m, age = self.rng, self.p_hh.size, self.p_age
        urban_p = self.urban[self.p_hh]
        p_dis = np.select([age < 18, age < 60], [0.012, 0.025], 0.075)
        disabled = rng.random(m) < p_dis
        dtype_idx = rng.choice(7, size=m, p=DISABILITY_TYPE_P)
        dtype = np.array(DISABILITY_TYPES)[dtype_idx]
        grade = rng.choice([1, 2, 3, 4], size=m, p=DISABILITY_GRADE_P)
        self.dis_type = np.where(disabled, dtype, "")
        self.dis_grade = np.where(disabled, grade, 0)
        severe = disabled & (
            (grade <= 2) | ((grade == 3) & np.isin(dtype, ["intellectual", "mental"]))
        )
        self.severe = severe
        code = np.array([DISABILITY_CODE[t] for t in DISABILITY_TYPES])[dtype_idx]
        self.dis_cert = (
            pl.when(pl.Series(disabled))
            .then(self.p_id + _digits_str(code, 1) + _digits_str(grade, 1))
            .otherwise(pl.lit(""))
        )
        self.dis_cert = pl.select(self.dis_cert).to_series()

        major = rng.random(m) < np.select([age < 18, age < 60], [0.004, 0.01], 0.03)
        chronic = rng.random(m) < np.select(
            [age < 18, age < 45, age < 60], [0.01, 0.04, 0.12], 0.35
        )
        self.major, self.chronic = major, chronic
        mnote = np.array(MAJOR_ILLNESSES)[rng.integers(0, len(MAJOR_ILLNESSES), m)]
        cnote = np.array(CHRONIC_ILLNESSES)[rng.integers(0, len(CHRONIC_ILLNESSES), m)]
        self.ill_note = np.where(major, mnote, np.where(chronic, cnote, ""))

        u = rng.random(m)
        none = (age < 16) | (age >= 65) | severe | (major & (u < 0.5))
        partial = (age >= 60) | (disabled & (u < 0.6)) | major | (chronic & (u < 0.05))
        self.labour = np.where(none, "none", np.where(partial, "partial", "full")).astype(object)

        u = rng.random(m)
        sc_none = (
            ((age >= 80) & (u < 0.05))
            | ((age >= 70) & (age < 80) & (u < 0.01))
            | (disabled & (grade == 1) & (u < 0.35))
            | (disabled & (grade == 2) & (u < 0.10))
        )
        sc_part = (
            ((age >= 80) & (u < 0.17))
            | ((age >= 70) & (u < 0.05))
            | (disabled & (grade == 1) & (u < 0.70))
            | (disabled & (grade == 2) & (u < 0.40))
            | (major & (u < 0.15))
        )
        self.self_care = np.where(sc_none, "none", np.where(sc_part, "partial", "full")).astype(
            object
        )

        # School stage by age on 1 September of the current school year.
        sept = datetime.date(
            self.as_of.year if self.as_of.month >= 9 else self.as_of.year - 1, 9, 1
        )
        sage = sept.year - self.p_by - (self.p_bm >= 9)
        u = rng.random(m)
        college_p = np.where(urban_p, 0.62, 0.45)
        stage = np.select(
            [
                sage < 3,
                sage <= 5,
                sage <= 11,
                sage <= 14,
                (sage <= 17) & (u < 0.52),
                (sage <= 17) & (u < 0.92),
                (sage <= 21) & (u < college_p),
                (sage <= 24) & (u < 0.06),
            ],
            [
                "none",
                "preschool",
                "primary",
                "junior",
                "senior",
                "vocational",
                "college",
                "postgraduate",
            ],
            "none",
        )
        stage = np.where((sage >= 3) & (sage <= 5) & (rng.random(m) < 0.1), "none", stage)
        self.stage = stage
        in_school = stage != "none"

        u = rng.random(m)
        wa_urban = np.select(
            [u < 0.68, u < 0.84, u < 0.93], ["employed", "flexible", "unemployed"], "na"
        )
        wa_rural = np.select(
            [u < 0.42, u < 0.59, u < 0.87, u < 0.95],
            ["employed", "flexible", "farming", "unemployed"],
            "na",
        )
        u2 = rng.random(m)
        old = np.where(
            urban_p & (u2 < 0.75),
            "retired",
            np.where(
                ~urban_p & (u2 < 0.15),
                "retired",
                np.where(~urban_p & (self.labour != "none") & (u2 < 0.6), "farming", "na"),
            ),
        )
        emp = np.where(urban_p, wa_urban, wa_rural)
        emp = np.where(self.labour == "none", np.where(age >= 60, old, "na"), emp)
        emp = np.where(age >= 60, old, emp)
        emp = np.where(in_school & (stage != "preschool"), "student", emp)
        emp = np.where((age < 16) & ~in_school, "na", emp)
        emp = np.where((age < 16) & (stage == "preschool"), "na", emp)
        self.employment = emp.astype(object)

        has_phone = (age >= 18) & (rng.random(m) < np.where(age >= 80, 0.4, 0.92)) | (
            (age >= 16) & (age < 18) & (rng.random(m) < 0.5)
        )
        pref = pl.Series(PHONE_PREFIXES).gather(rng.integers(0, len(PHONE_PREFIXES), m))
        num = rng.integers(0, 100_000_000, m)
        phone = pref + _digits_str(num, 8)
        self.p_phone = pl.select(pl.when(pl.Series(has_phone)).then(phone).otherwise(pl.lit("")))
        self.p_phone = self.p_phone.to_series()
        self.p_has_phone = has_phone
        self.death = np.full(m, -1, dtype=np.int64)  # epoch days, -1 = alive

    # ---------------------------------------------------------------- income
    def income(self) -> None:
        rng, m, n = self.rng, self.p_hh.size, self.n
        urban_p = self.urban[self.p_hh]
        hf = rng.lognormal(0.0, 0.45, n)[self.p_hh]
        emp, age = self.employment, self.p_age
        ind = rng.lognormal(0.0, 0.3, m)
        monthly = np.select(
            [emp == "employed", emp == "flexible", emp == "farming", emp == "retired", (age >= 60)],
            [
                np.where(urban_p, 5200, 4000) * hf * ind,
                np.where(urban_p, 3200, 2600) * hf * ind,
                1500 * hf * ind,
                np.where(urban_p, 3400, 2500) * ind,
                rng.uniform(180, 300, m),
            ],
            0.0,
        )
        monthly = np.where(self.labour == "partial", monthly * 0.6, monthly)
        kind = np.select(
            [emp == "employed", emp == "flexible", emp == "farming"],
            ["wage", "wage", "business"],
            "transfer",
        )
        source = np.select(
            [emp == "employed", emp == "retired", (age >= 60) & (emp != "farming")],
            ["feed:hrss", "feed:hrss", "feed:hrss"],
            "declared",
        )
        note = np.select(
            [emp == "employed", emp == "flexible", emp == "farming", emp == "retired"],
            ["工资", "灵活就业收入", "种养殖经营净收入", "养老金"],
            "城乡居民基础养老金",
        )
        has = monthly > 0
        unemp = (emp == "unemployed") & (rng.random(m) < 0.2)
        rows = [
            dict(
                hh=self.p_hh[has],
                member=self.p_member_no[has],
                kind=kind[has],
                fen=np.round(monthly[has] * 1200).astype(np.int64),
                excluded=False,
                source=source[has],
                note=note[has],
                months=12,
            )
        ]
        rows.append(
            dict(
                hh=self.p_hh[unemp],
                member=self.p_member_no[unemp],
                kind="transfer",
                fen=np.full(unemp.sum(), 1_620 * 100 * 6, dtype=np.int64),
                excluded=False,
                source="feed:hrss",
                note="失业保险金",
                months=6,
            )
        )
        # Household-level items: support from children, rent, excluded rewards.
        all_old = np.bincount(self.p_hh, weights=(age >= 60), minlength=n) == self.size

        def household_item(mask, kind, fen, *, excluded, source, note):
            return dict(
                hh=np.flatnonzero(mask),
                member=None,
                kind=kind,
                fen=fen,
                excluded=excluded,
                source=source,
                note=note,
                months=12,
            )

        sup = all_old & (rng.random(n) < 0.7)
        fen = np.round(rng.uniform(500, 2000, sup.sum()) * 1200).astype(np.int64)
        rows.append(
            household_item(
                sup, "transfer", fen, excluded=False, source="declared", note="子女赡养费"
            )
        )
        rent = rng.random(n) < 0.06
        fen = np.round(rng.uniform(800, 3000, rent.sum()) * 1200).astype(np.int64)
        rows.append(
            household_item(
                rent, "property", fen, excluded=False, source="declared", note="房屋出租收入"
            )
        )
        any_old = np.bincount(self.p_hh, weights=(age >= 60), minlength=n) > 0
        reward = any_old & ~self.urban & (rng.random(n) < 0.04)
        fen = np.full(reward.sum(), 96_000, dtype=np.int64)
        note = "计划生育奖励扶助金（不计入收入）"
        rows.append(
            household_item(reward, "transfer", fen, excluded=True, source="feed:health", note=note)
        )
        fu = rng.random(n) < 0.005
        fen = np.round(rng.uniform(6000, 20000, fu.sum()) * 100).astype(np.int64)
        note = "优待抚恤金（不计入收入）"
        rows.append(
            household_item(fu, "transfer", fen, excluded=True, source="feed:veterans", note=note)
        )
        self.income_parts = rows

    def _income_frame(self) -> pl.DataFrame:
        frames = []
        for r in self.income_parts:
            k = len(r["hh"])
            if k == 0:
                continue
            member = r["member"]
            frames.append(
                pl.DataFrame(
                    {
                        "hh": np.asarray(r["hh"], dtype=np.int64),
                        "member_no": (
                            pl.Series(np.asarray(member, dtype=np.int64))
                            if member is not None
                            else pl.Series([None] * k, dtype=pl.Int64)
                        ),
                        "kind": _col(r["kind"], k),
                        "fen": np.asarray(r["fen"], dtype=np.int64),
                        "excluded": np.broadcast_to(r["excluded"], k),
                        "source": _col(r["source"], k),
                        "note": _col(r["note"], k),
                        "months": np.full(k, r["months"], dtype=np.int64),
                    },
                    schema_overrides={"member_no": pl.Int64},
                )
            )
        return pl.concat(frames, how="vertical")

    def _set_totals(self, inc: pl.DataFrame, target: np.ndarray, mask: np.ndarray) -> pl.DataFrame:
        """Make the counted 12-month income of households in ``mask`` exactly ``target`` fen.

        Counted items are scaled, then the rounding remainder goes onto the first counted item;
        a household with no counted item gets one (亲友资助, declared)."""
        n = self.n
        counted = inc.filter(~pl.col("excluded"))
        cur = np.bincount(counted["hh"].to_numpy(), weights=counted["fen"].to_numpy(), minlength=n)
        cur = np.round(cur).astype(np.int64)
        factor = np.where(mask & (cur > 0), target / np.maximum(cur, 1), 1.0)
        f = pl.Series("f", factor).gather(inc["hh"])
        inc = inc.with_columns(
            fen=pl.when(~pl.col("excluded"))
            .then((pl.col("fen").cast(pl.Float64) * f).round().cast(pl.Int64))
            .otherwise(pl.col("fen"))
        )
        counted = inc.filter(~pl.col("excluded"))
        cur = np.bincount(counted["hh"].to_numpy(), weights=counted["fen"].to_numpy(), minlength=n)
        cur = np.round(cur).astype(np.int64)
        diff = np.where(mask, target - cur, 0)
        has_item = np.bincount(counted["hh"].to_numpy(), minlength=n) > 0
        inc = inc.with_row_index("_i")
        first = inc.filter(~pl.col("excluded")).group_by("hh").agg(pl.col("_i").min()).sort("hh")
        adj = np.zeros(inc.height, dtype=np.int64)
        fh, fi = first["hh"].to_numpy(), first["_i"].to_numpy()
        adj[fi] = diff[fh]
        inc = inc.with_columns(fen=pl.col("fen") + pl.Series(adj)).drop("_i")
        new = mask & ~has_item & (target > 0)
        if new.any():
            hh = np.flatnonzero(new)
            inc = pl.concat(
                [
                    inc,
                    pl.DataFrame(
                        {
                            "hh": hh.astype(np.int64),
                            "member_no": pl.Series([None] * hh.size, dtype=pl.Int64),
                            "kind": "transfer",
                            "fen": target[hh].astype(np.int64),
                            "excluded": False,
                            "source": "declared",
                            "note": "亲友资助",
                            "months": 12,
                        }
                    ),
                ],
                how="vertical_relaxed",
            )
        return inc

    def _counted_totals(self, inc: pl.DataFrame) -> np.ndarray:
        counted = inc.filter(~pl.col("excluded"))
        s = counted.group_by("hh").agg(pl.col("fen").sum())
        out = np.zeros(self.n, dtype=np.int64)
        out[s["hh"].to_numpy()] = s["fen"].to_numpy()
        return out

    def poverty(self) -> None:
        """Designate the poor (lowest hardship propensity) and fix every household's income."""
        rng, n = self.rng, self.n
        inc = self._income_frame()
        total = self._counted_totals(inc)
        pc = total / 12 / self.size / 100  # yuan; only for ranking, never for a decision
        sev = np.bincount(self.p_hh, weights=self.severe | self.major, minlength=n) > 0
        prop = np.log(pc + 50) + rng.normal(0, 0.35, n) - 0.5 * sev
        k = int(round(POOR_SHARE * n))
        order = np.argsort(prop, kind="stable")
        poor = np.zeros(n, bool)
        poor[order[:k]] = True
        std = self.std
        t_pc = np.floor(rng.uniform(0.12, 0.97, n) * std).astype(np.int64)  # fen per month
        t_pc = np.minimum(t_pc, std - 1000)  # ≥ 10 yuan below the standard
        target = np.where(poor, t_pc * 12 * self.size, 0)
        low = ~poor & (total < 76_000 * 12 * self.size)
        target = np.where(
            low, np.floor(rng.uniform(77_000, 130_000, n)).astype(np.int64) * 12 * self.size, target
        )
        inc = self._set_totals(inc, target, poor | low)
        self.poor = poor
        self.inc = inc

        self.care_and_obligors()

    # ---------------------------------------------------------------- 孤儿, obligors, 特困
    def _age_on(self, day: datetime.date) -> np.ndarray:
        by, bm, bd = self.p_by, self.p_bm, self.p_bd
        return day.year - by - ((day.month < bm) | ((day.month == bm) & (day.day < bd)))

    def _unable(self, age: np.ndarray) -> np.ndarray:
        """无劳动能力 as 特困办法 Art. 5 reads it (the policy engine's rule, at ``age``)."""
        g, t = self.dis_grade, self.dis_type
        school = np.isin(self.stage, ["primary", "junior", "senior", "vocational"])
        return (
            (age >= 60)
            | (age < 16)
            | (((age < 18) | school) & (age < 20))
            | (np.isin(t, ["intellectual", "mental"]) & (g >= 1) & (g <= 3))
            | (np.isin(t, ["physical", "multiple"]) & (g >= 1) & (g <= 2))
            | ((t == "visual") & (g == 1))
            | (self.labour == "none")
        )

    def fact_tables(self, person_no: pl.DataFrame, as_of) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The facts behind the generated self-care levels and obligor findings, written so that
        the engine derives the same conclusions (特困办法 Art. 8, 20–23).

        Self-care: a person at 部分丧失 cannot do 1–3 of the six items, at 完全丧失 4–6 (which
        ones drawn at random); people who could be 特困 and are 自理 get an assessment with all
        six done. Obligors: 无 → checked, no rows; 有能力 → one child aged 30–55 with no Art. 8
        situation; 无能力 → one obligor with the facts of the drawn situation (income below
        the disposable-income line and property within limits where Art. 8 tests them)."""
        rng = np.random.default_rng([self.c.seed, 3])  # a third stream: the others unchanged
        m = self.p_hh.size
        items = np.array(["eating", "dressing", "transfer", "toileting", "walking", "bathing"])
        level = self.self_care
        assessed = (level != "full") | (self.obligor != "unknown")
        idx = np.flatnonzero(assessed)
        k = np.where(
            level[idx] == "partial",
            rng.integers(1, 4, idx.size),
            np.where(level[idx] == "none", rng.integers(4, 7, idx.size), 0),
        )
        order = np.argsort(rng.random((idx.size, 6)), axis=1)
        # item j is unable when its rank in the random order is below k
        ranks = np.argsort(order, axis=1)
        able = ranks >= k[:, None]
        sc = (
            person_no[idx]
            .with_columns([pl.Series(name, able[:, j]) for j, name in enumerate(items)])
            .with_columns(
                assessor=pl.lit("乡镇社会救助经办人员"),
                source=pl.lit("home_visit"),
                as_of=pl.lit(as_of),
                note=pl.lit(""),
            )
        )
        # Obligors
        status = self.obligor
        reason = self.obligor_reason
        oidx = np.flatnonzero(np.isin(status, ["able", "unable"]))
        r = reason[oidx]
        st = status[oidx]
        u = rng.random(oidx.size)
        eval_year = self.eval_date.year

        def born(lo, hi):
            years = eval_year - rng.integers(lo, hi + 1, oidx.size) - 1
            return [datetime.date(int(y), 6, 15) for y in years]

        age_default = born(30, 55)
        age_60 = born(60, 75)
        age_70 = born(71, 85)
        birth = [
            age_60[i]
            if r[i] == "dibao_elderly"
            else age_70[i]
            if r[i] == "elderly_low_income"
            else age_default[i]
            for i in range(oidx.size)
        ]
        unable = st == "unable"
        tested = unable & np.isin(r, ["elderly_low_income", "severe_disability", "no_capacity"])
        income = np.where(
            unable & np.isin(r, ["elderly_low_income", "severe_disability"]),
            np.round(u * 20_000) * 100,  # below the ¥41,314 default line
            -1,
        )
        ob = (
            person_no[oidx]
            .with_columns(
                kind=pl.lit("child"),
                name=pl.lit(""),
                birth_date=pl.Series(birth, dtype=pl.Date),
                on_tekun=pl.Series(unable & (r == "tekun")),
                on_dibao=pl.Series(unable & (r == "dibao_elderly")),
                disability_type=pl.Series(
                    np.where(unable & (r == "severe_disability"), "physical", "").tolist(),
                    dtype=pl.Utf8,
                ),
                disability_grade=pl.Series(
                    np.where(unable & (r == "severe_disability"), 1, 0), dtype=pl.Int64
                ),
                income_year=pl.Series(income, dtype=pl.Int64),
                property_within_limits=pl.Series(tested),
                no_legal_capacity=pl.lit(False),
                declared_missing=pl.lit(False),
                in_prison=pl.Series(unable & (r == "no_capacity")),
                source=pl.lit("home_visit"),
                as_of=pl.lit(as_of),
                note=pl.lit(""),
            )
            .with_columns(
                disability_grade=pl.when(pl.col("disability_grade") > 0).then("disability_grade"),
                disability_type=pl.when(pl.col("disability_type") != "").then("disability_type"),
                income_year=pl.when(pl.col("income_year") >= 0).then(_money_str("income_year")),
                property_within_limits=pl.when(pl.col("property_within_limits")).then(True),
            )
        )
        del m
        return sc, ob

    def care_and_obligors(self) -> None:
        """Orphans and de-facto unsupported children; obligors of people who cannot work; 特困.

        特困 (person level, recognised per household here): every member cannot work, the
        household is poor, and the obligors of every member who could be 特困 were checked and
        found absent or unable (特困办法 Art. 4, 8). Children in the orphan schemes are not 特困
        (Art. 9) and are not counted among those whose obligors matter."""
        rng, n, m = self.rng2, self.n, self.p_hh.size
        age = self._age_on(self.eval_date)
        self.age_eval = age
        skipped = self.hh_type == HH_TYPES.index("skipped_generation")
        grandchild = (self.p_rel == 4) & skipped[self.p_hh] & (age < 18)
        u = rng.random(m)
        child = np.where(
            grandchild & (u < 0.025),
            "orphan",
            np.where(grandchild & (u < 0.075), "unsupported", "none"),
        ).astype(object)
        self.child_status = child
        scheme = child != "none"
        unable = self._unable(age)
        candidate_hh = np.bincount(self.p_hh, weights=~unable, minlength=n) == 0
        cand_p = unable & ~scheme & candidate_hh[self.p_hh]
        # A grandchild whose parents are alive (not in an orphan scheme): those parents are the
        # grandparents' children, able to support them.
        parents_alive = np.bincount(self.p_hh, weights=grandchild & ~scheme, minlength=n) > 0
        u = rng.random(n)
        status_poor = np.select([u < 0.3, u < 0.65, u < 0.9], ["able", "unable", "none"], "unknown")
        status_rich = np.select(
            [u < 0.8, u < 0.88, u < 0.92], ["able", "unable", "none"], "unknown"
        )
        hh_status = np.where(self.poor, status_poor, status_rich)
        hh_status = np.where(parents_alive, "able", hh_status)
        reason = np.array(OBLIGOR_REASONS)[rng.choice(len(OBLIGOR_REASONS), n, p=OBLIGOR_REASON_P)]
        self.obligor = np.where(cand_p, hh_status[self.p_hh], "unknown").astype(object)
        self.obligor_reason = np.where(
            cand_p & (hh_status[self.p_hh] == "unable"), reason[self.p_hh], ""
        ).astype(object)
        has_cand = np.bincount(self.p_hh, weights=cand_p, minlength=n) > 0
        self.tekun_person = cand_p
        self.tekun = self.poor & candidate_hh & has_cand & np.isin(hh_status, ["none", "unable"])

    # ---------------------------------------------------------------- assets, expenses
    def assets(self) -> None:
        rng, n = self.rng, self.n
        poor = self.poor
        total = self._counted_totals(self.inc)
        limit = 24 * self.std * self.size
        dep_rich = np.round(np.maximum(total, 1_000_000) * rng.lognormal(-0.3, 0.9, n) / 100) * 100
        dep_poor = np.round(rng.uniform(0, 0.6, n) * limit / 100) * 100
        deposit = np.where(poor, dep_poor, dep_rich).astype(np.int64)
        has_dep = deposit > 0
        pct = np.argsort(np.argsort(total)) / max(n - 1, 1)
        vehicle = ~poor & (rng.random(n) < 0.12 + 0.4 * pct)
        home = rng.random(n) < np.where(poor, 0.75, 0.88)
        second = ~poor & (rng.random(n) < 0.02 + 0.12 * pct)
        business = ~poor & (rng.random(n) < 0.05)
        security = ~poor & (rng.random(n) < 0.06)
        insurance = ~poor & (rng.random(n) < 0.10)
        self.has_vehicle = vehicle
        cty = _s(self.county)
        year = rng.integers(2005, self.as_of.year + 1, n)

        def frame(mask, kind, value, desc, reg, exempt, source, member):
            idx = np.flatnonzero(mask)
            return pl.DataFrame(
                {
                    "hh": idx.astype(np.int64),
                    "member_no": pl.Series(
                        np.ones(idx.size, np.int64) if member else [None] * idx.size, dtype=pl.Int64
                    ),
                    "kind": kind,
                    "fen": np.asarray(value)[idx].astype(np.int64),
                    "description": desc if isinstance(desc, str) else desc.gather(idx),
                    "registration_no": reg if isinstance(reg, str) else reg.gather(idx),
                    "exempt": exempt,
                    "source": source if isinstance(source, str) else _s(source).gather(idx),
                },
                schema_overrides={"member_no": pl.Int64},
            )

        plate_chars = pl.Series(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"))
        plate = (
            _const("苏M", n)
            + plate_chars.gather(rng.integers(0, 24, n))
            + _digits_str(rng.integers(0, 10000, n), 4)
        )
        cert = (
            _const("苏(", n)
            + pl.Series(year).cast(pl.Utf8)
            + _const(")不动产权第", n)
            + _digits_str(rng.integers(0, 10**7, n), 7)
            + _const("号", n)
        )
        uscc = (
            _const("92", n)
            + cty
            + _const("MA", n)
            + plate_chars.gather(rng.integers(0, 34, n))
            + _digits_str(rng.integers(0, 10**7, n), 7)
            + plate_chars.gather(rng.integers(0, 34, n))
        )
        dep_src = np.where(rng.random(n) < 0.7, "feed:bank", "declared")
        parts = [
            frame(has_dep, "deposit", deposit, "银行存款", "", False, dep_src, True),
            frame(
                vehicle,
                "vehicle",
                np.round(rng.uniform(40_000, 250_000, n)) * 100,
                "小型轿车",
                plate,
                False,
                "feed:vehicles",
                True,
            ),
            frame(
                home,
                "property",
                np.round(rng.uniform(150_000, 900_000, n)) * 100,
                "自住房（唯一住房）",
                cert,
                True,
                "feed:property",
                True,
            ),
            frame(
                second,
                "property",
                np.round(rng.uniform(300_000, 1_500_000, n)) * 100,
                "非自住房产",
                cert,
                False,
                "feed:property",
                True,
            ),
            frame(
                business,
                "business",
                np.round(rng.uniform(50_000, 500_000, n)) * 100,
                "个体工商户",
                uscc,
                False,
                "feed:market",
                True,
            ),
            frame(
                security,
                "security",
                np.round(rng.uniform(10_000, 300_000, n)) * 100,
                "股票基金",
                "",
                False,
                "declared",
                True,
            ),
            frame(
                insurance,
                "insurance",
                np.round(rng.uniform(10_000, 200_000, n)) * 100,
                "商业保险现金价值",
                "",
                False,
                "declared",
                True,
            ),
        ]
        self.asset = pl.concat(parts, how="vertical_relaxed")
        self.plate = plate

        # Rigid expenses: medical out-of-pocket (major and chronic illness) and education.
        m = self.p_hh.size
        med = np.where(
            self.major,
            rng.uniform(8_000, 60_000, m),
            np.where(self.chronic, rng.uniform(800, 5_000, m), 0.0),
        )
        edu = np.select(
            [
                np.isin(self.stage, ["senior", "vocational"]),
                self.stage == "college",
                self.stage == "postgraduate",
                self.stage == "preschool",
            ],
            [
                rng.uniform(2_000, 8_000, m),
                rng.uniform(8_000, 20_000, m),
                rng.uniform(8_000, 15_000, m),
                rng.uniform(3_000, 12_000, m),
            ],
            0.0,
        )
        ex = []
        for kind, amt, src, note in (
            ("medical", med, "feed:medical_insurance", "医保结算自付"),
            ("education", edu, "feed:education", "学杂费、住宿费"),
        ):
            sel = amt > 0
            ex.append(
                pl.DataFrame(
                    {
                        "hh": self.p_hh[sel].astype(np.int64),
                        "member_no": self.p_member_no[sel].astype(np.int64),
                        "kind": kind,
                        "fen": (np.round(amt[sel]) * 100).astype(np.int64),
                        "source": src,
                        "note": note,
                    }
                )
            )
        self.expense = pl.concat(ex)

    # ---------------------------------------------------------------- roll and planted errors
    def roll(self) -> None:
        rng, n, std = self.rng, self.n, self.std
        poor, tekun = self.poor, self.tekun
        dibao_cand = poor & ~tekun
        u = rng.random(n)
        missing = dibao_cand & (u < 0.04)
        on_dibao = dibao_cand & ~missing
        # Boundary households: taken from poor households on the roll.
        nb = max(1, round(0.0004 * n)) if n >= 200 else 0
        cand = np.flatnonzero(on_dibao)
        pick = rng.permutation(cand)[: 2 * nb] if cand.size >= 2 * nb else cand[:0]
        at_std, below_std = pick[:nb], pick[nb : 2 * nb]
        target = np.zeros(n, dtype=np.int64)
        mask = np.zeros(n, bool)
        target[at_std] = std * 12 * self.size[at_std]
        target[below_std] = (std - 1) * 12 * self.size[below_std]
        mask[at_std] = mask[below_std] = True
        self.inc = self._set_totals(self.inc, target, mask)
        on_dibao[at_std] = False
        self.poor[at_std] = False

        total = self._counted_totals(self.inc)
        need = std * 12 * self.size - total  # fen per year
        amount = np.where(need > 0, -(-need // 1200) * 100, 0)  # yuan per month, rounded up

        # Errors planted among the other dibao households, disjoint.
        avail = np.flatnonzero(on_dibao & ~mask)
        avail = rng.permutation(avail)
        k_inc, k_veh, k_amt = (round(avail.size * s) for s in (0.02, 0.01, 0.02))
        rose = avail[:k_inc]
        veh = avail[k_inc : k_inc + k_veh]
        amt = avail[k_inc + k_veh : k_inc + k_veh + k_amt]
        rest = avail[k_inc + k_veh + k_amt :]
        last_of = self.hh_first[rest] + self.size[rest] - 1
        # The dead member held no allowance of their own (a disability subsidy or a child's
        # allowance would be a second finding about the same death).
        multi = rest[
            (self.size[rest] >= 2)
            & (self.dis_grade[last_of] == 0)
            & (self.child_status[last_of] == "none")
        ]
        dead = multi[: round(avail.size * 0.005)]

        roll_amount = amount.copy()
        delta = rng.integers(50, 301, n) * np.where(rng.random(n) < 0.5, -1, 1) * 100
        roll_amount[amt] = np.maximum(amount[amt] + delta[amt], 100)
        roll_amount[amt] = np.where(
            roll_amount[amt] == amount[amt], amount[amt] + 5_000, roll_amount[amt]
        )

        # Income rose: a new job (or support) in the last 4 months lifts per-capita income.
        new_pc = np.floor(rng.uniform(90_000, 150_000, n)).astype(np.int64)
        add = new_pc * 12 * self.size - total
        head = self.hh_first[rose]
        working = (self.p_age[head] >= 18) & (self.p_age[head] < 60)
        self.inc = pl.concat(
            [
                self.inc,
                pl.DataFrame(
                    {
                        "hh": rose.astype(np.int64),
                        "member_no": pl.Series(np.ones(rose.size, dtype=np.int64), dtype=pl.Int64),
                        "kind": np.where(working, "wage", "transfer"),
                        "fen": add[rose],
                        "excluded": False,
                        "source": "feed:hrss",
                        "note": np.where(working, "新就业工资", "新增养老金"),
                        "months": 4,
                    }
                ),
            ],
            how="vertical_relaxed",
        )
        for hh in (rose, veh):
            self.employment[
                self.hh_first[hh][
                    (self.p_age[self.hh_first[hh]] >= 18) & (self.p_age[self.hh_first[hh]] < 60)
                ]
            ] = "employed"
        # Vehicle bought recently.
        self.asset = pl.concat(
            [
                self.asset,
                pl.DataFrame(
                    {
                        "hh": veh.astype(np.int64),
                        "member_no": pl.Series(np.ones(veh.size, dtype=np.int64)),
                        "kind": "vehicle",
                        "fen": (np.round(rng.uniform(60_000, 150_000, veh.size)) * 100).astype(
                            np.int64
                        ),
                        "description": "小型轿车（近期登记）",
                        "registration_no": self.plate.gather(veh),
                        "exempt": False,
                        "source": "feed:vehicles",
                    }
                ),
            ],
            how="vertical_relaxed",
        )
        # A member died 2–5 months ago; the roll still pays for the old household size.
        last = self.hh_first[dead] + self.size[dead] - 1
        as_of_days = (self.as_of - EPOCH).days
        self.death[last] = np.maximum(
            as_of_days - rng.integers(60, 150, dead.size), self.p_birth_days[last] + 1
        )

        # Roll entries.
        start = rng.integers(1, 97, n)
        entries = []
        dib = np.flatnonzero(on_dibao)
        entries.append(
            dict(
                hh=dib,
                member=None,
                programme="dibao",
                fen=roll_amount[dib],
                start=start[dib],
                end=None,
                status="active",
            )
        )
        # 特困: one entry per member who is 特困; a few households left off (planted).
        rng2 = self.rng2
        tk_all = rng2.permutation(np.flatnonzero(tekun))
        k_tk = max(1, round(0.05 * tk_all.size)) if tk_all.size else 0
        self.tekun_missing = np.sort(tk_all[:k_tk])
        on_tekun = tekun.copy()
        on_tekun[self.tekun_missing] = False
        self.on_tekun = on_tekun
        tp = np.flatnonzero(self.tekun_person & on_tekun[self.p_hh])
        care = np.select(
            [self.self_care[tp] == "none", self.self_care[tp] == "partial"],
            [TEKUN_CARE_FEN["none"], TEKUN_CARE_FEN["partial"]],
            TEKUN_CARE_FEN["full"],
        )
        entries.append(
            dict(
                hh=self.p_hh[tp],
                member=self.p_member_no[tp],
                programme="tekun",
                fen=TEKUN_BASIC_FEN + care,
                start=start[self.p_hh[tp]],
                end=None,
                status="active",
            )
        )
        # 孤儿 / 事实无人抚养儿童基本生活费: per child; a few households left off (planted).
        self.child_missing = {}
        for status, programme in (
            ("orphan", "orphan_allowance"),
            ("unsupported", "unsupported_child_allowance"),
        ):
            kids = self.child_status == status
            hhs = rng2.permutation(np.unique(self.p_hh[kids]))
            k = max(1, round(0.1 * hhs.size)) if hhs.size else 0
            missing_hh = np.sort(hhs[:k])
            self.child_missing[status] = missing_hh
            paid = np.flatnonzero(kids & ~np.isin(self.p_hh, missing_hh))
            entries.append(
                dict(
                    hh=self.p_hh[paid],
                    member=self.p_member_no[paid],
                    programme=programme,
                    fen=np.full(paid.size, CHILD_ALLOWANCE_FEN, np.int64),
                    start=start[self.p_hh[paid]],
                    end=None,
                    status="active",
                )
            )
        covered = (on_dibao | on_tekun)[self.p_hh]
        dis = self.dis_grade > 0
        live = np.flatnonzero(dis & covered)
        entries.append(
            dict(
                hh=self.p_hh[live],
                member=self.p_member_no[live],
                programme="disability_living_subsidy",
                fen=np.vectorize(DISABILITY_LIVING_FEN.get, otypes=[np.int64])(self.dis_grade[live])
                if live.size
                else np.zeros(0, np.int64),
                start=start[self.p_hh[live]],
                end=None,
                status="active",
            )
        )
        carep = np.flatnonzero(dis & (self.dis_grade <= 2))
        entries.append(
            dict(
                hh=self.p_hh[carep],
                member=self.p_member_no[carep],
                programme="disability_care_subsidy",
                fen=np.full(carep.size, DISABILITY_CARE_FEN, np.int64),
                start=rng.integers(1, 97, carep.size),
                end=None,
                status="active",
            )
        )
        # History: households that left dibao in the past (stopped, not errors).
        hist = np.flatnonzero(~poor & (rng.random(n) < 0.005))
        hist_start = rng.integers(30, 120, hist.size)
        entries.append(
            dict(
                hh=hist,
                member=None,
                programme="dibao",
                fen=(rng.integers(100, 800, hist.size) * 100).astype(np.int64),
                start=hist_start,
                end=hist_start - rng.integers(6, 24, hist.size),
                status="stopped",
            )
        )
        frames = []
        for e in entries:
            k = len(e["hh"])
            member = e["member"]
            frames.append(
                pl.DataFrame(
                    {
                        "hh": np.asarray(e["hh"], np.int64),
                        "member_no": pl.Series(
                            np.asarray(member, np.int64) if member is not None else [None] * k,
                            dtype=pl.Int64,
                        ),
                        "programme": e["programme"],
                        "fen": np.asarray(e["fen"], np.int64),
                        "start_back": np.asarray(e["start"], np.int64),
                        "end_back": pl.Series(
                            np.asarray(e["end"], np.int64) if e["end"] is not None else [None] * k,
                            dtype=pl.Int64,
                        ),
                        "status": e["status"],
                    },
                    schema_overrides={"member_no": pl.Int64, "end_back": pl.Int64},
                )
            )
        self.roll_df = pl.concat(frames, how="vertical_relaxed")

        self.emergencies()
        self.truth = self._truth(
            {
                "eligible_not_on_roll": np.flatnonzero(missing),
                "ineligible_income_rose": rose,
                "ineligible_vehicle": veh,
                "amount_mismatch": amt,
                "deceased_member_on_roll": dead,
                "boundary_at_standard": at_std,
                "boundary_below_standard": below_std,
            },
            dead_member=dict(zip(dead.tolist(), self.p_member_no[last].tolist(), strict=True)),
        )

    # ---------------------------------------------------------------- emergencies
    def emergencies(self) -> None:
        """急难事件: 0.4 % of households had one in the last 80 days (inside the 3-month window of
        急难型临时救助), 0.6 % one 100–700 days ago (outside it: not an emergency any more)."""
        rng, n = self.rng2, self.n
        u = rng.random(n)
        recent = u < 0.004
        old = (u >= 0.004) & (u < 0.010)
        back = np.where(recent, rng.integers(1, 80, n), rng.integers(100, 700, n))
        kind = np.array(EVENT_KINDS)[rng.choice(len(EVENT_KINDS), n, p=EVENT_KIND_P)]
        loss = np.round(rng.lognormal(10.3, 0.8, n) / 100).astype(np.int64) * 10_000
        hh = np.flatnonzero(recent | old)
        as_of_days = (self.as_of - EPOCH).days
        self.recent_event = recent
        self.events = pl.DataFrame(
            {
                "hh": hh.astype(np.int64),
                "member_no": pl.Series(
                    np.where(np.isin(kind[hh], ["traffic", "illness", "accident"]), 1, 0),
                    dtype=pl.Int64,
                ),
                "kind": _s(kind[hh]),
                "day": (as_of_days - back[hh]).astype(np.int32),
                "fen": loss[hh],
                "source": _s(np.where(kind[hh] == "illness", "feed:medical_insurance", "declared")),
                "note": _s(np.array([EVENT_NOTES[k] for k in kind[hh]], dtype=object)),
            }
        ).with_columns(
            member_no=pl.when(pl.col("member_no") > 0).then(pl.col("member_no")),
            event_date=pl.col("day").cast(pl.Date),
        )

    # ---------------------------------------------------------------- the rule, applied
    def _truth(self, planted: dict[str, np.ndarray], dead_member: dict[int, int]) -> pl.DataFrame:
        """Apply the rule of docs/synth.md to the final registry and compare with the roll.

        Every household × programme where the rule and the roll disagree is a row (with the
        flag a checker must raise and the amount due), labelled with the planted kind it comes
        from — or, for the findings that follow from a planted one (渐退, the disability living
        subsidy, 单人保 that the county's roll never had), with their own kind. The boundary
        cases and recent emergencies are rows without a flag. Integer fen throughout."""
        n, std, m = self.n, self.std, self.p_hh.size
        ph = self.p_hh
        eval_days = (self.eval_date - EPOCH).days
        alive = (self.death < 0) | (self.death > eval_days)
        age = self.age_eval

        def cnt(mask) -> np.ndarray:
            return np.bincount(ph, weights=alive & mask, minlength=n).astype(np.int64)

        def half_up(num: np.ndarray, den: np.ndarray) -> np.ndarray:
            den = np.asarray(den, dtype=np.int64)
            safe = np.maximum(den, 1)
            q = np.sign(num) * ((np.abs(num) * 2 + safe) // (safe * 2))
            return np.where(den > 0, q, 0)

        def ceil_yuan(fen: np.ndarray) -> np.ndarray:
            return -(-fen // 100) * 100

        nm = cnt(np.ones(m, bool))
        inc = self.inc.filter(~pl.col("excluded"))
        ih = inc["hh"].to_numpy()
        imem = inc["member_no"].to_numpy(allow_copy=True)
        has_mem = ~inc["member_no"].is_null().to_numpy()
        pidx = (
            self.hh_first[ih]
            + np.where(has_mem, np.nan_to_num(imem, nan=1), 1).astype(np.int64)
            - 1
        )
        keep = ~has_mem | alive[pidx]
        fen = inc["fen"].to_numpy()
        income = np.zeros(n, np.int64)
        income += _fen_sum(ih[keep], fen[keep], n)
        pc = half_up(income, 12 * nm)
        single_p = self.severe | self.major
        own = keep & has_mem & single_p[pidx]
        single_sum = np.zeros(n, np.int64)
        single_sum += _fen_sum(ih[own], fen[own], n)
        single_inc = half_up(single_sum, np.full(n, 12))

        a = self.asset.filter(~pl.col("exempt"))
        ah, ak, av = a["hh"].to_numpy(), a["kind"].to_numpy(), a["fen"].to_numpy()
        fin = np.zeros(n, np.int64)
        fm = np.isin(ak, ["deposit", "security", "insurance"])
        fin += _fen_sum(ah[fm], av[fm], n)
        veh = np.bincount(ah[ak == "vehicle"], minlength=n)
        prop = np.bincount(ah[ak == "property"], minlength=n)
        bus = np.bincount(ah[ak == "business"], minlength=n)
        fin_pc = half_up(fin, nm)
        property_ok = (veh == 0) & (prop <= 1) & (bus == 0)

        unable = self._unable(age)
        minor = age < 18
        n_orph = cnt(minor & (self.child_status == "orphan"))
        n_unsup = cnt(minor & (self.child_status == "unsupported"))
        cand = unable & ~(minor & (self.child_status != "none"))
        n_able = nm - cnt(unable)
        obligor_able = cnt(cand & (self.obligor == "able")) > 0
        unverified = cnt(cand & (self.obligor == "unknown"))
        care_fen = np.select(
            [self.self_care == "none", self.self_care == "partial"],
            [TEKUN_CARE_FEN["none"], TEKUN_CARE_FEN["partial"]],
            TEKUN_CARE_FEN["full"],
        )
        care = np.bincount(ph, weights=np.where(alive & cand, care_fen, 0), minlength=n).astype(
            np.int64
        )
        tekun_n = nm - n_orph - n_unsup
        tekun_e = (
            (nm >= 1)
            & (n_able == 0)
            & ~obligor_able
            & (unverified == 0)
            & (pc < std)
            & (fin_pc <= ASSET_MONTHS * std)
            & property_ok
            & (tekun_n >= 1)
        )
        tekun_amt = ceil_yuan(-(-(tekun_n * 13 * std) // 10) + care)
        dibao_e = ~tekun_e & (nm >= 1) & (pc < std) & (fin_pc <= ASSET_MONTHS * std) & property_ok
        dibao_amt = ceil_yuan((std - pc) * nm)
        n_single = cnt(single_p)
        single_e = (
            ~dibao_e
            & ~tekun_e
            & (pc * 10 < EDGE_MULTIPLIER_TENTHS * std)
            & (fin_pc <= EDGE_ASSET_MONTHS * std)
            & property_ok
            & (n_single >= 1)
            & (single_inc < n_single * std)
        )
        single_amt = ceil_yuan(n_single * std - single_inc)

        r = self.roll_df.filter(pl.col("status") == "active")
        rolled: dict[str, np.ndarray] = {}
        on_roll: dict[str, np.ndarray] = {}
        for prog in r["programme"].unique().to_list():
            rp = r.filter(pl.col("programme") == prog)
            amt = np.zeros(n, np.int64)
            amt += _fen_sum(rp["hh"].to_numpy(), rp["fen"].to_numpy(), n)
            rolled[prog] = amt
            on_roll[prog] = np.bincount(rp["hh"].to_numpy(), minlength=n) > 0
        zero = np.zeros(n, np.int64)
        n_emp = cnt(np.isin(self.employment, ["employed", "flexible"]))
        phase_e = (
            on_roll.get("dibao", zero > 0)
            & ~dibao_e
            & ~tekun_e
            & (n_emp >= 1)
            & (pc >= std)
            & (pc < PHASE_OUT_MULTIPLIER * std)
        )
        grade = self.dis_grade
        n_dis = cnt(grade >= 1)
        n_dis12 = cnt((grade >= 1) & (grade <= 2))
        n_dis34 = cnt(grade >= 3)
        living_e = (dibao_e | single_e | tekun_e) & (n_dis >= 1)
        living_amt = n_dis12 * DISABILITY_LIVING_FEN[1] + n_dis34 * DISABILITY_LIVING_FEN[3]
        due = {
            "dibao": (dibao_e, dibao_amt),
            "tekun": (tekun_e, tekun_amt),
            "dibao_single": (single_e, single_amt),
            "phase_out": (phase_e, rolled.get("dibao", zero)),
            "disability_living_subsidy": (living_e, living_amt),
            "disability_care_subsidy": (n_dis12 >= 1, n_dis12 * DISABILITY_CARE_FEN),
            "orphan_allowance": (n_orph >= 1, n_orph * CHILD_ALLOWANCE_FEN),
            "unsupported_child_allowance": (n_unsup >= 1, n_unsup * CHILD_ALLOWANCE_FEN),
        }
        self.rule = due  # for the stats
        kind_of = {
            "tekun": {"tekun_not_on_roll": self.tekun_missing},
            "orphan_allowance": {"orphan_not_on_roll": self.child_missing["orphan"]},
            "unsupported_child_allowance": {
                "unsupported_child_not_on_roll": self.child_missing["unsupported"]
            },
            "dibao": {
                k: planted[k]
                for k in (
                    "eligible_not_on_roll",
                    "ineligible_income_rose",
                    "ineligible_vehicle",
                    "amount_mismatch",
                    "deceased_member_on_roll",
                )
            },
        }
        follows = {
            "dibao_single": "single_dibao_not_on_roll",
            "phase_out": "phase_out_due",
            "disability_living_subsidy": "disability_subsidy_follows",
        }
        first_member = {
            "tekun": self.tekun_person,
            "orphan_allowance": self.child_status == "orphan",
            "unsupported_child_allowance": self.child_status == "unsupported",
        }
        rows = []
        for prog, (elig, amount) in due.items():
            on = on_roll.get(prog, zero > 0)
            paid = rolled.get(prog, zero)
            flag = np.where(
                elig & ~on,
                "missed",
                np.where(
                    ~elig & on,
                    "wrongly_included",
                    np.where(elig & (amount != paid), "amount_diff", ""),
                ),
            )
            kind = np.full(n, follows.get(prog, "unplanned"), dtype=object)
            for k, hhs in kind_of.get(prog, {}).items():
                kind[hhs] = k
            listed = flag != ""
            for hhs in kind_of.get(prog, {}).values():
                listed[hhs] = True  # a planted case is listed even if nothing is to be found
            hh = np.flatnonzero(listed)
            member = np.full(hh.size, -1, np.int64)
            if prog in first_member:
                sel = first_member[prog] & alive
                firsts = np.full(n, -1, np.int64)
                idx = np.flatnonzero(sel)[::-1]  # reversed: the first member wins
                firsts[ph[idx]] = self.p_member_no[idx]
                member = firsts[hh]
            if prog == "dibao":
                member = np.array([dead_member.get(int(h), -1) for h in hh], np.int64)
            rows.append(
                pl.DataFrame(
                    {
                        "hh": hh.astype(np.int64),
                        "kind": _s(kind[hh]),
                        "member_no": pl.Series(member, dtype=pl.Int64),
                        "expected_fen": np.where(elig[hh], amount[hh], 0).astype(np.int64),
                        "programme": prog,
                        "expected_flag": _s(flag[hh]),
                    }
                )
            )
        for k in ("boundary_at_standard", "boundary_below_standard"):
            hh = np.asarray(planted[k], np.int64)
            rows.append(
                pl.DataFrame(
                    {
                        "hh": hh,
                        "kind": k,
                        "member_no": pl.Series(np.full(hh.size, -1), dtype=pl.Int64),
                        "expected_fen": np.where(dibao_e[hh], dibao_amt[hh], 0).astype(np.int64),
                        "programme": "dibao",
                        "expected_flag": "",
                    }
                )
            )
        hh = np.flatnonzero(self.recent_event & (nm >= 1))
        rows.append(
            pl.DataFrame(
                {
                    "hh": hh.astype(np.int64),
                    "kind": "emergency_recent",
                    "member_no": pl.Series(np.full(hh.size, -1), dtype=pl.Int64),
                    "expected_fen": np.minimum(
                        TEMPORARY_AID_CAP_FEN, TEMPORARY_AID_MONTHS * std * nm[hh]
                    ).astype(np.int64),
                    "programme": "temporary_aid",
                    "expected_flag": "",
                }
            )
        )
        truth = pl.concat(rows, how="vertical_relaxed").with_columns(
            member_no=pl.when(pl.col("member_no") > 0).then(pl.col("member_no"))
        )
        return truth.unique(["hh", "programme", "kind"], maintain_order=True).sort(
            "hh", "programme", "kind"
        )

    # ---------------------------------------------------------------- assemble
    def assemble(self) -> SynthResult:
        as_of = self.as_of
        hh_num = self.hh_number
        v = self.villages
        vname = v["short"].gather(self.vidx)
        tname = v["township_name"].fill_null("").gather(self.vidx)
        rng = self.rng
        n = self.n
        detail_urban = (
            _digits_str(rng.integers(1, 40, n), 1)
            + pl.lit("幢")
            + _digits_str(rng.integers(1, 4, n), 1)
            + pl.lit("单元")
            + _digits_str(rng.integers(1, 18, n), 1)
            + _digits_str(rng.integers(1, 4, n), 2)
            + pl.lit("室")
        )
        detail_rural = (
            _digits_str(rng.integers(1, 15, n), 1)
            + pl.lit("组")
            + _digits_str(rng.integers(1, 80, n), 1)
            + pl.lit("号")
        )
        detail = pl.select(
            pl.when(pl.Series(self.urban)).then(detail_urban).otherwise(detail_rural)
        ).to_series()
        address = tname + vname + detail
        head_phone = self.p_phone.gather(self.hh_first)
        # Own stream: the phone dates and the 特困 support mode leave every other draw unchanged.
        rng3 = np.random.default_rng([self.config_seed, 3])
        m = self.p_hh.size
        age_days = rng3.integers(0, 900, m)  # about 40 % older than a year: the worklist's share
        phone_date = pl.Series(
            np.where(self.p_has_phone, (as_of - EPOCH).days - age_days, 0), dtype=pl.Int32
        ).cast(pl.Date)
        phone_date = pl.select(pl.when(pl.Series(self.p_has_phone)).then(phone_date)).to_series()
        tekun_p = self.tekun_person & self.on_tekun[self.p_hh]
        # about a quarter of 特困 people live in the township's 敬老院 (集中供养)
        central = tekun_p & (rng3.random(m) < 0.25)
        support = np.where(central, "centralized", np.where(tekun_p, "dispersed", "")).astype(
            object
        )
        home = (tname.gather(self.p_hh) + "敬老院").to_numpy()
        institution = np.where(central, home, "").astype(object)
        households = pl.DataFrame(
            {
                "number": hh_num,
                "hukou_area": self.villages["code"].gather(self.vidx),
                "residence_area": self.residence,
                "urban_rural": pl.Series(["rural", "urban"]).gather(self.urban.astype(np.int64)),
                "address": address,
                "phone": head_phone,
                "phone_updated_on": phone_date.gather(self.hh_first),
                "status": "active",
            }
        )
        rel_names = ["head", "spouse", "child", "child_in_law", "grandchild", "parent"]
        death = pl.Series(np.where(self.death >= 0, self.death, 0), dtype=pl.Int32).cast(pl.Date)
        death = pl.select(pl.when(pl.Series(self.death >= 0)).then(death)).to_series()
        persons = pl.DataFrame(
            {
                "household_number": hh_num.gather(self.p_hh),
                "member_no": self.p_member_no.astype(np.int64),
                "relation": pl.Series(rel_names).gather(self.p_rel),
                "is_counted": np.ones(self.p_hh.size, bool),
                "id_number": self.p_id,
                "name": self.p_name,
                "sex": pl.Series(["F", "M"]).gather(self.p_male.astype(np.int64)),
                "birth_date": self.p_birth,
                "phone": self.p_phone,
                "disability_type": _s(self.dis_type),
                "disability_grade": pl.Series(
                    np.where(self.dis_grade > 0, self.dis_grade, 0), dtype=pl.Int64
                ),
                "disability_certificate": self.dis_cert,
                "major_illness": self.major,
                "chronic_illness": self.chronic,
                "illness_note": _s(self.ill_note),
                "labour_capacity": _s(self.labour),
                "employment": _s(self.employment),
                "school_stage": _s(self.stage),
                "death_date": death,
                "child_status": _s(self.child_status),
                "phone_updated_on": phone_date,
                "support_mode": _s(support),
                "care_institution": _s(institution),
                # Art. 7 facts: every generated member lives with the household
                "lives_together": np.ones(self.p_hh.size, bool),
                "cannot_live_independently": np.zeros(self.p_hh.size, bool),
                "religious_site_years": pl.Series([None] * self.p_hh.size, dtype=pl.Int64),
                "in_prison": np.zeros(self.p_hh.size, bool),
                "in_drug_rehab": np.zeros(self.p_hh.size, bool),
                "declared_missing": np.zeros(self.p_hh.size, bool),
                "other_exclusion": pl.Series([None] * self.p_hh.size, dtype=pl.Utf8),
                "obligors_checked_on": pl.select(
                    pl.when(pl.Series(self.obligor != "unknown")).then(pl.lit(as_of))
                ).to_series(),
            }
        ).with_columns(
            disability_grade=pl.when(pl.col("disability_grade") > 0).then(
                pl.col("disability_grade")
            )
        )
        person_no = pl.DataFrame(
            {
                "household_number": persons["household_number"],
                "member_no": persons["member_no"],
            }
        )
        self_care_assessments, obligors = self.fact_tables(person_no, as_of)
        job_offers = pl.DataFrame(
            schema={
                c: (pl.Int64 if c == "member_no" else pl.Utf8)
                for c, _, _ in EXPORT_TABLES["job_offers"]
            }
        )
        month0 = self.month0

        def months_back(col: str | pl.Expr) -> pl.Expr:
            """The first day of the month ``col`` months before the reference month."""
            k = pl.col(col) if isinstance(col, str) else col
            total = month0.year * 12 + month0.month - 1 - k
            return pl.date(total // 12, total % 12 + 1, 1)

        inc = self.inc.with_columns(pl.col("hh", "member_no", "fen").cast(pl.Int64)).sort(
            "hh", "member_no", "kind", "note", nulls_last=False
        )
        income_items = inc.select(
            household_number=hh_num.gather(inc["hh"]),
            member_no="member_no",
            kind="kind",
            amount=_money_str("fen"),
            period_start=months_back(pl.col("months") - 1),
            period_end=pl.lit(month0),
            excluded="excluded",
            source="source",
            as_of=pl.lit(as_of),
            note="note",
        )
        asset = self.asset.with_columns(pl.col("hh", "member_no", "fen").cast(pl.Int64)).sort(
            "hh", "kind", "fen"
        )
        assets = asset.select(
            household_number=hh_num.gather(asset["hh"]),
            member_no="member_no",
            kind="kind",
            value=_money_str("fen"),
            description="description",
            registration_no="registration_no",
            exempt="exempt",
            source="source",
            as_of=pl.lit(as_of),
            note=pl.lit(""),
        )
        ex = self.expense.with_columns(pl.col("hh", "member_no", "fen").cast(pl.Int64)).sort(
            "hh", "member_no", "kind"
        )
        rigid = ex.select(
            household_number=hh_num.gather(ex["hh"]),
            member_no="member_no",
            kind="kind",
            amount=_money_str("fen"),
            period_start=pl.lit(self.period_start),
            period_end=pl.lit(month0),
            source="source",
            as_of=pl.lit(as_of),
            note="note",
        )
        ev = self.events.sort("hh", "day")
        emergency_events = ev.select(
            household_number=hh_num.gather(ev["hh"]),
            member_no="member_no",
            kind="kind",
            event_date="event_date",
            loss=_money_str("fen"),
            source="source",
            as_of=pl.lit(as_of),
            note="note",
        )
        r = self.roll_df.with_columns(
            pl.col("hh", "member_no", "fen", "start_back", "end_back").cast(pl.Int64)
        ).sort("hh", "programme", "member_no", "start_back")
        county_short = {
            "321202": "海",
            "321203": "高",
            "321204": "姜",
            "321281": "兴",
            "321282": "靖",
            "321283": "兴",
        }
        r = r.with_row_index("_i")
        start = months_back("start_back")
        roll = r.select(
            household_number=hh_num.gather(r["hh"]),
            member_no="member_no",
            programme="programme",
            monthly_amount=_money_str("fen"),
            start_month=start,
            end_month=pl.when(pl.col("end_back").is_not_null()).then(months_back("end_back")),
            status="status",
            decision_ref=pl.concat_str(
                hh_num.gather(r["hh"]).str.slice(0, 6).replace_strict(county_short, default="市"),
                pl.lit("民救〔"),
                start.dt.year().cast(pl.Utf8),
                pl.lit("〕"),
                (pl.col("_i") + 1).cast(pl.Utf8),
                pl.lit("号"),
            ),
            source=pl.lit("import"),
        )
        tr = self.truth.with_columns(
            pl.col("hh", "member_no", "expected_fen").cast(pl.Int64), pl.col("kind").cast(pl.Utf8)
        )
        truth = tr.select(
            household_number=hh_num.gather(tr["hh"]),
            kind="kind",
            member_no="member_no",
            expected_monthly_amount=pl.when(pl.col("expected_fen").is_not_null()).then(
                _money_str("expected_fen")
            ),
            programme="programme",
            expected_flag="expected_flag",
        ).with_columns(description=pl.col("kind").replace_strict(PLANTED_KINDS))
        truth = truth.select(
            "household_number",
            "kind",
            "member_no",
            "expected_monthly_amount",
            "description",
            "programme",
            "expected_flag",
        )
        stats = {
            "households": n,
            "persons": persons.height,
            "urban_share": float(self.urban.mean()) if n else 0.0,
            "poor_share": float(self.poor.mean()) if n else 0.0,
            "tekun": int(self.tekun.sum()),
            "separated_share": float(self.separated.mean()) if n else 0.0,
            "planted": {k: int((truth["kind"] == k).sum()) for k in PLANTED_KINDS},
            "orphans": int((self.child_status == "orphan").sum()),
            "unsupported_children": int((self.child_status == "unsupported").sum()),
            "obligor_status": {
                k: int((self.obligor == k).sum()) for k in ("none", "unable", "able", "unknown")
            },
            "emergency_events": self.events.height,
            "due": {k: int(v[0].sum()) for k, v in self.rule.items()},
        }
        return SynthResult(
            config=self.c,
            tables={
                "households": households,
                "persons": persons,
                "income_items": income_items,
                "assets": assets,
                "rigid_expenses": rigid,
                "emergency_events": emergency_events,
                "self_care_assessments": self_care_assessments,
                "obligors": obligors,
                "job_offers": job_offers,
                "roll_entries": roll,
            },
            ground_truth=truth,
            stats=stats,
        )


def generate(config: SynthConfig, areas: pl.DataFrame | None = None) -> SynthResult:
    """Generate the synthetic county for ``config``; ``areas`` defaults to the shipped 泰州 table."""
    if config.households < 1:
        raise ValueError("households must be at least 1")
    g = _Gen(config, read_areas() if areas is None else areas)
    g.households()
    g.members()
    g.names()
    g.attributes()
    g.income()
    g.poverty()
    g.assets()
    g.roll()
    return g.assemble()
