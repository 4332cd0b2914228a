"""The matching engine: link department records to registry persons, and find duplicates.

Pure Python over Polars, DuckDB and Splink — no Django (a test enforces it). Two stages:

1. **Exact.** Clean every ID number (strip, full-width digits to ASCII, upper-case, upgrade an
   old 15-digit number to 18 digits) and check it (GB 11643 MOD 11-2). A valid number is joined
   exactly to the registry. A number with characters no ID number has is *ignored* (the record is
   compared without it) and reported in the run's ``stats["bad_ids"]``: one bad record never
   stops a batch.
2. **Probabilistic.** Every record not linked exactly goes to Splink (DuckDB backend): an invalid
   or missing number, and also a *valid number the registry does not know* — it may belong to a
   person registered without a number, or be an old 15-digit number converted with a typo (a
   15-digit number has no check digit). Records are blocked and compared the way Chinese records
   go wrong; the comparisons are built so that the model is safe by design (docs/verification-model.md):

   - ID number: equal / one *explainable* error (one digit, two adjacent digits swapped, the
     15→18 upgrade, judged on the first 17 digits when at least one side is not a checked
     18-digit number) / two checked numbers one digit apart / two digits / more (strongly against);
   - name: characters equal (term-frequency adjusted: a common name is weaker evidence) / pinyin
     equal (张/章, 燕/艳, 張/张) / same surname, other given name (against) / other (against);
   - birth date: equal / one digit (against) / other (strongly against);
   - sex: equal / other (strongly against);
   - area: same village / same township / same county, one side known only to the county /
     same county, other township (against) / other county (against).

   The model's m/u parameters are trained by EM on the data of the run, then *reviewed*
   (``review_model``): every level's match weight must lie inside ``WEIGHT_BOUNDS``, and a weight
   outside is clamped to the bound and listed in the model's review. The reviewed model, with its
   ``MODEL_VERSION``, is saved with the run; a saved model of another version is refused
   (``ModelRefused``) and the caller retrains.

Decisions are gated by certainty (``decide``): a pair is accepted automatically only when its
probability is at least ``accept``, it is clearly ahead of the next candidate, and *no* field
disagrees among sex, birth date, township (area), given name and ID number (several digits off, or
two different checked numbers). Everything else at or above ``review`` goes to a person. A death
acts on a payment only when the link is an exact ID match, a person's confirmation, or a
probabilistic link at or above ``HOLD_PROBABILITY`` (see ``link_holds_payment``). Earlier decisions
of people (``decisions``: confirmed / rejected pairs) override the model in every later run; the
rejected pairs (false-link reports) are also counted into the next trained model's review.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb
import numpy as np
import polars as pl

from jiuzhu.core.idcard import CHECK_CHARS, WEIGHTS

ACCEPT_PROBABILITY = 0.99
REVIEW_PROBABILITY = 0.60
# A probabilistic link acts on money (a death's payment hold) only at or above this probability;
# an exact ID match or a person's confirmation always does. Documented in docs/verification-model.md.
HOLD_PROBABILITY = 0.999
# The comparisons and bounds below; a saved model of another version is not reused.
MODEL_VERSION = "2026.12-safe-2"
# An accepted link must beat the next candidate for the same record by this many match-weight
# points (a factor of 2**4 = 16 in the odds); otherwise a person decides.
MARGIN_WEIGHT = 4.0

METHOD_EXACT = "exact"  # valid 18-digit ID equal
METHOD_ID15 = "id15"  # old 15-digit ID upgraded, then equal
METHOD_PROBABILISTIC = "probabilistic"
METHOD_CONFIRMED = "confirmed"  # a person confirmed the pair

STATUS_ACCEPTED = "accepted"
STATUS_REVIEW = "review"

# Methods whose link is certain enough to act on money without a person looking at it.
CERTAIN_METHODS = (METHOD_EXACT, METHOD_ID15, METHOD_CONFIRMED)


def link_holds_payment(method: str | None, probability: float | None) -> bool:
    """Whether a link may stop a payment on its own (a death's automatic hold)."""
    if method is None or method in CERTAIN_METHODS:
        return True
    return probability is not None and probability >= HOLD_PROBABILITY


COMPARISON_COLUMNS = ("id_number", "name", "birth_date", "sex", "area")

PERSON_SCHEMA = {
    "person_id": pl.Int64,
    "id_number": pl.Utf8,
    "name": pl.Utf8,
    "sex": pl.Utf8,
    "birth_date": pl.Date,
    "area_code": pl.Utf8,
}
RECORD_SCHEMA = {
    "record_id": pl.Int64,
    "id_number": pl.Utf8,
    "name": pl.Utf8,
    "sex": pl.Utf8,
    "birth_date": pl.Date,
    "area_code": pl.Utf8,
}

logging.getLogger("splink").setLevel(logging.WARNING)


# --------------------------------------------------------------------------- ID numbers


def _check_digit_expr(first17: pl.Expr) -> pl.Expr:
    """The GB 11643 check character of a 17-digit string, as a Polars expression."""
    total = pl.lit(0, dtype=pl.Int32)
    for i, w in enumerate(WEIGHTS):
        total = total + first17.str.slice(i, 1).cast(pl.Int32, strict=False) * w
    return (total % 11).replace_strict(dict(enumerate(CHECK_CHARS)), return_dtype=pl.Utf8)


FULL_WIDTH = [chr(0xFF10 + i) for i in range(10)] + ["Ｘ", "ｘ"]
ASCII = [str(i) for i in range(10)] + ["X", "X"]

_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
_CHECK_MAP = dict(enumerate(CHECK_CHARS))
_ZEROS17 = "0" * 17


def _check_chars(first17: pl.Series) -> pl.Series:
    """Check characters for a column of 17-digit strings (others → null), vectorised in numpy.

    The strings are laid end to end in one Arrow buffer of exactly 17 bytes each, so the whole
    column is one (n, 17) matrix of digits and the weighted sum is one matrix product. Only ASCII
    digits count (``\\d`` would also take full-width ３ and break the 17-byte layout).
    """
    ok = first17.str.contains(r"^[0-9]{17}$").fill_null(False)
    fixed = pl.select(pl.when(ok).then(first17).otherwise(pl.lit(_ZEROS17))).to_series()
    arr = fixed.cast(pl.Utf8).to_arrow()
    if hasattr(arr, "combine_chunks"):
        arr = arr.combine_chunks()
    arr = arr.cast("large_string") if str(arr.type) == "string_view" else arr
    buffers = arr.buffers()
    offsets_dtype = np.int64 if str(arr.type) == "large_string" else np.int32
    offsets = np.frombuffer(buffers[1], dtype=offsets_dtype)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    digits = data.reshape(len(arr), 17).astype(np.int64) - 48
    index = pl.Series(((digits @ _WEIGHTS) % 11).astype(np.uint8))
    out = index.replace_strict(_CHECK_MAP, return_dtype=pl.Utf8)
    return pl.select(pl.when(ok).then(out).otherwise(None)).to_series()


def clean_ids(frame: pl.LazyFrame | pl.DataFrame, column: str = "id_number") -> pl.LazyFrame:
    """Add ``id_clean`` (upper-case, 15-digit upgraded), ``id_valid``, ``id_was15``, ``id_birth``.

    The same rule as ``jiuzhu.core.idcard`` (a test keeps them in step), vectorised.
    """
    df = frame.lazy().collect() if isinstance(frame, pl.LazyFrame) else frame
    raw = (
        pl.col(column)
        .cast(pl.Utf8)
        .str.replace_many(FULL_WIDTH, ASCII)
        .str.replace_all(r"\s", "")
        .str.to_uppercase()
    )
    df = df.with_columns(_id_raw=pl.when(raw == "").then(None).otherwise(raw))
    # A number with characters no ID number has (letters, punctuation, 〇) is not read at all:
    # the record is compared without it, and the run reports it.
    bad = pl.col("_id_raw").is_not_null() & ~pl.col("_id_raw").str.contains(r"^[0-9X]+$")
    df = df.with_columns(
        id_bad=bad.fill_null(False), _id_raw=pl.when(bad).then(None).otherwise(pl.col("_id_raw"))
    )
    is15 = pl.col("_id_raw").str.contains(r"^\d{15}$").fill_null(False)
    df = df.with_columns(
        id_was15=is15,
        _first17=pl.when(is15)
        .then(pl.col("_id_raw").str.slice(0, 6) + pl.lit("19") + pl.col("_id_raw").str.slice(6))
        .otherwise(pl.col("_id_raw").str.slice(0, 17)),
    )
    check = _check_chars(df["_first17"])
    df = df.with_columns(_check=check).with_columns(
        id_clean=pl.when(pl.col("id_was15"))
        .then(pl.col("_first17") + pl.col("_check"))
        .otherwise(pl.col("_id_raw"))
    )
    birth = pl.col("id_clean").str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    df = df.with_columns(
        id_valid=(
            (pl.col("id_clean").str.len_bytes() == 18)
            & (pl.col("id_clean").str.slice(17, 1) == pl.col("_check"))
            & birth.is_not_null()
        ).fill_null(False),
        id_birth=birth,
    )
    return df.drop("_id_raw", "_first17", "_check").lazy()


# --------------------------------------------------------------------------- names


@lru_cache(maxsize=1)
def _pinyin():
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin, Style


def pinyin_of(text: str) -> str:
    lazy_pinyin, style = _pinyin()
    return "".join(lazy_pinyin(text, style=style.NORMAL, errors="ignore"))


def normalise_name(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Utf8).str.strip_chars().str.replace_all(r"[\s·•.．]", "")


def add_name_features(frame: pl.LazyFrame, column: str = "name") -> pl.LazyFrame:
    """``name_norm``, ``name_py`` (toneless pinyin, one syllable per character, joined) and
    ``surname_py``; pinyin is looked up once per distinct character, so a million names cost a
    join, not a million pypinyin calls."""
    lf = frame.with_columns(name_norm=normalise_name(pl.col(column)))
    chars = (
        lf.select(pl.col("name_norm").str.split("").alias("c"))
        .explode("c")
        .unique()
        .drop_nulls()
        .collect()
    )
    mapping = pl.DataFrame(
        {"c": chars["c"], "py": [pinyin_of(c) or c for c in chars["c"].to_list()]},
        schema={"c": pl.Utf8, "py": pl.Utf8},
    )
    table = dict(zip(mapping["c"].to_list(), mapping["py"].to_list(), strict=True))
    names = lf.select("name_norm").unique().collect()
    syllables = (
        names["name_norm"]
        .str.split("")
        .list.eval(pl.element().replace_strict(table, default=pl.element(), return_dtype=pl.Utf8))
    )
    exploded = names.with_columns(
        name_py=syllables.list.join(""), surname_py=syllables.list.first()
    ).lazy()
    return lf.join(exploded, on="name_norm", how="left", nulls_equal=True, maintain_order="left")


# --------------------------------------------------------------------------- preparation


def prepare(frame: pl.DataFrame | pl.LazyFrame, uid: str, *, cleaned: bool = False) -> pl.DataFrame:
    """Common columns both sides of a link share (``uid`` is the unique id column)."""
    lf = frame.lazy() if cleaned else clean_ids(frame)
    lf = add_name_features(lf)
    lf = lf.with_columns(
        # the birth date in an *invalid* number is not evidence of its own: its digits are the
        # ones the ID comparison already looks at, and may be the wrong digit
        birth_date=pl.coalesce(
            pl.col("birth_date"), pl.when(pl.col("id_valid")).then(pl.col("id_birth"))
        ),
        # a birth date read from an old 15-digit number (no check digit: a typo there goes
        # unnoticed) is the same evidence as the number itself; compared against a side that has
        # a number, the ID comparison alone judges those digits (see the birth comparison)
        birth_id15=(
            pl.col("birth_date").is_null() & pl.col("id_valid") & pl.col("id_was15")
        ).fill_null(False),
        area_code=pl.col("area_code").cast(pl.Utf8),
    )
    idc = pl.col("id_clean")
    lf = lf.with_columns(
        id_birth8=idc.str.slice(6, 8),
        id_seq3=idc.str.slice(14, 3),
        id_addr6=idc.str.slice(0, 6),
        id_tail4=idc.str.slice(14, 4),
        id_year4=idc.str.slice(6, 4),
        id_mmdd4=idc.str.slice(10, 4),
        id17=idc.str.slice(0, 17),
        # a checked 18-digit number as written (a converted 15-digit number has no check digit)
        id_trusted=(pl.col("id_valid") & ~pl.col("id_was15")).fill_null(False),
        area6=pl.col("area_code").str.slice(0, 6),
        area9=pl.col("area_code").str.slice(0, 9),
        area_len=pl.col("area_code").str.len_chars().fill_null(0).cast(pl.Int32),
        birth_str=pl.col("birth_date").dt.strftime("%Y%m%d"),
    )
    cols = [
        pl.col(uid).alias("uid"),
        "id_clean",
        "id_valid",
        "id_was15",
        "id_trusted",
        "name_norm",
        "name_py",
        "surname_py",
        "sex",
        "birth_date",
        "birth_str",
        "area_code",
        "area6",
        "area9",
        "area_len",
        "id_birth8",
        "id_seq3",
        "id_addr6",
        "id_tail4",
        "id_year4",
        "id_mmdd4",
        "id17",
        "birth_id15",
    ]
    return lf.select(cols).collect()


# --------------------------------------------------------------------------- the Splink model


def gettext_noop(message: str) -> str:
    """Marks a label for translation (makemessages finds it) without importing Django."""
    return message


# The levels of each comparison, best first, as (key, Chinese label). Splink numbers a
# comparison's levels from n-1 (the first) down to 0 (the last); -1 is "one side missing".
LEVELS: dict[str, list[tuple[str, str]]] = {
    "id_number": [
        ("id_exact", gettext_noop("身份证号相同")),
        (
            "id_explainable",
            gettext_noop("身份证号差一处可解释的错（一位错、相邻两位颠倒或15位升级）"),
        ),
        ("id_valid_close", gettext_noop("两个有效身份证号仅差一位")),
        ("id_two", gettext_noop("身份证号差两位")),
        ("id_other", gettext_noop("身份证号差多位")),
    ],
    "name": [
        ("name_exact", gettext_noop("姓名相同")),
        ("name_pinyin", gettext_noop("姓名读音相同（同音字、繁简）")),
        ("name_surname", gettext_noop("同姓不同名")),
        ("name_other", gettext_noop("姓名不同")),
    ],
    "birth_date": [
        ("birth_exact", gettext_noop("出生日期相同")),
        ("birth_one", gettext_noop("出生日期差一位数字")),
        ("birth_other", gettext_noop("出生日期不同")),
    ],
    "sex": [("sex_same", gettext_noop("性别相同")), ("sex_other", gettext_noop("性别不同"))],
    "area": [
        ("area_village", gettext_noop("同村（社区）")),
        ("area_township", gettext_noop("同乡镇（街道）")),
        ("area_county_coarse", gettext_noop("同县（一方只有县级区划）")),
        ("area_county", gettext_noop("同县不同乡镇")),
        ("area_other", gettext_noop("不同县")),
    ],
}
FIELD_LABELS = {
    "id_number": gettext_noop("身份证号"),
    "name": gettext_noop("姓名"),
    "birth_date": gettext_noop("出生日期"),
    "sex": gettext_noop("性别"),
    "area": gettext_noop("区划"),
}


def level_key(column: str, gamma: int | None) -> str | None:
    """The key of a comparison level from its Splink number (None: one side missing)."""
    levels = LEVELS[column]
    if gamma is None or gamma < 0 or gamma >= len(levels):
        return None
    return levels[len(levels) - 1 - gamma][0]


def level_label(column: str, key) -> str:
    """The Chinese label of a level key; a link stored by an earlier engine version (a number)
    has no label of this version."""
    if key is None:
        return gettext_noop("一方缺失")
    if not isinstance(key, str):
        return gettext_noop("（旧版比较结果）")
    return dict(LEVELS[column]).get(key, key)


# Sensible bounds on each level's match weight (log2 of m/u): (lowest, highest), None = open.
# Disagreement on sex, birth date or ID number is strong evidence against; a given name that
# differs counts against; "other township" scores below "same township".
WEIGHT_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "id_exact": (0.0, None),
    "id_explainable": (0.0, None),
    "id_valid_close": (None, 2.0),
    "id_two": (None, 0.0),
    "id_other": (None, -10.0),
    "name_exact": (1.0, None),
    "name_pinyin": (0.0, None),
    "name_surname": (None, -3.0),
    "name_other": (None, -6.0),
    "birth_exact": (0.0, None),
    "birth_one": (None, -2.0),
    "birth_other": (None, -10.0),
    "sex_same": (0.0, 2.0),
    "sex_other": (None, -10.0),
    "area_village": (0.0, None),
    "area_township": (0.0, None),
    "area_county_coarse": (None, 2.0),
    "area_county": (None, 0.0),
    "area_other": (None, -3.0),
}

