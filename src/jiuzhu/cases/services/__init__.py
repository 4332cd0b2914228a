"""Writes of the cases process. Each function is one transaction that checks, changes and audits.

Every move of a case goes through ``_move``: lock the row, compare the version the caller read
(optimistic locking: a change made meanwhile is refused, never overwritten), ask
``workflow.guard`` whether this actor may make this move in this state over this area, run the
move, append a ``CaseEvent`` (who, when, from, to, why) and an audit event, and open/close the
to-do tasks — all or nothing, so a crash in the middle leaves the case where it was.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import re
import uuid
from collections.abc import Callable
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiuzhu.accounts.roles import Capability, Role
from jiuzhu.accounts.scoping import access, require_area, user_roles
from jiuzhu.areas.models import Area, AreaLevel
from jiuzhu.audit.services import audit_record, jsonable
from jiuzhu.cases import seams
from jiuzhu.cases.models import (
    CORE_MATERIALS,
    REQUIRED_MATERIALS,
    Application,
    ApprovalChain,
    CaseEvent,
    CheckAuthorisation,
    CommunityReview,
    DecisionLetter,
    Declaration,
    DeclarationStatus,
    HomeVisit,
    Material,
    MaterialKind,
    Objection,
    OutstandingItem,
    Programme,
    PublicNotice,
    Purpose,
    SignMethod,
    State,
    Task,
    TaskKind,
    TempAidKind,
    TruthPledge,
    client_office_for,
)
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.cases.workflow import TRANSITIONS, guard
from jiuzhu.core import clock
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.core.language import stored_text
from jiuzhu.core.masking import mask_id_number, mask_name
from jiuzhu.registry import services as registry_services
from jiuzhu.registry.models import Household, Person, RollEntry, RollStatus

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# The event labels of opening a change/stop/渐退 case (stored in Chinese, shown translated).
ADJUSTMENT_LABELS = {
    Purpose.CHANGE: gettext_noop("发起变更救助金额"),
    Purpose.STOP: gettext_noop("发起停发"),
    Purpose.PHASE_OUT: gettext_noop("发起渐退"),
}
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

# Legal limits that differ from the 低保 defaults (特困人员认定办法 Art. 10–18).
PROGRAMME_DEFAULTS = {
    Programme.TEKUN: {"review_days": 15, "approve_days": 15, "total_days": 40},
}


# ---------------------------------------------------------------- approval chains


def chain_for(*, area_code: str, programme: str) -> dict:
    """The chain a new case gets: the most specific active chain for the place and programme."""
    prefixes = [area_code[:n] for n in (12, 9, 6, 4, 2)]
    candidates = [
        c
        for c in ApprovalChain.objects.filter(active=True, programme__in=[programme, ""])
        .select_related("area")
        .order_by("-programme")
        if area_code.startswith(c.area.prefix)
    ]
    candidates.sort(key=lambda c: (-len(c.area.prefix), c.programme == ""))
    if candidates:
        return candidates[0].snapshot()
    snap = ApprovalChain(area_id=prefixes[0]).snapshot()
    snap.update(PROGRAMME_DEFAULTS.get(programme, {}))
    return snap


# ---------------------------------------------------------------- tasks


def _task_open(app: Application, kind: str, role: str, due, *, assigned_to=None, note="") -> Task:
    return Task.objects.create(
        application=app,
        kind=kind,
        area_id=app.area_id,
        role=role,
        assigned_to=assigned_to,
        due_date=due,
        note=note,
    )


def _tasks_close(app: Application, *kinds: str) -> None:
    qs = Task.objects.filter(application=app, done_at__isnull=True)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    qs.update(done_at=timezone.now())


# ---------------------------------------------------------------- materials


def sniff_upload(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an accepted file from its first bytes, else None."""
    return _sniff(head)


def _sniff(head: bytes) -> tuple[str, str] | None:
    for magic, kind in ALLOWED_TYPES.items():
        if head.startswith(magic):
            return kind
    return None


def _ymd(day: datetime.date) -> str:
    """A date in a message: 2025年03月07日 in Chinese."""
    return _("%(y)s年%(m)s月%(d)s日") % {"y": f"{day:%Y}", "m": f"{day:%m}", "d": f"{day:%d}"}


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


# ---------------------------------------------------------------- intake


def _number(app: Application) -> str:
    """申请编号: county code, date, and the row id — unique by construction, no counter to race."""
    return f"A{app.area_id[:6]}{clock.today():%Y%m%d}{app.pk:08d}"


def _event(app, *, actor, action, label, from_state, to_state, role="", reason="", data=None):
    data = jsonable(data or {})
    CaseEvent.objects.create(
        application=app,
        action=action,
        action_label=label,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(
            actor.get_full_name() or getattr(actor, "full_name", "") or actor.get_username()
        )
        if getattr(actor, "pk", None)
        else "公众",
        actor_role=role,
        reason=reason,
        data=data or {},
    )
    audit_record(
        actor=actor if getattr(actor, "pk", None) else None,
        action=f"case.{action}",
        subject_type="application",
        subject_id=app.pk,
        household_id=app.household_id,
        area_code=app.area_id,
        reason=reason,
        before={"state": from_state} if from_state else None,
        after={"state": to_state, **(data or {})},
    )


def _intake_role(actor, area_code: str) -> str:
    for a in user_roles(actor):
        if a.role in (Role.VILLAGE_WORKER, Role.TOWNSHIP_REVIEWER) and area_code.startswith(
            a.area.prefix
        ):
            return a.role
    return ""


@transaction.atomic
def application_create(
    *,
    actor,
    household_id: int,
    programme: str = "",
    applicant_id: int | None = None,
    temp_aid_kind: str = "",
    reason: str = "",
    declared: dict | None = None,
    members: list[dict] | None = None,
    pledge: dict | None = None,
    authorisation: dict | None = None,
    channel: str = "window",
    client_ref: str | None = None,
) -> Application:
    """Register an application (申请). ``programme`` empty = 模糊申请: the system proposes.

    ``declared`` holds what the household declares: ``{"income": [...], "asset": [...],
    "expense": [...]}`` in the registry's fact fields; ``members`` adds persons not yet in the
    registry. ``pledge``/``authorisation`` record on-screen signatures (``{"signer_name": …}``).
    An online channel passes ``client_ref``; submitting the same one again returns the first.
    """
    hh = access(
        Household.objects.select_for_update(), actor, Capability.REGISTRY_VIEW, pk=household_id
    )
    require_area(actor, Capability.CASE_INTAKE, hh.hukou_area_id)
    if client_ref:  # checked under the household lock: a retried request finds the first
        existing = Application.objects.filter(
            client_office=client_office_for(hh.hukou_area_id), client_ref=client_ref
        ).first()
        if existing is not None:
            if existing.household_id != household_id:
                raise ServiceError(_("外部请求编号已被其他申请使用"), field="client_ref")
            return existing
    errors: dict[str, list[str]] = {}
    if programme and programme not in Programme.values:
        errors.setdefault("programme", []).append(
            _("救助项目“%(programme)s”不存在") % {"programme": programme}
        )
    if programme == Programme.TEMPORARY_AID and temp_aid_kind not in TempAidKind.values:
        errors.setdefault("temp_aid_kind", []).append(_("临时救助须选择“急难型”或“支出型”"))
    if programme != Programme.TEMPORARY_AID:
        temp_aid_kind = ""
    if channel not in ("window", "visit", "online", "api"):
        errors.setdefault("channel", []).append(_("渠道须为 window、visit、online 或 api"))
    if errors:
        raise ServiceError(errors=errors)
    if applicant_id:
        applicant = Person.objects.filter(pk=applicant_id, household=hh).first()
        if applicant is None:
            raise ServiceError(_("申请人须是该家庭的成员"), field="applicant")
    else:
        applicant = Person.objects.filter(household=hh, relation="head").first()
        if applicant is None:
            raise ServiceError(_("该家庭没有户主，请先登记户主"), field="applicant")
    _refuse_deceased(applicant, hh)  # before anything else: never for a deceased person
    open_same = Application.objects.filter(
        household=hh,
        state__in=[
            s
            for s in State.values
            if s not in ("rejected_intake", "approved", "refused", "withdrawn", "stopped")
        ],
    )
    if programme:
        open_same = open_same.filter(programme=programme)
    if open_same.exists():
        raise ServiceError(
            _("该家庭已有办理中的申请（%(number)s），不能重复申请")
            % {"number": open_same.first().number},
            code="duplicate",
        )
    for member in members or []:
        registry_services.person_add(
            actor=actor, household_id=hh.pk, data=member, reason="申请时登记"
        )
    declarations = _declarations_parse(declared or {})
    chain = chain_for(area_code=hh.hukou_area_id, programme=programme or Programme.DIBAO)
    today = clock.today()
    app = Application(
        household=hh,
        applicant=applicant,
        area_id=hh.hukou_area_id,
        programme=programme,
        vague=not programme,
        temp_aid_kind=temp_aid_kind,
        reason=reason,
        channel=channel,
        client_ref=client_ref or None,
        client_office=client_office_for(hh.hukou_area_id) if client_ref else "",
        chain=chain,
        created_by=actor,
        intake_due=add_working_days(today, chain["intake_days"]),
    )
    if app.vague:
        app.proposed_programmes = seams.propose_programmes(household=hh)
    app.number = f"TMP{uuid.uuid4().hex[:20]}"
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError as exc:  # the same client_ref for another household, meanwhile
        raise ServiceError(_("外部请求编号已被使用"), field="client_ref", code="duplicate") from exc
    app.number = _number(app)
    Application.objects.filter(pk=app.pk).update(number=app.number)
    for d in declarations:  # tied to this application; the registry is changed on reconciling
        d.application = app
    Declaration.objects.bulk_create(declarations)
    # Signed on the same screen: recorded in the submit event (one audit append, not three).
    signed = {}
    if pledge:
        p = _pledge(app, actor, kind="truth", audit=False, **pledge)
        signed["pledge"] = {"signer": p.signer_name, "method": p.method, "text": p.text}
    if authorisation:
        a = _authorisation(app, actor, audit=False, **authorisation)
        signed["authorisation"] = {"signer": a.signer_name, "method": a.method}
    # The to-do task before the event: the audit append (which serialises writers on the chain
    # head) is the last statement of the transaction, so the lock is held for the least time.
    _task_open(app, TaskKind.ACCEPT, chain["review_role"], app.intake_due)
    _event(
        app,
        actor=actor,
        action="submit",
        label=gettext_noop("申请登记"),
        from_state="",
        to_state=State.SUBMITTED,
        role=_intake_role(actor, app.area_id),
        reason=reason,
        data={
            "programme": programme,
            "vague": app.vague,
            "channel": channel,
            "proposed": [p.get("programme") for p in app.proposed_programmes],
            "declared": [
                {"fact": d.fact, "kind": d.kind, "amount": d.amount} for d in declarations
            ],
            **signed,
        },
    )
    return app


