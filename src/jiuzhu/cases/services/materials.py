"""Materials: upload checks (type sniffing, size, active PDF content) and the missing-materials pledge."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, require_area
from jiuzhu.audit.services import audit_record
from jiuzhu.cases.models import (
    REQUIRED_MATERIALS,
    Application,
    CheckAuthorisation,
    Material,
    MaterialKind,
    OutstandingItem,
    SignMethod,
    TaskKind,
    TruthPledge,
)
from jiuzhu.cases.services._common import _tasks_close
from jiuzhu.core.errors import ServiceError
from jiuzhu.papers import services as papers_services
from jiuzhu.registry.models import Household

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {  # magic bytes → (content type, extension)
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"%PDF-": ("application/pdf", ".pdf"),
}
PLEDGE_TEXT = (
    "本人承诺所提供的家庭成员、收入、财产等信息真实、完整，如有虚报、隐瞒、伪造，"
    "愿承担相应法律责任，并退还已领取的救助金。"
)
MISSING_PLEDGE_TEXT = "本人承诺在期限内补齐以下材料；逾期未补齐的，同意终止办理：{items}。"
DEFAULT_MISSING_DAYS = 10  # working days to hand in a pledged paper


# ---------------------------------------------------------------- materials


def sniff_upload(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an accepted file from its first bytes, else None."""
    return _sniff(head)


def _sniff(head: bytes) -> tuple[str, str] | None:
    for magic, kind in ALLOWED_TYPES.items():
        if head.startswith(magic):
            return kind
    return None


def _read_upload(uploaded) -> bytes:
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ServiceError(
            _("文件过大：%(size)s MB，单个文件不得超过 10 MB")
            % {"size": f"{size / 1024 / 1024:.1f}"},
            field="file",
            code="too_large",
        )
    data = uploaded.read() if hasattr(uploaded, "read") else bytes(uploaded)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ServiceError(_("文件过大：单个文件不得超过 10 MB"), field="file", code="too_large")
    if not data:
        raise ServiceError(_("文件为空或上传未完成，请重新上传"), field="file", code="empty")
    return data


# PDF name objects that run something when the file is opened or used (issue 14.19). Names may
# hide letters as #xx escapes (/J#61vaScript), which are decoded before the comparison.
PDF_ACTIVE_NAMES = (
    b"JavaScript",
    b"JS",
    b"OpenAction",
    b"AA",
    b"Launch",
    b"SubmitForm",
    b"ImportData",
    b"RichMedia",
    b"EmbeddedFile",
    b"XFA",
)
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)


def pdf_active_content(data: bytes) -> list[str]:
    """The active-content names (script, auto actions, launch, embedded files) a PDF uses,
    in the file and inside its Flate-compressed streams (object streams hide dictionaries)."""
    import zlib

    found: list[str] = []
    texts = [data]
    for m in _PDF_STREAM.finditer(data):
        try:
            texts.append(zlib.decompressobj().decompress(m.group(1), 20 * 1024 * 1024))
        except zlib.error:
            continue
    for m in (hit for text in texts for hit in _PDF_NAME.finditer(text)):
        raw = m.group(1)
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda h: bytes([int(h.group(1), 16)]), raw)
        if name in PDF_ACTIVE_NAMES and name.decode() not in found:
            found.append(name.decode())
    return found


@transaction.atomic
def material_upload(
    *,
    actor,
    household_id: int,
    kind: str,
    uploaded,
    application_id: int | None = None,
    name: str = "",
) -> Material:
    """Attach a scanned/photographed paper to the household, once.

    Only JPEG, PNG and PDF up to 10 MB, checked by content, not by name. The same file given
    again is not stored twice: the existing material is returned. The file is written before the
    row and removed again if the row cannot be saved, so no half-attached file is left behind.
    """
    hh = access(Household.objects.all(), actor, Capability.REGISTRY_VIEW, pk=household_id)
    require_area(
        actor,
        Capability.CASE_INTAKE
        if kind != MaterialKind.VISIT_PHOTO and kind != MaterialKind.SIGNATURE
        else Capability.CASE_VISIT,
        hh.hukou_area_id,
    )
    if kind not in MaterialKind.values:
        raise ServiceError(_("材料类型“%(kind)s”不在可选范围内") % {"kind": kind}, field="kind")
    data = _read_upload(uploaded)
    sniffed = _sniff(data[:16])
    if sniffed is None:
        raise ServiceError(
            _("文件类型不支持：只接受 JPG、PNG 图片或 PDF 文件"), field="file", code="bad_type"
        )
    content_type, ext = sniffed
    if content_type == "application/pdf" and b"%%EOF" not in data[-1024:]:
        raise ServiceError(
            _("PDF 文件不完整（上传中断？），请重新上传"), field="file", code="truncated"
        )
    if content_type == "application/pdf" and pdf_active_content(data):
        raise ServiceError(
            _(
                "PDF 文件含有脚本或自动动作（%(names)s），不予接收；"
                "请用扫描件或“打印为 PDF”重新生成后上传"
            )
            % {"names": "、".join(pdf_active_content(data))},
            field="file",
            code="active_pdf",
        )
    if content_type == "image/jpeg" and not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise ServiceError(
            _("图片不完整（上传中断？），请重新上传"), field="file", code="truncated"
        )
    digest = hashlib.sha256(data).hexdigest()
    app = None
    if application_id is not None:
        app = Application.objects.filter(pk=application_id, household=hh).first()
        if app is None:
            raise ServiceError(_("该申请不属于此家庭"), field="application")
    existing = Material.objects.filter(household=hh, sha256=digest).first()
    if existing is not None:
        _receive_outstanding(app, existing)
        _record_signed_paper(app, actor, existing)
        return existing
    m = Material(
        household=hh,
        application=app,
        kind=kind,
        original_name=PurePath(name or getattr(uploaded, "name", "") or "upload").name[:200],
        content_type=content_type,
        extension=ext,
        size=len(data),
        sha256=digest,
        uploaded_by=actor,
    )
    stored = None
    try:
        m.file.save("x", ContentFile(data), save=False)
        stored = m.file.name
        with transaction.atomic():
            m.save()
        audit_record(
            actor=actor,
            action="material.upload",
            subject_type="material",
            subject_id=m.pk,
            household_id=hh.pk,
            area_code=hh.hukou_area_id,
            after={"kind": kind, "size": m.size, "sha256": digest, "application": application_id},
        )
        _receive_outstanding(app, m)
        _record_signed_paper(app, actor, m)
        # 智能审核: photos of the papers that are read go to the task worker (OCR, cross-check);
        # the findings come back through the PaperRead event (cases.subscribers).
        papers_services.material_read_queue(
            actor=actor,
            material_id=m.pk,
            household_id=hh.pk,
            application_id=application_id,
            kind=kind,
            content_type=content_type,
            data=data,
            image=m.file.name,
        )
    except BaseException:
        if stored:
            default_storage.delete(stored)
        raise
    m.created_now = True
    return m


