"""Verify's columnar readers for other apps: department records with the registry person they
are, as Polars frames (monitoring's rules read them; they never name verify's tables).

A record is a person when the ID numbers agree once cleaned as verify cleans them
(``matching.clean_ids``: full-width digits and X, a lower-case x, spaces, a 15-digit old number
upgraded) or when the matching engine accepted the link (``RecordLink``). Most feed numbers are
already clean: those are joined in the database; the few others (``_DIRTY``) are cleaned here in
Polars and joined through a small ``VALUES`` list of (record, person) pairs.
"""

from __future__ import annotations

import datetime

import polars as pl

from jiuzhu.core.frames import fen_sql, is_postgresql, json_text, read_frame
from jiuzhu.registry import frames as registry
from jiuzhu.verify import matching

# A link the matching engine proposed with a high probability but could not accept on its own
# (another candidate too close, a vetoing disagreement such as a mistyped old ID): its record
# still raises the alert — marked ``link_method = UNCONFIRMED``, never holding a payment — so a
# worker checks the person now instead of after the review queue (issue 13.8/13.11).
UNCONFIRMED = "unconfirmed"
UNCONFIRMED_PROBABILITY = 0.99

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


def _dirty(column: str) -> str:
    """A non-empty ID number that is not 18 plain ASCII characters in upper case: full-width
    digits (3 bytes each), spaces, a lower-case x, a 15-digit old number …"""
    octets = f"OCTET_LENGTH({column})" if is_postgresql() else f"LENGTH(CAST({column} AS BLOB))"
    return f"{column} <> '' AND ({octets} <> 18 OR {column} <> UPPER({column}))"


def cleaned_id_matches(record_where: str, params: list) -> pl.DataFrame:
    """``record_id, person_id``: the records of ``record_where`` (fixed SQL on ``r``) whose raw ID
    number differs from the clean one and whose clean number is a registry person's."""
    schema = {"record_id": pl.Int64, "person_id": pl.Int64}
    raw = read_frame(
        f"SELECT r.id, r.id_number FROM verify_feedrecord r WHERE ({record_where}) "
        f"AND {_dirty('r.id_number')}",
        params,
        {"record_id": pl.Int64, "id_number": pl.Utf8},
    )
    if raw.is_empty():
        return pl.DataFrame(schema=schema)
    clean = (
        matching.clean_ids(raw)
        .filter(pl.col("id_valid") & (pl.col("id_clean") != pl.col("id_number")))
        .select("record_id", "id_clean")
        .collect()
    )
    if clean.is_empty():
        return pl.DataFrame(schema=schema)
    persons = registry.persons_by_id_number(clean["id_clean"].unique().to_list())
    return clean.join(persons, left_on="id_clean", right_on="id_number").select(
        "record_id", "person_id"
    )


def _pairs_sql(pairs: pl.DataFrame) -> str:
    """``FROM`` item ``m`` (``column1`` record id, ``column2`` person id) of the pairs."""
    rows = ", ".join(f"({int(r)}, {int(p)})" for r, p in pairs.iter_rows())
    return f"(VALUES {rows}) m"


def _exact_branches(
    select: str,
    where: str,
    params: list,
    pairs: pl.DataFrame,
    *,
    joins: str = "",
    household: bool = True,
    pair_where: str = "",
) -> tuple[str, list]:
    """``select`` (on ``r``, ``p``, ``h`` if ``household`` and ``joins``) for the records of
    ``where`` (with ``params``) that are a person by exact ID number: the clean numbers joined
    in the database, the cleaned ones by ``pairs`` (and ``pair_where``). Returns the SQL and
    its parameters."""
    hh = f"{registry.join_household('h', 'p.household_id')} " if household else ""
    sql = (
        f"SELECT {select} FROM verify_feedrecord r {joins}"
        f"{registry.join_person_by_id_number('p', 'r.id_number')} {hh}"
        f"WHERE {where} AND r.id_number <> ''"
    )
    if pairs.is_empty():
        return sql, list(params)
    sql += (
        f" UNION ALL SELECT {select} FROM verify_feedrecord r {joins}"
        f"JOIN {_pairs_sql(pairs)} ON m.column1 = r.id "
        f"{registry.join_person('p', 'm.column2')} {hh}WHERE {where}{pair_where}"
    )
    return sql, [*params, *params]


