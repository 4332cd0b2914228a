"""Duplicate detection with the linkage model and the household-aware rule (issues 22.4, 13.13):
twins in one household are two people, other-sex namesakes are not pairs, two valid ID numbers
one explainable error apart are paired when everything else agrees."""

from __future__ import annotations

import datetime

import polars as pl
import pytest

from jiuzhu.core.idcard import check_digit, make_id_number
from jiuzhu.verify import matching
from tests.verify.test_linkage_model import _registry

SCHEMA = {**matching.PERSON_SCHEMA, "household_id": pl.Int64}


def _mistyped_old_id(number: str) -> str:
    """An old 15-digit number with one wrong digit, converted to 18 digits: a valid number."""
    first17 = number[:12] + str((int(number[12]) + 1) % 10) + number[13:17]
    return first17 + check_digit(first17)


@pytest.fixture(scope="module")
def pairs():
    people = [{**p, "household_id": p["person_id"]} for p in _registry(1200, seed=9)]
    base = len(people)
    born = datetime.date(1961, 7, 7)
    village = "321202003002"

    def add(pid, **kw):
        people.append({"person_id": pid, "household_id": pid, "area_code": village, **kw})

    # twins in one household: same surname, birth date, sex, village; other given names
    add(
        base + 1,
        household_id=base + 1,
        name="周子涵",
        sex="F",
        birth_date=born,
        id_number=make_id_number("321202", born, 41, "F"),
    )
    add(
        base + 2,
        household_id=base + 1,
        name="周子萱",
        sex="F",
        birth_date=born,
        id_number=make_id_number("321202", born, 42, "F"),
    )
    # twins in one household without ID numbers
    add(base + 3, household_id=base + 3, name="吴一鸣", sex="M", birth_date=born, id_number=None)
    add(base + 4, household_id=base + 3, name="吴一凡", sex="M", birth_date=born, id_number=None)
    # other-sex namesakes (no ID on one side)
    add(base + 5, name="林静", sex="F", birth_date=born, id_number=None)
    add(
        base + 6,
        name="林静",
        sex="M",
        birth_date=born,
        id_number=make_id_number("321202", born, 51, "M"),
    )
    # one person registered twice: an 18-digit number, and an old number mistyped into a
    # valid other number, in another household of the county
    true_id = make_id_number("321202", born, 61, "M")
    add(base + 7, name="郭建华", sex="M", birth_date=born, id_number=true_id)
    add(
        base + 8,
        name="郭建華",
        sex="M",
        birth_date=born,
        id_number=_mistyped_old_id(true_id),
        area_code="321202004001",
    )
    # two different people born the same day in the county, valid numbers: not a pair
    add(
        base + 9,
        name="何志强",
        sex="M",
        birth_date=born,
        id_number=make_id_number("321202", born, 71, "M"),
    )
    add(
        base + 10,
        name="高志明",
        sex="M",
        birth_date=born,
        id_number=make_id_number("321202", born, 73, "M"),
    )
    # the same person twice without a number in another household: the classic duplicate
    add(base + 11, name="马秀兰", sex="F", birth_date=born, id_number=None)
    add(base + 12, name="馬秀蘭", sex="F", birth_date=born, id_number=None)
    frame = pl.DataFrame(people, schema=SCHEMA)
    found, model = matching.find_duplicates(frame)
    return {tuple(sorted(p)) for p in found.select("person_a", "person_b").iter_rows()}, base


def test_twins_in_one_household_are_two_people(pairs):
    found, base = pairs
    assert (base + 1, base + 2) not in found
    assert (base + 3, base + 4) not in found


def test_other_sex_namesakes_are_not_a_pair(pairs):
    found, base = pairs
    assert (base + 5, base + 6) not in found


def test_two_valid_ids_one_explainable_error_apart_are_paired(pairs):
    found, base = pairs
    assert (base + 7, base + 8) in found


def test_two_people_born_the_same_day_with_valid_ids_are_not_paired(pairs):
    found, base = pairs
    assert (base + 9, base + 10) not in found


def test_a_registration_without_a_number_is_still_paired(pairs):
    found, base = pairs
    assert (base + 11, base + 12) in found
