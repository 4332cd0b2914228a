"""The cases app's columnar readers for other apps (funds' payroll generation reads the decided
cases that say what a roll entry pays): Polars frames, never another app's SQL on ``cases_*``."""

from __future__ import annotations

import polars as pl

from jiuzhu.core.frames import date_sql, fen_sql, read_frame
from jiuzhu.registry import frames as registry

_IN_AREA = "a.area_id >= %s AND a.area_id < %s"

AMOUNT_SCHEMA = {
    "entry_id": pl.Int64,
    "decided_fen": pl.Int64,
    "application_id": pl.Int64,
    "application_number": pl.Utf8,
    "purpose": pl.Utf8,
    "decided_on": pl.Date,
}
END_SCHEMA = {
    "entry_id": pl.Int64,
    "application_id": pl.Int64,
    "application_number": pl.Utf8,
    "purpose": pl.Utf8,
    "decided_on": pl.Date,
}
STEP_SCHEMA = {
    "entry_id": pl.Int64,
    "start_month": pl.Date,
    "base_fen": pl.Int64,
    "months": pl.Int64,
    "application_id": pl.Int64,
    "application_number": pl.Utf8,
    "decided_on": pl.Date,
}


def decided_amounts(area_range: list[str]) -> pl.DataFrame:
    """Decided applications (``apply``) and changes (``change``) of the area subtree that put a
    roll entry on the roll with its monthly amount (``Application.roll_entry``)."""
    return read_frame(
        f"SELECT a.roll_entry_id, {fen_sql('a.monthly_amount')}, a.id, a.number, a.purpose, "
        f"{date_sql('a.decided_on')} FROM cases_application a "
        "WHERE a.roll_entry_id IS NOT NULL AND a.monthly_amount IS NOT NULL "
        f"AND a.purpose IN ('apply', 'change') AND {_IN_AREA}",
        area_range,
        AMOUNT_SCHEMA,
    )


def decided_ends(area_range: list[str]) -> pl.DataFrame:
    """Decided changes, stops and 渐退 of the area subtree, by the roll entry they end
    (``Application.target_roll_entry``)."""
    return read_frame(
        f"SELECT a.target_roll_entry_id, a.id, a.number, a.purpose, {date_sql('a.decided_on')} "
        "FROM cases_application a WHERE a.target_roll_entry_id IS NOT NULL "
        "AND a.roll_entry_id IS NOT NULL AND a.decided_on IS NOT NULL "
        f"AND a.purpose IN ('change', 'stop', 'phase_out') AND {_IN_AREA}",
        area_range,
        END_SCHEMA,
    )


def phase_out_steps(area_range: list[str]) -> pl.DataFrame:
    """The 渐退 step entries (programme ``phase_out``) of households in the area subtree, with
    the decided 渐退 case named by their ``decision_ref``: its base amount and months."""
    return read_frame(
        f"SELECT r.id, {date_sql('r.start_month')}, {fen_sql('a.monthly_amount')}, "
        f"a.phase_out_months, a.id, a.number, {date_sql('a.decided_on')} "
        f"FROM {registry.roll_entry_table('r')} {registry.join_household('h', 'r.household_id')} "
        "JOIN cases_application a ON a.number = r.decision_ref "
        f"WHERE {registry.in_area('h')} AND r.programme = 'phase_out' AND a.purpose = 'phase_out' "
        "AND a.roll_entry_id IS NOT NULL AND a.monthly_amount IS NOT NULL "
        "AND a.decided_on IS NOT NULL",
        area_range,
        STEP_SCHEMA,
    )