# Levels that forbid an automatic accept, whatever the other fields say (``decide``).
VETO_LEVELS = frozenset(
    {
        "id_valid_close",
        "id_two",
        "id_other",
        "name_surname",
        "name_other",
        "birth_one",
        "birth_other",
        "sex_other",
        "area_county",
        "area_other",
    }
)
# The term-frequency adjustment of an exact name never counts more than a name this rare.
TF_MINIMUM_U = 1e-4


class ModelRefused(ValueError):
    """A saved model that this engine must not use (another version, or weights out of bounds)."""


def _level(creator, key: str, m: float):
    return creator.configure(m_probability=m, label_for_charts=key)


def _comparisons():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    dl17 = "damerau_levenshtein(id17_l, id17_r) <= 1"
    return [
        cl.CustomComparison(
            output_column_name="id_number",
            comparison_description="身份证号",
            comparison_levels=[
                cll.NullLevel("id_clean"),
                _level(cll.ExactMatchLevel("id_clean"), "id_exact", 0.6),
                _level(
                    cll.CustomLevel(f"(NOT (id_trusted_l AND id_trusted_r)) AND {dl17}"),
                    "id_explainable",
                    0.3,
                ),
                _level(cll.CustomLevel(dl17), "id_valid_close", 0.01),
                _level(cll.DamerauLevenshteinLevel("id_clean", 2), "id_two", 0.06),
                _level(cll.ElseLevel(), "id_other", 0.03),
            ],
        ),
        cl.CustomComparison(
            output_column_name="name",
            comparison_description="姓名",
            comparison_levels=[
                cll.NullLevel("name_norm"),
                cll.ExactMatchLevel("name_norm", term_frequency_adjustments=True).configure(
                    m_probability=0.85,
                    label_for_charts="name_exact",
                    tf_minimum_u_value=TF_MINIMUM_U,
                ),
                _level(cll.ExactMatchLevel("name_py"), "name_pinyin", 0.12),
                _level(cll.ExactMatchLevel("surname_py"), "name_surname", 0.02),
                _level(cll.ElseLevel(), "name_other", 0.01),
            ],
        ),
        cl.CustomComparison(
            output_column_name="birth_date",
            comparison_description="出生日期",
            comparison_levels=[
                cll.CustomLevel(
                    "birth_str_l IS NULL OR birth_str_r IS NULL"
                    " OR (birth_id15_l AND id_clean_r IS NOT NULL)"
                    " OR (birth_id15_r AND id_clean_l IS NOT NULL)"
                ).configure(is_null_level=True),
                _level(cll.ExactMatchLevel("birth_str"), "birth_exact", 0.95),
                _level(cll.DamerauLevenshteinLevel("birth_str", 1), "birth_one", 0.03),
                _level(cll.ElseLevel(), "birth_other", 0.02),
            ],
        ),
        cl.CustomComparison(
            output_column_name="sex",
            comparison_description="性别",
            comparison_levels=[
                cll.NullLevel("sex"),
                _level(cll.ExactMatchLevel("sex"), "sex_same", 0.98),
                _level(cll.ElseLevel(), "sex_other", 0.02),
            ],
        ),
        cl.CustomComparison(
            output_column_name="area",
            comparison_description="区划",
            comparison_levels=[
                cll.NullLevel("area_code"),
                _level(cll.ExactMatchLevel("area_code"), "area_village", 0.6),
                _level(
                    cll.CustomLevel("area9_l = area9_r AND area_len_l >= 9 AND area_len_r >= 9"),
                    "area_township",
                    0.15,
                ),
                _level(
                    cll.CustomLevel("area6_l = area6_r AND (area_len_l < 9 OR area_len_r < 9)"),
                    "area_county_coarse",
                    0.1,
                ),
                _level(cll.ExactMatchLevel("area6"), "area_county", 0.1),
                _level(cll.ElseLevel(), "area_other", 0.05),
            ],
        ),
    ]


