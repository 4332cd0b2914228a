"""The matching engine: link department records to registry persons, and find duplicates.

Pure Python over Polars, DuckDB and Splink — no Django (a test enforces it). Two stages:

1. **Exact.** Clean every ID number (strip, upper-case, upgrade an old 15-digit number to 18
   digits) and check it (GB 11643 MOD 11-2). A valid number is joined exactly to the registry.
   MOD 11-2 detects *every* single wrong digit and every swap of two adjacent digits, so a valid
   number the registry does not know belongs to someone else (not to a recipient) and is left
   unlinked.
2. **Probabilistic.** Records whose number is invalid or missing go to Splink (DuckDB backend),
   blocked and compared the way Chinese records go wrong: ID-number pieces and Damerau-Levenshtein
   distance, the pinyin of the name (张/章, 燕/艳, 張/张 read alike) and its characters, the birth
   date, sex and the area code. The model's m/u parameters are trained by EM on the data of the run
   and saved with it (``LinkModel.settings``); every proposed link carries its match weight,
   probability and comparison vector.

Links at or above ``accept`` are accepted; those between ``review`` and ``accept`` (or whose best
candidate is not clearly ahead of the next) go to a person; earlier decisions of people
(``decisions``: confirmed / rejected pairs) override the model in every later run.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb
import numpy as np
import polars as pl

from jiuzhu.core.idcard import CHECK_CHARS, WEIGHTS

ACCEPT_PROBABILITY = 0.99
REVIEW_PROBABILITY = 0.60
# An accepted link must beat the next candidate for the same record by this many match-weight
# points (a factor of 2**4 = 16 in the odds); otherwise a person decides.
MARGIN_WEIGHT = 4.0

METHOD_EXACT = "exact"  # valid 18-digit ID equal
METHOD_ID15 = "id15"  # old 15-digit ID upgraded, then equal
METHOD_PROBABILISTIC = "probabilistic"
METHOD_CONFIRMED = "confirmed"  # a person confirmed the pair

STATUS_ACCEPTED = "accepted"
STATUS_REVIEW = "review"

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


_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
_CHECK_MAP = dict(enumerate(CHECK_CHARS))
_ZEROS17 = "0" * 17


def _check_chars(first17: pl.Series) -> pl.Series:
    """Check characters for a column of 17-digit strings (others → null), vectorised in numpy.

    The strings are laid end to end in one Arrow buffer of exactly 17 bytes each, so the whole
    column is one (n, 17) matrix of digits and the weighted sum is one matrix product.
    """
    ok = first17.str.contains(r"^\d{17}$").fill_null(False)
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
    raw = pl.col(column).cast(pl.Utf8).str.replace_all(" ", "", literal=True).str.to_uppercase()
    df = df.with_columns(_id_raw=pl.when(raw == "").then(None).otherwise(raw))
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
        area_code=pl.col("area_code").cast(pl.Utf8),
    )
    idc = pl.col("id_clean")
    lf = lf.with_columns(
        id_birth8=idc.str.slice(6, 8),
        id_seq3=idc.str.slice(14, 3),
        id_addr6=idc.str.slice(0, 6),
        id_tail4=idc.str.slice(14, 4),
        area6=pl.col("area_code").str.slice(0, 6),
        area9=pl.col("area_code").str.slice(0, 9),
        birth_str=pl.col("birth_date").dt.strftime("%Y%m%d"),
    )
    cols = [
        pl.col(uid).alias("uid"),
        "id_clean",
        "id_valid",
        "id_was15",
        "name_norm",
        "name_py",
        "surname_py",
        "sex",
        "birth_date",
        "birth_str",
        "area_code",
        "area6",
        "area9",
        "id_birth8",
        "id_seq3",
        "id_addr6",
        "id_tail4",
    ]
    return lf.select(cols).collect()


# --------------------------------------------------------------------------- the Splink model


def _comparisons():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return [
        cl.CustomComparison(
            output_column_name="id_number",
            comparison_description="身份证号：相同 / 差1位 / 差2位 / 其他",
            comparison_levels=[
                cll.NullLevel("id_clean"),
                cll.ExactMatchLevel("id_clean").configure(m_probability=0.5),
                cll.DamerauLevenshteinLevel("id_clean", 1).configure(m_probability=0.4),
                cll.DamerauLevenshteinLevel("id_clean", 2).configure(m_probability=0.08),
                cll.ElseLevel().configure(m_probability=0.02),
            ],
        ),
        cl.CustomComparison(
            output_column_name="name",
            comparison_description="姓名：字相同 / 拼音相同(同音字、繁简) / 拼音相近 / 同姓 / 其他",
            comparison_levels=[
                cll.NullLevel("name_norm"),
                cll.ExactMatchLevel("name_norm").configure(m_probability=0.85),
                cll.ExactMatchLevel("name_py").configure(m_probability=0.1),
                cll.JaroWinklerLevel("name_py", 0.92).configure(m_probability=0.02),
                cll.ExactMatchLevel("surname_py").configure(m_probability=0.02),
                cll.ElseLevel().configure(m_probability=0.01),
            ],
        ),
        cl.CustomComparison(
            output_column_name="birth_date",
            comparison_description="出生日期：相同 / 差1位数字 / 其他",
            comparison_levels=[
                cll.NullLevel("birth_str"),
                cll.ExactMatchLevel("birth_str").configure(m_probability=0.95),
                cll.DamerauLevenshteinLevel("birth_str", 1).configure(m_probability=0.03),
                cll.ElseLevel().configure(m_probability=0.02),
            ],
        ),
        cl.CustomComparison(
            output_column_name="sex",
            comparison_description="性别",
            comparison_levels=[
                cll.NullLevel("sex"),
                cll.ExactMatchLevel("sex").configure(m_probability=0.98),
                cll.ElseLevel().configure(m_probability=0.02),
            ],
        ),
        cl.CustomComparison(
            output_column_name="area",
            comparison_description="区划：同村 / 同乡镇 / 同县 / 其他",
            comparison_levels=[
                cll.NullLevel("area_code"),
                cll.ExactMatchLevel("area_code").configure(m_probability=0.6),
                cll.ExactMatchLevel("area9").configure(m_probability=0.15),
                cll.ExactMatchLevel("area6").configure(m_probability=0.15),
                cll.ElseLevel().configure(m_probability=0.1),
            ],
        ),
    ]


BLOCKING_RULES = [
    # one wrong digit anywhere leaves at least one of these pieces of the number intact
    "l.id_birth8 = r.id_birth8 and l.id_seq3 = r.id_seq3",
    "l.id_addr6 = r.id_addr6 and l.id_tail4 = r.id_tail4 and l.surname_py = r.surname_py",
    "l.id_addr6 = r.id_addr6 and l.id_birth8 = r.id_birth8 and l.surname_py = r.surname_py",
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


def _linker(con, tables: list[pl.DataFrame], settings):
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    sdfs = [db_api.register(t.to_arrow()) for t in tables]
    if len(sdfs) == 1:
        return Linker(sdfs[0], settings, log_level=logging.ERROR)
    return Linker(sdfs, settings, log_level=logging.ERROR)


@dataclass
class LinkModel:
    """A trained Splink model (its JSON settings with m/u parameters), saved with a run."""

    settings: dict
    trained_on: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"settings": self.settings, "trained_on": self.trained_on})

    @classmethod
    def from_json(cls, text: str) -> LinkModel:
        data = json.loads(text)
        return cls(settings=data["settings"], trained_on=data.get("trained_on", {}))


def _train(con, tables, link_type: str, prior: float, seed: int, u_pairs: float = 1e6) -> LinkModel:
    linker = _linker(con, tables, _settings(link_type, prior))
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
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, record_sample_proportion=1.0
            )
        except (EMTrainingException, ValueError):  # no pairs, or a level driven to m = 0
            continue
    settings = _id_u(_floor_m(linker.misc.save_model_to_json()), len(tables[-1]))
    return LinkModel(
        settings=settings,
        trained_on={"rows": [len(t) for t in tables], "seed": seed, "link_type": link_type},
    )


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
    for comparison in settings["comparisons"]:
        if comparison["output_column_name"] != "id_number":
            continue
        for lv in comparison["comparison_levels"]:
            label = lv.get("label_for_charts", "")
            bound = 1 / n if "<= 1" in label else 10 / n if "<= 2" in label else None
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
    persons: pl.DataFrame, residual: pl.DataFrame, *, seed: int = 1, sample: int = 200_000
) -> LinkModel:
    """Train on the records that need probabilistic linkage (prepared frames)."""
    left = _sample(residual, sample, seed)
    prior = min(0.5, max(1e-9, 0.5 / max(1, len(persons))))
    con = duckdb.connect()
    try:
        return _train(con, [left, persons], "link_only", prior, seed)
    finally:
        con.close()


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


def _decision_frame(decisions: pl.DataFrame | None) -> pl.DataFrame:
    schema = {"record_id": pl.Int64, "person_id": pl.Int64, "decision": pl.Utf8}
    if decisions is None or decisions.is_empty():
        return pl.DataFrame(schema=schema)
    return decisions.select(list(schema)).cast(schema)


def _comparison_json(frame: pl.DataFrame) -> pl.Expr:
    parts = []
    for name in COMPARISON_COLUMNS:
        if f"gamma_{name}" in frame.columns:
            parts.append(
                pl.struct(
                    level=pl.col(f"gamma_{name}"),
                    weight=pl.col(f"mw_{name}").round(3) if f"mw_{name}" in frame.columns else None,
                ).alias(name)
            )
    return pl.struct(parts).struct.json_encode()


def predict_pairs(
    con, model: LinkModel, tables: list[pl.DataFrame], *, threshold: float
) -> pl.DataFrame:
    settings = dict(model.settings)
    linker = _linker(con, tables, settings)
    predictions = linker.inference.predict(
        threshold_match_probability=threshold, warning_mode="never"
    )
    return pl.from_arrow(predictions.as_duckdbpyrelation().arrow())


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
) -> LinkResult:
    """Link ``records`` (RECORD_SCHEMA) to ``persons`` (PERSON_SCHEMA).

    ``model``: a trained model to reuse; None trains one on this data. ``decisions``: frame of
    (record_id, person_id, decision ∈ {confirmed, rejected}) made by people earlier.
    """
    stats: dict = {"records": len(records), "persons": len(persons)}
    if records.is_empty() or persons.is_empty():
        return LinkResult(_empty_links(), model, stats)
    started = time.perf_counter()
    p = prepare(persons, "person_id")
    # Only the IDs of all records are cleaned; names are read (pinyin) for the residual only.
    r = clean_ids(records).rename({"record_id": "uid"}).collect()
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
            comparison=pl.lit('{"id_number":{"level":"exact"}}'),
        )
    )
    stats["exact"] = len(exact)
    stats["valid_unknown"] = int(r["id_valid"].sum()) - len(exact)

    # Stage 2: the rest, probabilistically.
    residual = prepare(
        r.filter(~pl.col("id_valid")).rename({"uid": "record_id"}), "record_id", cleaned=True
    )
    stats["residual"] = len(residual)
    stats["seconds_prepare_exact"] = round(time.perf_counter() - started, 2)
    probabilistic = _empty_links()
    if len(residual):
        con = duckdb.connect()
        try:
            if model is None:
                t0 = time.perf_counter()
                model = train_link_model(p, residual, seed=seed, sample=train_sample)
                stats["seconds_train"] = round(time.perf_counter() - t0, 2)
            t0 = time.perf_counter()
            pairs = predict_pairs(con, model, [residual, p], threshold=min(review, 0.5) / 2)
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
                status=pl.when((pl.col("match_probability") >= accept) & clear)
                .then(pl.lit(STATUS_ACCEPTED))
                .otherwise(pl.lit(STATUS_REVIEW)),
                match_weight="match_weight",
                match_probability="match_probability",
                comparison="comparison",
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


def find_duplicates(
    persons: pl.DataFrame,
    *,
    model: LinkModel | None = None,
    threshold: float = REVIEW_PROBABILITY,
    seed: int = 1,
) -> tuple[pl.DataFrame, LinkModel | None]:
    """Pairs of registry persons who are probably one person (PERSON_SCHEMA + ``household_id``).

    Returns (person_a, person_b, match_weight, match_probability, comparison), person_a < person_b.
    Two rows cannot share a valid number (the registry forbids it), so a duplicate always differs
    in its number — typo, old 15-digit form, or none — which is what the comparisons look at.
    """
    schema = {
        "person_a": pl.Int64,
        "person_b": pl.Int64,
        "match_weight": pl.Float64,
        "match_probability": pl.Float64,
        "comparison": pl.Utf8,
    }
    if len(persons) < 2:
        return pl.DataFrame(schema=schema), model
    p = prepare(persons, "person_id")
    con = duckdb.connect()
    try:
        if model is None:
            prior = min(0.5, max(1e-9, 1.0 / max(1, len(p))))
            model = _train(con, [p], "dedupe_only", prior, seed)
            con.close()
            con = duckdb.connect()
        pairs = predict_pairs(con, model, [p], threshold=threshold)
    finally:
        con.close()
    if pairs.is_empty():
        return pl.DataFrame(schema=schema), model
    # Two valid numbers are two people: the registry holds each number once, and MOD 11-2 turns
    # any single wrong digit into an invalid number. (Born the same day in the same county,
    # two people's numbers differ only in the sequence and check digits, which the model alone
    # would read as a near-miss of one person's number.)
    valid = set(p.filter(pl.col("id_valid"))["uid"].to_list())
    both_valid = pl.col("uid_l").is_in(list(valid)) & pl.col("uid_r").is_in(list(valid))
    pairs = pairs.filter(~both_valid)
    if pairs.is_empty():
        return pl.DataFrame(schema=schema), model
    out = pairs.select(
        pl.min_horizontal(pl.col("uid_l").cast(pl.Int64), pl.col("uid_r").cast(pl.Int64)).alias(
            "person_a"
        ),
        pl.max_horizontal(pl.col("uid_l").cast(pl.Int64), pl.col("uid_r").cast(pl.Int64)).alias(
            "person_b"
        ),
        "match_weight",
        "match_probability",
        _comparison_json(pairs).alias("comparison"),
    )
    return out.cast(schema).unique(["person_a", "person_b"]), model
