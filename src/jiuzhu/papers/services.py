"""Writes of the papers app: photos taken to fill a form, uploaded papers queued for reading, the
reading itself (run by the task worker), a clerk's accept/keep of a value read, and the 核对
officer's decision on an image seen for two households.

Papers sits below cases: cases calls ``material_read_queue`` when a paper is uploaded and hears
back through the ``PaperRead`` event; what the applicant declared reaches the cross-check through
a lookup cases registers (``declared_lookup_register``), as verify finds the 核对授权书."""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, require_area, user_scope
from jiuzhu.areas.models import Area
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock, events
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.language import stored_text
from jiuzhu.papers.engine import quality
from jiuzhu.papers.labels import ACCEPTABLE, PROBLEMS
from jiuzhu.papers.models import (
    DuplicateImage,
    Finding,
    FindingStatus,
    Purpose,
    Reading,
    ReadingStatus,
    SignalStatus,
)
from jiuzhu.registry.models import Household, Person

log = logging.getLogger("jiuzhu.papers")

# cases' material kinds that are read, and the engine kind each asks for ("" = detect).
READ_KINDS = {
    "id_card": "",
    "hukou": "hukou",
    "disability_cert": "disability",
    "medical_record": "medical",
    "income_proof": "income",
    "other": "",
}
IMAGE_TYPES = ("image/jpeg", "image/png")
MAX_SCAN_BYTES = 10 * 1024 * 1024

_declared_lookup = None


def declared_lookup_register(lookup) -> None:
    """cases registers ``lookup(application_id) -> {"medical_self_paid", "income_12m"}``: what
    the applicant declared, for the cross-check (cases is above papers)."""
    global _declared_lookup
    _declared_lookup = lookup


# ---------------------------------------------------------------- image checks


def image_problems(data: bytes) -> list[dict]:
    """What makes a photo unfit to read (``quality.problems``), or ``not_image``."""
    from PIL import Image, UnidentifiedImageError

    from jiuzhu.papers.engine.ocr import load_image

    try:
        im = load_image(data)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return [{"code": "not_image", "params": {}}]
    return quality.problems(im)


def problem_messages(problems: list[dict]) -> list[str]:
    sides = {"top": _("上"), "bottom": _("下"), "left": _("左"), "right": _("右")}
    out = []
    for p in problems:
        params = dict(p.get("params") or {})
        if "sides" in params:
            params["sides"] = "、".join(str(sides.get(s, s)) for s in params["sides"].split(","))
        out.append(str(PROBLEMS[p["code"]]) % params if params else str(PROBLEMS[p["code"]]))
    return out


def _refuse(problems: list[dict]) -> None:
    if problems:
        raise ServiceError(
            "；".join(problem_messages(problems)), field="file", code=problems[0]["code"]
        )


def _read_bytes(uploaded) -> bytes:
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_SCAN_BYTES:
        raise ServiceError(_("照片过大：单张不得超过 10 MB"), field="file", code="too_large")
    data = uploaded.read() if hasattr(uploaded, "read") else bytes(uploaded)
    if not data:
        raise ServiceError(_("照片为空或上传未完成，请重新拍照"), field="file", code="empty")
    if len(data) > MAX_SCAN_BYTES:
        raise ServiceError(_("照片过大：单张不得超过 10 MB"), field="file", code="too_large")
    return data


def _phash(data: bytes) -> str:
    from jiuzhu.papers.engine.ocr import load_image

    try:
        return quality.phash(load_image(data))
    except Exception:  # noqa: BLE001 - an unreadable image has no hash; it is refused elsewhere
        return ""


def _ext(data: bytes) -> str:
    return ".png" if data.startswith(b"\x89PNG") else ".jpg"


# ---------------------------------------------------------------- photos taken to fill a form


def _intake_area(actor, area_code: str) -> Area:
    if not area_code:
        prefixes = user_scope(actor, Capability.CASE_INTAKE).prefixes
        if not prefixes:
            raise ServiceError(_("您没有受理申请的权限"), field="file", code="scope")
        area_code = prefixes[0].ljust(12, "0")
    require_area(actor, Capability.CASE_INTAKE, area_code)
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise ServiceError(_("地区代码不存在"), field="area")
    return area