class _FilesUndo:
    """Delete the files stored by ``material_upload`` inside a block if the block fails, so a
    screen that uploads papers and then is refused leaves no unreferenced file behind."""

    def __init__(self):
        self.names: list[str] = []

    def keep(self, m: Material) -> Material:
        if getattr(m, "created_now", False):
            self.names.append(m.file.name)
        return m

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for name in self.names:
                default_storage.delete(name)
        return False


def _receive_outstanding(app: Application | None, m: Material) -> None:
    if app is None:
        return
    item = OutstandingItem.objects.filter(
        application=app, kind=m.kind, received__isnull=True
    ).first()
    if item:
        item.received = m
        item.received_at = timezone.now()
        item.save(update_fields=["received", "received_at"])
        if not OutstandingItem.objects.filter(application=app, received__isnull=True).exists():
            _tasks_close(app, TaskKind.OUTSTANDING)


def materials_missing(app: Application) -> list[str]:
    """Required papers of the programme that the household has not handed in (ever)."""
    have = set(
        Material.objects.filter(household_id=app.household_id).values_list("kind", flat=True)
    )
    return [
        k for k in REQUIRED_MATERIALS.get(app.programme, REQUIRED_MATERIALS[""]) if k not in have
    ]


def _pledge(
    app,
    actor,
    *,
    kind: str,
    signer_name: str = "",
    method: str = SignMethod.ON_SCREEN,
    material_id: int | None = None,
    text: str = "",
    audit: bool = True,
) -> TruthPledge:
    signer_name = signer_name or app.applicant.name
    if method == SignMethod.UPLOAD and not material_id:
        raise ServiceError(_("上传签字件方式须选择已上传的承诺书"), field="pledge")
    p = TruthPledge.objects.create(
        application=app,
        kind=kind,
        signer_name=signer_name,
        method=method,
        material_id=material_id,
        text=text or PLEDGE_TEXT,
        recorded_by=actor,
    )
    if not audit:
        return p
    audit_record(
        actor=actor,
        action=f"case.pledge.{kind}",
        subject_type="application",
        subject_id=app.pk,
        household_id=app.household_id,
        area_code=app.area_id,
        after={"signer": signer_name, "method": method, "text": p.text},
    )
    return p


def _authorisation(
    app,
    actor,
    *,
    signer_name: str = "",
    method: str = SignMethod.ON_SCREEN,
    material_id: int | None = None,
    signer_role: str = "applicant",
    audit: bool = True,
) -> CheckAuthorisation:
    signer_name = signer_name or app.applicant.name
    if method == SignMethod.UPLOAD and not material_id:
        raise ServiceError(_("上传签字件方式须选择已上传的授权书"), field="authorisation")
    a = CheckAuthorisation.objects.create(
        application=app,
        household_id=app.household_id,
        signer_name=signer_name,
        signer_role=signer_role,
        method=method,
        material_id=material_id,
        recorded_by=actor,
    )
    if not audit:
        return a
    audit_record(
        actor=actor,
        action="case.authorisation",
        subject_type="application",
        subject_id=app.pk,
        household_id=app.household_id,
        area_code=app.area_id,
        after={"signer": signer_name, "signer_role": signer_role, "method": method},
    )
    return a


SIGNED_PAPERS = {MaterialKind.TRUTH_PLEDGE: "pledge", MaterialKind.CHECK_AUTH: "authorisation"}


def _record_signed_paper(app: Application | None, actor, m: Material) -> str:
    """An uploaded signed 诚信承诺书/核对授权书 is the signature itself (method "upload"), recorded
    for the application if it has none yet. Returns "pledge"/"authorisation" or ""."""
    which = SIGNED_PAPERS.get(m.kind, "")
    if app is None or not which:
        return ""
    if which == "pledge" and not app.pledges.filter(kind="truth").exists():
        _pledge(app, actor, kind="truth", method=SignMethod.UPLOAD, material_id=m.pk)
        return which
    if which == "authorisation" and not app.authorisations.exists():
        _authorisation(app, actor, method=SignMethod.UPLOAD, material_id=m.pk)
        return which
    return ""