DECLARED_KINDS = {  # what the intake screen declares: (registry fact, money field, kinds)
    "income": ("amount", ("wage", "business", "property", "transfer", "other")),
    "asset": ("value", None),
    "expense": ("amount", None),
}
DECLARATION_LABELS = {
    "income": gettext_noop("收入"),
    "asset": gettext_noop("财产"),
    "expense": gettext_noop("刚性支出"),
}


def _declarations_parse(declared: dict) -> list[Declaration]:
    """The household's declarations, checked (amount in yuan to the fen, not negative)."""
    out: list[Declaration] = []
    errors: dict[str, list[str]] = {}
    today = clock.today()
    for fact in ("income", "asset", "expense"):
        money_field, _kinds = DECLARED_KINDS[fact]
        for item in declared.get(fact, []) or []:
            raw = item.get(money_field, item.get("amount"))
            label = _(DECLARATION_LABELS[fact])
            try:
                value = decimal.Decimal(str(raw).strip())
            except (decimal.InvalidOperation, TypeError):
                errors.setdefault(f"declared.{fact}", []).append(
                    _("申报%(label)s金额“%(value)s”须为数字") % {"label": label, "value": raw}
                )
                continue
            if not value.is_finite() or value < 0:
                errors.setdefault(f"declared.{fact}", []).append(
                    _("申报%(label)s金额不能为负数") % {"label": label}
                )
                continue
            if value != value.quantize(decimal.Decimal("0.01")) or value >= decimal.Decimal("1e12"):
                errors.setdefault(f"declared.{fact}", []).append(
                    _("申报%(label)s金额最多保留两位小数（到分）") % {"label": label}
                )
                continue
            start, end = item.get("period_start"), item.get("period_end")
            as_of = item.get("as_of") or today
            if as_of > today or (end and end > today):
                errors.setdefault(f"declared.{fact}", []).append(
                    _("申报%(label)s的日期不能晚于今天") % {"label": label}
                )
                continue
            out.append(
                Declaration(
                    fact=fact,
                    kind=item.get("kind") or ("wage" if fact == "income" else "deposit"),
                    amount=value,
                    period_start=start,
                    period_end=end,
                    as_of=as_of,
                )
            )
    if errors:
        raise ServiceError(errors=errors)
    return out


def _registry_facts(household_id: int, fact: str, kind: str) -> list:
    """The registry's facts a declaration of ``fact``/``kind`` stands beside."""
    model = registry_services.FACT_MODELS[fact]
    return list(model.objects.filter(household_id=household_id, kind=kind).order_by("id"))


RECONCILE_CHOICES = (
    DeclarationStatus.REPLACED,
    DeclarationStatus.CONFIRMED,
    DeclarationStatus.BOTH,
)


@transaction.atomic
def declaration_reconcile(
    *, actor, declaration_id: int, decision: str, reason: str = ""
) -> Declaration:
    """The clerk reconciles one declaration with the registry (audited):

    - ``replaced``: the registry's facts of the same kind that do not come from a department feed
      are removed and the declaration enters the registry in their place;
    - ``confirmed``: the registry is right; the declaration stays on the case only;
    - ``both``: the declaration enters the registry beside the existing facts (a second source).
    """
    d = (
        Declaration.objects.select_for_update()
        .select_related("application")
        .filter(pk=declaration_id)
        .first()
    )
    if d is None:
        raise ServiceError(_("申报记录不存在"), code="not_found")
    app = access(Application.objects.all(), actor, Capability.CASE_INTAKE, pk=d.application_id)
    if decision not in RECONCILE_CHOICES:
        raise ServiceError(_("核对结果须为“以申报替换”“信息库无误”或“两者并存”"), field="decision")
    if d.status != DeclarationStatus.PENDING:
        raise ServiceError(_("该申报已核对，不能重复处理"), code="wrong_state")
    if app.state in (State.WITHDRAWN, State.REJECTED_INTAKE, State.REFUSED):
        raise ServiceError(_("申请已结束，申报不再入库"), code="wrong_state")
    reason = (reason or "").strip()
    if decision == DeclarationStatus.REPLACED and not reason:
        raise ServiceError(_("以申报替换信息库记录须填写理由"), field="reason")
    money_field, _kinds = DECLARED_KINDS[d.fact]
    replaced = []
    if decision == DeclarationStatus.REPLACED:
        for f in _registry_facts(app.household_id, d.fact, d.kind):
            if f.source.startswith("feed"):
                continue  # department data is evidence, never overwritten by a declaration
            replaced.append(
                {
                    k: (f.person_id if k == "person" else getattr(f, k))
                    for k in registry_services.FACT_FIELDS[d.fact]
                }
            )
            registry_services.fact_delete(
                actor=actor,
                kind=d.fact,
                fact_id=f.pk,
                reason=f"申请{app.number}核对申报：以申报替换。{reason}"[:500],
            )
    if decision in (DeclarationStatus.REPLACED, DeclarationStatus.BOTH):
        data = {
            "kind": d.kind,
            money_field: d.amount,
            "source": "declared",
            "as_of": d.as_of,
            "note": f"申请{app.number}申报"[:200],
        }
        if d.fact in ("income", "expense"):
            data.update(period_start=d.period_start, period_end=d.period_end)
        fact = registry_services.fact_add(
            actor=actor,
            household_id=app.household_id,
            kind=d.fact,
            data=data,
            reason=f"申请{app.number}申报入库",
        )
        d.fact_id = fact.pk
    d.status = decision
    d.replaced = jsonable(replaced)
    d.decided_by = actor
    d.decided_at = timezone.now()
    d.decision_reason = reason[:500]
    d.save()
    audit_record(
        actor=actor,
        action="case.declaration.reconcile",
        subject_type="application",
        subject_id=app.pk,
        household_id=app.household_id,
        area_code=app.area_id,
        reason=reason,
        before={"status": DeclarationStatus.PENDING},
        after={
            "declaration": d.pk,
            "fact": d.fact,
            "kind": d.kind,
            "amount": d.amount,
            "status": decision,
            "registry_fact": d.fact_id,
            "replaced": len(replaced),
        },
    )
    return d


