"""Database ↔ frames for the matching engine and the rules (columnar reads, no ORM loops)."""

from __future__ import annotations

import json
from decimal import Decimal

import polars as pl
from django.db.models import Count, Q, QuerySet

from jiuzhu.core.frames import fen_sql, json_text, read_frame
from jiuzhu.registry import frames as registry_frames
from jiuzhu.registry.models import Asset, Household, IncomeItem, Person, RigidExpense, RollEntry
from jiuzhu.verify import matching
from jiuzhu.verify.models import FeedRecord, LinkStatus, RecordLink, ReviewDecision


def _fen(value) -> int | None:
    return None if value is None else int(Decimal(value) * 100)


def persons_frame(queryset=None) -> pl.DataFrame:
    qs = queryset if queryset is not None else Person.objects.all()
    rows = qs.values_list(
        "id",
        "household_id",
        "id_number",
        "name",
        "sex",
        "birth_date",
        "household__hukou_area_id",
        "death_date",
        "disability_type",
        "school_stage",
    )
    cols = [
        "person_id",
        "household_id",
        "id_number",
        "name",
        "sex",
        "birth_date",
        "area_code",
        "death_date",
        "disability_type",
        "school_stage",
    ]
    schema = {
        "person_id": pl.Int64,
        "household_id": pl.Int64,
        "id_number": pl.Utf8,
        "name": pl.Utf8,
        "sex": pl.Utf8,
        "birth_date": pl.Date,
        "area_code": pl.Utf8,
        "death_date": pl.Date,
        "disability_type": pl.Utf8,
        "school_stage": pl.Utf8,
    }
    frame = (
        pl.DataFrame(list(rows), schema=schema, orient="row")
        if rows
        else pl.DataFrame(schema=schema)
    )
    return frame.select(cols).with_columns(home_area=pl.col("area_code"))


RECORD_COLUMNS = {
    "record_id": pl.Int64,
    "department": pl.Utf8,
    "kind": pl.Utf8,
    "id_number": pl.Utf8,
    "name": pl.Utf8,
    "sex": pl.Utf8,
    "birth_date": pl.Date,
    "area_code": pl.Utf8,
    "event_date": pl.Date,
    "amount_fen": pl.Int64,
    "ref": pl.Utf8,
    "label": pl.Utf8,
    "status": pl.Utf8,
    "grade": pl.Utf8,
}
REF_FIELDS = ("plate_no", "credit_code", "record_id")
LABEL_FIELDS = ("company_name", "address", "school", "bank_name", "hospital")


# A department record's own fields (after its department, import and row).
RECORD_FIELDS = (
    "kind",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "area_code",
    "event_date",
    "amount",
    "data",
)


def records_frame(queryset=None) -> pl.DataFrame:
    qs = queryset if queryset is not None else FeedRecord.objects.all()
    out = []
    for r in qs.values_list("id", "department", *RECORD_FIELDS).iterator(chunk_size=20_000):
        data = r[10] or {}
        ref = next((data[f] for f in REF_FIELDS if data.get(f)), "")
        label = next((data[f] for f in LABEL_FIELDS if data.get(f)), "")
        out.append(
            (
                r[0],
                r[1],
                r[2],
                r[3] or None,
                r[4],
                r[5] or None,
                r[6],
                r[7] or None,
                r[8],
                _fen(r[9]),
                ref,
                label,
                data.get("status", ""),
                data.get("disability_grade", ""),
            )
        )
    if not out:
        return pl.DataFrame(schema=RECORD_COLUMNS)
    return pl.DataFrame(out, schema=RECORD_COLUMNS, orient="row")


def households_frame(ids=None) -> pl.DataFrame:
    qs = Household.objects.all()
    if ids is not None:
        qs = qs.filter(id__in=list(ids))
    members = Person.objects.filter(is_counted=True, death_date__isnull=True)
    if ids is not None:
        members = members.filter(household_id__in=list(ids))
    sizes = dict(members.values_list("household_id").order_by().annotate(n=Count("id")))
    roll = RollEntry.objects.filter(status="active")
    if ids is not None:
        roll = roll.filter(household_id__in=list(ids))
    on_roll = set(roll.values_list("household_id", flat=True))
    rows = [(h, sizes.get(h, 0), h in on_roll) for h in qs.values_list("id", flat=True)]
    return pl.DataFrame(
        rows,
        schema={"household_id": pl.Int64, "size": pl.Int64, "on_roll": pl.Boolean},
        orient="row",
    )


