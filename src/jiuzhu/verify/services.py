"""Writes of the verification module: imports, matching runs, checks, reviews, duplicates.

Each write is one transaction that checks, changes and records an audit event.
"""

from __future__ import annotations

import datetime
import json
import time
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, scoped, user_departments, user_scope
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock, events
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.frames import read_frame, write_frame
from jiuzhu.core.money import fen_to_text
from jiuzhu.registry import frames as registry_frames
from jiuzhu.registry.merging import person_merge
from jiuzhu.registry.models import Asset, Household, IncomeItem, Person, RigidExpense, RollEntry
from jiuzhu.verify import adapters, matching, rules
from jiuzhu.verify.feeds import DEPARTMENT_LABELS, FEEDS, parse_feed, record_fields
from jiuzhu.verify.models import (
    Check,
    CheckBatch,
    DuplicatePair,
    FeedImport,
    FeedRecord,
    Finding,
    ImportStatus,
    LinkStatus,
    MatchRun,
    RecordLink,
    ReviewDecision,
)

# --------------------------------------------------------------------------- feeds


def _require_department(actor, department: str) -> None:
    if actor is None:  # the console command: the operator is trusted
        return
    if user_scope(actor, Capability.FEED_UPLOAD).empty:
        raise PermissionDenied("feed.upload")
    if department not in user_departments(actor):
        own = "、".join(
            _(DEPARTMENT_LABELS.get(d, d)) for d in sorted(user_departments(actor))
        ) or _("无")
        raise ServiceError(
            _("只能上传本部门的数据：您属于%(own)s，不能上传%(department)s数据")
            % {"own": own, "department": _(DEPARTMENT_LABELS.get(department, department))},
            field="department",
            code="wrong_department",
        )


def _looks_like(header_issue_file: str, data: bytes, department: str) -> str:
    """If a rejected file is another department's feed, say which (a helpful message)."""
    for other in FEEDS:
        if other == department:
            continue
        probe = parse_feed(other, data[:4096] if data[:4] != b"PAR1" else data, header_issue_file)
        if not probe.fatal:
            return f"该文件的表头符合{DEPARTMENT_LABELS[other]}数据格式，不是{DEPARTMENT_LABELS[department]}数据"
    return ""


@dataclass
class ImportResult:
    feed_import: FeedImport
    duplicate: bool = False  # the same file was imported before: nothing changed


def feed_import(
    *,
    actor,
    department: str,
    data: bytes,
    file_name: str,
    extracted_on: datetime.date | None = None,
    period: tuple[datetime.date, datetime.date] | None = None,
) -> ImportResult:
    """Import one department file; the same file twice changes nothing.

    Rows with an error are reported by row and left out where the department's mode is "rows"
    (the good rows go in); in mode "whole" (and for a truncated file) nothing goes in. ``period``
    is the first and last month a monthly extract (人社) covers; by default the span of the months
    in the file."""
    extracted_on = _feed_extraction_date(actor, department, extracted_on)
    parsed = parse_feed(department, data, file_name, extracted_on=extracted_on)
    earlier = FeedImport.objects.filter(
        department=department, checksum=parsed.checksum, status=ImportStatus.ACCEPTED
    ).first()
    if earlier is not None:
        return ImportResult(earlier, duplicate=True)
    report = [i.as_dict() for i in parsed.issues[:1000]]
    if parsed.fatal:
        hint = _looks_like(file_name, data, department)
        if hint:
            report.insert(0, {"file": file_name, "row": None, "field": "", "reason": hint})
    keep_good_rows = (
        FEEDS[department].mode == "rows"
        and not parsed.fatal
        and not parsed.truncated
        and bool(parsed.rows)
    )
    with transaction.atomic():
        imp = FeedImport(
            department=department,
            file_name=file_name[:200],
            file_format=parsed.file_format,
            encoding=parsed.encoding,
            checksum=parsed.checksum,
            extracted_on=extracted_on,
            rows_total=parsed.rows_read,
            rows_rejected=len(parsed.bad_rows),
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
            report=report,
        )
        if parsed.errors and not keep_good_rows:
            return _feed_refused(imp, parsed, data, file_name, actor=actor)
        imp.status = ImportStatus.ACCEPTED
        imp.period_start, imp.period_end = period or _period_of(department, parsed.rows)
        imp.save()
        new, changed, kept = _records_sorted(imp, parsed.rows)
        _records_write(new, changed)
        imp.rows_created, imp.rows_updated = len(new), len(changed)
        imp.report.extend(_kept_rows_report(file_name, kept))
        imp.save(update_fields=["rows_created", "rows_updated", "rows_unchanged", "report"])
        audit_record(
            actor=actor,
            action="verify.feed_imported",
            area_code=NATIONAL,
            subject_type="feed_import",
            subject_id=imp.pk,
            after={
                "department": department,
                "file": file_name,
                "checksum": parsed.checksum,
                "extracted_on": extracted_on,
                "created": len(new),
                "updated": len(changed),
                "unchanged": imp.rows_unchanged,
            },
        )
        # Monitoring alerts on what this file changed, once it is committed (its subscriber
        # queues the run).
        events.publish(
            events.FeedImported(
                import_id=imp.pk, department=department, created=len(new), updated=len(changed)
            )
        )
    return ImportResult(imp)


def _feed_extraction_date(actor, department: str, extracted_on) -> datetime.date:
    """The department is known and the actor may import it; the extraction date (today by
    default) is not in the future."""
    if department not in FEEDS:
        raise ServiceError(
            _("未知部门“%(department)s”") % {"department": department}, field="department"
        )
    _require_department(actor, department)
    today = clock.today()
    if extracted_on is not None and extracted_on > today:
        raise ServiceError(
            _("数据提取日期%(date)s晚于今天，不可能：请填写部门实际导出数据的日期")
            % {"date": extracted_on.isoformat()},
            field="extracted_on",
            code="future_extraction",
        )
    return extracted_on or today