def _declarations_withdraw(app: Application, actor, reason: str) -> int:
    """Withdraw the application's declarations: facts they created leave the registry and facts
    a replacement removed come back (each change audited by the registry service)."""
    n = 0
    for d in app.declarations.select_for_update().exclude(status=DeclarationStatus.WITHDRAWN):
        money_field, _kinds = DECLARED_KINDS[d.fact]
        model = registry_services.FACT_MODELS[d.fact]
        if d.fact_id and model.objects.filter(pk=d.fact_id).exists():
            registry_services.fact_delete(
                actor=actor,
                kind=d.fact,
                fact_id=d.fact_id,
                reason=f"申请{app.number}撤回，申报随之撤回：{reason}"[:500],
            )
        for old in d.replaced or []:
            data = dict(old)
            for k in ("period_start", "period_end", "as_of"):
                if isinstance(data.get(k), str):
                    data[k] = datetime.date.fromisoformat(data[k])
            registry_services.fact_add(
                actor=actor,
                household_id=app.household_id,
                kind=d.fact,
                data=data,
                reason=f"申请{app.number}撤回，恢复被申报替换的记录",
            )
        d.status = DeclarationStatus.WITHDRAWN
        d.save(update_fields=["status"])
        n += 1
    return n


def _refuse_deceased(applicant: Person, hh: Household) -> None:
    """No application is ever created for a deceased person, nor for a household with nobody
    alive in it (whoever calls: the window, the API, a monitoring alert)."""
    if applicant.death_date is not None:
        raise ServiceError(
            _(
                "申请人%(name)s已于%(date)s死亡，不能为其登记申请；如家庭其他成员需要救助，请由其作为申请人"
            )
            % {"name": applicant.name, "date": _ymd(applicant.death_date)},
            field="applicant",
            code="deceased",
        )
    if not Person.objects.filter(household=hh, death_date__isnull=True).exists():
        raise ServiceError(
            _("该家庭成员均已死亡，不能登记申请"), field="applicant", code="deceased"
        )


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


@transaction.atomic
def signatures_record(
    *,
    actor,
    application_id: int,
    pledge: bool = False,
    authorisation: bool = False,
    signer_name: str = "",
    uploaded=None,
    kind: str = "",
) -> list[str]:
    """补签: record a missing 诚信承诺书/核对授权书 after submission, on screen (the applicant
    confirms in front of the clerk) or by uploading the signed paper (``uploaded`` of ``kind``
    truth_pledge/check_auth). Each signature is audited; returns what was recorded."""
    app = access(
        Application.objects.select_for_update().select_related("applicant"),
        actor,
        Capability.CASE_INTAKE,
        pk=application_id,
    )
    if app.state in (State.WITHDRAWN, State.REJECTED_INTAKE, State.REFUSED, State.STOPPED):
        raise ServiceError(_("申请已结束，不能再补签"), code="wrong_state")
    done: list[str] = []
    if uploaded is not None:
        if kind not in SIGNED_PAPERS:
            raise ServiceError(_("上传的签字件须为《诚信承诺书》或《核对授权书》"), field="kind")
        which = SIGNED_PAPERS[kind]
        had = (
            app.pledges.filter(kind="truth").exists()
            if which == "pledge"
            else app.authorisations.exists()
        )
        if had:
            raise ServiceError(
                _("%(paper)s已签署，无需重复补签") % {"paper": MaterialKind(kind).label},
                field="kind",
            )
        m = material_upload(  # records the signature of a signed paper (``_record_signed_paper``)
            actor=actor,
            household_id=app.household_id,
            kind=kind,
            uploaded=uploaded,
            application_id=app.pk,
        )
        if m.application_id is None:
            Material.objects.filter(pk=m.pk).update(application=app)
        _record_signed_paper(app, actor, m)  # a paper this household had handed in before
        done.append(which)
    signer_name = (signer_name or "").strip()
    if (pledge or authorisation) and not signer_name:
        raise ServiceError(_("请填写签署人姓名"), field="signer_name")
    if pledge:
        if app.pledges.filter(kind="truth").exists():
            raise ServiceError(_("诚信承诺书已签署，无需重复补签"), field="pledge")
        _pledge(app, actor, kind="truth", signer_name=signer_name)
        done.append("pledge")
    if authorisation:
        if app.authorisations.exists():
            raise ServiceError(_("核对授权书已签署，无需重复补签"), field="authorisation")
        _authorisation(app, actor, signer_name=signer_name)
        done.append("authorisation")
    if not done:
        raise ServiceError(_("请勾选要补签的文书，或上传申请人签字的文书"), field="pledge")
    return done


@transaction.atomic
def pledge_record(*, actor, application_id: int, kind: str = "truth", **kwargs) -> TruthPledge:
    app = access(
        Application.objects.select_for_update(), actor, Capability.CASE_INTAKE, pk=application_id
    )
    return _pledge(app, actor, kind=kind, **kwargs)


@transaction.atomic
def authorisation_record(*, actor, application_id: int, **kwargs) -> CheckAuthorisation:
    app = access(
        Application.objects.select_for_update(), actor, Capability.CASE_INTAKE, pk=application_id
    )
    return _authorisation(app, actor, **kwargs)


# ---------------------------------------------------------------- the moves


def _move(
    *,
    actor,
    application_id: int,
    version: int,
    name: str,
    reason: str = "",
    body: Callable[[Application], tuple[str | None, dict]] | None = None,
) -> Application:
    """Run move ``name``: ``body(app)`` does the work and returns (target state, event data)."""
    t = TRANSITIONS[name]
    with transaction.atomic():
        app = Application.objects.select_for_update().filter(pk=application_id).first()
        if app is None:
            raise ServiceError(_("申请不存在"), code="not_found")
        refusal, role = guard(actor, app, name)
        if refusal is not None and refusal.code in ("wrong_role", "wrong_area", "unknown"):
            raise ServiceError(refusal.message, code=refusal.code)
        if app.version != version:  # changed since the caller read it: never act on a stale view
            raise ConcurrentEditError(_("该申请"))
        if refusal is not None:
            raise ServiceError(refusal.message, code=refusal.code)
        reason = (reason or "").strip()
        if t.needs_reason and not reason:
            raise ServiceError(
                _("办理“%(step)s”须填写理由或意见") % {"step": _(t.label)},
                field="reason",
                code="reason_required",
            )
        from_state = app.state
        target, data = body(app) if body else (None, {})
        target = target or t.target
        app.state = target
        app.version = F("version") + 1
        app.save()
        app.refresh_from_db()
        _event(
            app,
            actor=actor,
            action=name,
            label=t.label,
            from_state=from_state,
            to_state=target,
            role=role or "",
            reason=reason,
            data=data,
        )
        return app


def _require_signatures(app: Application) -> None:
    errors: dict[str, list[str]] = {}
    if not app.pledges.filter(kind="truth").exists():
        errors.setdefault("pledge", []).append(_("尚未签署诚信承诺书，不能受理和核对"))
    if not app.authorisations.exists():
        errors.setdefault("authorisation", []).append(
            _("尚未签署核对授权书，不能开展家庭经济状况核对")
        )
    if errors:
        raise ServiceError(errors=errors, code="missing_signature")


def _start_investigation(app: Application, actor, visitor_id: int | None) -> dict:
    today = clock.today()
    chain = app.chain
    app.accepted_on = today
    app.visit_due = add_working_days(today, chain["visit_days"])
    app.review_due = add_working_days(today, chain["review_days"])
    app.decision_due = add_working_days(today, chain["total_days"])
    ref = seams.request_check(app)  # pledge and authorisation are on file (checked above)
    app.check_requested_at = timezone.now()
    app.check_reference = ref or ""
    HomeVisit.objects.create(application=app, assigned_to_id=visitor_id, due_date=app.visit_due)
    _tasks_close(app, TaskKind.ACCEPT)
    _task_open(
        app,
        TaskKind.HOME_VISIT,
        Role.VILLAGE_WORKER,
        app.visit_due,
        assigned_to=assigned_to_id_or_none(visitor_id),
    )
    return {"visit_due": app.visit_due, "decision_due": app.decision_due, "check": ref or ""}


def assigned_to_id_or_none(user_id):
    from jiuzhu.accounts.models import User

    return User.objects.filter(pk=user_id).first() if user_id else None


def application_accept(
    *, actor, application_id: int, version: int, reason: str = "", visitor_id: int | None = None
) -> Application:
    """受理: all required papers are here; start the data check and the home visit."""

    def body(app):
        _require_signatures(app)
        missing = materials_missing(app)
        if app.vague and not app.programme:
            raise ServiceError(
                _("模糊申请须先确定救助项目（可参考系统建议）再受理"), field="programme"
            )
        if missing:
            labels = "、".join(str(MaterialKind(k).label) for k in missing)
            raise ServiceError(
                _("材料不齐，缺少：%(materials)s。可一次性告知申请人补齐，或签署容缺承诺后容缺受理")
                % {"materials": labels},
                field="materials",
                code="missing_materials",
            )
        return None, _start_investigation(app, actor, visitor_id)

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="accept",
        reason=reason,
        body=body,
    )


