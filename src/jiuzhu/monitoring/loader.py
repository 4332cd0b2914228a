"""Database → Polars frames for the rules (columnar reads; no ORM objects, no per-row queries).

Queries join and aggregate in the database, so only what a rule needs crosses into Python. They
run through ``jiuzhu.core.frames`` (COPY on PostgreSQL, Django's cursor on SQLite), which the
rules also call directly for their own small queries.
"""

from __future__ import annotations

import datetime

import polars as pl

from jiuzhu.core.frames import fen_sql, is_postgresql, json_text, read_frame


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def roll_frame(on: datetime.date) -> pl.DataFrame:
    """Roll entries being paid in ``on``'s month: who, which programme, how much (fen)."""
    month = month_start(on).isoformat()
    return read_frame(
        "SELECT r.id, r.household_id, r.person_id, r.programme, "
        f"{fen_sql('r.monthly_amount')}, h.hukou_area_id, r.updated_at "
        "FROM registry_rollentry r JOIN registry_household h ON h.id = r.household_id "
        "WHERE r.status = 'active' AND r.start_month <= %s "
        "AND (r.end_month IS NULL OR r.end_month >= %s)",
        [month, month],
        {
            "roll_entry_id": pl.Int64,
            "household_id": pl.Int64,
            "person_id": pl.Int64,
            "programme": pl.Utf8,
            "amount_fen": pl.Int64,
            "area_code": pl.Utf8,
            "updated_at": pl.Utf8,
        },
    )


LINKED_SCHEMA = {
    "record_id": pl.Int64,
    "department": pl.Utf8,
    "kind": pl.Utf8,
    "record_key": pl.Utf8,
    "event_date": pl.Date,
    "amount_fen": pl.Int64,
    "status": pl.Utf8,
    "grade": pl.Utf8,
    "ref": pl.Utf8,
    "label": pl.Utf8,
    "feed_import_id": pl.Int64,
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "person_name": pl.Utf8,
    "death_date": pl.Date,
    "disability_grade": pl.Int64,
    "school_stage": pl.Utf8,
    "area_code": pl.Utf8,
    "record_area": pl.Utf8,  # the area the department states (公安: 户籍地 after the event)
    "left_on": pl.Date,  # 教育: 离校日期
    # how the record is known to be this person: an exact ID match ('exact'), or the matching
    # engine's accepted link (its method and probability) — a payment hold needs certainty
    "link_method": pl.Utf8,
    "link_probability": pl.Float64,
    "extracted_on": pl.Date,  # the file's extraction date (an event after it is bad data)
}


# A link the matching engine proposed with a high probability but could not accept on its own
# (another candidate too close, a vetoing disagreement such as a mistyped old ID): its record
# still raises the alert — marked ``link_method = UNCONFIRMED``, never holding a payment — so a
# worker checks the person now instead of after the review queue (issue 13.8/13.11).
UNCONFIRMED = "unconfirmed"
UNCONFIRMED_PROBABILITY = 0.99


