"""Writes of the verification module: imports, matching runs, checks, reviews, duplicates.

Each write is one transaction that checks, changes and records an audit event.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, user_departments, user_scope
from jiuzhu.audit.services import audit_record
from jiuzhu.core.errors import ServiceError
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
        own = (
            "、".join(DEPARTMENT_LABELS.get(d, d) for d in sorted(user_departments(actor))) or "无"
        )
        raise ServiceError(
            f"只能上传本部门的数据：您属于{own}，不能上传{DEPARTMENT_LABELS.get(department, department)}数据",
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
) -> ImportResult:
    """Import one department file: all rows or none; the same file twice changes nothing."""
    if department not in FEEDS:
        raise ServiceError(f"未知部门“{department}”", field="department")
    _require_department(actor, department)
    extracted_on = extracted_on or timezone.localdate()
    parsed = parse_feed(department, data, file_name)
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
    with transaction.atomic():
        imp = FeedImport(
            department=department,
            file_name=file_name[:200],
            file_format=parsed.file_format,
            encoding=parsed.encoding,
            checksum=parsed.checksum,
            extracted_on=extracted_on,
            rows_total=parsed.rows_read,
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
            report=report,
        )
        if parsed.issues:
            imp.status = ImportStatus.REJECTED if parsed.fatal else ImportStatus.QUARANTINED
            imp.rows_rejected = len({i.row for i in parsed.issues if i.row})
            imp.save()
            _quarantine(imp, data)
            audit_record(
                actor=actor,
                action=f"verify.feed_{imp.status}",
                subject_type="feed_import",
                subject_id=imp.pk,
                after={"department": department, "file": file_name, "issues": len(parsed.issues)},
            )
            return ImportResult(imp)
        imp.status = ImportStatus.ACCEPTED
        imp.save()
        existing = {
            key: (pk, data_)
            for key, pk, data_ in FeedRecord.objects.filter(department=department)
            .values_list("record_key", "id", "data")
            .iterator(chunk_size=20_000)
        }
        new, changed = [], []
        for row in parsed.rows:
            row_no = row.pop("_row")
            fields = record_fields(department, row)
            prior = existing.get(fields["record_key"])
            if prior is not None and prior[1] == row:
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
        FeedRecord.objects.bulk_create(new, batch_size=5000)
        if changed:
            RecordLink.objects.filter(record_id__in=[r.pk for r in changed]).delete()
            FeedRecord.objects.bulk_update(
                changed,
                [
                    "feed_import",
                    "row_no",
                    "kind",
                    "id_number",
                    "name",
                    "sex",
                    "birth_date",
                    "area_code",
                    "event_date",
                    "amount",
                    "data",
                ],
                batch_size=2000,
            )
        imp.rows_created, imp.rows_updated = len(new), len(changed)
        imp.save(update_fields=["rows_created", "rows_updated", "rows_unchanged"])
        audit_record(
            actor=actor,
            action="verify.feed_imported",
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
    return ImportResult(imp)


def _quarantine(imp: FeedImport, data: bytes) -> None:
    folder = settings.MEDIA_ROOT / "feeds" / "quarantine"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{imp.pk}-{imp.checksum[:16]}.bin").write_bytes(data)
    except OSError:  # keeping a copy is a courtesy; the report is what matters
        pass


# --------------------------------------------------------------------------- matching


def _latest_model() -> matching.LinkModel | None:
    run = (
        MatchRun.objects.filter(kind=MatchRun.KIND_FEEDS, model__isnull=False)
        .order_by("-id")
        .first()
    )
    return matching.LinkModel(**run.model) if run else None


def link_run(*, actor=None, record_queryset=None, retrain: bool = False, seed: int = 1) -> MatchRun:
    """Link department records to registry persons and store the links (one per record)."""
    persons = adapters.persons_frame()
    records = adapters.records_frame(record_queryset)
    model = None if retrain else _latest_model()
    result = matching.link_records(
        adapters.engine_persons(persons),
        adapters.engine_records(records),
        model=model,
        decisions=adapters.decisions_frame(),
        seed=seed,
    )
    with transaction.atomic():
        run = MatchRun.objects.create(
            kind=MatchRun.KIND_FEEDS,
            model=None
            if result.model is None
            else {"settings": result.model.settings, "trained_on": result.model.trained_on},
            stats=result.stats,
            accept_probability=matching.ACCEPT_PROBABILITY,
            review_probability=matching.REVIEW_PROBABILITY,
            started_by=actor if actor is not None and actor.is_authenticated else None,
        )
        ids = records["record_id"].to_list()
        for i in range(0, len(ids), 5000):
            RecordLink.objects.filter(record_id__in=ids[i : i + 5000]).delete()
        RecordLink.objects.bulk_create(
            (
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
            ),
            batch_size=5000,
        )
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
        audit_record(
            actor=actor,
            action="verify.match_run",
            subject_type="match_run",
            subject_id=run.pk,
            after=result.stats,
        )
    return run


def review_decide(*, actor, link_id: int, decision: str, note: str = "") -> RecordLink | None:
    """A person confirms or rejects a proposed link; later runs remember it."""
    if decision not in (ReviewDecision.CONFIRMED, ReviewDecision.REJECTED):
        raise ServiceError("决定只能是“确认”或“否定”", field="decision")
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
            defaults={"decision": decision, "decided_by": actor, "note": note[:200]},
        )
        before = {"status": link.status, "probability": link.match_probability}
        if decision == ReviewDecision.CONFIRMED:
            link.status, link.method = LinkStatus.ACCEPTED, "confirmed"
            link.save(update_fields=["status", "method"])
        else:
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
            after={"decision": decision, "record": link.record_id, "person": link.person_id},
        )
    return link if decision == ReviewDecision.CONFIRMED else None


# --------------------------------------------------------------------------- checks


def _authorisation_for(household_id: int, application_id: int | None):
    from jiuzhu.cases.models import CheckAuthorisation

    qs = CheckAuthorisation.objects.filter(household_id=household_id)
    if application_id is not None:
        qs = qs.filter(application_id=application_id)
    return qs.order_by("-id").first()


def _candidate_records(members: list[Person]):
    """Records that could belong to these members (by the engine's blocking keys)."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for m in members:
        q |= Q(name=m.name) | Q(birth_date=m.birth_date)
        if m.id_number:
            n = m.id_number
            q |= Q(id_number=n) | Q(id_number=n[:6] + n[8:17])
            q |= Q(id_number__contains=n[6:17]) | Q(
                id_number__startswith=n[:6], id_number__endswith=n[14:]
            )
            q |= Q(id_number__startswith=n[:14])
    return FeedRecord.objects.filter(q)


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


def _compute_findings(household_ids: list[int], *, today) -> pl.DataFrame:
    persons = adapters.persons_frame(Person.objects.filter(household_id__in=household_ids))
    links = adapters.accepted_links_frame().join(persons.select("person_id"), on="person_id")
    records = adapters.records_frame(FeedRecord.objects.filter(id__in=links["record_id"].to_list()))
    found = rules.findings(
        persons=persons,
        households=adapters.households_frame(household_ids),
        declared=adapters.declared_frame(household_ids),
        records=records,
        links=links,
        today=today,
    )
    return pl.concat([found, _duplicate_findings(household_ids)])


def _duplicate_findings(household_ids) -> pl.DataFrame:
    rows = []
    for pair in DuplicatePair.objects.filter(status=DuplicatePair.OPEN).select_related(
        "person_a", "person_b"
    ):
        for p, other in ((pair.person_a, pair.person_b), (pair.person_b, pair.person_a)):
            if p.household_id in set(household_ids):
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
    """核对 one household. Refused without a recorded 核对授权书 (cases.CheckAuthorisation)."""
    if actor is not None:
        household = access(Household, actor, Capability.REGISTRY_VIEW, pk=household_id)
    else:
        household = Household.objects.get(pk=household_id)
    auth = _authorisation_for(household_id, application_id)
    if auth is None:
        raise ServiceError(
            "没有核对授权书，不能核对该家庭（低保审核确认办法第十七条）", code="no_authorisation"
        )
    members = list(Person.objects.filter(household_id=household_id))
    candidates = _candidate_records(members)
    if _latest_model() is None and FeedRecord.objects.exists():
        link_run(actor=actor)  # first check ever: train the model on all department data
    elif candidates.exists():
        link_run(actor=actor, record_queryset=candidates)
    today = timezone.localdate()
    found = _compute_findings([household_id], today=today)
    with transaction.atomic():
        check = Check.objects.create(
            household=household,
            authorisation=auth,
            application_id=application_id,
            run=MatchRun.objects.order_by("-id").first(),
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


def batch_check(*, actor=None, reason: str = "定期核对", retrain: bool = False) -> CheckBatch:
    """核对 everyone on the roll (the authorisation covers the benefit period)."""
    run = link_run(actor=actor, retrain=retrain)
    household_ids = sorted(
        set(RollEntry.objects.filter(status="active").values_list("household_id", flat=True))
    )
    today = timezone.localdate()
    found = _compute_findings(household_ids, today=today)
    with transaction.atomic():
        batch = CheckBatch.objects.create(
            started_by=actor if actor is not None and actor.is_authenticated else None,
            reason=reason,
            run=run,
        )
        Check.objects.bulk_create(
            [Check(household_id=h, batch=batch, run=run, reason=reason) for h in household_ids],
            batch_size=5000,
        )
        checks = {c.household_id: c for c in Check.objects.filter(batch=batch)}
        n = _store_findings(checks, found, today)
        counts = found.group_by("household_id").len()
        for hh, k in counts.iter_rows():
            if hh in checks:
                checks[hh].finding_count = k
        Check.objects.bulk_update(
            [c for c in checks.values() if c.finding_count], ["finding_count"], batch_size=5000
        )
        batch.finished_at = timezone.now()
        batch.stats = {"households": len(household_ids), "findings": n, **run.stats}
        batch.save(update_fields=["finished_at", "stats"])
        audit_record(
            actor=actor,
            action="verify.batch_check",
            subject_type="check_batch",
            subject_id=batch.pk,
            reason=reason,
            after=batch.stats,
        )
    return batch


# --------------------------------------------------------------------------- duplicates


def duplicates_detect(*, actor=None) -> int:
    """Find registry persons who are probably one person; store open pairs for a person to resolve."""
    persons = adapters.persons_frame()
    pairs, model = matching.find_duplicates(adapters.engine_persons(persons))
    pairs = pairs.filter(pl.col("match_probability") >= matching.REVIEW_PROBABILITY)
    hh = dict(zip(persons["person_id"].to_list(), persons["household_id"].to_list(), strict=True))
    with transaction.atomic():
        run = MatchRun.objects.create(
            kind=MatchRun.KIND_REGISTRY,
            model=None
            if model is None
            else {"settings": model.settings, "trained_on": model.trained_on},
            stats={"pairs": len(pairs)},
            started_by=actor if actor is not None and actor.is_authenticated else None,
        )
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
        audit_record(
            actor=actor,
            action="verify.duplicates_detect",
            subject_type="match_run",
            subject_id=run.pk,
            after={"new_pairs": len(new)},
        )
    return len(new)


def duplicate_resolve(
    *, actor, pair_id: int, action: str, keep: str = "a", note: str = ""
) -> DuplicatePair:
    """合并 (move the duplicate's facts, roll entries and links to the kept person, delete the
    duplicate; its full record stays in the audit log) or 确认为不同人."""
    pair = access(
        DuplicatePair.objects.select_related("person_a", "person_b"),
        actor,
        Capability.REGISTRY_EDIT,
        pk=pair_id,
    )
    if pair.status != DuplicatePair.OPEN:
        raise ServiceError("该疑似重复已处理", code="resolved")
    if action not in ("merge", "distinct"):
        raise ServiceError("处理方式只能是合并或确认为不同人", field="action")
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
                    "被合并的人是另一户的户主，请先在该户变更户主后再合并", field="keep"
                )
            from django.forms.models import model_to_dict

            before = model_to_dict(dropped)
            for model in (IncomeItem, Asset, RigidExpense):
                model.objects.filter(person=dropped).update(person=kept, household=kept.household)
            RollEntry.objects.filter(person=dropped).update(person=kept)
            RecordLink.objects.filter(person=dropped).update(person=kept)
            Finding.objects.filter(person=dropped).update(person=None)
            DuplicatePair.objects.filter(person_b=dropped).exclude(pk=pair.pk).delete()
            DuplicatePair.objects.filter(person_a=dropped).exclude(pk=pair.pk).delete()
            number = dropped.id_number if not kept.id_number and dropped.id_number else None
            dropped_household = dropped.household
            pair.person_b = kept if pair.person_b_id == dropped.pk else pair.person_b
            pair.person_a = kept if pair.person_a_id == dropped.pk else pair.person_a
            pair.status = DuplicatePair.MERGED
            pair.resolved_by, pair.resolved_at, pair.note = actor, timezone.now(), note[:200]
            pair.save()
            ReviewDecision.objects.filter(person=dropped).delete()
            dropped.delete()
            if number:
                kept.id_number = number
                kept.save(update_fields=["id_number"])
            remaining = Person.objects.filter(household=dropped_household).count()
            dropped_household.size = remaining
            if remaining == 0:
                dropped_household.status = "closed"
            dropped_household.save(update_fields=["size", "status"])
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