def application_set_programme(
    *, actor, application_id: int, version: int, programme: str, temp_aid_kind: str = ""
) -> Application:
    """模糊申请: the window settles which programme to process (before acceptance)."""
    with transaction.atomic():
        app = access(
            Application.objects.select_for_update(),
            actor,
            Capability.CASE_INTAKE,
            pk=application_id,
        )
        if app.version != version:
            raise ConcurrentEditError(_("该申请"))
        if app.state != State.SUBMITTED:
            raise ServiceError(_("受理后不能再更改救助项目"), field="programme", code="wrong_state")
        if programme not in Programme.values:
            raise ServiceError(
                _("救助项目“%(programme)s”不存在") % {"programme": programme}, field="programme"
            )
        if programme == Programme.TEMPORARY_AID and temp_aid_kind not in TempAidKind.values:
            raise ServiceError(_("临时救助须选择“急难型”或“支出型”"), field="temp_aid_kind")
        before = app.programme
        app.programme = programme
        app.temp_aid_kind = temp_aid_kind if programme == Programme.TEMPORARY_AID else ""
        app.chain = chain_for(area_code=app.area_id, programme=programme)
        app.version = F("version") + 1
        app.save()
        app.refresh_from_db()
        _event(
            app,
            actor=actor,
            action="set_programme",
            label=gettext_noop("确定救助项目"),
            from_state=app.state,
            to_state=app.state,
            reason="",
            data={"before": before, "programme": programme},
        )
        return app


def application_accept_with_pledge(
    *,
    actor,
    application_id: int,
    version: int,
    missing: list[str],
    reason: str = "",
    due_days: int = DEFAULT_MISSING_DAYS,
    signer_name: str = "",
    visitor_id: int | None = None,
) -> Application:
    """容缺受理: a non-core paper may be missing if the applicant signs a pledge to bring it."""

    def body(app):
        _require_signatures(app)
        if app.vague and not app.programme:
            raise ServiceError(_("模糊申请须先确定救助项目再受理"), field="programme")
        items = [k for k in dict.fromkeys(missing or [])]
        bad = [k for k in items if k not in MaterialKind.values]
        if bad:
            raise ServiceError(
                _("材料类型不存在：%(kinds)s") % {"kinds": "、".join(bad)}, field="missing"
            )
        core = [k for k in items if k in CORE_MATERIALS]
        if core:
            raise ServiceError(
                _("核心材料不能容缺：%(materials)s")
                % {"materials": "、".join(str(MaterialKind(k).label) for k in core)},
                field="missing",
                code="core_missing",
            )
        still = materials_missing(app)
        if not items:
            items = still
        if not items:
            raise ServiceError(_("材料已齐全，请直接受理"), field="missing")
        not_listed = [k for k in still if k not in items]
        if not_listed:
            raise ServiceError(
                _("还缺少未列入容缺清单的材料：%(materials)s")
                % {"materials": "、".join(str(MaterialKind(k).label) for k in not_listed)},
                field="missing",
                code="missing_materials",
            )
        due = add_working_days(clock.today(), due_days)
        labels = "、".join(stored_text(MaterialKind(k).label) for k in items)
        _pledge(
            app,
            actor,
            kind="missing_papers",
            signer_name=signer_name,
            text=MISSING_PLEDGE_TEXT.format(items=labels) + f"补齐期限：{due:%Y年%m月%d日}。",
        )
        for k in items:
            OutstandingItem.objects.create(application=app, kind=k, due_date=due)
        app.outstanding_due = due
        data = _start_investigation(app, actor, visitor_id)
        _task_open(app, TaskKind.OUTSTANDING, Role.VILLAGE_WORKER, due, note=f"待补：{labels}")
        return None, {**data, "missing": items, "outstanding_due": due}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="accept_with_pledge",
        reason=reason or "容缺受理",
        body=body,
    )


def application_reject_intake(
    *, actor, application_id: int, version: int, reason: str
) -> Application:
    def body(app):
        _tasks_close(app)
        letter = _letter(app, actor, "intake_refusal", reason)
        return None, {"letter": letter.number}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="reject_intake",
        reason=reason,
        body=body,
    )


def application_grant_emergency(
    *, actor, application_id: int, version: int, amount, reason: str
) -> Application:
    """急难型临时救助 先行救助: help now; check, 公示 and papers are completed afterwards."""

    def body(app):
        value = _money(amount, "amount")
        today = clock.today()
        app.one_off_amount = value
        app.accepted_on = today
        app.decided_by = actor
        app.decided_on = today
        app.decision_reason = reason
        _roll_add(app, actor, value, one_off=True)
        _tasks_close(app)
        _task_open(
            app,
            TaskKind.FOLLOW_UP,
            Role.VILLAGE_WORKER,
            add_working_days(today, 10),
            note="先行救助后补齐材料、签字和核对",
        )
        letter = _letter(app, actor, "approval", reason)
        return None, {"amount": value, "letter": letter.number, "roll_entry": app.roll_entry_id}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="grant_emergency",
        reason=reason,
        body=body,
    )


def home_visit_submit(
    *,
    actor,
    application_id: int,
    version: int,
    checklist: dict,
    findings: str,
    latitude=None,
    longitude=None,
    visited_at=None,
    second_visitor: str = "",
    signature_material_id: int | None = None,
    photo_material_ids: list[int] | None = None,
    reason: str = "",
) -> Application:
    """入户调查 done: the form from the phone moves the case on."""

    def body(app):
        visit = app.visits.filter(done=False).order_by("-id").first()
        if visit is None:
            raise ServiceError(_("没有待办的入户调查"), code="wrong_state")
        if not (findings or "").strip():
            raise ServiceError(_("请填写调查情况"), field="findings")
        if not signature_material_id:
            raise ServiceError(
                _("须由申请人在调查表上签名"), field="signature", code="missing_signature"
            )
        if not Material.objects.filter(
            pk=signature_material_id, household_id=app.household_id
        ).exists():
            raise ServiceError(_("签名文件不属于该家庭"), field="signature")
        visit.done = True
        visit.checklist = {k: bool(v) for k, v in (checklist or {}).items()}
        visit.findings = findings
        visit.second_visitor = second_visitor
        visit.latitude = _coord(latitude, 90, "latitude")
        visit.longitude = _coord(longitude, 180, "longitude")
        visit.visited_at = visited_at or timezone.now()
        visit.signature_id = signature_material_id
        visit.submitted_by = actor
        visit.save()
        if photo_material_ids:
            Material.objects.filter(
                pk__in=photo_material_ids, household_id=app.household_id
            ).update(application=app)
        _tasks_close(app, TaskKind.HOME_VISIT)
        if app.chain.get("community_review"):
            target = State.COMMUNITY_REVIEW
            _task_open(app, TaskKind.COMMUNITY_REVIEW, app.chain["review_role"], app.review_due)
        else:
            target = State.REVIEWING
            _task_open(app, TaskKind.REVIEW, app.chain["review_role"], app.review_due)
        return target, {
            "visit": visit.pk,
            "lat": visit.latitude,
            "lng": visit.longitude,
            "photos": len(photo_material_ids or []),
        }

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="submit_visit",
        reason=findings or reason,
        body=body,
    )


def _coord(value, limit, field):
    if value in (None, ""):
        return None
    try:
        d = decimal.Decimal(str(value)).quantize(decimal.Decimal("0.000001"))
    except decimal.InvalidOperation as exc:
        raise ServiceError(_("定位坐标须为数字"), field=field) from exc
    if abs(d) > limit:
        raise ServiceError(_("定位坐标超出范围"), field=field)
    return d


def community_review_record(
    *,
    actor,
    application_id: int,
    version: int,
    held_on,
    participants: int,
    votes_for: int,
    votes_against: int,
    opinion: str,
    reason: str = "",
) -> Application:
    def body(app):
        if votes_for + votes_against > participants:
            raise ServiceError(_("票数不能多于参加人数"), field="votes_for")
        r = CommunityReview.objects.create(
            application=app,
            held_on=held_on,
            participants=participants,
            votes_for=votes_for,
            votes_against=votes_against,
            opinion=opinion,
        )
        _tasks_close(app, TaskKind.COMMUNITY_REVIEW)
        _task_open(app, TaskKind.REVIEW, app.chain["review_role"], app.review_due)
        return None, {"community_review": r.pk, "for": votes_for, "against": votes_against}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="record_community_review",
        reason=opinion,
        body=body,
    )


def _money(value, field) -> decimal.Decimal:
    try:
        d = decimal.Decimal(str(value))
    except (decimal.InvalidOperation, TypeError) as exc:
        raise ServiceError(_("金额须为数字"), field=field) from exc
    if not d.is_finite() or d <= 0:
        raise ServiceError(_("金额须大于0"), field=field)
    if d != d.quantize(decimal.Decimal("0.01")):
        raise ServiceError(_("金额最多保留两位小数（到分）"), field=field)
    if d >= decimal.Decimal("1e9"):
        raise ServiceError(_("金额超出允许范围"), field=field)
    return d