def _feed_refused(imp: FeedImport, parsed, data: bytes, file_name: str, *, actor) -> ImportResult:
    """A file with errors that cannot go in: rejected (unreadable) or quarantined, kept apart."""
    imp.status = ImportStatus.REJECTED if parsed.fatal else ImportStatus.QUARANTINED
    imp.save()
    _quarantine(imp, data)
    audit_record(
        actor=actor,
        action=f"verify.feed_{imp.status}",
        area_code=NATIONAL,
        subject_type="feed_import",
        subject_id=imp.pk,
        after={"department": imp.department, "file": file_name, "issues": len(parsed.issues)},
    )
    return ImportResult(imp)


def _kept_rows_report(file_name: str, kept: list[int]) -> list[dict]:
    """Report lines for the dirty-ID rows that did not replace an earlier record (200 at most)."""
    return [
        {
            "file": file_name,
            "row": row_no,
            "field": "id_number",
            "reason": _("身份证号有误（见上），该记录编号已有记录：保留原记录，本行未覆盖"),
            "severity": "warning",
        }
        for row_no in kept[:200]
    ]


def _records_sorted(imp: FeedImport, rows: list[dict]):
    """The file's rows as records: new ones, changed ones (with the stored record's id), and
    the row numbers of dirty-ID rows kept out (the earlier record stands). Counts the
    unchanged rows on ``imp``."""
    department = imp.department
    existing = {
        key: (pk, data_)
        for key, pk, data_ in FeedRecord.objects.filter(department=department)
        .values_list("record_key", "id", "data")
        .iterator(chunk_size=20_000)
    }
    new, changed, kept = [], [], []
    for row in rows:
        row_no = row.pop("_row")
        id_invalid = row.pop("_id_invalid", False)
        row = {k: v for k, v in row.items() if not k.startswith("_")} | {
            f"{k[1:]}": v for k, v in row.items() if k in ("_id_raw", "_id_repaired")
        }
        fields = record_fields(department, row)
        prior = existing.get(fields["record_key"])
        if prior is not None and prior[1] == row:
            imp.rows_unchanged += 1
            continue
        if prior is not None and (id_invalid or row.get("id_raw") or row.get("id_repaired")):
            # a dirty ID never replaces the record the department sent before
            kept.append(row_no)
            imp.rows_unchanged += 1
            continue
        rec = FeedRecord(
            department=department,
            feed_import=imp,
            row_no=row_no,
            data=row,
            **{**fields, "amount": Decimal(fields["amount"]) if fields["amount"] else None},
        )
        if prior is None:
            new.append(rec)
        else:
            rec.pk = prior[0]
            changed.append(rec)
    return new, changed, kept


def _records_write(new: list[FeedRecord], changed: list[FeedRecord]) -> None:
    """Create the new records and update the changed ones (their links are dropped)."""
    FeedRecord.objects.bulk_create(new, batch_size=5000)
    if changed:
        RecordLink.objects.filter(record_id__in=[r.pk for r in changed]).delete()
        FeedRecord.objects.bulk_update(
            changed, ["feed_import", "row_no", *adapters.RECORD_FIELDS], batch_size=2000
        )


def _period_of(department: str, rows: list[dict]):
    """The months a monthly extract covers when the department did not say: first to last."""
    feed = FEEDS[department]
    if feed.column(feed.date_column).type != "month":
        return None, None
    months = sorted({r[feed.date_column] for r in rows if r.get(feed.date_column)})
    if not months:
        return None, None
    return (
        datetime.date.fromisoformat(months[0] + "-01"),
        datetime.date.fromisoformat(months[-1] + "-01"),
    )


def _quarantine(imp: FeedImport, data: bytes) -> None:
    folder = settings.MEDIA_ROOT / "feeds" / "quarantine"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{imp.pk}-{imp.checksum[:16]}.bin").write_bytes(data)
    except OSError:  # keeping a copy is a courtesy; the report is what matters
        pass


# --------------------------------------------------------------------------- matching


def _latest_model(*, learn: bool = False) -> matching.LinkModel | None:
    """The model of the latest run, if this engine may use it: a model of an earlier engine
    version (other comparisons) or with a weight outside its bounds is refused, and the next
    run trains a new one. ``learn`` (the batch run): also refused when people reported false
    links since it was trained, so that the batch retrains with them."""
    run = (
        MatchRun.objects.filter(kind=MatchRun.KIND_FEEDS, model__isnull=False)
        .order_by("-id")
        .first()
    )
    if run is None:
        return None
    model = matching.LinkModel.from_dict(run.model)
    try:
        matching.check_model(model)
    except matching.ModelRefused:
        return None
    if learn and _false_link_reports() > int(
        (model.review or {}).get("false_link_reports", 0) or 0
    ):
        return None  # reviewers reported false links since: the next run learns from them
    return model


def _false_link_reports() -> int:
    """How many false-link reports a model trained now would learn from."""
    return len(matching.false_link_patterns(adapters.decisions_frame()))


def _name_frequencies() -> pl.DataFrame:
    """The registry's name frequency table (``name_norm``, ``tf_name_norm``) for runs that link
    only a part of the registry (one household's check)."""
    total = Person.objects.count() or 1
    rows = registry_frames.name_counts()
    return (
        rows.with_columns(name_norm=matching.normalise_name(pl.col("name")))
        .group_by("name_norm")
        .agg(tf_name_norm=(pl.col("n").sum() / total).cast(pl.Float64))
    )


# Rows of the residual (invalid or missing ID numbers) the model is trained on when a run trains.
TRAIN_SAMPLE = 100_000


def _new_run(actor, result: matching.LinkResult, **stats) -> MatchRun:
    return MatchRun.objects.create(
        kind=MatchRun.KIND_FEEDS,
        model=None if result.model is None else result.model.as_dict(),
        stats={**result.stats, **stats},
        accept_probability=matching.ACCEPT_PROBABILITY,
        review_probability=matching.REVIEW_PROBABILITY,
        started_by=actor if actor is not None and actor.is_authenticated else None,
    )