BLOCKING_RULES = [
    # one wrong digit anywhere leaves at least one of these pieces of the number intact
    "l.id_birth8 = r.id_birth8 and l.id_seq3 = r.id_seq3",
    "l.id_addr6 = r.id_addr6 and l.id_tail4 = r.id_tail4 and l.surname_py = r.surname_py",
    "l.id_addr6 = r.id_addr6 and l.id_birth8 = r.id_birth8 and l.surname_py = r.surname_py",
    # a wrong digit in the birth date of an old 15-digit number changes the recomputed check
    # digit too: the address, the sequence and either half of the birth date are left
    "l.id_addr6 = r.id_addr6 and l.id_seq3 = r.id_seq3 and l.id_year4 = r.id_year4"
    " and l.surname_py = r.surname_py",
    "l.id_addr6 = r.id_addr6 and l.id_seq3 = r.id_seq3 and l.id_mmdd4 = r.id_mmdd4"
    " and l.surname_py = r.surname_py",
    # no number at all: name and birth date
    "l.birth_str = r.birth_str and l.surname_py = r.surname_py",
    "l.name_py = r.name_py and l.area6 = r.area6",
]


def _settings(link_type: str, prior: float):
    from splink import SettingsCreator

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="uid",
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=BLOCKING_RULES,
        probability_two_random_records_match=prior,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        max_iterations=20,
    )