def _amount_against_calculator(app: Application, value, amount_reason: str | None) -> dict:
    """The calculator's amount for this household beside the one chosen. A page passes
    ``amount_reason`` (None: a caller that does not show the calculator); a chosen amount other
    than the calculator's needs a reason, kept in the case's event."""
    calculated = seams.programme_amount(household=app.household, programme=app.programme)
    data = {"calculated": calculated}
    if amount_reason is None:
        return data
    amount_reason = amount_reason.strip()
    if calculated is not None and value != calculated and not amount_reason:
        raise ServiceError(
            _("金额 %(amount)s 元与测算金额 %(calculated)s 元不同，须填写调整金额的理由")
            % {"amount": value, "calculated": calculated},
            field="amount_reason",
            code="amount_reason_required",
        )
    if amount_reason:
        data["amount_reason"] = amount_reason
    return data


def _amount_given(amount, field: str = "amount"):
    """An amount field posted empty is an error, never "use the proposed amount"."""
    if isinstance(amount, str) and not amount.strip():
        raise ServiceError(
            _("请填写金额（可参考系统测算金额）"), field=field, code="amount_required"
        )
    return amount


def application_review(
    *,
    actor,
    application_id: int,
    version: int,
    recommend: bool,
    reason: str,
    amount=None,
    amount_reason: str | None = None,
) -> Application:
    """初审: recommend (with the proposed amount) → 公示; or not → straight to the decider."""

    def body(app):
        app.reviewed_by = actor
        _tasks_close(app, TaskKind.REVIEW)
        if app.is_adjustment:
            return _review_adjustment(app, recommend=recommend, amount=amount)
        if not recommend:
            _task_open(
                app,
                TaskKind.APPROVE,
                app.chain["approve_role"],
                add_working_days(clock.today(), app.chain["refusal_notice_days"]),
            )
            return State.APPROVING, {"recommend": False}
        value = _money(_amount_given(amount), "amount")
        against = _amount_against_calculator(app, value, amount_reason)
        if app.programme == Programme.TEMPORARY_AID:
            app.one_off_amount = value
            app.monthly_amount = None
        else:
            app.monthly_amount = value
        notice = _notice_post(app, value)
        _task_open(
            app,
            TaskKind.NOTICE,
            app.chain["review_role"],
            notice.end_date + datetime.timedelta(days=1),
        )
        return State.NOTICE, {
            "recommend": True,
            "amount": value,
            **against,
            "notice": notice.pk,
            "notice_end": notice.end_date,
        }

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="review",
        reason=reason,
        body=body,
    )


def _review_adjustment(app: Application, *, recommend: bool, amount) -> tuple[str, dict]:
    """初审 of a change/stop/渐退 case: straight to the decider (no 公示 of a reduction)."""
    data = {"recommend": recommend, "purpose": app.purpose}
    if recommend and app.purpose == Purpose.CHANGE and amount not in (None, ""):
        app.monthly_amount = _money(amount, "amount")
        data["amount"] = app.monthly_amount
    _task_open(
        app,
        TaskKind.APPROVE,
        app.chain["approve_role"],
        add_working_days(clock.today(), app.chain["approve_days"]),
    )
    return State.APPROVING, data


def _notice_area(app: Application) -> str:
    return app.area_id


def _notice_post(app: Application, amount) -> PublicNotice:
    today = clock.today()
    days = int(app.chain.get("notice_days", 7))
    applicant = app.applicant
    start_month = _month_after(today)
    one_off = app.programme == Programme.TEMPORARY_AID
    return PublicNotice.objects.create(
        application=app,
        area_id=_notice_area(app),
        masked_name=mask_name(applicant.name),
        masked_id=mask_id_number(applicant.id_number or ""),
        household_size=app.household.size,
        programme=app.programme,
        amount=amount,
        amount_is_monthly=not one_off,
        period="一次性" if one_off else f"{start_month:%Y年%m月}起",
        start_date=today,
        end_date=today + datetime.timedelta(days=days - 1),
    )


def _month_after(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def application_return_to_worker(
    *, actor, application_id: int, version: int, reason: str
) -> Application:
    def body(app):
        _tasks_close(app, TaskKind.REVIEW)
        _task_open(
            app,
            TaskKind.CORRECT,
            Role.VILLAGE_WORKER,
            add_working_days(clock.today(), 5),
            note=reason[:200],
        )
        return None, {}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="return_to_worker",
        reason=reason,
        body=body,
    )


def application_resubmit(
    *, actor, application_id: int, version: int, reason: str = ""
) -> Application:
    def body(app):
        _tasks_close(app, TaskKind.CORRECT)
        _task_open(app, TaskKind.REVIEW, app.chain["review_role"], app.review_due)
        return None, {}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="resubmit",
        reason=reason,
        body=body,
    )


def application_return_to_reviewer(
    *, actor, application_id: int, version: int, reason: str
) -> Application:
    def body(app):
        _tasks_close(app, TaskKind.APPROVE)
        PublicNotice.objects.filter(application=app, closed=False).update(closed=True)
        _task_open(
            app,
            TaskKind.REVIEW,
            app.chain["review_role"],
            add_working_days(clock.today(), 5),
            note=reason[:200],
        )
        return None, {}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="return_to_reviewer",
        reason=reason,
        body=body,
    )


def application_close_notice(
    *,
    actor,
    application_id: int,
    version: int,
    reason: str = "",
    today: datetime.date | None = None,
) -> Application:
    """公示期满 with no open objection: on to the decider."""

    def body(app):
        notice = app.notices.filter(closed=False).order_by("-id").first()
        day = today or clock.today()
        if notice is None:
            raise ServiceError(_("没有进行中的公示"), code="wrong_state")
        if day <= notice.end_date:
            raise ServiceError(
                _("公示期至 %(end)s 止，期满后方可进入审批") % {"end": _ymd(notice.end_date)},
                code="notice_running",
            )
        if app.objections.filter(resolved=False).exists():
            raise ServiceError(_("有未处理的异议"), code="paused")
        notice.closed = True
        notice.save(update_fields=["closed"])
        _tasks_close(app, TaskKind.NOTICE)
        _task_open(
            app,
            TaskKind.APPROVE,
            app.chain["approve_role"],
            add_working_days(day, app.chain["approve_days"]),
        )
        return None, {"notice": notice.pk}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="close_notice",
        reason=reason or "公示期满无异议",
        body=body,
    )


# Public objections (issue 14.14): per source address at most this many an hour and a day; a
# source whose objection a reviewer marked abusive is refused for ABUSE_BLOCK_DAYS.
OBJECTIONS_PER_HOUR = 3
OBJECTIONS_PER_DAY = 10
ABUSE_BLOCK_DAYS = 30


def objection_client_hash(address: str) -> str:
    """A keyed hash of the submitter's address: enough to rate-limit, not to identify."""
    if not address:
        return ""
    key = settings.SECRET_KEY.encode()
    return hashlib.sha256(key + b"|objection|" + address.encode()).hexdigest()


def _objection_limits(*, notice, client_hash: str, contact_phone: str) -> None:
    now = timezone.now()
    if client_hash:
        mine = Objection.objects.filter(client_hash=client_hash)
        if mine.filter(
            outcome="abusive", resolved_at__gte=now - datetime.timedelta(days=ABUSE_BLOCK_DAYS)
        ).exists():
            raise ServiceError(
                _(
                    "来自该网络的异议曾被认定为恶意或滥用，暂不接受在线提交；"
                    "请拨打监督电话或到村（居）委会当面提出"
                ),
                code="abusive_source",
            )
        if (
            mine.filter(submitted_at__gte=now - datetime.timedelta(hours=1)).count()
            >= OBJECTIONS_PER_HOUR
            or mine.filter(submitted_at__gte=now - datetime.timedelta(days=1)).count()
            >= OBJECTIONS_PER_DAY
        ):
            raise ServiceError(
                _("提交过于频繁，请一小时后再试，或拨打监督电话反映"), code="rate_limited"
            )
    if Objection.objects.filter(
        notice=notice, contact_phone=contact_phone.strip(), resolved=False
    ).exists():
        raise ServiceError(_("您对该户的异议已在核查中，无需重复提交"), code="duplicate_objection")