def declared_frame(household_ids=None) -> pl.DataFrame:
    """What the household declared or a visit found (not department data)."""
    not_feed = ~Q(source__startswith="feed:")
    rows = []
    if household_ids is None:
        filt = Q()
    elif isinstance(household_ids, QuerySet):  # a subquery: stays in the database
        filt = Q(household_id__in=household_ids)
    else:
        filt = Q(household_id__in=list(household_ids))
    for hh, person, kind, reg, value in Asset.objects.filter(not_feed & filt).values_list(
        "household_id", "person_id", "kind", "registration_no", "value"
    ):
        rows.append((hh, person, f"asset:{kind}", reg, _fen(value)))
    for hh, person, kind, amount in IncomeItem.objects.filter(
        not_feed & filt, excluded=False
    ).values_list("household_id", "person_id", "kind", "amount"):
        rows.append((hh, person, f"income:{kind}", "", _fen(amount)))
    for hh, person, kind, amount in RigidExpense.objects.filter(not_feed & filt).values_list(
        "household_id", "person_id", "kind", "amount"
    ):
        rows.append((hh, person, f"expense:{kind}", "", _fen(amount)))
    schema = {
        "household_id": pl.Int64,
        "person_id": pl.Int64,
        "category": pl.Utf8,
        "registration_no": pl.Utf8,
        "amount_fen": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def decisions_frame() -> pl.DataFrame:
    """People's decisions on pairs, with the comparison as they saw it (JSON text): the
    rejected ones are the false-link reports the next trained model learns from."""
    rows = [
        (r, p, d, json.dumps(c or {}, ensure_ascii=False))
        for r, p, d, c in ReviewDecision.objects.values_list(
            "record_id", "person_id", "decision", "comparison"
        )
    ]
    schema = {
        "record_id": pl.Int64,
        "person_id": pl.Int64,
        "decision": pl.Utf8,
        "comparison": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def accepted_links_frame(record_ids=None) -> pl.DataFrame:
    qs = RecordLink.objects.filter(status=LinkStatus.ACCEPTED)
    if record_ids is not None:
        qs = qs.filter(record_id__in=list(record_ids))
    rows = list(qs.values_list("record_id", "person_id"))
    schema = {"record_id": pl.Int64, "person_id": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def engine_persons(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(list(matching.PERSON_SCHEMA))


def engine_records(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(list(matching.RECORD_SCHEMA))


# --------------------------------------------------------------------------- bulk (batch runs)
# One COPY / streaming query per table (``jiuzhu.core.frames``): the batch reads a million persons
# and ten million records without building a Python object per row.

PERSON_TABLE_SCHEMA = {
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "id_number": pl.Utf8,
    "name": pl.Utf8,
    "sex": pl.Utf8,
    "birth_date": pl.Date,
    "area_code": pl.Utf8,
    "death_date": pl.Date,
    "disability_type": pl.Utf8,
    "school_stage": pl.Utf8,
    "is_counted": pl.Int64,
}


def persons_table(where: str = "") -> pl.DataFrame:
    """Registry persons with what the engine and the rules read (``where``: fixed SQL on ``p``)."""
    sql = (
        "SELECT p.id, p.household_id, p.id_number, p.name, p.sex, p.birth_date, h.hukou_area_id, "
        "p.death_date, p.disability_type, p.school_stage, "
        "CASE WHEN p.is_counted THEN 1 ELSE 0 END "
        f"FROM {registry_frames.person_table('p')} "
        f"{registry_frames.join_household('h', 'p.household_id')}"
        + (f" WHERE {where}" if where else "")
    )
    frame = read_frame(sql, None, PERSON_TABLE_SCHEMA, blank_as_null=True)
    return frame.with_columns(
        home_area=pl.col("area_code"),
        disability_type=pl.col("disability_type").fill_null(""),
        school_stage=pl.col("school_stage").fill_null(""),
    )


def records_table(where: str = "") -> pl.DataFrame:
    """Department records as the engine reads them (RECORD_SCHEMA)."""
    sql = (
        "SELECT id, id_number, name, sex, birth_date, area_code "
        f"FROM {FeedRecord._meta.db_table}" + (f" WHERE {where}" if where else "")
    )
    return read_frame(sql, None, dict(matching.RECORD_SCHEMA), blank_as_null=True)


def _first_text(keys) -> str:
    parts = [f"NULLIF({json_text('data', k)}, '')" for k in keys]
    return f"COALESCE({', '.join(parts)}, '')"


def rule_records_table(where: str) -> pl.DataFrame:
    """Department records with the columns the rules read (RECORD_COLUMNS), for ``where``."""
    sql = (
        "SELECT id, department, kind, id_number, name, sex, birth_date, area_code, event_date, "
        f"{fen_sql('amount')}, {_first_text(REF_FIELDS)}, {_first_text(LABEL_FIELDS)}, "
        f"COALESCE({json_text('data', 'status')}, ''), "
        f"COALESCE({json_text('data', 'disability_grade')}, '') "
        f"FROM {FeedRecord._meta.db_table} WHERE {where}"
    )
    frame = read_frame(sql, None, RECORD_COLUMNS, blank_as_null=True)
    return frame.with_columns(
        pl.col(c).fill_null("") for c in ("kind", "department", "ref", "label", "status", "grade")
    )


def households_of(persons: pl.DataFrame, household_ids: list[int], on_roll: set[int]):
    """The households frame of the rules, from a persons table (counted, living members)."""
    sizes = (
        persons.filter((pl.col("is_counted") == 1) & pl.col("death_date").is_null())
        .group_by("household_id")
        .agg(size=pl.len().cast(pl.Int64))
    )
    frame = pl.DataFrame({"household_id": household_ids}, schema={"household_id": pl.Int64})
    return frame.join(sizes, on="household_id", how="left", maintain_order="left").with_columns(
        pl.col("size").fill_null(0),
        on_roll=pl.col("household_id").is_in(list(on_roll)),
    )