def _links_table(run: MatchRun, links: pl.DataFrame) -> pl.DataFrame:
    return links.select(
        "record_id",
        "person_id",
        pl.lit(run.pk, dtype=pl.Int64).alias("run_id"),
        "method",
        "status",
        "match_weight",
        "match_probability",
        pl.col("comparison").fill_null("{}"),
    )


def _delete_all_links() -> None:
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {RecordLink._meta.db_table}")  # noqa: S608 - fixed name


LINK_KEY = ("person_id", "method", "status", "match_probability")


def _store_links(run: MatchRun, links: pl.DataFrame, record_where: str) -> int:
    """Make the stored links of the records this run looked at equal to ``links``, writing
    only the difference: a scheduled run with the saved model and unchanged data rewrites
    nothing (an unchanged link keeps the run that made it). Returns the rows written."""
    table = RecordLink._meta.db_table
    where = f" WHERE record_id IN (SELECT id FROM {FeedRecord._meta.db_table} WHERE {record_where})"
    old = read_frame(
        f"SELECT id, record_id, person_id, method, status, match_probability FROM {table}"
        + (where if record_where else ""),
        None,
        {
            "id": pl.Int64,
            "record_id": pl.Int64,
            "person_id": pl.Int64,
            "method": pl.Utf8,
            "status": pl.Utf8,
            "match_probability": pl.Float64,
        },
        blank_as_null=True,
    )
    rounded = pl.col("match_probability").round(9)
    same = links.with_columns(rounded).join(
        old.with_columns(rounded), on=["record_id", *LINK_KEY], how="inner"
    )
    stale = old.join(same.select("id"), on="id", how="anti")["id"].to_list()
    fresh = links.join(same.select("record_id"), on="record_id", how="anti")
    if len(stale) > len(old) // 2 and not record_where:
        _delete_all_links()  # most of it changed (a retrained model): delete and rewrite all
        fresh = links
    else:
        _delete_link_ids(stale)
    write_frame(table, _links_table(run, fresh), rebuild_keys=True)
    return len(fresh)


def _delete_link_ids(ids: list[int]) -> None:
    table = RecordLink._meta.db_table
    with connection.cursor() as cur:
        for i in range(0, len(ids), 5000):
            block = ids[i : i + 5000]
            marks = ", ".join(["%s"] * len(block))
            cur.execute(f"DELETE FROM {table} WHERE id IN ({marks})", block)  # noqa: S608


# Departments whose area code is where the *person* is registered (公安: 户籍地). The others
# state where a car, company, property or school is: not evidence about who the person is, so
# the engine does not compare it (a car registered in the next county is no namesake's sign).
PERSON_AREA_DEPARTMENTS = ("police",)
# Records of these kinds name the area the person moved *to* (户籍迁出: the new 户籍地), not the
# one the registry knows: their area is no evidence either.
AREA_ELSEWHERE_KINDS = ("move_out",)


def _engine_records(where: str = "") -> pl.DataFrame:
    """Department records as the engine reads them (RECORD_SCHEMA), the area only where it is
    the person's (``PERSON_AREA_DEPARTMENTS``)."""
    depts = ", ".join(f"'{d}'" for d in PERSON_AREA_DEPARTMENTS)
    elsewhere = ", ".join(f"'{k}'" for k in AREA_ELSEWHERE_KINDS)
    sql = (
        "SELECT id, id_number, name, sex, birth_date, "
        f"CASE WHEN department IN ({depts}) AND kind NOT IN ({elsewhere}) THEN area_code "
        "ELSE '' END "
        f"FROM {FeedRecord._meta.db_table}" + (f" WHERE {where}" if where else "")
    )  # noqa: S608 - fixed names; ``where`` is fixed SQL built by this module
    return read_frame(sql, None, dict(matching.RECORD_SCHEMA), blank_as_null=True)


def _person_area_only(records: pl.DataFrame) -> pl.DataFrame:
    return records.with_columns(
        area_code=pl.when(
            pl.col("department").is_in(list(PERSON_AREA_DEPARTMENTS))
            & ~pl.col("kind").fill_null("").is_in(list(AREA_ELSEWHERE_KINDS))
        )
        .then(pl.col("area_code"))
        .otherwise(None)
    )