@transaction.atomic
def scan_submit(
    *, actor, uploaded, area_code: str = "", kind: str = "id_card", who: str = ""
) -> Reading:
    """A photo of a paper (the ID card at intake) to fill a form: checked for size, blur and
    cut-off at once (refused with the reason), stored, and queued for the task worker. The image
    is deleted once read; the values read fill the form, where the clerk or citizen checks them."""
    area = _intake_area(actor, area_code)
    data = _read_bytes(uploaded)
    _refuse(image_problems(data))
    digest = hashlib.sha256(data).hexdigest()
    name = default_storage.save(
        f"papers/scans/{digest[:2]}/{digest}{_ext(data)}", ContentFile(data)
    )
    r = Reading.objects.create(
        purpose=Purpose.PREFILL,
        area=area,
        kind_asked=kind if kind in READ_KINDS else "",
        image=name,
        sha256=digest,
        phash=_phash(data),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="papers.scan",
        subject_type="paper_reading",
        subject_id=r.pk,
        area_code=area.code,
        reason=who,
        after={"kind": kind, "size": len(data), "sha256": digest},
    )
    _enqueue(r)
    return r


@transaction.atomic
def citizen_scan_submit(*, citizen_id: int, uploaded, area_code: str = "") -> Reading:
    """The citizen portal's photo of the ID card (实名认证): as ``scan_submit``, kept for that
    citizen only (the portal shows it to the same signed-in citizen) and audited in the
    household's area, or nationally before the identity is bound."""
    data = _read_bytes(uploaded)
    _refuse(image_problems(data))
    digest = hashlib.sha256(data).hexdigest()
    name = default_storage.save(
        f"papers/scans/{digest[:2]}/{digest}{_ext(data)}", ContentFile(data)
    )
    r = Reading.objects.create(
        purpose=Purpose.PREFILL,
        area_id=area_code or None,
        citizen_id=citizen_id,
        kind_asked="id_card",
        image=name,
        sha256=digest,
        phash=_phash(data),
    )
    audit_record(
        actor=None,
        action="papers.scan",
        subject_type="paper_reading",
        subject_id=r.pk,
        area_code=area_code or NATIONAL,
        reason=f"群众#{citizen_id}",
        after={"kind": "id_card", "size": len(data), "sha256": digest},
    )
    _enqueue(r)
    return r


def _enqueue(r: Reading) -> None:
    from jiuzhu.papers.tasks import paper_read_task

    paper_read_task.enqueue(reading_id=r.pk)


# ---------------------------------------------------------------- uploaded papers


def material_read_queue(
    *,
    actor,
    material_id: int,
    household_id: int,
    application_id: int | None,
    kind: str,
    content_type: str,
    data: bytes,
    image: str,
) -> Reading | None:
    """Queue an uploaded paper for reading (called by cases inside the upload's transaction).

    Only photos and scans of the papers that are read (ID card, 户口簿, 残疾人证, medical bills,
    income certificates, other) are queued. A photo that is too small, blurred or cut off is
    not refused here (the page refused it before the upload, ``views.check``; an API client or a
    page without script still gets through): it is read, and its reading carries a ``poor_image``
    finding asking for a clear photo (补正)."""
    if kind not in READ_KINDS or content_type not in IMAGE_TYPES:
        return None
    problems = image_problems(data)
    if problems and problems[0]["code"] == "not_image":
        return None  # not a decodable picture (the upload checks let it through): nothing to read
    hh = Household.objects.get(pk=household_id)
    r = Reading.objects.create(
        purpose=Purpose.MATERIAL,
        area_id=hh.hukou_area_id,
        household=hh,
        material_id=material_id,
        application_id=application_id,
        kind_asked=kind,
        image=image,
        sha256=hashlib.sha256(data).hexdigest(),
        phash=_phash(data),
        problems=problems,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="papers.queue",
        subject_type="paper_reading",
        subject_id=r.pk,
        household_id=hh.pk,
        area_code=hh.hukou_area_id,
        after={"material": material_id, "kind": kind},
    )
    _enqueue(r)
    return r


def material_link_application(*, material_ids: list[int], application_id: int) -> None:
    """The application a paper was handed in with, once it exists (cases' intake screen stores the
    papers first and the application after)."""
    Reading.objects.filter(material_id__in=material_ids, application_id__isnull=True).update(
        application_id=application_id
    )


# ---------------------------------------------------------------- the reading (task worker)


def _members(household_id: int) -> list[dict]:
    return [
        {
            "id": p.pk,
            "name": p.name,
            "id_number": p.id_number,
            "sex": p.sex,
            "birth_date": p.birth_date.isoformat() if p.birth_date else "",
            "disability_grade": p.disability_grade,
        }
        for p in Person.objects.filter(household_id=household_id).order_by("id")
    ]


def _expected(r: Reading) -> dict | None:
    if r.household_id is None:
        return None
    declared = dict(r.declared or {})
    if r.application_id and _declared_lookup is not None:
        declared.update(_declared_lookup(r.application_id) or {})
    return {"members": _members(r.household_id), "declared": declared}


