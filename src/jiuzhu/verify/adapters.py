"""Database ↔ frames for the matching engine and the rules (columnar reads, no ORM loops)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from django.db.models import Q

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


def records_frame(queryset=None) -> pl.DataFrame:
    qs = queryset if queryset is not None else FeedRecord.objects.all()
    out = []
    for r in qs.values_list(
        "id",
        "department",
        "kind",
        "id_number",
        "name",
        "sex",
        "birth_date",
        "area_code",
        "event_date",
        "amount",
        "data",
    ).iterator(chunk_size=20_000):
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
    sizes = dict(
        Person.objects.filter(is_counted=True, death_date__isnull=True)
        .values_list("household_id")
        .order_by()
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
    )
    on_roll = set(RollEntry.objects.filter(status="active").values_list("household_id", flat=True))
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
    filt = Q(household_id__in=list(household_ids)) if household_ids is not None else Q()
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
    rows = list(ReviewDecision.objects.values_list("record_id", "person_id", "decision"))
    schema = {"record_id": pl.Int64, "person_id": pl.Int64, "decision": pl.Utf8}
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