def name_frequencies(persons: pl.DataFrame) -> pl.DataFrame:
    """The term-frequency table of names (``name_norm``, ``tf_name_norm``) of a prepared frame:
    the share of the registry bearing each name, so that 王伟 agreeing counts less than 欧阳晓曦."""
    n = max(1, len(persons))
    return (
        persons.filter(pl.col("name_norm").is_not_null())
        .group_by("name_norm")
        .agg(tf_name_norm=(pl.len() / n).cast(pl.Float64))
    )


def _linker(con, tables: list[pl.DataFrame], settings, name_tf: pl.DataFrame | None = None):
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    sdfs = [db_api.register(t.to_arrow()) for t in tables]
    linker = Linker(sdfs[0] if len(sdfs) == 1 else sdfs, settings, log_level=logging.ERROR)
    if name_tf is not None and len(name_tf):
        tf = db_api.register(name_tf.select("name_norm", "tf_name_norm").to_arrow())
        linker.table_management.register_term_frequency_lookup(tf, "name_norm")
    return linker


@dataclass
class LinkModel:
    """A trained Splink model (its JSON settings with m/u parameters), saved with a run, with
    the engine version it belongs to and its review (bounds checked, what was clamped)."""

    settings: dict
    trained_on: dict = field(default_factory=dict)
    version: str = ""
    review: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.as_dict())

    def as_dict(self) -> dict:
        return {
            "settings": self.settings,
            "trained_on": self.trained_on,
            "version": self.version,
            "review": self.review,
        }

    @classmethod
    def from_json(cls, text: str) -> LinkModel:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict) -> LinkModel:
        return cls(
            settings=data["settings"],
            trained_on=data.get("trained_on", {}),
            version=data.get("version", ""),
            review=data.get("review", {}),
        )

    def weights(self) -> dict[str, float]:
        """Each level's match weight (log2 m/u) by level key."""
        out = {}
        for lv in _levels(self.settings):
            m, u = lv.get("m_probability"), lv.get("u_probability")
            if m and u:
                out[lv["label_for_charts"]] = math.log2(m / u)
        return out


def _levels(settings: dict):
    for comparison in settings["comparisons"]:
        for lv in comparison["comparison_levels"]:
            if not lv.get("is_null_level") and lv.get("label_for_charts") in WEIGHT_BOUNDS:
                yield lv


def review_model(settings: dict) -> tuple[dict, list[dict]]:
    """Check every level's weight against ``WEIGHT_BOUNDS`` and the area levels' order
    (village ≥ township ≥ county); clamp what lies outside (m moved, u kept). Returns the
    reviewed settings and what was changed (level, weight before, weight after)."""
    changed = []
    area_cap = None
    for lv in _levels(settings):
        key = lv["label_for_charts"]
        m, u = lv.get("m_probability"), lv.get("u_probability")
        if not m or not u:
            continue
        w = math.log2(m / u)
        lo, hi = WEIGHT_BOUNDS[key]
        if key.startswith("area_") and area_cap is not None:
            hi = area_cap if hi is None else min(hi, area_cap)
        target = w
        if hi is not None and w > hi:
            target = hi
        if lo is not None and w < lo:
            target = lo
        if target != w:
            lv["m_probability"] = u * 2**target
            changed.append({"level": key, "before": round(w, 3), "after": round(target, 3)})
        if key.startswith("area_"):
            area_cap = target
    return settings, changed