def linked_records(
    *,
    after_import: int,
    departments: list[str],
    upto_import: int | None = None,
    linked_since=None,
) -> pl.DataFrame:
    """Department records of imports after ``after_import``, with the registry person they are.

    A record is that person when the ID numbers agree exactly or the matching engine accepted
    the link (``RecordLink``) — or proposed it for review at ``UNCONFIRMED_PROBABILITY`` or more
    (``link_method`` = ``UNCONFIRMED``): new files are alerted on at once, before any matching run. With
    ``linked_since`` (a timestamp: the previous run's start), records of *earlier* imports whose
    link was made (by a matching run) or confirmed (by a reviewer) since then are new too: a
    dirty-ID record 核对 linked tonight alerts tonight (issue 13.8).
    """
    if not departments:
        return pl.DataFrame(schema=LINKED_SCHEMA)
    d = "r.data"
    cols = (
        "r.id, r.department, r.kind, r.record_key, r.event_date, "
        f"{fen_sql('r.amount')}, {json_text(d, 'status')}, {json_text(d, 'disability_grade')}, "
        f"COALESCE({json_text(d, 'plate_no')}, {json_text(d, 'credit_code')}, r.record_key), "
        f"COALESCE({json_text(d, 'company_name')}, {json_text(d, 'school')}, "
        f"{json_text(d, 'address')}, {json_text(d, 'hospital')}, ''), "
        "r.feed_import_id, p.id, p.household_id, p.name, p.death_date, p.disability_grade, "
        "p.school_stage, h.hukou_area_id, r.area_code, "
        f"{json_text(d, 'left_on')}, "
        "{method}, {probability}, fi.extracted_on"
    )
    marks = ", ".join(["%s"] * len(departments))
    upto = " AND r.feed_import_id <= %s" if upto_import is not None else ""
    where = f"r.feed_import_id > %s{upto} AND r.department IN ({marks})"
    params = [after_import, *([upto_import] if upto_import is not None else []), *departments]
    exact_cols = cols.replace("{method}", "'exact'").replace("{probability}", "1.0")
    link_cols = cols.replace(
        "{method}", f"CASE WHEN l.status = 'accepted' THEN l.method ELSE '{UNCONFIRMED}' END"
    ).replace("{probability}", "l.match_probability")
    linked = (
        "(l.status = 'accepted' OR (l.status = 'review' "
        f"AND l.match_probability >= {UNCONFIRMED_PROBABILITY}))"
    )
    sql = (
        f"SELECT {exact_cols} FROM verify_feedrecord r "
        "JOIN verify_feedimport fi ON fi.id = r.feed_import_id "
        "JOIN registry_person p ON p.id_number = r.id_number "
        "JOIN registry_household h ON h.id = p.household_id "
        f"WHERE {where} AND r.id_number <> '' "
        "UNION "
        f"SELECT {link_cols} FROM verify_feedrecord r "
        "JOIN verify_feedimport fi ON fi.id = r.feed_import_id "
        f"JOIN verify_recordlink l ON l.record_id = r.id AND {linked} "
        "JOIN registry_person p ON p.id = l.person_id "
        "JOIN registry_household h ON h.id = p.household_id "
        f"WHERE {where}"
    )
    if linked_since is None:
        return read_frame(sql, params + params, LINKED_SCHEMA)
    stamp = _stamp(linked_since)
    newly = (
        f"r.department IN ({marks}){upto} AND r.feed_import_id <= %s AND ("
        "l.run_id IN (SELECT id FROM verify_matchrun WHERE started_at > %s) OR r.id IN "
        "(SELECT record_id FROM verify_reviewdecision WHERE decision = 'confirmed' "
        "AND decided_at > %s))"
    )
    newly_params = [
        *departments,
        *([upto_import] if upto_import is not None else []),
        after_import,
        stamp,
        stamp,
    ]
    sql += (
        " UNION "
        f"SELECT {link_cols} FROM verify_feedrecord r "
        "JOIN verify_feedimport fi ON fi.id = r.feed_import_id "
        f"JOIN verify_recordlink l ON l.record_id = r.id AND {linked} "
        "JOIN registry_person p ON p.id = l.person_id "
        "JOIN registry_household h ON h.id = p.household_id "
        f"WHERE {newly}"
    )
    return read_frame(sql, params + params + newly_params, LINKED_SCHEMA)


def _stamp(value) -> str:
    """A timestamp as the database compares it with a stored one (SQLite stores UTC text)."""
    if is_postgresql():
        return value.isoformat()
    return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(sep=" ")


def window_sums(
    *,
    department: str,
    kinds: list[str] | None,
    since: datetime.date,
    upto: datetime.date,
    household_ids: list[int] | None,
    by_month: bool = False,
) -> pl.DataFrame:
    """Sum of a department's amounts per household (and month) over ``since``..``upto``."""
    kind_sql, params = "", [department, since.isoformat(), upto.isoformat()]
    if kinds:
        kind_sql = f" AND r.kind IN ({', '.join(['%s'] * len(kinds))})"
        params += kinds
    hh_sql = ""
    if household_ids is not None:
        if not household_ids:
            schema = {"household_id": pl.Int64, "total_fen": pl.Int64}
            if by_month:
                schema["month"] = pl.Utf8
            return pl.DataFrame(schema=schema)
        hh_sql = f" AND p.household_id IN ({', '.join(str(int(h)) for h in household_ids)})"
    month_col = ""
    if by_month:
        month_col = (
            ", to_char(r.event_date, 'YYYY-MM') AS month"
            if is_postgresql()
            else ", strftime('%%Y-%%m', r.event_date) AS month"
        )
    where = f"r.department = %s AND r.event_date >= %s AND r.event_date <= %s{kind_sql}{hh_sql}"
    group = "household_id, month" if by_month else "household_id"
    sql = f"SELECT {group}, SUM(fen) FROM ({_by_person(month_col, where)}) x GROUP BY {group}"
    schema = {"household_id": pl.Int64}
    if by_month:
        schema["month"] = pl.Utf8
    schema["total_fen"] = pl.Int64
    return read_frame(sql, params + params, schema)


