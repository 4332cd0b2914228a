"""Intake: the application, the signed pledge and check authorisation, acceptance, rejection, emergency aid."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiuzhu.accounts.roles import Capability, Role
from jiuzhu.accounts.scoping import access, require_area
from jiuzhu.cases import calculator
from jiuzhu.cases.models import (
    CORE_MATERIALS,
    Application,
    Declaration,
    Material,
    MaterialKind,
    OutstandingItem,
    Programme,
    State,
    TaskKind,
    TempAidKind,
    client_office_for,
)
from jiuzhu.cases.services._common import (
    _event,
    _intake_role,
    _letter,
    _money,
    _move,
    _number,
    _task_open,
    _tasks_close,
    _ymd,
    chain_for,
)
from jiuzhu.cases.services.declarations import _declarations_parse
from jiuzhu.cases.services.materials import (
    DEFAULT_MISSING_DAYS,
    MISSING_PLEDGE_TEXT,
    _authorisation,
    _FilesUndo,
    _pledge,
    _record_signed_paper,
    material_upload,
    materials_missing,
)
from jiuzhu.cases.services.roll import _roll_add
from jiuzhu.cases.services.signatures import _require_signatures, _start_investigation
from jiuzhu.cases.services.tracks import _tracks_open, main_track_ensure, tracks_check
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.core.language import stored_text
from jiuzhu.papers import services as papers_services
from jiuzhu.registry import services as registry_services
from jiuzhu.registry.models import Household, Person


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
    origin: str = "",
    evidence: dict | None = None,
    also_programmes: list[str] | None = None,
) -> Application:
    """Register an application (申请). ``programme`` empty = 模糊申请: the system proposes.

    ``declared`` holds what the household declares: ``{"income": [...], "asset": [...],
    "expense": [...]}`` in the registry's fact fields; ``members`` adds persons not yet in the
    registry. ``pledge``/``authorisation`` record on-screen signatures (``{"signer_name": …}``).
    An online channel passes ``client_ref``; submitting the same one again returns the first.
    ``origin``/``evidence``: where the case came from (e.g. "alert:N" from monitoring) and what
    that source found. ``also_programmes``: further programmes asked for at the same window with
    the same papers (一门受理): one track each, decided by its owner (``services.tracks``).
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
    temp_aid_kind = _input_check(programme, temp_aid_kind, channel)
    also = tracks_check(programme, also_programmes)
    applicant = _applicant_for(hh, applicant_id)
    _refuse_open_application(hh, programme)
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
        origin=origin,
        evidence=evidence or {},
    )
    if app.vague:
        app.proposed_programmes = calculator.propose_programmes(household=hh)
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
    _submission_record(
        app,
        actor,
        declarations=declarations,
        pledge=pledge,
        authorisation=authorisation,
        reason=reason,
    )
    _tracks_open(app, actor, also)  # after the 申请登记 event: the log reads in order
    return app


def _input_check(programme: str, temp_aid_kind: str, channel: str) -> str:
    """Refuse an unknown programme or channel; returns the 临时救助 kind ("" for others)."""
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
    return temp_aid_kind


def _applicant_for(hh: Household, applicant_id: int | None) -> Person:
    """The applicant: the member given, else the head; never a deceased person."""
    if applicant_id:
        applicant = Person.objects.filter(pk=applicant_id, household=hh).first()
        if applicant is None:
            raise ServiceError(_("申请人须是该家庭的成员"), field="applicant")
    else:
        applicant = Person.objects.filter(household=hh, relation="head").first()
        if applicant is None:
            raise ServiceError(_("该家庭没有户主，请先登记户主"), field="applicant")
    _refuse_deceased(applicant, hh)  # before anything else: never for a deceased person
    return applicant


def _refuse_open_application(hh: Household, programme: str) -> None:
    """One open application per household (and programme, when given)."""
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


def _submission_record(
    app: Application, actor, *, declarations, pledge, authorisation, reason: str
) -> None:
    """The signatures given on the intake screen, the 受理 task and the submit event."""
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
    _task_open(app, TaskKind.ACCEPT, app.chain["review_role"], app.intake_due)
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
            "programme": app.programme,
            "vague": app.vague,
            "channel": app.channel,
            "proposed": [p.get("programme") for p in app.proposed_programmes],
            "declared": [
                {"fact": d.fact, "kind": d.kind, "amount": d.amount} for d in declarations
            ],
            **signed,
        },
    )


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
        main_track_ensure(app)
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
    papers_services.material_link_application(
        material_ids=[m.pk for m in papers], application_id=app.pk
    )
    return app
