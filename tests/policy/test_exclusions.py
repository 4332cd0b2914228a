"""The shared exclusions table (engine/exclusions.py) and the programmes agree.

Every pair in the table is enforced by the engine — by a ``not eligible.<other>`` condition in one
of the two programmes, or (person-level pairs inside one household) as ``ENFORCED_OTHERWISE``
documents — and every ``not eligible.<other>`` condition is a pair in the table, so the payroll
checks and monitoring (which read the table) and 政策找人 (which reads the conditions) agree.
"""

import datetime
import re

import polars as pl
import pytest

from jiuzhu.demo.policy_frames import random_frames
from jiuzhu.policy.engine.calculator import DocumentError, document_frames
from jiuzhu.policy.engine.evaluate import Plan, evaluate, single_area_params
from jiuzhu.policy.engine.exclusions import (
    ENFORCED_OTHERWISE,
    EXCLUSIONS,
    exclusion_between,
    exclusions_within,
)
from jiuzhu.policy.engine.features import compute_features
from jiuzhu.policy.engine.params import load_catalogue, resolve
from jiuzhu.policy.engine.programmes import load_documents

SPECS, DEFAULTS = load_catalogue()
DOCS = {d["code"]: d for d in load_documents()}
PLAN = Plan.from_documents(list(DOCS.values()), SPECS)
ON = datetime.date(2026, 11, 1)


def test_pairs_are_symmetric_and_named():
    assert exclusion_between("tekun", "dibao") is exclusion_between("dibao", "tekun")
    assert exclusion_between("dibao", "dibao") is None
    assert exclusion_between("dibao", "medical_aid") is None
    assert all(e.rule and e.unit in ("person", "household") for e in EXCLUSIONS)


def test_exclusions_within_a_set():
    broken = exclusions_within({"dibao", "tekun", "medical_aid", "orphan_allowance"})
    pairs = {frozenset((e.first, e.second)) for e in broken}
    assert pairs == {frozenset(("dibao", "tekun")), frozenset(("orphan_allowance", "tekun"))}
    assert exclusions_within({"dibao", "medical_aid", "education_aid"}) == []


def _negated_refs(code: str) -> set[str]:
    """Programmes that ``code`` requires the household NOT to be eligible for."""
    out = set()
    for c in DOCS[code]["conditions"]:
        out |= set(re.findall(r"not\s+eligible\.(\w+)", c["expr"]))
    return out


def test_every_pair_is_enforced_by_a_condition_or_documented():
    for e in EXCLUSIONS:
        pair = frozenset((e.first, e.second))
        assert e.first in DOCS and e.second in DOCS, e
        by_condition = e.second in _negated_refs(e.first) or e.first in _negated_refs(e.second)
        assert by_condition or pair in ENFORCED_OTHERWISE, f"{e.first}–{e.second} not enforced"
        assert not (by_condition and pair in ENFORCED_OTHERWISE), f"{pair}: documented twice"


def test_every_not_eligible_condition_is_in_the_table():
    for code in DOCS:
        for other in _negated_refs(code):
            assert exclusion_between(code, other) is not None, f"{code} excludes {other}"


def test_no_household_is_eligible_for_both_of_a_household_pair():
    frames = random_frames(20_000, seed=3, on=ON)
    values = resolve(DEFAULTS, "", ON, SPECS)
    res = evaluate(compute_features(frames, ON), single_area_params(values, SPECS), PLAN)
    for e in EXCLUSIONS:
        both = res.filter(pl.col(f"{e.first}.eligible") & pl.col(f"{e.second}.eligible"))
        if frozenset((e.first, e.second)) in ENFORCED_OTHERWISE:
            # Person by person: the 特困 beneficiaries never include the children on a child
            # allowance, so the persons on the two never exceed the household's members.
            persons = sum(pl.col(f"{p}.beneficiaries") for p in (e.first, e.second))
            over = both.filter(persons > pl.col("counted_members"))
            assert over.height == 0, e
        else:
            assert both.height == 0, e


def test_a_child_marked_both_orphan_and_unsupported_is_refused():
    # One child_status per child: the old separate orphan/unsupported flags are refused by name.
    doc = {"members": [{"age": 70}, {"age": 8, "orphan": True, "child_status": "unsupported"}]}
    with pytest.raises(DocumentError, match=r"members\[1\].*不认识的字段 orphan"):
        document_frames(doc, ON)
    doc = {"members": [{"age": 70}, {"age": 8, "child_status": "orphan+unsupported"}]}
    with pytest.raises(DocumentError, match=r"members\[1\]\.child_status"):
        document_frames(doc, ON)