def _person_for(fields: dict, members: list[dict]) -> int | None:
    number, name = fields.get("id_number", ""), fields.get("name", "")
    hit = next((m for m in members if number and m["id_number"] == number), None)
    hit = hit or next((m for m in members if name and m["name"] == name), None)
    return hit["id"] if hit else None


ID_KINDS = ("id_front", "hukou", "disability")


def _near_duplicates(r: Reading) -> list[tuple[Reading, int]]:
    """Readings of OTHER households of the same paper: the same image or a near copy (a close
    perceptual hash and nearly the same text, ``quality.near_duplicate``), or the same ID number
    read from an identity paper (another photo of the same card: distance reported as 64)."""
    if r.household_id is None:
        return []
    others = Reading.objects.filter(
        purpose=Purpose.MATERIAL, household__isnull=False, status=ReadingStatus.DONE
    ).exclude(household_id=r.household_id)
    found: dict[int, int] = {}
    if r.phash:
        for pk, ph, text in others.exclude(phash="").values_list("id", "phash", "text").iterator():
            d = quality.near_duplicate(r.phash, r.text, ph, text)
            if d is not None:
                found[pk] = d
    number = (r.fields or {}).get("id_number", "")
    if r.kind in ID_KINDS and len(number) == 18:
        for pk in others.filter(kind__in=ID_KINDS, fields__id_number=number).values_list(
            "id", flat=True
        ):
            found.setdefault(pk, 64)
    return [(o, found[o.pk]) for o in Reading.objects.filter(pk__in=found).order_by("id")]


def reading_run(reading_id: int) -> Reading:
    """Read one queued paper (the task worker calls this): OCR, fields, validation, cross-check
    with the household's members and declarations, near-duplicate images of other households.
    Findings are stored for the clerk; nothing entered is changed."""
    from jiuzhu.papers.engine.read import read_paper

    with transaction.atomic():
        r = Reading.objects.select_for_update().get(pk=reading_id)
        if r.status != ReadingStatus.QUEUED:
            return r
        r.status = ReadingStatus.RUNNING
        r.save(update_fields=["status"])
    expected = _expected(r)
    try:
        with default_storage.open(r.image) as fh:
            data = fh.read()
        result = read_paper(
            data, kind=READ_KINDS.get(r.kind_asked, ""), today=clock.today(), expected=expected
        )
    except Exception as exc:  # noqa: BLE001 - recorded on the reading, shown on the page
        log.exception("paper reading %s failed", reading_id)
        with transaction.atomic():
            gone = r.image if r.purpose == Purpose.PREFILL else ""
            Reading.objects.filter(pk=r.pk).update(
                status=ReadingStatus.FAILED,
                error=str(exc)[:200],
                finished_at=timezone.now(),
                image="" if gone else r.image,
            )
            if gone:  # a photo taken to fill a form is not kept, read or not
                transaction.on_commit(lambda: default_storage.delete(gone))
        return Reading.objects.get(pk=r.pk)
    with transaction.atomic():
        r = Reading.objects.select_for_update().get(pk=reading_id)
        r.kind = result["kind"]
        r.fields = result["fields"]
        r.text = result["text"]
        r.seconds = result["seconds"]
        r.status = ReadingStatus.DONE
        r.finished_at = timezone.now()
        r.save()
        members = (expected or {}).get("members") or []
        person = _person_for(r.fields, members)
        findings = [
            Finding(
                reading=r,
                code=f["code"],
                field=f["field"],
                params=f["params"],
                person_id=person,
            )
            for f in result["findings"]
        ]
        if r.problems:
            findings.append(
                Finding(
                    reading=r,
                    code="poor_image",
                    field="",
                    params={"problems": ",".join(p["code"] for p in r.problems)},
                )
            )
        duplicate_of = None
        for other, distance in _near_duplicates(r):
            DuplicateImage.objects.get_or_create(
                reading=r,
                other=other,
                defaults={"area": r.area, "other_area": other.area, "distance": distance},
            )
            duplicate_of = duplicate_of or other.household_id
            findings.append(
                Finding(
                    reading=r,
                    code="duplicate_image",
                    field="",
                    params={"household": str(other.household_id), "distance": str(distance)},
                )
            )
            audit_record(
                actor=None,
                action="papers.duplicate",
                subject_type="paper_reading",
                subject_id=r.pk,
                household_id=r.household_id,
                area_code=r.area_id,
                after={
                    "other_reading": other.pk,
                    "other_household": other.household_id,
                    "distance": distance,
                },
            )
        Finding.objects.bulk_create(findings)
        prefill_image = r.image if r.purpose == Purpose.PREFILL else ""
        if prefill_image:
            r.image = ""
        r.save()
        audit_record(
            actor=None,
            action="papers.read",
            subject_type="paper_reading",
            subject_id=r.pk,
            household_id=r.household_id,
            area_code=r.area_id or NATIONAL,
            after={"kind": r.kind, "findings": [f.code for f in findings], "seconds": r.seconds},
        )
        if prefill_image:
            transaction.on_commit(lambda: default_storage.delete(prefill_image))
        if r.purpose == Purpose.MATERIAL:
            events.publish(
                events.PaperRead(
                    reading_id=r.pk,
                    material_id=r.material_id,
                    household_id=r.household_id,
                    application_id=r.application_id,
                    kind=r.kind,
                    findings=tuple(f.code for f in findings),
                    duplicate_of=duplicate_of,
                )
            )
    return r