def check_model(model: LinkModel) -> None:
    """Refuse a saved model of another engine version or with a weight outside its bounds."""
    if model.version != MODEL_VERSION:
        raise ModelRefused(f"model version {model.version or '(none)'} is not {MODEL_VERSION}")
    names = {c.get("output_column_name") for c in model.settings.get("comparisons", [])}
    if names != set(LEVELS):
        raise ModelRefused(f"model compares {sorted(names)}, not {sorted(LEVELS)}")
    for key, w in model.weights().items():
        lo, hi = WEIGHT_BOUNDS[key]
        if (lo is not None and w < lo - 1e-6) or (hi is not None and w > hi + 1e-6):
            raise ModelRefused(f"weight of {key} ({w:.2f}) outside its bounds {lo}..{hi}")


def _train(
    con,
    tables,
    link_type: str,
    prior: float,
    seed: int,
    u_pairs: float = 1e6,
    name_tf: pl.DataFrame | None = None,
    negatives: list[dict[str, str]] | None = None,
) -> LinkModel:
    linker = _linker(con, tables, _settings(link_type, prior), name_tf)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=u_pairs, seed=seed, min_count_per_level=None, num_chunks=1
    )
    # EM twice, each time with a blocking rule that leaves the other comparisons free. A rule that
    # yields no pairs in a small data set is skipped: the levels keep their prior m values.
    from splink.internals.exceptions import EMTrainingException

    for rule in (
        "l.birth_str = r.birth_str and l.surname_py = r.surname_py",
        "l.id_birth8 = r.id_birth8 and l.id_seq3 = r.id_seq3",
    ):
        before = linker.misc.save_model_to_json()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, record_sample_proportion=1.0
            )
        except (EMTrainingException, ValueError):  # no pairs, or a level driven to m = 0
            # a failed session can leave the comparisons it had set aside out of the linker's
            # settings: start again from the model as it was before the session
            linker = _linker(con, tables, before, name_tf)
            continue
    settings = _id_u(_floor_m(linker.misc.save_model_to_json()), len(tables[-1]))
    missing = {c["output_column_name"] for c in settings["comparisons"]} ^ set(LEVELS)
    if missing:
        raise ModelRefused(f"trained model lacks comparisons: {sorted(missing)}")
    # The prior is fixed by the data's shape (each record is at most one of the persons), not
    # left to EM, which can drive it anywhere on a small or skewed run.
    settings["probability_two_random_records_match"] = prior
    negatives = [n for n in (negatives or []) if usable_pattern(n)]
    settings, adjusted = apply_false_links(settings, negatives, matches=len(tables[0]))
    settings, clamped = review_model(settings)
    patterns: dict[str, int] = {}
    for n in negatives:
        if not all_agree(n):
            patterns[pattern_key(n)] = patterns.get(pattern_key(n), 0) + 1
    return LinkModel(
        settings=settings,
        trained_on={"rows": [len(t) for t in tables], "seed": seed, "link_type": link_type},
        version=MODEL_VERSION,
        review={
            "bounds": "WEIGHT_BOUNDS",
            "clamped": clamped,
            # reviewers' "not the same person" decisions on proposed or accepted links: labelled
            # non-matches, taken out of the trained m (``apply_false_links``), and their
            # patterns (unless every field agrees, ``all_agree``) never accepted automatically
            # again (``link_records``)
            "false_link_reports": len(negatives),
            "false_link_adjusted": adjusted,
            "false_link_patterns": patterns,
        },
    )


def pattern_key(levels: dict[str, str | None]) -> str:
    """A pair's comparison pattern (each field's level key, ``-`` for missing) as one string."""
    return "|".join(str(levels.get(col) or "-") for col in LEVELS)


def all_agree(levels: dict[str, str | None]) -> bool:
    """Every field present is at its best level: nothing in such a pattern sets a false link
    apart from a true one (a namesake born the same day in the same village), so it is learnt
    from through the weights only, never made a constraint — that would send every record
    without a number to a person."""
    return all(k is None or k == LEVELS[col][0][0] for col, k in levels.items() if col in LEVELS)


def usable_pattern(levels: dict) -> bool:
    """A false-link report the model can learn from: the levels of this engine's comparisons
    (an exact-number link has only ``id_exact``; a link of an older engine has numbers)."""
    known = [k for col, k in levels.items() if col in LEVELS and k in dict(LEVELS[col])]
    return len(known) >= 2 and all(
        k is None or (col in LEVELS and k in dict(LEVELS[col])) for col, k in levels.items()
    )


def apply_false_links(
    settings: dict, negatives: list[dict[str, str]], *, matches: int
) -> tuple[dict, list[dict]]:
    """Labelled non-matches in the trained model (semi-supervised correction of EM's m).

    EM estimates each level's m as the share of the (expected) matches showing that level; the
    pairs a reviewer marked "not the same person" were counted there as matches. With their
    posterior fixed at 0, each comparison's m counts lose them:
    ``m' = (m·M − c) / (M − n)``, where ``M`` is the number of matches EM counted (taken as the
    number of records trained on — each is at most one person — so the correction is the
    smallest the reports justify), ``c`` the reports showing the level and ``n`` the reports
    with that field present. m is floored at ``M_FLOOR`` and renormalised. Returns the settings
    and the weights changed (level, before, after)."""
    if not negatives:
        return settings, []
    big_m = max(float(matches), 2.0 * len(negatives))
    changed = []
    for comparison in settings["comparisons"]:
        col = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        counts = {lv.get("label_for_charts"): 0 for lv in levels}
        for n in negatives:
            key = n.get(col)
            if key in counts:
                counts[key] += 1
        present = sum(counts.values())
        if not present:
            continue
        before = {
            lv["label_for_charts"]: math.log2(lv["m_probability"] / lv["u_probability"])
            for lv in levels
            if lv.get("m_probability") and lv.get("u_probability")
        }
        ms = [
            max(lv.get("m_probability", M_FLOOR) * big_m - counts[lv.get("label_for_charts")], 0)
            / (big_m - present)
            for lv in levels
        ]
        ms = [max(m, M_FLOOR) for m in ms]
        total = sum(ms)
        for lv, m in zip(levels, ms, strict=True):
            lv["m_probability"] = m / total
            key = lv.get("label_for_charts")
            if key in before and counts[key]:
                after = math.log2(lv["m_probability"] / lv["u_probability"])
                changed.append(
                    {
                        "level": key,
                        "reports": counts[key],
                        "before": round(before[key], 3),
                        "after": round(after, 3),
                    }
                )
    return settings, changed


M_FLOOR = 0.001


