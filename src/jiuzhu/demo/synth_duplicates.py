"""Planted registry duplicates: the same person registered again, in a second household.

Pure Polars/numpy (no Django). Reads a registry export (``jiuzhu synth``, docs/registry-export.md)
and builds a *second* registry export to import after it (``jiuzhu import registry DIR``): one new
household per duplicate, whose head is a copy of an existing registry member — registered again
where he or she moved to, or by another office. Real registries get these when the second record
is made without the ID number (a lost card, a clerk who skipped the field), so every copy has **no
ID number**; a share also has the name written with a homophone or traditional character
(张/章, 燕/艳, 陳/陈) and a share lives in another village of the county. Two kinds, as the issue
names them:

- ``two_rolls``: the original's household is on a roll, and the new household is put on the same
  programme — the same person paid twice by one programme;
- ``two_households``: the new household is not on a roll — the same person in two households.

``duplicates_ground_truth.csv`` (written beside the export, not inside it) says which copy is whom:
the duplicate's ``household_number``/``member_no`` and the original's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from jiuzhu.demo.synth_feeds import _variant, read_table

TABLES = ("households", "persons", "income_items", "assets", "rigid_expenses", "roll_entries")
TRUTH_FILE = "duplicates_ground_truth.csv"


@dataclass
class DuplicateSet:
    tables: dict[str, pl.DataFrame]  # a registry export: the new households and their rows
    truth: pl.DataFrame  # household_number, member_no, original_household_number, …


def plant_duplicates(
    directory: Path,
    *,
    seed: int,
    share: float = 0.005,
    name_variant_share: float = 0.4,
    moved_share: float = 0.5,
) -> DuplicateSet:
    """Duplicates of ``share`` of the living adults of the export in ``directory``; about half
    of them are taken from households on a roll (``two_rolls``)."""
    rng = np.random.default_rng(seed)
    persons = read_table(directory, "persons")
    households = read_table(directory, "households")
    try:
        roll = read_table(directory, "roll_entries")
    except FileNotFoundError:
        roll = pl.DataFrame(schema={c: pl.Utf8 for c in ("household_number", "status")})
    active = roll.filter((pl.col("status") == "active") & (pl.col("member_no").fill_null("") == ""))
    household_roll = active.unique("household_number", keep="first", maintain_order=True)
    candidates = persons.filter(
        (pl.col("death_date").fill_null("") == "")
        & (pl.col("id_number").fill_null("") != "")
        & (pl.col("birth_date") <= "2004-12-31")
    ).join(
        household_roll.select("household_number", on_roll=pl.lit(True)),
        on="household_number",
        how="left",
        maintain_order="left",
    )
    k = max(2, int(len(persons) * share))
    on_roll = candidates.filter(pl.col("on_roll").fill_null(False))
    off_roll = candidates.filter(pl.col("on_roll").is_null())
    k_roll = min(len(on_roll), k // 2)
    picked = pl.concat(
        [
            on_roll.sample(n=k_roll, seed=int(rng.integers(1 << 30))).with_columns(
                kind=pl.lit("two_rolls")
            ),
            off_roll.sample(
                n=min(len(off_roll), k - k_roll), seed=int(rng.integers(1 << 30))
            ).with_columns(kind=pl.lit("two_households")),
        ]
    )
    n = len(picked)
    villages = sorted(households["hukou_area"].unique().to_list())
    home = picked.join(
        households.select(
            pl.col("number").alias("household_number"), "hukou_area", "urban_rural", "address"
        ),
        on="household_number",
        how="left",
        maintain_order="left",
    )
    moved = rng.random(n) < moved_share
    by_county: dict[str, list[str]] = {}
    for v in villages:
        by_county.setdefault(v[:6], []).append(v)
    draws = rng.random(n)
    area = np.array(
        [
            (lambda same: same[int(d * len(same))])(by_county[a[:6]]) if m else a
            for a, m, d in zip(home["hukou_area"].to_list(), moved, draws, strict=True)
        ]
    )
    variant = rng.random(n) < name_variant_share
    names = [
        _variant(name) if v else name
        for name, v in zip(home["name"].to_list(), variant, strict=True)
    ]
    dirt = np.where(variant, "no_id+name_variant", "no_id")
    numbers = [f"{a}D{i + 1:05d}" for i, a in enumerate(area)]
    new_households = pl.DataFrame(
        {
            "number": numbers,
            "hukou_area": area.tolist(),
            "urban_rural": home["urban_rural"].to_list(),
            "address": (
                home["address"].fill_null("") + pl.Series(np.where(moved, "（迁入）", ""))
            ).to_list(),
            "status": ["active"] * n,
        },
        schema={c: pl.Utf8 for c in ("number", "hukou_area", "urban_rural", "address", "status")},
    )
    new_households = new_households.with_columns(
        [pl.lit("").alias(c) for c in households.columns if c not in new_households.columns]
    ).select(households.columns)
    new_persons = home.select(persons.columns).with_columns(
        household_number=pl.Series(numbers),
        member_no=pl.lit("1"),
        relation=pl.lit("head"),
        is_counted=pl.lit("true"),
        id_number=pl.lit(""),
        name=pl.Series(names, dtype=pl.Utf8),
        phone=pl.lit(""),
        disability_certificate=pl.lit(""),
    )
    twice = home.with_columns(dup_number=pl.Series(numbers)).filter(pl.col("kind") == "two_rolls")
    new_roll = (
        twice.select("household_number", "dup_number")
        .join(household_roll, on="household_number", how="left", maintain_order="left")
        .with_columns(
            household_number=pl.col("dup_number"),
            decision_ref=pl.col("decision_ref").fill_null("") + "（重复登记）",
        )
        .select(roll.columns)
    )
    empty = {
        t: read_table(directory, t).head(0)
        for t in ("income_items", "assets", "rigid_expenses")
        if _has(directory, t)
    }
    truth = home.select(
        household_number=pl.Series(numbers),
        member_no=pl.lit(1, dtype=pl.Int64),
        original_household_number="household_number",
        original_member_no=pl.col("member_no").cast(pl.Int64),
        kind="kind",
        dirt=pl.Series(dirt),
    )
    return DuplicateSet(
        tables={
            "households": new_households,
            "persons": new_persons,
            "roll_entries": new_roll,
            **empty,
        },
        truth=truth,
    )


def _has(directory: Path, table: str) -> bool:
    return any((Path(directory) / f"{table}.{ext}").exists() for ext in ("csv", "parquet"))


def write(dupset: DuplicateSet, out: Path, truth_dir: Path | None = None) -> Path:
    """Write the export to ``out`` (CSV, no manifest) and the truth file beside it."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in dupset.tables.items():
        frame.write_csv(out / f"{name}.csv")
    truth_path = Path(truth_dir or out.parent) / TRUTH_FILE
    dupset.truth.write_csv(truth_path)
    return truth_path


def score_pairs(found: pl.DataFrame, truth: pl.DataFrame) -> dict:
    """Precision and recall of found pairs (``a``, ``b`` as (household_number, member_no) keys
    joined ``hh/no``) against the truth, either order."""
    key = pl.col("household_number") + "/" + pl.col("member_no").cast(pl.Utf8)
    okey = pl.col("original_household_number") + "/" + pl.col("original_member_no").cast(pl.Utf8)
    t = truth.select(a=key, b=okey)
    true_pairs = {tuple(sorted(p)) for p in t.iter_rows()}
    found_pairs = {tuple(sorted(p)) for p in found.select("a", "b").iter_rows()}
    hit = len(true_pairs & found_pairs)
    return {
        "planted": len(true_pairs),
        "found": len(found_pairs),
        "correct": hit,
        "precision": hit / max(1, len(found_pairs)),
        "recall": hit / max(1, len(true_pairs)),
    }