def linked_records(
    *,
    after_import: int,
    departments: list[str],
    upto_import: int | None = None,
    linked_since=None,
) -> pl.DataFrame:
    """Department records of imports after ``after_import``, with the registry person they are.

    A record is that person when the ID numbers agree (cleaned) or the matching engine accepted
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
    imports = "JOIN verify_feedimport fi ON fi.id = r.feed_import_id "
    pairs = cleaned_id_matches(where, params)
    exact, exact_params = _exact_branches(exact_cols, where, params, pairs, joins=imports)
    link_from = (
        f"FROM verify_feedrecord r {imports}"
        f"JOIN verify_recordlink l ON l.record_id = r.id AND {linked} "
        f"{registry.join_person('p', 'l.person_id')} "
        f"{registry.join_household('h', 'p.household_id')} "
    )
    sql = f"{exact} UNION SELECT {link_cols} {link_from}WHERE {where}"
    if linked_since is None:
        return read_frame(sql, exact_params + params, LINKED_SCHEMA)
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
    sql += f" UNION SELECT {link_cols} {link_from}WHERE {newly}"
    return read_frame(sql, exact_params + params + newly_params, LINKED_SCHEMA)


def _stamp(value) -> str:
    """A timestamp as the database compares it with a stored one (SQLite stores UTC text)."""
    if is_postgresql():
        return value.isoformat()
    return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(sep=" ")


def _month_expr() -> str:
    if is_postgresql():
        return "to_char(r.event_date, 'YYYY-MM')"
    return "strftime('%%Y-%%m', r.event_date)"


def _ids(ids) -> str:
    return ", ".join(str(int(h)) for h in ids)


def _by_person(extra: str, where: str, params: list, record_where: str, record_params: list):
    """Each record of ``where`` once per registry person it is — by exact (cleaned) ID number,
    or by the matching engine's accepted link, as ``linked_records``: ``rid, household_id,
    person_id, fen`` and the ``extra`` columns (", expr AS name"); with its parameters.
    ``record_where`` (on ``r`` only) narrows the records whose ID number is cleaned."""
    cols = f"r.id AS rid, p.household_id AS household_id, p.id AS person_id{extra}, "
    cols += f"{fen_sql('r.amount')} AS fen"
    pairs = cleaned_id_matches(record_where, record_params)
    # a cleaned pair the engine also linked is counted once, by the link
    exact, out_params = _exact_branches(
        cols,
        where,
        params,
        pairs,
        household=False,
        pair_where=" AND NOT EXISTS (SELECT 1 FROM verify_recordlink k WHERE k.record_id = r.id "
        "AND k.person_id = p.id AND k.status = 'accepted')",
    )
    # the linked branch without the exact pairs: no sort to drop duplicates
    not_exact = "(r.id_number = '' OR p.id_number IS NULL OR p.id_number <> r.id_number)"
    sql = (
        f"{exact} UNION ALL SELECT {cols} FROM verify_feedrecord r "
        "JOIN verify_recordlink l ON l.record_id = r.id AND l.status = 'accepted' "
        f"{registry.join_person('p', 'l.person_id')} WHERE {where} AND {not_exact}"
    )
    return sql, out_params + params


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
        hh_sql = f" AND p.household_id IN ({_ids(household_ids)})"
    month_col = f", {_month_expr()} AS month" if by_month else ""
    records = f"r.department = %s AND r.event_date >= %s AND r.event_date <= %s{kind_sql}"
    inner, all_params = _by_person(month_col, records + hh_sql, params, records, params)
    group = "household_id, month" if by_month else "household_id"
    sql = f"SELECT {group}, SUM(fen) FROM ({inner}) x GROUP BY {group}"
    schema = {"household_id": pl.Int64}
    if by_month:
        schema["month"] = pl.Utf8
    schema["total_fen"] = pl.Int64
    return read_frame(sql, all_params, schema)


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
    hh_sql = f" AND p.household_id IN ({_ids(household_ids)})" if household_ids is not None else ""
    records = (
        "r.department = %s AND r.event_date >= %s AND r.event_date <= %s "
        f"AND r.kind IN ({', '.join(['%s'] * len(kinds))})"
    )
    where = f"{records}{hh_sql} AND p.death_date IS NULL"
    inner, all_params = _by_person(f", {_month_expr()} AS month", where, params, records, params)
    sql = (
        f"SELECT household_id, person_id, month, SUM(fen) FROM ({inner}) x "
        "GROUP BY household_id, person_id, month"
    )
    return read_frame(sql, all_params, schema)


def hrss_history(person_ids: list[int], since: datetime.date, upto: datetime.date) -> pl.DataFrame:
    """人社 records (unemployment, wage, contribution) of the persons over ``since``..``upto``:
    ``person_id, kind, event_date, employer`` (persons by exact ID number or accepted link)."""
    ids = _ids(person_ids)
    employer = json_text("r.data", "employer")
    cols = f"p.id, r.kind, r.event_date, {employer}"
    records = (
        "r.department = 'hrss' AND r.kind IN ('unemployment', 'wage', 'contribution') "
        "AND r.event_date >= %s AND r.event_date <= %s"
    )
    where = f"{records} AND p.id IN ({ids})"
    window = [since.isoformat(), upto.isoformat()]
    pairs = cleaned_id_matches(records, window)
    exact, params = _exact_branches(cols, where, window, pairs, household=False)
    sql = (
        f"{exact} UNION SELECT {cols} FROM verify_feedrecord r "
        "JOIN verify_recordlink l ON l.record_id = r.id AND l.status = 'accepted' "
        f"{registry.join_person('p', 'l.person_id')} WHERE {where}"
    )
    return read_frame(
        sql,
        params + window,
        {"person_id": pl.Int64, "kind": pl.Utf8, "event_date": pl.Date, "employer": pl.Utf8},
    )


def open_duplicate_pairs(area_range: list[str] | None = None) -> pl.DataFrame:
    """Open duplicate pairs (two registry persons who may be one): ``pair_id, household_id``
    (person a's), ``other_household`` (person b's), ``person_name`` (a's); with ``area_range``
    only pairs of two households whose a-side lies in that area subtree."""
    where = "d.status = 'open'"
    params: list = []
    area_join = ""
    if area_range is not None:
        area_join = f" {registry.join_household('h', 'pa.household_id')}"
        where += f" AND pa.household_id <> pb.household_id AND {registry.in_area('h')}"
        params = list(area_range)
    return read_frame(
        "SELECT d.id, pa.household_id, pb.household_id, pa.name FROM verify_duplicatepair d "
        f"{registry.join_person('pa', 'd.person_a_id')} "
        f"{registry.join_person('pb', 'd.person_b_id')}{area_join} WHERE {where}",
        params,
        {
            "pair_id": pl.Int64,
            "household_id": pl.Int64,
            "other_household": pl.Int64,
            "person_name": pl.Utf8,
        },
    )