def _id_u(settings: dict, n_persons: int) -> dict:
    """u of the near-miss ID levels when random sampling never saw one.

    Two different people's numbers rarely lie one or two digits apart, so a sample of a few
    hundred thousand random pairs usually holds none and leaves u unknown (Splink then uses a
    weak default). The count is bounded by the people *sharing* a birth date and address code: we
    take one such neighbour per record for ≤1 digit (u = 1/N) and ten for ≤2 (u = 10/N) — an
    upper bound, so the weights err on the cautious side.
    """
    n = max(1, n_persons)
    bounds = {"id_explainable": 1 / n, "id_valid_close": 10 / n, "id_two": 10 / n}
    for lv in _levels(settings):
        bound = bounds.get(lv["label_for_charts"])
        if bound is not None:
            u = lv.get("u_probability")
            lv["u_probability"] = bound if u is None or u <= 0 or u > bound else u
    return settings


def _floor_m(settings: dict) -> dict:
    """No level is ever impossible: EM can drive the m of a rare level to 0 (a single differing
    birth-date digit, say), which would veto a pair outright. Floor m at ``M_FLOOR``."""
    for comparison in settings["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        ms = [max(lv.get("m_probability", M_FLOOR), M_FLOOR) for lv in levels]
        total = sum(ms)
        for lv, m in zip(levels, ms, strict=True):
            lv["m_probability"] = m / total
    return settings


def _sample(frame: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    return frame if len(frame) <= n else frame.sample(n=n, seed=seed)


def train_link_model(
    persons: pl.DataFrame,
    residual: pl.DataFrame,
    *,
    seed: int = 1,
    sample: int = 200_000,
    name_tf: pl.DataFrame | None = None,
    negatives: list[dict[str, str]] | None = None,
) -> LinkModel:
    """Train on the records that need probabilistic linkage (prepared frames). ``negatives``:
    the comparison levels of pairs people marked "not the same person" (``apply_false_links``)."""
    left = _sample(residual, sample, seed)
    prior = min(0.5, max(1e-9, 0.5 / max(1, len(persons))))
    con = duckdb.connect()
    try:
        return _train(
            con,
            [left, persons],
            "link_only",
            prior,
            seed,
            name_tf=name_frequencies(persons) if name_tf is None else name_tf,
            negatives=negatives,
        )
    finally:
        con.close()


# --------------------------------------------------------------------------- decisions


def veto_reasons(levels: dict[str, str | None]) -> list[str]:
    """The fields whose disagreement forbids an automatic accept (level keys by comparison)."""
    return [col for col, key in levels.items() if key in VETO_LEVELS]


def decide(
    probability: float,
    levels: dict[str, str | None],
    *,
    clear: bool = True,
    accept: float = ACCEPT_PROBABILITY,
    review: float = REVIEW_PROBABILITY,
) -> str | None:
    """accepted / review / None for one proposed pair: accepted only at or above ``accept``,
    clearly ahead of the next candidate, and with no vetoing disagreement."""
    if probability < review:
        return None
    if probability >= accept and clear and not veto_reasons(levels):
        return STATUS_ACCEPTED
    return STATUS_REVIEW


def _veto_expr(frame: pl.DataFrame) -> pl.Expr:
    """True where a pair has a vetoing level (the frame's gamma_* columns)."""
    out = pl.lit(False)
    for col, levels in LEVELS.items():
        g = f"gamma_{col}"
        if g not in frame.columns:
            continue
        n = len(levels)
        vetoing = [n - 1 - i for i, (key, _label) in enumerate(levels) if key in VETO_LEVELS]
        out = out | pl.col(g).is_in(vetoing).fill_null(False)
    return out


# --------------------------------------------------------------------------- linking


@dataclass
class LinkResult:
    links: (
        pl.DataFrame
    )  # record_id, person_id, method, status, match_weight, match_probability, comparison
    model: LinkModel | None
    stats: dict


LINK_SCHEMA = {
    "record_id": pl.Int64,
    "person_id": pl.Int64,
    "method": pl.Utf8,
    "status": pl.Utf8,
    "match_weight": pl.Float64,
    "match_probability": pl.Float64,
    "comparison": pl.Utf8,
}


def _empty_links() -> pl.DataFrame:
    return pl.DataFrame(schema=LINK_SCHEMA)


def false_link_patterns(decisions: pl.DataFrame | None) -> list[dict[str, str]]:
    """The comparison levels of the rejected pairs of ``decisions`` (its optional ``comparison``
    column: the link as the reviewer saw it, JSON ``{field: {"level": key, …}}``)."""
    if decisions is None or decisions.is_empty() or "comparison" not in decisions.columns:
        return []
    out = []
    for text in decisions.filter(pl.col("decision") == "rejected")["comparison"].to_list():
        try:
            data = json.loads(text) if isinstance(text, str) else (text or {})
        except ValueError:
            continue
        levels = {
            col: (v.get("level") if isinstance(v, dict) else None)
            for col, v in data.items()
            if col in LEVELS
        }
        if usable_pattern(levels):
            out.append(levels)
    return out


def _pattern_expr(frame: pl.DataFrame) -> pl.Expr:
    parts = []
    for col, levels in LEVELS.items():
        n = len(levels)
        keys = {n - 1 - i: key for i, (key, _label) in enumerate(levels)}
        if f"gamma_{col}" in frame.columns:
            parts.append(
                pl.col(f"gamma_{col}").replace_strict(keys, default="-", return_dtype=pl.Utf8)
            )
        else:
            parts.append(pl.lit("-"))
    return pl.concat_str(parts, separator="|")


def _reported_expr(frame: pl.DataFrame, model: LinkModel) -> pl.Expr:
    """True where a pair shows a pattern people reported as a false link before: such a pair is
    never accepted automatically again (a person decides)."""
    patterns = list((model.review or {}).get("false_link_patterns", {}) or {})
    if not patterns:
        return pl.lit(False)
    return _pattern_expr(frame).is_in(patterns)


def _decision_frame(decisions: pl.DataFrame | None) -> pl.DataFrame:
    schema = {"record_id": pl.Int64, "person_id": pl.Int64, "decision": pl.Utf8}
    if decisions is None or decisions.is_empty():
        return pl.DataFrame(schema=schema)
    return decisions.select(list(schema)).cast(schema)


def _comparison_json(frame: pl.DataFrame) -> pl.Expr:
    """Each comparison's level (its key, e.g. ``sex_other``) and weight, as JSON."""
    parts = []
    for name, levels in LEVELS.items():
        if f"gamma_{name}" in frame.columns:
            n = len(levels)
            keys = {n - 1 - i: key for i, (key, _label) in enumerate(levels)}
            parts.append(
                pl.struct(
                    level=pl.col(f"gamma_{name}").replace_strict(
                        keys, default=None, return_dtype=pl.Utf8
                    ),
                    weight=pl.col(f"mw_{name}").round(3) if f"mw_{name}" in frame.columns else None,
                ).alias(name)
            )
    return pl.struct(parts).struct.json_encode()


def predict_pairs(
    con,
    model: LinkModel,
    tables: list[pl.DataFrame],
    *,
    threshold: float,
    name_tf: pl.DataFrame | None = None,
) -> pl.DataFrame:
    settings = dict(model.settings)
    linker = _linker(con, tables, settings, name_tf)
    predictions = linker.inference.predict(
        threshold_match_probability=threshold, warning_mode="never"
    )
    # A table, not a batch reader: no pair above the threshold is an empty frame with the
    # columns, not "Must pass schema, or at least one RecordBatch" (a 500 on 核对).
    return pl.from_arrow(predictions.as_duckdbpyrelation().to_arrow_table())


def link_records(
    persons: pl.DataFrame,
    records: pl.DataFrame,
    *,
    model: LinkModel | None = None,
    decisions: pl.DataFrame | None = None,
    accept: float = ACCEPT_PROBABILITY,
    review: float = REVIEW_PROBABILITY,
    seed: int = 1,
    train_sample: int = 200_000,
    name_tf: pl.DataFrame | None = None,
) -> LinkResult:
    """Link ``records`` (RECORD_SCHEMA) to ``persons`` (PERSON_SCHEMA).

    ``model``: a trained model to reuse (checked: ``ModelRefused`` if it is not one this engine
    may use); None trains one on this data. ``decisions``: frame of (record_id, person_id,
    decision ∈ {confirmed, rejected}) made by people earlier. ``name_tf``: the name frequency
    table of the whole registry, when ``persons`` is only a part of it.
    """
    stats: dict = {"records": len(records), "persons": len(persons)}
    if model is not None:
        check_model(model)
    if records.is_empty() or persons.is_empty():
        return LinkResult(_empty_links(), model, stats)
    started = time.perf_counter()
    p = prepare(persons, "person_id")
    tf = name_frequencies(p) if name_tf is None else name_tf
    # Only the IDs of all records are cleaned; names are read (pinyin) for the residual only.
    r = clean_ids(records).rename({"record_id": "uid"}).collect()
    bad = r.filter(pl.col("id_bad"))["uid"]
    stats["bad_ids"] = len(bad)
    if len(bad):
        stats["bad_id_records"] = bad.head(100).to_list()
    dec = _decision_frame(decisions)

    # Stage 1: exact on a valid number.
    pv = p.filter(pl.col("id_valid")).select(pl.col("uid").alias("person_id"), "id_clean")
    exact = (
        r.filter(pl.col("id_valid"))
        .select(pl.col("uid").alias("record_id"), "id_clean", "id_was15")
        .join(pv, on="id_clean", how="inner")
        .select(
            "record_id",
            "person_id",
            method=pl.when(pl.col("id_was15"))
            .then(pl.lit(METHOD_ID15))
            .otherwise(pl.lit(METHOD_EXACT)),
            status=pl.lit(STATUS_ACCEPTED),
            match_weight=pl.lit(None, dtype=pl.Float64),
            match_probability=pl.lit(1.0),
            comparison=pl.lit('{"id_number":{"level":"id_exact"}}'),
        )
    )
    stats["exact"] = len(exact)
    stats["valid_unknown"] = int(r["id_valid"].sum()) - exact["record_id"].n_unique()

    # Stage 2: everything else, probabilistically — including a valid number the registry does
    # not know (a person registered without a number, a mistyped old 15-digit number).
    residual = prepare(
        r.join(exact.select(pl.col("record_id").alias("uid")), on="uid", how="anti").rename(
            {"uid": "record_id"}
        ),
        "record_id",
        cleaned=True,
    )
    stats["residual"] = len(residual)
    stats["seconds_prepare_exact"] = round(time.perf_counter() - started, 2)
    probabilistic = _empty_links()
    if len(residual):
        con = duckdb.connect()
        try:
            if model is None:
                t0 = time.perf_counter()
                model = train_link_model(
                    p,
                    residual,
                    seed=seed,
                    sample=train_sample,
                    name_tf=tf,
                    negatives=false_link_patterns(decisions),
                )
                stats["seconds_train"] = round(time.perf_counter() - t0, 2)
            t0 = time.perf_counter()
            pairs = predict_pairs(
                con, model, [residual, p], threshold=min(review, 0.5) / 2, name_tf=tf
            )
            stats["seconds_predict"] = round(time.perf_counter() - t0, 2)
        finally:
            con.close()
        stats["candidate_pairs"] = len(pairs)
        if len(pairs):
            pairs = pairs.select(
                pl.col("uid_l").cast(pl.Int64).alias("record_id"),
                pl.col("uid_r").cast(pl.Int64).alias("person_id"),
                "match_weight",
                "match_probability",
                (_veto_expr(pairs) | _reported_expr(pairs, model)).alias("veto"),
                _comparison_json(pairs).alias("comparison"),
            )
            # people's rejections remove a pair before the best candidate is chosen
            rejected = dec.filter(pl.col("decision") == "rejected")
            pairs = pairs.join(rejected, on=["record_id", "person_id"], how="anti")
            ranked = pairs.sort(
                ["record_id", "match_weight"], descending=[False, True]
            ).with_columns(
                rank=pl.int_range(pl.len()).over("record_id"),
                next_weight=pl.col("match_weight").shift(-1).over("record_id"),
            )
            best = ranked.filter(pl.col("rank") == 0)
            clear = (pl.col("next_weight").is_null()) | (
                pl.col("match_weight") - pl.col("next_weight") >= MARGIN_WEIGHT
            )
            probabilistic = best.filter(pl.col("match_probability") >= review).select(
                "record_id",
                "person_id",
                method=pl.lit(METHOD_PROBABILISTIC),
                status=pl.when((pl.col("match_probability") >= accept) & clear & ~pl.col("veto"))
                .then(pl.lit(STATUS_ACCEPTED))
                .otherwise(pl.lit(STATUS_REVIEW)),
                match_weight="match_weight",
                match_probability="match_probability",
                comparison="comparison",
            )
            stats["vetoed"] = int(
                best.filter((pl.col("match_probability") >= accept) & clear & pl.col("veto")).height
            )
    links = pl.concat([exact.cast(LINK_SCHEMA), probabilistic.cast(LINK_SCHEMA)])

    # People's confirmations win over whatever the model said about the record.
    confirmed = dec.filter(pl.col("decision") == "confirmed").select("record_id", "person_id")
    if len(confirmed):
        confirmed = confirmed.join(r.select(pl.col("uid").alias("record_id")), on="record_id")
        links = pl.concat(
            [
                links.join(confirmed.select("record_id"), on="record_id", how="anti"),
                confirmed.select(
                    "record_id",
                    "person_id",
                    method=pl.lit(METHOD_CONFIRMED),
                    status=pl.lit(STATUS_ACCEPTED),
                    match_weight=pl.lit(None, dtype=pl.Float64),
                    match_probability=pl.lit(1.0),
                    comparison=pl.lit('{"decision":"confirmed"}'),
                ).cast(LINK_SCHEMA),
            ]
        )
    stats["accepted"] = int((links["status"] == STATUS_ACCEPTED).sum())
    stats["review"] = int((links["status"] == STATUS_REVIEW).sum())
    return LinkResult(links=links, model=model, stats=stats)


# --------------------------------------------------------------------------- duplicates

DUPLICATE_SCHEMA = {
    "person_a": pl.Int64,
    "person_b": pl.Int64,
    "match_weight": pl.Float64,
    "match_probability": pl.Float64,
    "comparison": pl.Utf8,
}


def _gamma(column: str, key: str) -> int:
    levels = [k for k, _label in LEVELS[column]]
    return len(levels) - 1 - levels.index(key)


def duplicate_rule(frame: pl.DataFrame) -> pl.Expr:
    """Which predicted pairs of registry persons are kept as probable duplicates.

    - other sex: never one person;
    - one household: two people unless the names agree (twins share surname and birth date);
    - two checked numbers (which can only differ by more than a single error): kept only when
      they are one explainable error apart *and* name, sex and birth date agree and the area is
      the same county — a registration whose old 15-digit number was mistyped into a valid
      other number. Two people born the same day in one county, or twins, are left apart.
    """
    sex_other = pl.col("gamma_sex") == _gamma("sex", "sex_other")
    name_agrees = pl.col("gamma_name") >= _gamma("name", "name_pinyin")
    same_household = (pl.col("household_id_l") == pl.col("household_id_r")).fill_null(False)
    both_trusted = pl.col("id_trusted_l") & pl.col("id_trusted_r")
    everything_agrees = (
        name_agrees
        & (pl.col("gamma_sex") == _gamma("sex", "sex_same"))
        & (pl.col("gamma_birth_date") == _gamma("birth_date", "birth_exact"))
        & (pl.col("gamma_area") >= _gamma("area", "area_county"))
        & (pl.col("gamma_id_number") == _gamma("id_number", "id_valid_close"))
    )
    keep = ~sex_other.fill_null(False)
    keep = keep & ~(same_household & ~name_agrees.fill_null(False))
    keep = keep & (~both_trusted.fill_null(False) | everything_agrees.fill_null(False))
    return keep


def find_duplicates(
    persons: pl.DataFrame,
    *,
    model: LinkModel | None = None,
    threshold: float = REVIEW_PROBABILITY,
    seed: int = 1,
) -> tuple[pl.DataFrame, LinkModel | None]:
    """Pairs of registry persons who are probably one person (PERSON_SCHEMA, optionally with
    ``household_id`` for the household-aware rule ``duplicate_rule``).

    Returns (person_a, person_b, match_weight, match_probability, comparison), person_a < person_b.
    The same comparisons and bounds as the record linkage.
    """
    if len(persons) < 2:
        return pl.DataFrame(schema=DUPLICATE_SCHEMA), model
    if model is not None:
        check_model(model)
    households = (
        persons.select(pl.col("person_id").alias("uid"), pl.col("household_id").cast(pl.Int64))
        if "household_id" in persons.columns
        else None
    )
    p = prepare(persons.select(list(PERSON_SCHEMA)), "person_id")
    tf = name_frequencies(p)
    con = duckdb.connect()
    try:
        if model is None:
            prior = min(0.5, max(1e-9, 1.0 / max(1, len(p))))
            model = _train(con, [p], "dedupe_only", prior, seed, name_tf=tf)
            con.close()
            con = duckdb.connect()
        pairs = predict_pairs(con, model, [p], threshold=min(threshold, 0.5) / 2, name_tf=tf)
    finally:
        con.close()
    if pairs.is_empty():
        return pl.DataFrame(schema=DUPLICATE_SCHEMA), model
    pairs = pairs.with_columns(pl.col("uid_l").cast(pl.Int64), pl.col("uid_r").cast(pl.Int64))
    trusted = p.select("uid", "id_trusted")
    pairs = pairs.join(
        trusted.rename({"uid": "uid_l", "id_trusted": "id_trusted_l"}), on="uid_l", how="left"
    ).join(trusted.rename({"uid": "uid_r", "id_trusted": "id_trusted_r"}), on="uid_r", how="left")
    if households is not None:
        pairs = pairs.join(
            households.rename({"uid": "uid_l", "household_id": "household_id_l"}),
            on="uid_l",
            how="left",
        ).join(
            households.rename({"uid": "uid_r", "household_id": "household_id_r"}),
            on="uid_r",
            how="left",
        )
    else:
        pairs = pairs.with_columns(
            household_id_l=pl.lit(None, dtype=pl.Int64), household_id_r=pl.lit(None, dtype=pl.Int64)
        )
    pairs = pairs.filter(duplicate_rule(pairs))
    # a pair of two checked numbers that passed the rule is kept whatever its probability (the
    # rule asked everything else to agree); the others need the threshold
    both = pl.col("id_trusted_l").fill_null(False) & pl.col("id_trusted_r").fill_null(False)
    pairs = pairs.filter(both | (pl.col("match_probability") >= threshold))
    if pairs.is_empty():
        return pl.DataFrame(schema=DUPLICATE_SCHEMA), model
    out = pairs.select(
        pl.min_horizontal("uid_l", "uid_r").alias("person_a"),
        pl.max_horizontal("uid_l", "uid_r").alias("person_b"),
        "match_weight",
        "match_probability",
        _comparison_json(pairs).alias("comparison"),
    )
    return out.cast(DUPLICATE_SCHEMA).unique(["person_a", "person_b"]), model