def _by_person(extra: str, where: str) -> str:
    """Each record of ``where`` once per registry person it is — by exact ID number, or by the
    matching engine's accepted link (a dirty or missing ID number), as ``linked_records``:
    ``rid, household_id, person_id, fen`` and the ``extra`` columns (", expr AS name")."""
    cols = f"r.id AS rid, p.household_id AS household_id, p.id AS person_id{extra}, "
    cols += f"{fen_sql('r.amount')} AS fen"
    return (
        f"SELECT {cols} FROM verify_feedrecord r "
        "JOIN registry_person p ON p.id_number = r.id_number "
        f"WHERE {where} AND r.id_number <> '' "
        "UNION ALL "  # the linked branch without the exact pairs: no sort to drop duplicates
        f"SELECT {cols} FROM verify_feedrecord r "
        "JOIN verify_recordlink l ON l.record_id = r.id AND l.status = 'accepted' "
        f"JOIN registry_person p ON p.id = l.person_id WHERE {where} "
        "AND (r.id_number = '' OR p.id_number IS NULL OR p.id_number <> r.id_number)"
    )


def person_month_sums(
    *,
    department: str,
    kinds: list[str],
    since: datetime.date,
    upto: datetime.date,
    household_ids: list[int] | None,
) -> pl.DataFrame:
    """A department's amounts per registry person and month (YYYY-MM) over ``since``..``upto``
    (persons by exact ID number or accepted link, as ``window_sums``), for the given households or all."""
    schema = {
        "household_id": pl.Int64,
        "person_id": pl.Int64,
        "month": pl.Utf8,
        "total_fen": pl.Int64,
    }
    if not kinds or (household_ids is not None and not household_ids):
        return pl.DataFrame(schema=schema)
    params = [department, since.isoformat(), upto.isoformat(), *kinds]
    hh_sql = (
        f" AND p.household_id IN ({', '.join(str(int(h)) for h in household_ids)})"
        if household_ids is not None
        else ""
    )
    month = (
        "to_char(r.event_date, 'YYYY-MM')"
        if is_postgresql()
        else "strftime('%%Y-%%m', r.event_date)"
    )
    where = (
        "r.department = %s AND r.event_date >= %s AND r.event_date <= %s "
        f"AND r.kind IN ({', '.join(['%s'] * len(kinds))}){hh_sql} AND p.death_date IS NULL"
    )
    sql = (
        f"SELECT household_id, person_id, month, SUM(fen) FROM "
        f"({_by_person(f', {month} AS month', where)}) x GROUP BY household_id, person_id, month"
    )
    return read_frame(sql, params + params, schema)


def roll_members(household_ids: list[int] | None) -> pl.DataFrame:
    """Living members of the given households (or of every household on a roll)."""
    if household_ids is not None and not household_ids:
        return pl.DataFrame(schema=MEMBER_SCHEMA)
    where = (
        f"p.household_id IN ({', '.join(str(int(h)) for h in household_ids)})"
        if household_ids is not None
        else "p.household_id IN (SELECT household_id FROM registry_rollentry "
        "WHERE status = 'active')"
    )
    return read_frame(
        "SELECT p.id, p.household_id, p.name, p.birth_date, p.labour_capacity, p.is_counted "
        f"FROM registry_person p WHERE {where} AND p.death_date IS NULL",
        [],
        MEMBER_SCHEMA,
    )


MEMBER_SCHEMA = {
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "person_name": pl.Utf8,
    "birth_date": pl.Date,
    "labour_capacity": pl.Utf8,
    "is_counted": pl.Boolean,
}


def persons_born_between(ranges: list[tuple[datetime.date, datetime.date, int]]) -> pl.DataFrame:
    """Living persons of households on a roll born in (start, end] of any range, with the age."""
    if not ranges:
        return pl.DataFrame(schema={**MEMBER_SCHEMA, "age": pl.Int64})
    parts, params = [], []
    for start, end, age in ranges:
        parts.append(
            f"SELECT p.id, p.household_id, p.name, p.birth_date, p.labour_capacity, "
            f"p.is_counted, {int(age)} FROM registry_person p "
            "WHERE p.birth_date > %s AND p.birth_date <= %s AND p.death_date IS NULL "
            "AND p.household_id IN (SELECT household_id FROM registry_rollentry "
            "WHERE status = 'active')"
        )
        params += [start.isoformat(), end.isoformat()]
    return read_frame(" UNION ALL ".join(parts), params, {**MEMBER_SCHEMA, "age": pl.Int64})