@transaction.atomic
def objection_submit(
    *,
    notice_id: int,
    contact_name: str,
    contact_phone: str,
    content: str,
    area_code: str | None = None,
    client_address: str = "",
) -> Objection:
    """An objection from the public page (no login): pause the case, task the deciding office.

    Accepted only through the notice's own page (``area_code`` is the notice's village or
    community), with a contact name and phone, and within the rate limit of its source."""
    errors: dict[str, list[str]] = {}
    if not (contact_name or "").strip():
        errors.setdefault("contact_name", []).append(_("请填写联系人姓名"))
    if not registry_services.PHONE_RE.match((contact_phone or "").strip()):
        errors.setdefault("contact_phone", []).append(
            _("请填写正确的联系电话（11位手机号或带区号的固话）")
        )
    if len((content or "").strip()) < 5:
        errors.setdefault("content", []).append(_("请具体说明异议内容（至少5个字）"))
    if len(content or "") > 2000:
        errors.setdefault("content", []).append(_("异议内容不超过2000字"))
    if errors:
        raise ServiceError(errors=errors)
    notice = PublicNotice.objects.select_for_update().filter(pk=notice_id, closed=False).first()
    if notice is None:
        raise ServiceError(_("该公示已结束，不能再提出异议"), code="notice_closed")
    if area_code is not None and notice.area_id != area_code:
        raise ServiceError(_("请在该户所在村（社区）的公示页面提出异议"), code="wrong_notice_page")
    app = Application.objects.select_for_update().get(pk=notice.application_id)
    if app.state != State.NOTICE:
        raise ServiceError(_("该公示已结束，不能再提出异议"), code="notice_closed")
    client_hash = objection_client_hash(client_address)
    _objection_limits(notice=notice, client_hash=client_hash, contact_phone=contact_phone)
    o = Objection.objects.create(
        notice=notice,
        application=app,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        content=content.strip(),
        client_hash=client_hash,
    )
    was_paused = app.paused
    Application.objects.filter(pk=app.pk).update(paused=True, version=F("version") + 1)
    app.refresh_from_db()
    _event(
        app,
        actor=None,
        action="objection",
        label=gettext_noop("公示异议"),
        from_state=app.state,
        to_state=app.state,
        reason=content.strip()[:500],
        data={"objection": o.pk, "paused": True, "was_paused": was_paused},
    )
    _task_open(
        app,
        TaskKind.OBJECTION,
        app.chain["approve_role"],
        add_working_days(clock.today(), 10),
        note=content.strip()[:200],
    )
    return o


def objection_resolve(
    *,
    actor,
    application_id: int,
    version: int,
    objection_id: int,
    upheld: bool,
    reason: str,
    abusive: bool = False,
) -> Application:
    """Handle an objection: dismissed → the notice runs on; upheld → investigate again;
    abusive (with a reason) → dismissed, the case un-paused, and its source refused online for a
    while (issue 14.14)."""
    if abusive and not (reason or "").strip():
        raise ServiceError(errors={"reason": [_("认定为恶意或滥用异议须填写理由")]})
    upheld = upheld and not abusive

    def body(app):
        o = app.objections.filter(pk=objection_id, resolved=False).first()
        if o is None:
            raise ServiceError(_("该异议不存在或已处理"), field="objection")
        o.resolved = True
        o.outcome = "abusive" if abusive else "upheld" if upheld else "dismissed"
        o.resolution = reason
        o.resolved_by = actor
        o.resolved_at = timezone.now()
        o.save()
        still_open = app.objections.filter(resolved=False).exists()
        target = State.NOTICE
        if not still_open:
            _tasks_close(app, TaskKind.OBJECTION)
            app.paused = False
        if upheld:
            app.paused = False
            app.objections.filter(resolved=False).update(
                resolved=True,
                outcome="upheld",
                resolution="随同重新调查",
                resolved_by=actor,
                resolved_at=timezone.now(),
            )
            _tasks_close(app)
            app.notices.filter(closed=False).update(closed=True)
            due = add_working_days(clock.today(), 15)
            HomeVisit.objects.create(application=app, due_date=due)
            _task_open(
                app, TaskKind.HOME_VISIT, Role.VILLAGE_WORKER, due, note="异议成立，重新调查"
            )
            target = State.INVESTIGATING
        return target, {"objection": o.pk, "outcome": o.outcome, "paused": app.paused}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="resolve_objection",
        reason=reason,
        body=body,
    )


def _holds_role(user, role: str) -> bool:
    return any(a.role == role for a in user_roles(user))


def application_approve(
    *,
    actor,
    application_id: int,
    version: int,
    reason: str,
    amount=None,
    amount_reason: str | None = None,
) -> Application:
    """批准: the decision, the decision letter, and the roll entry from the following month.

    ``amount`` None keeps the amount proposed at 初审 (and shown in the 公示); an amount posted
    empty is refused — a page pre-fills it, so an empty field is a mistake, never a default."""

    def body(app):
        if _holds_role(actor, Role.PAYMENTS_OFFICER):
            raise ServiceError(_("审批与发放分离：资金发放人员不能审批"), code="same_person")
        if app.reviewed_by_id is None:
            raise ServiceError(_("该申请未经初审，不能批准"), code="wrong_state")
        if app.is_adjustment:
            app.decided_by = actor
            app.decided_on = clock.today()
            app.decision_reason = reason
            data = _adjust_roll(app, actor, amount, reason)
            _tasks_close(app)
            data["letter"] = _letter(app, actor, "adjustment", reason).number
            # The roll has changed now: the hold the alert placed is settled (confirmed).
            data["hold_released"] = _origin_hold_release(app, actor, confirmed=True, note=reason)
            return None, data
        _amount_given(amount)
        value = _money(
            amount
            if amount is not None
            else (
                app.one_off_amount
                if app.programme == Programme.TEMPORARY_AID
                else app.monthly_amount
            ),
            "amount",
        )
        one_off = app.programme == Programme.TEMPORARY_AID
        against = {}
        if amount_reason is not None:  # from the page: the calculator and 初审 beside it
            proposed = app.one_off_amount if one_off else app.monthly_amount
            if proposed is not None and value != proposed and not amount_reason.strip():
                raise ServiceError(
                    _("批准金额 %(amount)s 元与初审、公示金额 %(proposed)s 元不同，须填写理由")
                    % {"amount": value, "proposed": proposed},
                    field="amount_reason",
                    code="amount_reason_required",
                )
            against = _amount_against_calculator(app, value, None)  # recorded beside it
            if amount_reason.strip():
                against["amount_reason"] = amount_reason.strip()
        if one_off:
            app.one_off_amount = value
        else:
            app.monthly_amount = value
        app.decided_by = actor
        app.decided_on = clock.today()
        app.decision_reason = reason
        _roll_add(app, actor, value, one_off=one_off)
        _tasks_close(app)
        letter = _letter(app, actor, "approval", reason)
        return None, {
            "amount": value,
            **against,
            "letter": letter.number,
            "roll_entry": app.roll_entry_id,
            "start_month": app.roll_entry.start_month,
        }

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="approve",
        reason=reason,
        body=body,
    )


def application_refuse(*, actor, application_id: int, version: int, reason: str) -> Application:
    def body(app):
        app.decided_by = actor
        app.decided_on = clock.today()
        app.decision_reason = reason
        _tasks_close(app)
        app.notices.filter(closed=False).update(closed=True)
        letter = _letter(app, actor, "refusal", reason)
        data = {"letter": letter.number}
        if app.is_adjustment:  # the stop/change was refused: the alert's hold was not warranted
            data["hold_released"] = _origin_hold_release(app, actor, confirmed=False, note=reason)
        return None, data

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="refuse",
        reason=reason,
        body=body,
    )


def application_withdraw(*, actor, application_id: int, version: int, reason: str) -> Application:
    def body(app):
        _tasks_close(app)
        app.paused = False
        app.notices.filter(closed=False).update(closed=True)
        withdrawn = _declarations_withdraw(app, actor, reason)
        return None, {"declarations_withdrawn": withdrawn}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="withdraw",
        reason=reason,
        body=body,
    )


def _roll_add(app: Application, actor, amount, *, one_off: bool) -> RollEntry:
    start = _month_after(app.decided_on or clock.today())
    if one_off:
        start = (app.decided_on or clock.today()).replace(day=1)
    entry = RollEntry.objects.create(
        household_id=app.household_id,
        programme=app.programme,
        monthly_amount=amount,
        start_month=start,
        end_month=start if one_off else None,
        decision_ref=app.number,
        source="case",
    )
    app.roll_entry = entry
    audit_record(
        actor=actor,
        action="roll.add",
        subject_type="roll_entry",
        subject_id=entry.pk,
        household_id=app.household_id,
        area_code=app.area_id,
        after={
            "programme": app.programme,
            "amount": amount,
            "start_month": start,
            "end_month": entry.end_month,
            "application": app.number,
        },
    )
    return entry


