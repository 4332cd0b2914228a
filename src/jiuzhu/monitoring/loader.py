"""Database → Polars frames for the rules (columnar reads; no ORM objects, no per-row queries).

The frames come from their owners' columnar readers: the roll and the persons from
``registry.frames``, department records with the person they are from ``verify.frames`` (its ID
cleaning and accepted links). Queries join and aggregate in the database, so only what a rule
needs crosses into Python.
"""

from __future__ import annotations

import datetime

import polars as pl

from jiuzhu.registry import frames as registry_frames
from jiuzhu.registry.frames import MEMBER_SCHEMA  # noqa: F401 - the rules' member columns
from jiuzhu.verify import frames as verify_frames
from jiuzhu.verify.frames import (  # noqa: F401 - the rules read these names here
    LINKED_SCHEMA,
    UNCONFIRMED,
    UNCONFIRMED_PROBABILITY,
    person_month_sums,
    window_sums,
)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def roll_frame(on: datetime.date) -> pl.DataFrame:
    """Roll entries being paid in ``on``'s month: who, which programme, how much (fen)."""
    return registry_frames.paid_roll(month_start(on).isoformat())


# Department records of new imports with the registry person they are (cleaned ID numbers and
# the matching engine's links): verify's reader.
linked_records = verify_frames.linked_records


def hrss_earner_rates(wages: pl.DataFrame, *, since: datetime.date, upto: datetime.date) -> dict:
    """(household, person) → each earner's monthly 人社 rate (a Fraction of fen) from
    ``person_month_sums`` rows: over the months the extracts cover from the earner's first
    month (``verify.rules.monthly_rates``, the rule 核对 uses), not over a fixed 12."""
    from jiuzhu.verify.rules import monthly_rates
    from jiuzhu.verify.selectors import covered_months

    covered = covered_months(department="hrss", since=since, upto=upto)
    return monthly_rates(
        (
            ((hh, person), month, fen)
            for hh, person, month, fen in wages.select(
                "household_id", "person_id", "month", "total_fen"
            ).rows()
        ),
        covered,
        upto.strftime("%Y-%m"),
    )


def roll_members(household_ids: list[int] | None) -> pl.DataFrame:
    """Living members of the given households (or of every household on a roll)."""
    return registry_frames.living_members(household_ids)


def persons_born_between(ranges: list[tuple[datetime.date, datetime.date, int]]) -> pl.DataFrame:
    """Living persons of households on a roll born in (start, end] of any range, with the age."""
    return registry_frames.persons_born_between(ranges)