# ---------------------------------------------------------------- the clerk's answer


def _finding_for_update(actor, finding_id: int) -> Finding:
    f = access(
        Finding.objects.select_for_update().select_related("reading"),
        actor,
        Capability.REGISTRY_EDIT,
        pk=finding_id,
    )
    if f.status != FindingStatus.OPEN:
        raise ServiceError(_("该识别结果已处理过"), field="finding", code="decided")
    return f


@transaction.atomic
def finding_accept(*, actor, finding_id: int) -> Finding:
    """采用识别值: the value read replaces the registered one (through the registry's own service,
    which checks and audits the change). Only for a disagreeing name, ID number, sex, birth date
    or disability grade of a known member."""
    from jiuzhu.registry import services as registry_services

    f = _finding_for_update(actor, finding_id)
    if f.code not in ACCEPTABLE or f.person_id is None:
        raise ServiceError(_("该项不能直接采用识别值，请人工核实"), field="finding")
    r = f.reading
    value = (r.fields or {}).get(f.field, "")
    if not value:
        raise ServiceError(_("识别值为空，不能采用"), field="finding")
    person = Person.objects.get(pk=f.person_id)
    data: dict = {}
    if f.field == "grade":
        data["disability_grade"] = int(value)
    elif f.field == "birth_date":
        data["birth_date"] = datetime.date.fromisoformat(value)
    else:
        data[f.field] = value
    registry_services.person_update(
        actor=actor,
        person_id=person.pk,
        version=person.version,
        data=data,
        reason=stored_text(gettext_lazy("采用证件识别值")),
    )
    f.status = FindingStatus.ACCEPTED
    f.decided_by = actor
    f.decided_at = timezone.now()
    f.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="papers.accept",
        subject_type="paper_finding",
        subject_id=f.pk,
        household_id=r.household_id,
        area_code=r.area_id,
        after={"field": f.field, "person": person.pk, "reading": r.pk},
    )
    return f


@transaction.atomic
def finding_keep(*, actor, finding_id: int, note: str) -> Finding:
    """保留原值: the registered value stands (a reason is required: the paper disagreed)."""
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("请填写保留原值的理由"), field="note")
    f = _finding_for_update(actor, finding_id)
    f.status = FindingStatus.KEPT
    f.decided_by = actor
    f.decided_at = timezone.now()
    f.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="papers.keep",
        subject_type="paper_finding",
        subject_id=f.pk,
        household_id=f.reading.household_id,
        area_code=f.reading.area_id,
        reason=note[:200],
        after={"field": f.field, "code": f.code},
    )
    return f


@transaction.atomic
def duplicate_decide(*, actor, signal_id: int, status: str, note: str) -> DuplicateImage:
    """The 核对 officer's finding on an image seen for two households."""
    from jiuzhu.papers.selectors import duplicates_visible

    if status not in (SignalStatus.CLEARED, SignalStatus.CONFIRMED):
        raise ServiceError(_("请选择核实结论"), field="status")
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("请填写核实说明"), field="note")
    s = duplicates_visible(actor).select_for_update().filter(pk=signal_id).first()
    if s is None:
        from django.http import Http404

        raise Http404
    if s.status != SignalStatus.OPEN:
        raise ServiceError(_("该线索已核实过"), field="status")
    s.status, s.note, s.decided_by, s.decided_at = status, note[:200], actor, timezone.now()
    s.save(update_fields=["status", "note", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="papers.duplicate.decide",
        subject_type="paper_duplicate",
        subject_id=s.pk,
        household_id=s.reading.household_id,
        area_code=s.area_id,
        reason=note[:200],
        after={"status": status, "other_household": s.other.household_id},
    )
    return s


__all__ = [
    "declared_lookup_register",
    "duplicate_decide",
    "finding_accept",
    "finding_keep",
    "image_problems",
    "material_link_application",
    "material_read_queue",
    "problem_messages",
    "reading_run",
    "scan_submit",
]