def roll_change(*, actor, application_id: int, version: int, amount, reason: str) -> Application:
    """变更: a new amount from next month (the old entry ends this month; both stay on record)."""

    def body(app):
        value = _money(amount, "amount")
        old = RollEntry.objects.select_for_update().get(pk=app.roll_entry_id)
        if old.status != RollStatus.ACTIVE:
            raise ServiceError(_("名册记录已不在保，不能变更"), code="wrong_state")
        if app.programme == Programme.TEMPORARY_AID:
            raise ServiceError(_("临时救助为一次性救助，不能变更金额"), code="wrong_state")
        today = clock.today()
        start = _month_after(today)
        old.end_month = today.replace(day=1)
        old.status = RollStatus.STOPPED if old.start_month >= start else old.status
        old.version = F("version") + 1
        old.save()
        new = RollEntry.objects.create(
            household_id=app.household_id,
            programme=app.programme,
            monthly_amount=value,
            start_month=start,
            decision_ref=app.number,
            source="case",
        )
        RollEntry.objects.filter(pk=old.pk).update(status=RollStatus.STOPPED)
        audit_record(
            actor=actor,
            action="roll.change",
            subject_type="roll_entry",
            subject_id=new.pk,
            household_id=app.household_id,
            area_code=app.area_id,
            reason=reason,
            before={"entry": old.pk, "amount": app.monthly_amount},
            after={"entry": new.pk, "amount": value, "start_month": start},
        )
        before = app.monthly_amount
        app.monthly_amount = value
        app.roll_entry = new
        return None, {"before": before, "amount": value, "start_month": start}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="change_amount",
        reason=reason,
        body=body,
    )


def roll_stop(*, actor, application_id: int, version: int, reason: str) -> Application:
    """停发: paid up to this month, stopped from the next."""

    def body(app):
        entry = RollEntry.objects.select_for_update().get(pk=app.roll_entry_id)
        today = clock.today()
        entry.end_month = max(today.replace(day=1), entry.start_month)
        entry.status = RollStatus.STOPPED
        entry.version = F("version") + 1
        entry.save()
        audit_record(
            actor=actor,
            action="roll.stop",
            subject_type="roll_entry",
            subject_id=entry.pk,
            household_id=app.household_id,
            area_code=app.area_id,
            reason=reason,
            after={"end_month": entry.end_month, "status": "stopped"},
        )
        return None, {"end_month": today.replace(day=1)}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="stop",
        reason=reason,
        body=body,
    )


# ---------------------------------------------------------------- change / stop / 渐退 cases


ADJUSTABLE_STATES = (RollStatus.ACTIVE, RollStatus.SUSPENDED)
PHASE_OUT_PROGRAMMES = ("dibao", "dibao_single")
PHASE_OUT_MAX_MONTHS = 12


@transaction.atomic
def adjustment_create(
    *,
    actor,
    roll_entry_id: int,
    purpose: str,
    reason: str,
    amount=None,
    phase_out_months: int | None = None,
    evidence: dict | None = None,
    origin: str = "",
) -> Application:
    """Open a change (变更), stop (停发) or 渐退 case for a roll entry — also one an import made.

    The case enters the normal path at 初审 (the alert or review is its investigation, attached
    as ``evidence``): 初审 → 审批 → on approval the roll entry is changed, stopped or phased out
    (``_adjust_roll``). Opened by whoever handles alerts over the household's area.
    """
    entry = access(
        RollEntry.objects.select_for_update().select_related("household"),
        actor,
        Capability.ALERT_HANDLE,
        pk=roll_entry_id,
    )
    hh = entry.household
    errors: dict[str, list[str]] = {}
    if purpose not in (Purpose.CHANGE, Purpose.STOP, Purpose.PHASE_OUT):
        errors.setdefault("purpose", []).append(_("办理事项须为变更、停发或渐退"))
    if entry.status not in ADJUSTABLE_STATES:
        errors.setdefault("roll_entry", []).append(_("该名册记录已停发，不能再变更或停发"))
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(_("须填写变更/停发理由"))
    value = None
    if purpose == Purpose.CHANGE:
        try:
            value = _money(amount, "amount")
        except ServiceError as exc:
            errors.setdefault("amount", []).append(
                _("新的月救助金额：%(error)s") % {"error": exc.text()}
            )
        else:
            if value == entry.monthly_amount:
                errors.setdefault("amount", []).append(_("新的月救助金额与现金额相同"))
    if purpose == Purpose.PHASE_OUT:
        if entry.programme not in PHASE_OUT_PROGRAMMES:
            errors.setdefault("purpose", []).append(_("渐退只适用于低保（低保办法第三十三条）"))
        if not phase_out_months or not 1 <= int(phase_out_months) <= PHASE_OUT_MAX_MONTHS:
            errors.setdefault("phase_out_months", []).append(
                _("渐退月数须为1至%(max)s个月（一般不超过6个月）") % {"max": PHASE_OUT_MAX_MONTHS}
            )
    if errors:
        raise ServiceError(errors=errors)
    pending = Application.objects.filter(
        target_roll_entry=entry, state__in=[s.value for s in OPEN_ADJUSTMENT_STATES]
    ).first()
    if pending is not None:
        raise ServiceError(
            _("该名册记录已有办理中的变更/停发（%(number)s），不能重复发起")
            % {"number": pending.number},
            code="duplicate",
        )
    applicant = (
        entry.person
        if entry.person_id
        else Person.objects.filter(household=hh, relation="head").first()
    )
    if applicant is None:
        raise ServiceError(_("该家庭没有户主，请先登记户主"), field="applicant")
    chain = chain_for(area_code=hh.hukou_area_id, programme=entry.programme)
    today = clock.today()
    app = Application(
        household=hh,
        applicant=applicant,
        area_id=hh.hukou_area_id,
        programme=entry.programme,
        purpose=purpose,
        target_roll_entry=entry,
        monthly_amount=value if purpose == Purpose.CHANGE else entry.monthly_amount,
        phase_out_months=int(phase_out_months) if purpose == Purpose.PHASE_OUT else None,
        reason=reason,
        channel="visit",
        chain=chain,
        created_by=actor,
        state=State.REVIEWING,
        accepted_on=today,
        review_due=add_working_days(today, chain["review_days"]),
        decision_due=add_working_days(today, chain["total_days"]),
        origin=origin,
        evidence=jsonable(evidence or {}),
    )
    app.number = f"TMP{uuid.uuid4().hex[:20]}"
    app.save()
    app.number = _number(app)
    Application.objects.filter(pk=app.pk).update(number=app.number)
    _task_open(
        app,
        TaskKind.REVIEW,
        chain["review_role"],
        app.review_due,
        note=f"{stored_text(Purpose(purpose).label)}：{reason}"[:200],
    )
    _event(
        app,
        actor=actor,
        action="submit_adjustment",
        label=ADJUSTMENT_LABELS[purpose],
        from_state="",
        to_state=State.REVIEWING,
        role=_intake_role(actor, app.area_id),
        reason=reason,
        data={
            "purpose": purpose,
            "roll_entry": entry.pk,
            "amount": value,
            "phase_out_months": app.phase_out_months,
            "origin": origin,
        },
    )
    return app


OPEN_ADJUSTMENT_STATES = (State.REVIEWING, State.RETURNED, State.APPROVING)


def phase_out_amounts(amount: decimal.Decimal, months: int) -> list[decimal.Decimal]:
    """渐退 amounts, month by month: falling in equal steps from ``amount`` towards zero.

    Month i (1-based) of n pays ``amount × (n + 1 − i) / (n + 1)``, rounded to the fen (half up):
    600 yuan over 3 months → 450, 300, 150.
    """
    cent = decimal.Decimal("0.01")
    return [
        (amount * (months + 1 - i) / (months + 1)).quantize(cent, decimal.ROUND_HALF_UP)
        for i in range(1, months + 1)
    ]