def link_run(
    *,
    actor=None,
    retrain: bool = False,
    seed: int = 1,
    persons: pl.DataFrame | None = None,
    record_where: str = "",
    timings: dict | None = None,
) -> MatchRun:
    """Link department records to registry persons and store the links (one per record).

    Reads persons and records in bulk (COPY on PostgreSQL), links them with the engine and
    writes the links in bulk: the links of every record the run looked at are replaced.
    ``record_where`` (fixed SQL on the record table) limits the records; empty: all of them."""
    timings = timings if timings is not None else {}
    t0 = time.perf_counter()
    persons = persons if persons is not None else adapters.persons_table()
    records = _engine_records(record_where)
    decisions = adapters.decisions_frame()
    max_import = FeedImport.objects.order_by("-id").values_list("id", flat=True).first() or 0
    timings["read"] = timings.get("read", 0) + time.perf_counter() - t0
    t0 = time.perf_counter()
    model = None if retrain else _latest_model(learn=True)
    result = matching.link_records(
        adapters.engine_persons(persons),
        records,
        model=model,
        decisions=decisions,
        seed=seed,
        train_sample=TRAIN_SAMPLE,
    )
    timings["link"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with transaction.atomic():
        run = _new_run(
            actor, result, max_import_id=max_import, scope="all" if not record_where else "some"
        )
        changed = _store_links(run, result.links, record_where)
        run.stats = {**run.stats, "links_written": changed}
        run.save(update_fields=["stats"])
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
        audit_record(
            actor=actor,
            action="verify.match_run",
            area_code=NATIONAL,
            subject_type="match_run",
            subject_id=run.pk,
            after=result.stats,
        )
    timings["store_links"] = time.perf_counter() - t0
    return run


def review_decide(*, actor, link_id: int, decision: str, note: str = "") -> RecordLink | None:
    """A person confirms or rejects a proposed link; later runs remember it."""
    if decision not in (ReviewDecision.CONFIRMED, ReviewDecision.REJECTED):
        raise ServiceError(_("决定只能是“确认”或“否定”"), field="decision")
    link = access(
        RecordLink.objects.select_related("person__household"),
        actor,
        Capability.REGISTRY_EDIT,
        pk=link_id,
    )
    with transaction.atomic():
        ReviewDecision.objects.update_or_create(
            record_id=link.record_id,
            person_id=link.person_id,
            defaults={
                "decision": decision,
                "decided_by": actor,
                "note": note[:200],
                "link_status": link.status,
                "link_method": link.method,
                "match_probability": link.match_probability,
                "comparison": link.comparison or {},
            },
        )
        before = {"status": link.status, "probability": link.match_probability}
        withdrawn = {}
        if decision == ReviewDecision.CONFIRMED:
            link.status, link.method = LinkStatus.ACCEPTED, "confirmed"
            link.save(update_fields=["status", "method"])
        else:
            # a link an earlier run accepted may have raised findings, alerts and holds
            from jiuzhu.verify.false_links import withdraw_consequences

            withdrawn = withdraw_consequences(actor=actor, link=link, reason=note or _("人工否定"))
            link.delete()
        audit_record(
            actor=actor,
            action=f"verify.link_{decision}",
            subject_type="record_link",
            subject_id=link_id,
            household_id=link.person.household_id,
            area_code=link.person.household.hukou_area_id,
            reason=note,
            before=before,
            after={
                "decision": decision,
                "record": link.record_id,
                "person": link.person_id,
                **withdrawn,
            },
        )
    return link if decision == ReviewDecision.CONFIRMED else None


# --------------------------------------------------------------------------- checks


# The 核对授权书 is signed for an application and kept by cases, an app above verify: cases
# registers its lookup here in ``CasesConfig.ready()`` (verify does not import cases).
_authorisation_lookup = None


def authorisation_lookup_register(lookup) -> None:
    """``lookup(household_id, application_id | None)`` → the latest authorisation or None."""
    global _authorisation_lookup
    _authorisation_lookup = lookup


def _authorisation_for(household_id: int, application_id: int | None):
    if _authorisation_lookup is None:  # never a silent "no authorisation": a wiring error
        raise RuntimeError("no 核对授权书 lookup registered (jiuzhu.cases registers it)")
    return _authorisation_lookup(household_id, application_id)


def _near_numbers(number: str) -> set[str]:
    """The number, its 15-digit form, and every form with one wrong digit or two adjacent digits
    swapped — the dirty forms a department's record of this person may carry (each an index
    lookup, not a scan)."""
    n = number.upper()
    out = {n, n.lower(), n[:6] + n[8:17]}
    for i in range(18):
        for d in "0123456789X" if i == 17 else "0123456789":
            if d != n[i]:
                out.add(n[:i] + d + n[i + 1 :])
        if i < 17 and n[i] != n[i + 1]:
            out.add(n[:i] + n[i + 1] + n[i] + n[i + 2 :])
    # the old 15-digit form with one wrong digit (no check digit catches it)
    old = n[:6] + n[8:17]
    for i in range(15):
        for d in "0123456789":
            if d != old[i]:
                out.add(old[:i] + d + old[i + 1 :])
    return out


def _candidate_records(members: list[Person]):
    """Records that could belong to these members, by the engine's blocks, each one an indexed
    lookup: the ID number and its dirty forms, the birth date (records with no number), the
    name (a wrong birth date)."""
    numbers: set[str] = set()
    for m in members:
        if m.id_number:
            numbers |= _near_numbers(m.id_number)
    q = Q(birth_date__in={m.birth_date for m in members}) | Q(name__in={m.name for m in members})
    if numbers:
        q |= Q(id_number__in=sorted(numbers))
    return FeedRecord.objects.filter(q)


def _candidate_persons(household_id: int, records: pl.DataFrame):
    """The household's members and every other person one of these records could be: the same
    valid number, the same birth date (from the record or the digits of its number), the same
    name — so a record is given to a member only if no one else fits it better."""
    cleaned = matching.clean_ids(records.select("id_number")).collect()
    valid = cleaned.filter(pl.col("id_valid"))["id_clean"].unique().to_list()
    births = set(records["birth_date"].drop_nulls().to_list())
    births |= set(cleaned["id_birth"].drop_nulls().to_list())
    names = set(records["name"].drop_nulls().to_list())
    q = Q(household_id=household_id) | Q(birth_date__in=births) | Q(name__in=names)
    if valid:
        q |= Q(id_number__in=valid)
    return Person.objects.filter(q)


def _link_household(*, actor, household_id: int, members: list[Person]) -> MatchRun | None:
    """Re-link the records that could belong to one household (the saved model, no training)."""
    candidates = _candidate_records(members)
    records = adapters.records_frame(candidates)
    if records.is_empty():
        return None
    model = _latest_model()
    persons = adapters.persons_frame(_candidate_persons(household_id, records))
    record_ids = records["record_id"].to_list()
    decisions = adapters.decisions_frame().filter(pl.col("record_id").is_in(record_ids))
    result = matching.link_records(
        adapters.engine_persons(persons),
        adapters.engine_records(_person_area_only(records)),
        model=model,
        decisions=decisions,
        name_tf=_name_frequencies(),
    )
    person_ids = set(persons["person_id"].to_list())
    linked = set(result.links["record_id"].to_list())
    with transaction.atomic():
        run = _new_run(actor, result, scope="household", household=household_id)
        # replace the links this run decided; a record it could not place keeps a link to a
        # person outside the candidates (found by a block this run does not use)
        stale = RecordLink.objects.filter(record_id__in=record_ids).filter(
            Q(record_id__in=linked) | Q(person_id__in=person_ids)
        )
        stale.delete()
        RecordLink.objects.bulk_create(
            RecordLink(
                record_id=row["record_id"],
                person_id=row["person_id"],
                run=run,
                method=row["method"],
                status=row["status"],
                match_weight=row["match_weight"],
                match_probability=row["match_probability"],
                comparison=json.loads(row["comparison"] or "{}"),
            )
            for row in result.links.iter_rows(named=True)
        )
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    return run


def _finding_rows(found: pl.DataFrame, check_ids: pl.DataFrame, now) -> pl.DataFrame:
    """Findings as rows of the Finding table (check_ids: household_id → check_run_id)."""
    fen = pl.col("amount_fen")
    return found.join(check_ids, on="household_id", how="inner").select(
        "check_run_id",
        "household_id",
        "person_id",
        "kind",
        pl.col("department").fill_null(""),
        source=pl.when(pl.col("department").fill_null("") != "")
        .then(pl.lit("feed:") + pl.col("department"))
        .otherwise(pl.lit("registry")),
        as_of="as_of",
        summary=pl.col("summary").str.slice(0, 300),
        amount=fen_to_text(fen),
        detail=pl.lit('{"record_id": ')
        + pl.col("record_id").cast(pl.Utf8).fill_null("null")
        + pl.lit("}"),
        created_at=pl.lit(now),
    )


def _store_findings(check_by_household: dict[int, Check], found: pl.DataFrame, today) -> int:
    objs = []
    for row in found.iter_rows(named=True):
        check = check_by_household.get(row["household_id"])
        if check is None:
            continue
        objs.append(
            Finding(
                check_run=check,
                household_id=row["household_id"],
                person_id=row["person_id"],
                kind=row["kind"],
                department=row["department"] or "",
                source=f"feed:{row['department']}" if row["department"] else "registry",
                as_of=row["as_of"],
                summary=row["summary"][:300],
                amount=None if row["amount_fen"] is None else Decimal(row["amount_fen"]) / 100,
                detail={"record_id": row["record_id"]},
            )
        )
    Finding.objects.bulk_create(objs, batch_size=5000)
    return len(objs)


def _household_findings(household_id: int, *, today) -> pl.DataFrame:
    """The findings of one household, from its members' accepted links."""
    persons = adapters.persons_frame(Person.objects.filter(household_id=household_id))
    links = pl.DataFrame(
        list(
            RecordLink.objects.filter(
                person__household_id=household_id, status=LinkStatus.ACCEPTED
            ).values_list("record_id", "person_id")
        ),
        schema={"record_id": pl.Int64, "person_id": pl.Int64},
        orient="row",
    )
    records = adapters.records_frame(FeedRecord.objects.filter(id__in=links["record_id"].to_list()))
    found = rules.findings(
        persons=persons,
        households=adapters.households_frame([household_id]),
        declared=adapters.declared_frame([household_id]),
        records=records,
        links=links,
        today=today,
        params=_rule_params(persons, today),
        covered_months=_hrss_covered(today),
    )
    return pl.concat([found, _duplicate_findings([household_id])])


def dibao_lines(area_codes, on: datetime.date) -> dict[str, int]:
    """The 低保标准 in fen of each area on ``on``, from the dated per-area policy parameters."""
    from jiuzhu.verify.policy_hooks import PARAMETERS

    if "for_areas" not in PARAMETERS:
        raise RuntimeError("verify needs the policy app (jiuzhu.policy) for the 低保标准")
    parameter_for_areas = PARAMETERS["for_areas"]
    codes = sorted({c for c in area_codes if c})
    values = parameter_for_areas(name="dibao.standard", area_codes=codes, on=on)
    return {code: int(Decimal(str(v)) * 100) for code, v in values.items()}


def _rule_params(persons: pl.DataFrame, on: datetime.date) -> rules.RuleParams:
    return rules.RuleParams(lines_fen=dibao_lines(persons["home_area"].unique().to_list(), on))


def _hrss_covered(today: datetime.date) -> frozenset[str]:
    """The months the 人社 extracts cover in the rules' look-back window."""
    from jiuzhu.verify.selectors import covered_months

    since = today - datetime.timedelta(days=rules.RuleParams().lookback_days)
    return covered_months(department="hrss", since=since, upto=today)


def _duplicate_findings(household_ids) -> pl.DataFrame:
    wanted = set(household_ids)
    rows = []
    for pair in DuplicatePair.objects.filter(status=DuplicatePair.OPEN).select_related(
        "person_a", "person_b"
    ):
        for p, other in ((pair.person_a, pair.person_b), (pair.person_b, pair.person_a)):
            if p.household_id in wanted:
                rows.append(
                    (
                        p.household_id,
                        p.pk,
                        "duplicate_roll",
                        None,
                        None,
                        None,
                        None,
                        f"疑似与家庭{other.household_id}的成员{other.name}为同一人（匹配概率{pair.match_probability:.3f}），待处理",
                    )
                )
    return (
        pl.DataFrame(rows, schema=rules.FINDING_SCHEMA, orient="row")
        if rows
        else pl.DataFrame(schema=rules.FINDING_SCHEMA)
    )


def check_household(
    *, household_id: int, actor=None, reason: str = "", application_id: int | None = None
) -> Check:
    """核对 one household. Refused without a recorded 核对授权书 (cases.CheckAuthorisation).

    Loads only the household's members, the records that could be theirs and the persons those
    records could also be (indexed lookups), and links them with the saved model."""
    if actor is not None:
        household = access(Household, actor, Capability.REGISTRY_VIEW, pk=household_id)
    else:
        household = Household.objects.get(pk=household_id)
    auth = _authorisation_for(household_id, application_id)
    if auth is None:
        raise ServiceError(
            _("没有核对授权书，不能核对该家庭（低保审核确认办法第十七条）"), code="no_authorisation"
        )
    members = list(Person.objects.filter(household_id=household_id))
    if _latest_model() is None and FeedRecord.objects.exists():
        run = link_run(actor=actor)  # first check ever: train the model on all department data
    else:
        run = _link_household(actor=actor, household_id=household_id, members=members)
    today = clock.today()
    found = _household_findings(household_id, today=today)
    with transaction.atomic():
        check = Check.objects.create(
            household=household,
            authorisation=auth,
            application_id=application_id,
            run=run or MatchRun.objects.order_by("-id").first(),
            requested_by=actor if actor is not None and actor.is_authenticated else None,
            reason=reason or ("申请核对" if application_id else "核对"),
        )
        check.finding_count = _store_findings({household_id: check}, found, today)
        check.save(update_fields=["finding_count"])
        audit_record(
            actor=actor,
            action="verify.check_household",
            subject_type="check",
            subject_id=check.pk,
            household_id=household_id,
            area_code=household.hukou_area_id,
            reason=check.reason,
            after={"findings": check.finding_count, "authorisation": auth.pk},
        )
    return check


def _on_roll_sql() -> str:
    return registry_frames.on_roll_households_sql()


def batch_check(
    *,
    actor=None,
    reason: str = "定期核对",
    retrain: bool = False,
    incremental: bool = False,
    area_prefixes: list[str] | None = None,
) -> CheckBatch:
    """核对 everyone on the roll (the authorisation covers the benefit period).

    Set-based from end to end: persons and records are read in bulk, linked by the engine, the
    links, checks and findings written in bulk (COPY on PostgreSQL). ``incremental``: link only
    the records imported or changed since the last batch and the records that could belong to
    persons changed since, and re-check only the households whose links or registry data changed
    (the others keep their last check); falls back to a full batch when there is none before."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    t0 = time.perf_counter()
    persons = adapters.persons_table()
    timings["read"] = time.perf_counter() - t0
    previous = (
        CheckBatch.objects.filter(finished_at__isnull=False, run__isnull=False)
        .select_related("run")
        .order_by("-id")
        .first()
    )
    changed: set[int] | None = None
    if incremental and previous is not None and not retrain:
        run, changed = _link_changes(actor, persons, previous, timings)
    else:
        run = link_run(actor=actor, retrain=retrain, persons=persons, timings=timings)

    t0 = time.perf_counter()
    roll_sql = _on_roll_sql()
    on_roll = set(read_frame(roll_sql, None, {"household_id": pl.Int64})["household_id"].to_list())
    household_ids = sorted(on_roll if changed is None else on_roll & changed)
    if area_prefixes and "" not in area_prefixes:  # a run for some areas only (issue 14.7)
        household_ids = _in_areas(household_ids, area_prefixes)
    checked = persons.filter(pl.col("household_id").is_in(household_ids))
    link_sql = (
        f"SELECT l.record_id, l.person_id FROM {RecordLink._meta.db_table} l "
        f"{registry_frames.join_person('p', 'l.person_id')} "
        f"WHERE l.status = 'accepted' AND p.household_id IN ({roll_sql})"
    )
    links = read_frame(link_sql, None, {"record_id": pl.Int64, "person_id": pl.Int64})
    links = links.join(checked.select("person_id"), on="person_id")
    records = adapters.rule_records_table(
        f"id IN (SELECT l.record_id FROM {RecordLink._meta.db_table} l "
        f"{registry_frames.join_person('p', 'l.person_id')} "
        f"WHERE l.status = 'accepted' AND p.household_id IN ({roll_sql}))"
    )
    declared = adapters.declared_frame(
        RollEntry.objects.filter(status="active").values("household_id")
    )
    timings["read_rules"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    today = clock.today()
    found = rules.findings(
        persons=checked,
        households=adapters.households_of(checked, household_ids, on_roll),
        declared=declared.filter(pl.col("household_id").is_in(household_ids)),
        records=records,
        links=links,
        today=today,
        params=_rule_params(checked, today),
        covered_months=_hrss_covered(today),
    )
    found = pl.concat([found, _duplicate_findings(household_ids)])
    timings["rules"] = time.perf_counter() - t0

    return _batch_store(
        actor=actor,
        reason=reason,
        run=run,
        household_ids=household_ids,
        found=found,
        incremental=changed is not None,
        timings=timings,
        started=started,
    )


def _in_areas(household_ids: list[int], area_prefixes: list[str]) -> list[int]:
    """The households of ``household_ids`` in any of the area subtrees."""
    in_area = Q()
    for p in area_prefixes:
        in_area |= Q(hukou_area__code__startswith=p)
    inside = set(
        Household.objects.filter(in_area).values_list("pk", flat=True).iterator(chunk_size=20000)
    )
    return [h for h in household_ids if h in inside]


def _batch_store(
    *, actor, reason, run, household_ids, found, incremental, timings, started
) -> CheckBatch:
    """Write a batch's checks and findings in bulk, with its statistics, audited."""
    t0 = time.perf_counter()
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic():
        batch = CheckBatch.objects.create(
            started_by=actor if actor is not None and actor.is_authenticated else None,
            reason=reason,
            run=run,
        )
        counts = found.group_by("household_id").agg(finding_count=pl.len().cast(pl.Int64))
        checks = (
            pl.DataFrame({"household_id": household_ids}, schema={"household_id": pl.Int64})
            .join(counts, on="household_id", how="left", maintain_order="left")
            .select(
                "household_id",
                pl.lit(batch.pk, dtype=pl.Int64).alias("batch_id"),
                pl.lit(run.pk, dtype=pl.Int64).alias("run_id"),
                pl.lit(reason[:200]).alias("reason"),
                pl.lit(stamp).alias("checked_at"),
                pl.col("finding_count").fill_null(0),
            )
        )
        write_frame(Check._meta.db_table, checks, rebuild_keys=True)
        check_ids = pl.DataFrame(
            list(Check.objects.filter(batch=batch).values_list("household_id", "id")),
            schema={"household_id": pl.Int64, "check_run_id": pl.Int64},
            orient="row",
        )
        rows = _finding_rows(found, check_ids, stamp)
        write_frame(Finding._meta.db_table, rows, rebuild_keys=True)
        timings["store_checks"] = time.perf_counter() - t0
        timings["total"] = time.perf_counter() - started
        batch.finished_at = timezone.now()
        batch.stats = {
            "households": len(household_ids),
            "findings": len(rows),
            "incremental": incremental,
            "seconds": {k: round(v, 2) for k, v in timings.items()},
            **run.stats,
        }
        batch.save(update_fields=["finished_at", "stats"])
        audit_record(
            actor=actor,
            action="verify.batch_check",
            area_code=NATIONAL,
            subject_type="check_batch",
            subject_id=batch.pk,
            reason=reason,
            after=batch.stats,
        )
    return batch


def _link_changes(actor, persons: pl.DataFrame, previous: CheckBatch, timings: dict):
    """The incremental part of a batch: link what changed since ``previous``; return the run and
    the households to re-check."""
    since = previous.started_at
    max_import = int(previous.run.stats.get("max_import_id", 0))
    changed_persons = list(Person.objects.filter(updated_at__gte=since))
    where = f"feed_import_id > {max_import}"
    if changed_persons:
        near = _candidate_records(changed_persons).values_list("id", flat=True)
        ids = ", ".join(str(i) for i in near) or "NULL"
        where = f"({where} OR id IN ({ids}))"
    before = read_frame(
        f"SELECT person_id FROM {RecordLink._meta.db_table} WHERE record_id IN "
        f"(SELECT id FROM {FeedRecord._meta.db_table} WHERE {where})",
        None,
        {"person_id": pl.Int64},
    )["person_id"].to_list()
    run = link_run(actor=actor, persons=persons, record_where=where, timings=timings)
    after = RecordLink.objects.filter(run=run).values_list("person_id", flat=True)
    touched = set(before) | set(after) | {p.pk for p in changed_persons}
    households = set(
        persons.filter(pl.col("person_id").is_in(list(touched)))["household_id"].to_list()
    )
    households |= set(Household.objects.filter(updated_at__gte=since).values_list("id", flat=True))
    households |= set(
        RollEntry.objects.filter(updated_at__gte=since).values_list("household_id", flat=True)
    )
    for model in (IncomeItem, Asset, RigidExpense):
        households |= set(
            model.objects.filter(created_at__gte=since).values_list("household_id", flat=True)
        )
    return run, households


# --------------------------------------------------------------------------- duplicates


# A duplicate run that has not finished after this long is taken to have died (a killed worker):
# it no longer blocks the next one and is marked failed.
DUPLICATE_RUN_LEASE = datetime.timedelta(hours=3)


def _pair_scope(qs, user, capability: str):
    """Duplicate pairs whose BOTH persons' households lie in the user's scope (issue 14.2: a
    城西 reviewer must not see, nor merge away, a 城东 resident)."""
    scope = user_scope(user, capability)
    return scoped(qs, user, capability).filter(scope.q(DuplicatePair.SCOPE_AREA_FIELD_B))


def _release_stale_duplicate_runs() -> None:
    stale = MatchRun.objects.filter(
        kind=MatchRun.KIND_REGISTRY,
        finished_at__isnull=True,
        started_at__lt=timezone.now() - DUPLICATE_RUN_LEASE,
    )
    for run in stale:
        run.finished_at = timezone.now()
        run.stats = {**run.stats, "failed": "超时未完成，视为中断"}
        run.save(update_fields=["finished_at", "stats"])


def duplicate_run_running() -> MatchRun | None:
    _release_stale_duplicate_runs()
    return (
        MatchRun.objects.filter(kind=MatchRun.KIND_REGISTRY, finished_at__isnull=True)
        .order_by("-id")
        .first()
    )


def _duplicate_scope(actor) -> tuple[str, ...]:
    """The area prefixes a run covers: the actor's 户籍 edit scope, or everything (console)."""
    if actor is None:
        return ()
    scope = user_scope(actor, Capability.REGISTRY_EDIT)
    if scope.empty:
        raise PermissionDenied(Capability.REGISTRY_EDIT)
    return scope.prefixes


def _start_duplicate_run(actor, prefixes: tuple[str, ...]) -> MatchRun:
    """Claim the one running duplicate run (a unique constraint on unfinished registry runs)."""
    from django.db import IntegrityError

    _release_stale_duplicate_runs()
    try:
        with transaction.atomic():
            return MatchRun.objects.create(
                kind=MatchRun.KIND_REGISTRY,
                stats={"scope": list(prefixes) or ["全部"]},
                started_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError:
        raise ServiceError(
            _("疑似重复检测正在运行，请等它完成后再启动"), code="duplicates_running"
        ) from None


def duplicates_request(*, actor) -> None:
    """The 疑似重复人员 page's button: check the user may run it and none is running, audit the
    request, and queue the run (``tasks.duplicates_detect_task``)."""
    prefixes = _duplicate_scope(actor)
    if duplicate_run_running() is not None:
        raise ServiceError(_("疑似重复检测正在运行，请等它完成后再启动"), code="duplicates_running")
    from jiuzhu.verify.tasks import duplicates_detect_task

    with transaction.atomic():
        audit_record(
            actor=actor,
            action="verify.duplicates_requested",
            area_code=NATIONAL,
            subject_type="match_run",
            subject_id=0,
            after={"scope": list(prefixes)},
        )
        transaction.on_commit(lambda: duplicates_detect_task.enqueue(actor_id=actor.pk))


def duplicates_detect(*, actor=None) -> int:
    """Find registry persons who are probably one person; store open pairs for a person to resolve.

    Scoped: a user's run compares the persons of the households in his or her 户籍 edit scope
    (the console and the schedule: everyone). One run at a time (``duplicates_running``)."""
    prefixes = _duplicate_scope(actor)
    run = _start_duplicate_run(actor, prefixes)
    try:
        return _duplicates_detect(actor, run, prefixes)
    except Exception:
        run.finished_at = timezone.now()
        run.stats = {**run.stats, "failed": "运行出错"}
        run.save(update_fields=["finished_at", "stats"])
        raise


def _duplicates_detect(actor, run: MatchRun, prefixes: tuple[str, ...]) -> int:
    persons = adapters.persons_frame()
    if prefixes:
        persons = persons.filter(
            pl.any_horizontal(pl.col("area_code").str.starts_with(p) for p in prefixes)
        )
    pairs, model = matching.find_duplicates(
        persons.select([*matching.PERSON_SCHEMA, "household_id"])
    )
    hh = dict(zip(persons["person_id"].to_list(), persons["household_id"].to_list(), strict=True))
    with transaction.atomic():
        run.model = None if model is None else model.as_dict()
        run.stats = {**run.stats, "pairs": len(pairs), "persons": len(persons)}
        known = set(DuplicatePair.objects.values_list("person_a_id", "person_b_id"))
        programmes: dict[int, set[str]] = {}
        for hh_id, person_id, programme in RollEntry.objects.filter(status="active").values_list(
            "household_id", "person_id", "programme"
        ):
            programmes.setdefault(("p", person_id) if person_id else ("h", hh_id), set()).add(
                programme
            )

        def on_rolls(pid: int) -> set[str]:
            return programmes.get(("p", pid), set()) | programmes.get(("h", hh[pid]), set())

        def kind(a: int, b: int) -> str:
            if hh[a] == hh[b]:
                return "same_household"
            # the same person paid twice by one programme, through two households
            return "two_rolls" if on_rolls(a) & on_rolls(b) else "two_households"

        new = [
            DuplicatePair(
                person_a_id=r["person_a"],
                person_b_id=r["person_b"],
                kind=kind(r["person_a"], r["person_b"]),
                match_probability=r["match_probability"],
                match_weight=r["match_weight"],
                comparison=json.loads(r["comparison"]),
                run=run,
            )
            for r in pairs.iter_rows(named=True)
            if (r["person_a"], r["person_b"]) not in known
        ]
        DuplicatePair.objects.bulk_create(new)
        run.stats["new_pairs"] = len(new)
        run.finished_at = timezone.now()
        run.save(update_fields=["model", "stats", "finished_at"])
        audit_record(
            actor=actor,
            action="verify.duplicates_detect",
            area_code=NATIONAL,
            subject_type="match_run",
            subject_id=run.pk,
            after={"new_pairs": len(new), "scope": list(prefixes)},
        )
    return len(new)


def duplicate_resolve(
    *, actor, pair_id: int, action: str, keep: str = "a", note: str = ""
) -> DuplicatePair:
    """合并 (move the duplicate's facts, roll entries and links to the kept person, delete the
    duplicate; its full record stays in the audit log) or 确认为不同人."""
    try:
        pair = _pair_scope(
            DuplicatePair.objects.select_related("person_a", "person_b"),
            actor,
            Capability.REGISTRY_EDIT,
        ).get(pk=pair_id)
    except DuplicatePair.DoesNotExist:
        raise Http404 from None
    if pair.status != DuplicatePair.OPEN:
        raise ServiceError(_("该疑似重复已处理"), code="resolved")
    if action not in ("merge", "distinct"):
        raise ServiceError(_("处理方式只能是合并或确认为不同人"), field="action")
    with transaction.atomic():
        pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
        kept, dropped = (
            (pair.person_a, pair.person_b) if keep == "a" else (pair.person_b, pair.person_a)
        )
        before = None
        if action == "merge":
            if (
                dropped.relation == "head"
                and Person.objects.filter(household_id=dropped.household_id).count() > 1
            ):
                raise ServiceError(
                    _("被合并的人是另一户的户主，请先在该户变更户主后再合并"), field="keep"
                )
            from django.forms.models import model_to_dict

            before = model_to_dict(dropped)
            RecordLink.objects.filter(person=dropped).update(person=kept)
            Finding.objects.filter(person=dropped).update(person=None)
            DuplicatePair.objects.filter(person_b=dropped).exclude(pk=pair.pk).delete()
            DuplicatePair.objects.filter(person_a=dropped).exclude(pk=pair.pk).delete()
            pair.person_b = kept if pair.person_b_id == dropped.pk else pair.person_b
            pair.person_a = kept if pair.person_a_id == dropped.pk else pair.person_a
            pair.status = DuplicatePair.MERGED
            pair.resolved_by, pair.resolved_at, pair.note = actor, timezone.now(), note[:200]
            pair.save()
            ReviewDecision.objects.filter(person=dropped).delete()
            person_merge(kept=kept, dropped=dropped)  # the registry rewrites its own rows
        else:
            pair.status = DuplicatePair.DISTINCT
            pair.resolved_by, pair.resolved_at, pair.note = actor, timezone.now(), note[:200]
            pair.save(update_fields=["status", "resolved_by", "resolved_at", "note"])
        audit_record(
            actor=actor,
            action=f"verify.duplicate_{action}",
            subject_type="person",
            subject_id=kept.pk,
            household_id=kept.household_id,
            area_code=kept.household.hukou_area_id,
            reason=note,
            before=before,
            after={
                "pair": pair.pk,
                "kept": kept.pk,
                "dropped": dropped.pk if action == "merge" else None,
            },
        )
    return pair
