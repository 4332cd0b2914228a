"""The registry's columnar readers: its tables as typed Polars frames for the engines.

Other apps (the policy engine's loader, …) read the registry through these functions, never with
their own SQL on the registry's tables. Reads go through ``jiuzhu.core.frames``.
"""

from __future__ import annotations

import datetime

import polars as pl

from jiuzhu.core.frames import date_sql, fen_sql

PERSON_STATUS_SCHEMA = {
    "person_id": pl.Int64,
    "orphan": pl.Boolean,
    "unsupported_child": pl.Boolean,
    "obligor_status": pl.Utf8,
}


def _area_filter(alias: str, area_prefix: str, params: list) -> str:
    if not area_prefix:
        return ""
    params.append(area_prefix + "%")
    return f" AND {alias}.hukou_area_id LIKE %s"


def registry_frame_queries(
    *,
    schemas: dict[str, dict],
    area_prefix: str = "",
    household_ids: list[int] | None = None,
    since: datetime.date | None = None,
    extra: dict | None = None,
) -> dict[str, tuple]:
    """The queries (``core.frames.read_frames``) for the registry's active households in a
    subtree, typed by ``schemas`` (the caller's input contract, e.g. the policy engine's).

    ``since``: skip income and expense items that ended before this date (outside every window).
    ``extra``: name → ``f(scope_sql, params) -> (sql, columns, schema)`` for another owner's
    query restricted to the same households (alias ``h`` is ``registry_household``).
    ``person_status`` comes back as its own frame: join it with ``persons_with_status``.
    """
    hs = schemas
    jobs: dict[str, tuple] = {}

    def scope(alias: str, params: list) -> str:
        s = _area_filter(alias, area_prefix, params)
        if household_ids is not None:
            ids = ",".join(str(int(i)) for i in household_ids) or "NULL"
            s += f" AND {alias}.id IN ({ids})"
        return s

    p: list = []
    jobs["households"] = (
        "SELECT h.id, h.hukou_area_id, h.urban_rural FROM registry_household h "
        "WHERE h.status = 'active'" + scope("h", p),
        p,
        ["household_id", "area_code", "urban_rural"],
        hs["households"],
    )
    p = []
    jobs["persons"] = (
        f"SELECT m.id, m.household_id, {date_sql('m.birth_date')}, {date_sql('m.death_date')}, "
        f"m.is_counted, m.disability_type, m.disability_grade, "
        f"m.major_illness, m.labour_capacity, m.self_care, m.employment, "
        "m.school_stage FROM registry_person m JOIN registry_household h ON h.id = m.household_id "
        "WHERE h.status = 'active'" + scope("h", p),
        p,
        [
            "person_id",
            "household_id",
            "birth_date",
            "death_date",
            "is_counted",
            "disability_type",
            "disability_grade",
            "major_illness",
            "labour_capacity",
            "self_care",
            "employment",
            "school_stage",
        ],
        hs["persons"],
    )
    # Child and obligor status: read only where they differ from the defaults (a few people in a
    # hundred), then joined on — cheaper than carrying two more columns for every person.
    p = []
    jobs["person_status"] = (
        "SELECT m.id, CASE WHEN m.child_status = 'orphan' THEN 1 ELSE 0 END, "
        "CASE WHEN m.child_status = 'unsupported' THEN 1 ELSE 0 END, m.obligor_status "
        "FROM registry_person m JOIN registry_household h ON h.id = m.household_id "
        "WHERE h.status = 'active' AND (m.child_status <> 'none' OR m.obligor_status <> 'unknown')"
        + scope("h", p),
        p,
        ["person_id", "orphan", "unsupported_child", "obligor_status"],
        PERSON_STATUS_SCHEMA,
    )
    since_sql = ""
    p = []
    if since is not None:
        since_sql = " AND i.period_end >= %s"
    q = (
        f"SELECT i.household_id, i.person_id, i.kind, {fen_sql('i.amount')}, "
        f"{date_sql('i.period_start')}, {date_sql('i.period_end')}, i.excluded, i.category "
        "FROM registry_incomeitem i JOIN registry_household h ON h.id = i.household_id "
        "WHERE h.status = 'active'"
    )
    q += scope("h", p)
    if since is not None:
        q += since_sql
        p.append(since.isoformat())
    jobs["income"] = (
        q,
        p,
        [
            "household_id",
            "person_id",
            "kind",
            "amount_fen",
            "period_start",
            "period_end",
            "excluded",
            "category",
        ],
        hs["income"],
    )
    p = []
    jobs["assets"] = (
        f"SELECT a.household_id, a.kind, {fen_sql('a.value')}, a.exempt, a.residential "
        "FROM registry_asset a JOIN registry_household h ON h.id = a.household_id "
        "WHERE h.status = 'active'" + scope("h", p),
        p,
        ["household_id", "kind", "value_fen", "exempt", "residential"],
        hs["assets"],
    )
    p = []
    q = (
        f"SELECT i.household_id, i.kind, {fen_sql('i.amount')}, {date_sql('i.period_start')}, "
        f"{date_sql('i.period_end')} FROM registry_rigidexpense i "
        "JOIN registry_household h ON h.id = i.household_id WHERE h.status = 'active'"
    )
    q += scope("h", p)
    if since is not None:
        q += " AND i.period_end >= %s"
        p.append(since.isoformat())
    jobs["expenses"] = (
        q,
        p,
        ["household_id", "kind", "amount_fen", "period_start", "period_end"],
        hs["expenses"],
    )
    p = []
    q = (
        f"SELECT e.household_id, e.kind, {date_sql('e.event_date')}, {fen_sql('e.loss')} "
        "FROM registry_emergencyevent e JOIN registry_household h ON h.id = e.household_id "
        "WHERE h.status = 'active'"
    )
    q += scope("h", p)
    if since is not None:
        q += " AND e.event_date >= %s"
        p.append(since.isoformat())
    jobs["events"] = (
        q,
        p,
        ["household_id", "kind", "event_date", "loss_fen"],
        hs["events"],
    )
    p = []
    jobs["roll"] = (
        f"SELECT r.household_id, r.person_id, r.programme, {fen_sql('r.monthly_amount')}, "
        f"{date_sql('r.start_month')}, {date_sql('r.end_month')}, r.status FROM registry_rollentry r "
        "JOIN registry_household h ON h.id = r.household_id "
        "WHERE h.status = 'active' AND r.status = 'active'" + scope("h", p),
        p,
        [
            "household_id",
            "person_id",
            "programme",
            "monthly_amount_fen",
            "start_month",
            "end_month",
            "status",
        ],
        hs["roll"],
    )
    for name, build in (extra or {}).items():
        p = []
        sql, columns, schema = build(scope("h", p), p)
        jobs[name] = (sql, p, columns, schema)
    return {
        name: (sql, params, {c: schema[c] for c in columns})
        for name, (sql, params, columns, schema) in jobs.items()
    }


def persons_with_status(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Join the few non-default child/obligor statuses onto the persons frame (in place)."""
    status = frames.pop("person_status")
    frames["persons"] = (
        frames["persons"]
        .join(status, on="person_id", how="left")
        .with_columns(
            pl.col("orphan", "unsupported_child").fill_null(False),
            pl.col("obligor_status").fill_null("unknown"),
        )
    )
    return frames