def _adjust_roll(app: Application, actor, amount, reason: str) -> dict:
    """Apply an approved change/stop/渐退 to its target entry (paid to this month, new from next)."""
    entry = RollEntry.objects.select_for_update().get(pk=app.target_roll_entry_id)
    if entry.status not in ADJUSTABLE_STATES:
        raise ServiceError(_("该名册记录已停发，不能再变更或停发"), code="wrong_state")
    today = clock.today()
    this_month = today.replace(day=1)
    start = _month_after(today)
    entry.end_month = max(this_month, entry.start_month)
    entry.status = RollStatus.STOPPED
    entry.version = F("version") + 1
    entry.save()
    created: list[RollEntry] = []
    if app.purpose == Purpose.CHANGE:
        value = _money(amount if amount not in (None, "") else app.monthly_amount, "amount")
        app.monthly_amount = value
        created.append(
            RollEntry(
                household_id=entry.household_id,
                person_id=entry.person_id,
                programme=entry.programme,
                monthly_amount=value,
                start_month=start,
                decision_ref=app.number,
                source="case",
            )
        )
    elif app.purpose == Purpose.PHASE_OUT:
        month = start
        for value in phase_out_amounts(entry.monthly_amount, app.phase_out_months or 1):
            created.append(
                RollEntry(
                    household_id=entry.household_id,
                    person_id=entry.person_id,
                    programme="phase_out",
                    monthly_amount=value,
                    start_month=month,
                    end_month=month,
                    decision_ref=app.number,
                    source="case",
                )
            )
            month = _month_after(month)
    for row in created:
        row.save()
    app.roll_entry = created[0] if app.purpose == Purpose.CHANGE else entry
    after = {
        "purpose": app.purpose,
        "stopped_entry": entry.pk,
        "end_month": entry.end_month,
        "new_entries": [
            {
                "id": r.pk,
                "programme": r.programme,
                "amount": r.monthly_amount,
                "start_month": r.start_month,
                "end_month": r.end_month,
            }
            for r in created
        ],
        "application": app.number,
    }
    audit_record(
        actor=actor,
        action=f"roll.{app.purpose}",
        subject_type="roll_entry",
        subject_id=entry.pk,
        household_id=app.household_id,
        area_code=app.area_id,
        reason=reason,
        before={"status": "active", "amount": entry.monthly_amount},
        after=after,
    )
    return after


def _origin_hold_release(app: Application, actor, *, confirmed: bool, note: str) -> bool:
    """Settle the payment hold placed by the alert this case came from (``origin`` alert:N),
    once the case is decided: the hold lasts as long as the roll has not changed."""
    if not (app.origin or "").startswith("alert:"):
        return False
    from jiuzhu.funds import services as funds_services

    funds_services.payment_hold_release(
        source=app.origin, actor=actor, confirmed=confirmed, note=note[:300]
    )
    return True


@transaction.atomic
def death_record(*, actor, person_id: int, death_date: datetime.date, reason: str) -> Person:
    """Record a confirmed death in the registry (audited there), once."""
    person = access(
        Person.objects.select_for_update(), actor, Capability.ALERT_HANDLE, pk=person_id
    )
    if death_date > clock.today():
        raise ServiceError(_("“死亡日期”不能晚于今天"), field="death_date")
    if person.death_date is None:
        person = registry_services.person_update(
            actor=actor,
            person_id=person.pk,
            version=person.version,
            data={"death_date": death_date},
            reason=f"死亡核实：{reason}"[:500],
        )
    return person


@transaction.atomic
def death_adjustment(
    *,
    actor,
    person_id: int,
    death_date: datetime.date,
    reason: str,
    stop: bool = False,
    amount=None,
    roll_entry_id: int | None = None,
    evidence: dict | None = None,
    origin: str = "",
) -> Application:
    """A confirmed death (an alert from the police feed, a report): record it in the registry and
    open the case that follows from it for the roll entry that pays the person —

    - the person's own entry (特困 and other individual entries) → 停发;
    - the household's entry → 核减: ``amount`` if the clerk gives one, else the calculator
      recomputes the household without the deceased; an amount still due opens a change case,
      none (or nobody left alive, or ``stop``) a stop case.

    The roll changes only when the case is approved (初审 → 审批)."""
    person = access(
        Person.objects.select_for_update().select_related("household"),
        actor,
        Capability.ALERT_HANDLE,
        pk=person_id,
    )
    death_record(actor=actor, person_id=person.pk, death_date=death_date, reason=reason)
    entries = RollEntry.objects.filter(
        household_id=person.household_id, status__in=ADJUSTABLE_STATES
    ).order_by("id")
    entry = None
    if roll_entry_id:
        entry = entries.filter(pk=roll_entry_id).first()
    entry = (
        entry
        or entries.filter(person_id=person.pk).first()
        or entries.filter(person__isnull=True).first()
    )
    if entry is None:
        raise ServiceError(
            _("该人员及其家庭没有在发的名册记录，无需停发或核减"), field="roll_entry"
        )
    survivors = Person.objects.filter(
        household_id=person.household_id, is_counted=True, death_date__isnull=True
    ).exists()
    if entry.person_id == person.pk or stop or not survivors:
        return adjustment_create(
            actor=actor,
            roll_entry_id=entry.pk,
            purpose=Purpose.STOP,
            reason=reason,
            evidence=evidence,
            origin=origin,
        )
    if amount in (None, ""):
        amount = seams.programme_amount(household=person.household, programme=entry.programme)
    else:
        amount = _money(amount, "amount")
    purpose = Purpose.CHANGE if amount else Purpose.STOP
    if amount is not None and amount == entry.monthly_amount:
        raise ServiceError(
            _("按测算，去世成员不影响该家庭的救助金额（%(amount)s 元/月）；请核实后手工发起变更")
            % {"amount": amount},
            field="amount",
            code="no_change",
        )
    return adjustment_create(
        actor=actor,
        roll_entry_id=entry.pk,
        purpose=purpose,
        reason=reason,
        amount=amount,
        evidence={**(evidence or {}), "recomputed": str(amount) if amount else None},
        origin=origin,
    )


def payment_officer_check(*, application: Application, user) -> None:
    """For the payments module: whoever reviewed or decided a case may not pay it."""
    if user.pk in (application.reviewed_by_id, application.decided_by_id):
        raise ServiceError(
            _("审批与发放分离：该申请的审核或审批人员不能办理其发放"), code="same_person"
        )


# ---------------------------------------------------------------- letters


def _letter(app: Application, actor, kind: str, reason: str) -> DecisionLetter:
    from jiuzhu.cases.letters import letter_pdf

    seq = DecisionLetter.objects.filter(application=app).count() + 1
    number = f"{app.number}-{kind[:3].upper()}{seq}"
    pdf = letter_pdf(app=app, kind=kind, number=number, reason=reason, actor=actor)
    return DecisionLetter.objects.create(
        application=app, kind=kind, number=number, pdf=pdf, issued_by=actor
    )


def village_of(area_code: str) -> Area | None:
    return Area.objects.filter(code=area_code, level=AreaLevel.VILLAGE).first()


# The service behind each move of ``workflow.TRANSITIONS`` (the API and the pages dispatch here).
MOVES: dict[str, Callable[..., Application]] = {
    "accept": application_accept,
    "accept_with_pledge": application_accept_with_pledge,
    "reject_intake": application_reject_intake,
    "grant_emergency": application_grant_emergency,
    "submit_visit": home_visit_submit,
    "record_community_review": community_review_record,
    "review": application_review,
    "return_to_worker": application_return_to_worker,
    "resubmit": application_resubmit,
    "close_notice": application_close_notice,
    "resolve_objection": objection_resolve,
    "return_to_reviewer": application_return_to_reviewer,
    "approve": application_approve,
    "refuse": application_refuse,
    "withdraw": application_withdraw,
    "change_amount": roll_change,
    "stop": roll_stop,
}
assert set(MOVES) == set(TRANSITIONS), "every transition needs exactly one service"


# ---------------------------------------------------------------- whole screens in one transaction


@transaction.atomic
def intake_submit(
    *,
    actor,
    household_id: int,
    files: list[tuple[str, object]],
    **application,
) -> Application:
    """The intake screen: papers and application together, all or nothing."""
    papers = []
    with _FilesUndo() as undo:
        for kind, uploaded in files:
            papers.append(
                undo.keep(
                    material_upload(
                        actor=actor, household_id=household_id, kind=kind, uploaded=uploaded
                    )
                )
            )
        app = application_create(actor=actor, household_id=household_id, **application)
    Material.objects.filter(household_id=household_id, application__isnull=True).update(
        application=app
    )
    for m in papers:  # a signed paper handed in with the application is its signature
        _record_signed_paper(app, actor, m)
    return app


@transaction.atomic
def visit_complete(
    *,
    actor,
    application_id: int,
    version: int,
    signature_png: bytes,
    photos: list,
    **visit,
) -> Application:
    """The phone form: signature and photos are stored and the visit submitted, all or nothing."""
    app = Application.objects.get(pk=application_id)
    if not signature_png:
        raise ServiceError(_("须由申请人在屏幕上签名"), field="signature", code="missing_signature")
    with _FilesUndo() as undo:
        sig = undo.keep(
            material_upload(
                actor=actor,
                household_id=app.household_id,
                kind=MaterialKind.SIGNATURE,
                uploaded=ContentFile(signature_png, name="signature.png"),
                application_id=app.pk,
            )
        )
        photo_ids = [
            undo.keep(
                material_upload(
                    actor=actor,
                    household_id=app.household_id,
                    kind=MaterialKind.VISIT_PHOTO,
                    uploaded=p,
                    application_id=app.pk,
                )
            ).pk
            for p in photos
        ]
        return home_visit_submit(
            actor=actor,
            application_id=application_id,
            version=version,
            signature_material_id=sig.pk,
            photo_material_ids=photo_ids,
            **visit,
        )
