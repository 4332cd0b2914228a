"""Planted police death records that must NOT stop anyone's payment, beside true ones that must.

Pure Polars (no Django), for ``bench/bench_verify.py decoys`` and the tests. From a registry frame
(``synth_feeds.registry_frame`` with a ``person_id``), pick distinct living members and write one
公安 death record per member and kind:

true deaths (the record *is* this member):
- ``true_exact``: the correct ID number;
- ``true_no_id``: no ID number, everything else right;
- ``true_typo``: one wrong digit in the number;
- ``true_unregistered``: the member is registered *without* a number, the record carries the
  correct one (a valid number the registry does not know: issue 22.3);
- ``future_death``: the correct number but a death date after the file's extraction date (bad
  data: must never be acted on).

decoys (the record is someone who is not in the registry):
- ``namesake_birth``: same name, sex and village, another birth date, no number;
- ``twin``: same surname, birth date, sex and village, another given name, no number;
- ``other_sex``: same name, birth date and village, the other sex, no number;
- ``other_township``: same name, birth date and sex, a village in another township, no number;
- ``id_several_off``: same name, birth date, sex and village, a number four digits off.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import polars as pl

from jiuzhu.verify.matching import pinyin_of

TRUE_KINDS = ("true_exact", "true_no_id", "true_typo", "true_unregistered", "future_death")
DECOY_KINDS = ("namesake_birth", "twin", "other_sex", "other_township", "id_several_off")
KINDS = TRUE_KINDS + DECOY_KINDS
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华宇浩然欣怡梓涵子轩"
EXTRACTED_ON = datetime.date(2026, 10, 31)


@dataclass
class DecoySet:
    records: pl.DataFrame  # record_id, id_number, name, sex, birth_date, area_code, event_date
    truth: pl.DataFrame  # record_id, kind, true_person (null for a decoy), subject (the member)
    unregistered: list[int]  # person_ids whose number is removed from the registry
    extracted_on: datetime.date


def _shift_digit(number: str, pos: int, by: int) -> str:
    return number[:pos] + str((int(number[pos]) + by) % 10) + number[pos + 1 :]


def plant(persons: pl.DataFrame, *, per_kind: int, seed: int, first_id: int) -> DecoySet:
    """``persons``: person_id, id_number, name, sex, birth_date, area_code (12-digit village)."""
    rng = np.random.default_rng(seed)
    living = persons.filter(
        pl.col("id_number").is_not_null()
        & (pl.col("birth_date") < datetime.date(1995, 1, 1))
        & (pl.col("name").str.len_chars() >= 2)
    )
    take = min(len(living), per_kind * len(KINDS))
    picked = living.sample(n=take, seed=int(rng.integers(1 << 30)), shuffle=True).to_dicts()
    villages = sorted(persons["area_code"].drop_nulls().unique().to_list())
    rows, truth, unregistered = [], [], []
    rid = first_id
    for i, p in enumerate(picked):
        kind = KINDS[i % len(KINDS)]
        day = EXTRACTED_ON - datetime.timedelta(days=int(rng.integers(1, 60)))
        rec = {
            "record_id": rid,
            "id_number": p["id_number"],
            "name": p["name"],
            "sex": p["sex"],
            "birth_date": p["birth_date"],
            "area_code": p["area_code"],
            "event_date": day,
        }
        true_person = p["person_id"]
        if kind == "true_exact":
            pass
        elif kind == "true_no_id":
            rec["id_number"] = None
        elif kind == "true_typo":
            rec["id_number"] = _shift_digit(p["id_number"], 10, 3)
        elif kind == "true_unregistered":
            unregistered.append(p["person_id"])
        elif kind == "future_death":
            rec["event_date"] = EXTRACTED_ON + datetime.timedelta(days=int(rng.integers(5, 400)))
        else:
            true_person = None
            rec["id_number"] = None
            if kind == "namesake_birth":
                years = int(rng.integers(2, 15)) * (1 if rng.random() < 0.5 else -1)
                rec["birth_date"] = p["birth_date"] + datetime.timedelta(days=365 * years + 17)
            elif kind == "twin":
                # another given name that also *reads* differently (a homophone 华/花 is the
                # name-variant dirt the engine must forgive, not a twin)
                given = p["name"][1:]
                other = given
                while pinyin_of(other) == pinyin_of(given):
                    other = "".join(rng.choice(list(GIVEN), size=max(1, len(given))))
                rec["name"] = p["name"][0] + other
            elif kind == "other_sex":
                rec["sex"] = "F" if p["sex"] == "M" else "M"
            elif kind == "other_township":
                others = [
                    v
                    for v in villages
                    if v[:6] == p["area_code"][:6] and v[:9] != p["area_code"][:9]
                ]
                if not others:
                    continue
                rec["area_code"] = others[int(rng.integers(len(others)))]
            elif kind == "id_several_off":
                n = p["id_number"]
                for pos in (7, 9, 12, 15):
                    n = _shift_digit(n, pos, 4)
                rec["id_number"] = n
        rows.append(rec)
        truth.append(
            {"record_id": rid, "kind": kind, "true_person": true_person, "subject": p["person_id"]}
        )
        rid += 1
    schema = {
        "record_id": pl.Int64,
        "id_number": pl.Utf8,
        "name": pl.Utf8,
        "sex": pl.Utf8,
        "birth_date": pl.Date,
        "area_code": pl.Utf8,
        "event_date": pl.Date,
    }
    return DecoySet(
        records=pl.DataFrame(rows, schema=schema),
        truth=pl.DataFrame(
            truth,
            schema={
                "record_id": pl.Int64,
                "kind": pl.Utf8,
                "true_person": pl.Int64,
                "subject": pl.Int64,
            },
        ),
        unregistered=unregistered,
        extracted_on=EXTRACTED_ON,
    )


def score(links: pl.DataFrame, decoys: DecoySet, holds) -> dict:
    """Death-record precision and the payment holds: ``holds(method, probability, event_date)``
    says whether an accepted link would stop the person's payment."""
    acc = links.filter(pl.col("status") == "accepted").select(
        "record_id", "person_id", "method", "match_probability"
    )
    t = decoys.truth.join(acc, on="record_id", how="left").join(
        decoys.records.select("record_id", "event_date"), on="record_id"
    )
    t = t.with_columns(
        held=pl.struct("person_id", "method", "match_probability", "event_date").map_elements(
            lambda r: (
                r["person_id"] is not None
                and holds(r["method"], r["match_probability"], r["event_date"])
            ),
            return_dtype=pl.Boolean,
        )
    )
    linked = t.filter(pl.col("person_id").is_not_null())
    correct = linked.filter(pl.col("person_id") == pl.col("true_person"))
    wrong_hold = t.filter(
        pl.col("held")
        & (
            (pl.col("person_id") != pl.col("true_person")).fill_null(True)
            | (pl.col("event_date") > decoys.extracted_on)
        )
    )
    out = {
        "records": len(t),
        "accepted": len(linked),
        "precision": len(correct) / max(1, len(linked)),
        "false_holds": len(wrong_hold),
        "review": int(
            links.join(decoys.truth.select("record_id"), on="record_id")
            .filter(pl.col("status") == "review")
            .height
        ),
    }
    for kind in KINDS:
        k = t.filter(pl.col("kind") == kind)
        out[kind] = f"{int(k['held'].sum())}/{len(k)}"
    return out
