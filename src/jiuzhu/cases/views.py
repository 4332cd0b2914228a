"""Pages of the cases process. Thin: parse the form, call one service, render or redirect."""

from __future__ import annotations

import base64
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, has_capability, scoped, user_scope
from jiuzhu.accounts.widgets import AreaPicker
from jiuzhu.areas.models import Area, AreaLevel
from jiuzhu.audit.services import audit_read
from jiuzhu.cases import pending, selectors, services
from jiuzhu.cases.models import (
    REQUIRED_MATERIALS,
    DecisionLetter,
    Material,
    MaterialKind,
    Programme,
    TempAidKind,
)
from jiuzhu.cases.workflow import TRANSITIONS, guard
from jiuzhu.core import clock
from jiuzhu.core.downloads import attachment
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.idcard import normalise as normalise_id
from jiuzhu.core.pagination import list_request, list_spec, page_request
from jiuzhu.dicts.selectors import choices as dict_choices
from jiuzhu.papers import selectors as papers_selectors
from jiuzhu.registry import services as registry_services
from jiuzhu.registry.models import Household, Person


def _upload_kinds() -> list[tuple[str, str]]:
    """The upload menu: the material types of 字典管理 (labels, order, switched off) that are
    offered for upload, in the dictionary's order."""
    return [(k, label) for k, label in dict_choices("material_type") if k in UPLOAD_KINDS]


UPLOAD_KINDS = [
    MaterialKind.ID_CARD,
    MaterialKind.HUKOU,
    MaterialKind.INCOME_PROOF,
    MaterialKind.DISABILITY_CERT,
    MaterialKind.MEDICAL_RECORD,
    MaterialKind.TRUTH_PLEDGE,
    MaterialKind.CHECK_AUTH,
    MaterialKind.OTHER,
]


def _need(user, capability):
    if not has_capability(user, capability):
        raise PermissionDenied(capability)


def _errors(request, exc: ServiceError):
    for field, msgs in exc.errors.items():
        for m in msgs:
            messages.error(request, m if field == "__all__" else f"{m}")


@login_required
def todo(request):
    """我的待办: case steps (审批), alerts and reviews, filterable and grouped by kind."""
    _need(request.user, Capability.CASE_VIEW)
    listing = list_request(request, list_spec("todo"))
    every = selectors.todo_rows(user=request.user)
    counts = {k: 0 for k, _label in selectors.TODO_KINDS}
    overdue = {k: 0 for k, _label in selectors.TODO_KINDS}
    for r in every:
        counts[r.source] = counts.get(r.source, 0) + 1
        overdue[r.source] = overdue.get(r.source, 0) + (r.flag == "overdue")
    kinds = [
        {"code": k, "label": label, "count": counts.get(k, 0), "overdue": overdue.get(k, 0)}
        for k, label in selectors.TODO_KINDS
    ]
    return render(
        request,
        "cases/todo.html",
        {
            "list": listing,
            "page": listing.page,
            "items": listing.page.items,
            "kinds": kinds,
            "total": len(every),
            "can_assign_alerts": has_capability(request.user, Capability.ALERT_HANDLE),
        },
    )


@login_required
def applications(request):
    """申请查询: every application in the user's areas by state, programme, area, dates, overdue."""
    _need(request.user, Capability.CASE_VIEW)
    listing = list_request(request, list_spec("applications"))
    return render(request, "cases/applications.html", {"list": listing, "page": listing.page})


@login_required
def intake(request):
    """Screen 1 of intake: find the household, or register it."""
    _need(request.user, Capability.CASE_INTAKE)
    q = request.GET.get("q", "").strip()
    found = []
    page = None
    if q:
        hhs = scoped(Household.objects.all(), request.user, Capability.CASE_INTAKE)
        as_id = normalise_id(q)
        if len(as_id) == 18 and as_id[:17].isdigit():
            found = hhs.filter(members__id_number=as_id)
        else:
            found = hhs.filter(members__name__startswith=q)
        page = page_request(request, found.distinct().order_by("number"), per_page=25)
        found = page.items
    scope = user_scope(request.user, Capability.CASE_INTAKE)
    villages = (  # every village of the worker's areas: a choice list is never cut short
        Area.objects.filter(level=AreaLevel.VILLAGE)
        .filter(_prefix_q(scope.prefixes))
        .order_by("code")
    )
    if request.method == "POST":
        head = {
            "name": request.POST.get("name", "").strip(),
            "id_number": request.POST.get("id_number", "").strip().upper(),
            "sex": request.POST.get("sex", ""),
            "birth_date": _date(request.POST.get("birth_date")),
            "phone": request.POST.get("phone", "").strip(),
        }
        try:
            hh = registry_services.household_create(
                actor=request.user,
                hukou_area_code=request.POST.get("village", ""),
                urban_rural=request.POST.get("urban_rural", ""),
                head=head,
                address=request.POST.get("address", ""),
                phone=head["phone"],
                reason="受理申请时登记",
            )
        except ServiceError as exc:
            _errors(request, exc)
        except PermissionDenied:
            messages.error(request, _("所选村/社区不在您的管辖区域内"))
        else:
            return redirect("cases:apply", household_id=hh.pk)
    # the village: the area tree picker (search + tree), preset when the worker has one village
    chosen = request.POST.get("village", "") if request.method == "POST" else ""
    if not chosen:
        only = list(villages.values_list("code", flat=True)[:2])
        chosen = only[0] if len(only) == 1 else ""
    village_picker = AreaPicker(capability=Capability.CASE_INTAKE, pick=("village",)).render(
        "village", chosen, attrs={"id": "village"}
    )
    return render(
        request,
        "cases/intake.html",
        {
            "q": q,
            "found": found,
            "page": page,
            "villages": villages,
            "village_picker": village_picker,
            "form": request.POST if request.method == "POST" else {},
        },
    )


def _prefix_q(prefixes):
    from functools import reduce
    from operator import or_

    from django.db.models import Q

    if not prefixes:
        return Q(pk__in=[])
    return reduce(or_, (Q(code__startswith=p) for p in prefixes))


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def apply(request, household_id: int):
    """Screen 2 of intake: what they ask for, what they declare, papers, signatures."""
    _need(request.user, Capability.CASE_INTAKE)
    hh = access(Household.objects.all(), request.user, Capability.CASE_INTAKE, pk=household_id)
    members = Person.objects.filter(household=hh).order_by("id")
    have = set(Material.objects.filter(household=hh).values_list("kind", flat=True))
    kept_files: list[dict] = []
    token = ""
    if request.method == "POST":
        p = request.POST
        token = p.get("pending_token", "")
        new_files = []
        for kind in UPLOAD_KINDS:
            for f in request.FILES.getlist(f"file_{kind}"):
                new_files.append((kind, f))
        fresh = {kind for kind, _f in new_files}
        files = new_files + [
            (kind, f) for kind, f in pending.files(request, token) if kind not in fresh
        ]
        today = clock.today()
        year_ago = (today.replace(day=1) - datetime.timedelta(days=330)).replace(day=1)
        last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        declared = {"income": [], "asset": [], "expense": []}
        if p.get("income_12m"):
            declared["income"].append(
                {
                    "kind": p.get("income_kind") or "wage",
                    "amount": p["income_12m"],
                    "period_start": year_ago,
                    "period_end": last_month,
                    "as_of": today,
                }
            )
        if p.get("deposit"):
            declared["asset"].append({"kind": "deposit", "value": p["deposit"], "as_of": today})
        if p.get("medical_12m"):
            declared["expense"].append(
                {
                    "kind": "medical",
                    "amount": p["medical_12m"],
                    "period_start": year_ago,
                    "period_end": last_month,
                    "as_of": today,
                }
            )
        signer = p.get("signer_name", "").strip()
        try:
            app = services.intake_submit(
                actor=request.user,
                household_id=hh.pk,
                files=files,
                programme=p.get("programme", ""),
                temp_aid_kind=p.get("temp_aid_kind", ""),
                reason=p.get("reason", ""),
                declared=declared,
                pledge={"signer_name": signer} if p.get("pledge") else None,
                authorisation={"signer_name": signer} if p.get("authorisation") else None,
                channel=p.get("channel", "window"),
                also_programmes=p.getlist("also_programmes"),
            )
        except ServiceError as exc:
            _errors(request, exc)
            # Nothing typed or chosen is lost: the fields come back, the files are kept.
            token, kept_files = pending.stash(request, token, new_files)
        else:
            pending.drop(request, token)
            messages.success(request, _("已登记申请 %(number)s") % {"number": app.number})
            return redirect("cases:detail", pk=app.pk)
    required = REQUIRED_MATERIALS
    kept_by_kind = {k["field"]: k["name"] for k in kept_files}
    return render(
        request,
        "cases/apply.html",
        {
            "form": request.POST if request.method == "POST" else {},
            "pending_token": token,
            "kept_by_kind": kept_by_kind,
            "max_upload": services.MAX_UPLOAD_BYTES,
            "hh": hh,
            "members": members,
            "have": have,
            "kinds": [
                (k, label, k in have, kept_by_kind.get(k, "")) for k, label in _upload_kinds()
            ],
            "programmes": Programme.choices,
            "temp_kinds": TempAidKind.choices,
            "required": required,
            "also_choices": _also_choices(),
            "form_also": request.POST.getlist("also_programmes")
            if request.method == "POST"
            else [],
        },
    )


def _also_choices() -> list[tuple[str, str, str, bool]]:
    """The programmes one may ask for beside the main one (the programme register, except the
    calculator-only 监测 and 渐退), with the department a referred one goes to."""
    from jiuzhu.core.labels import DEPARTMENT, label
    from jiuzhu.policy.register import programme_register

    out = []
    for e in programme_register().values():
        if e.tier == "watch" or e.code == "phase_out":
            continue
        out.append((e.code, e.label, label(DEPARTMENT, e.owner), e.referred))
    out.sort(key=lambda r: (r[3], r[0]))
    return out


@login_required
def detail(request, pk: int, kept: dict | None = None):
    ctx = selectors.case_page(user=request.user, application_id=pk)
    app = ctx["app"]
    audit_read(
        request.user,
        "application.view",
        subject_type="application",
        subject_id=pk,
        household_id=app.household_id,
    )
    support = None
    if {"review", "approve"} & set(ctx["actions"]) or app.state in ("reviewing", "approving"):
        support = selectors.decision_support(user=request.user, app=app)
    ctx.update(
        {
            "support": support,
            "kept": kept or {},
            "declarations": selectors.declarations_beside_registry(app=app),
            "signed_pledge": any(p.kind == "truth" for p in ctx["pledges"]),
            "signed_authorisation": bool(ctx["authorisations"]),
            "sign_kinds": [
                (k, MaterialKind(k).label)
                for k in (MaterialKind.TRUTH_PLEDGE, MaterialKind.CHECK_AUTH)
            ],
            "max_upload": services.MAX_UPLOAD_BYTES,
        }
    )
    ctx.update(
        {
            "tracks": selectors.case_tracks(app),
            "can_decide_tracks": user_scope(request.user, Capability.CASE_APPROVE).contains(
                app.area_id
            ),
            "missing_now": services.materials_missing(app),
            "kinds": _upload_kinds(),
            "programmes": Programme.choices,
            "temp_kinds": TempAidKind.choices,
            "can_intake": user_scope(request.user, Capability.CASE_INTAKE).contains(app.area_id),
            "labels": {n: _(t.label) for n, t in TRANSITIONS.items()},
            "open_objections": app.objections.filter(resolved=False),
            "suggested_amount": _suggested(app, support),
        }
    )
    readings = papers_selectors.readings_of_materials(
        request.user, [m.pk for m in ctx["materials"]]
    )
    ctx["material_rows"] = [(m, readings.get(m.pk)) for m in ctx["materials"]]
    return render(request, "cases/detail.html", ctx)


def _suggested(app, support=None):
    if app.monthly_amount:
        return app.monthly_amount
    if app.one_off_amount:
        return app.one_off_amount
    if support is not None and support.amount:
        return support.amount
    for p in app.proposed_programmes or []:
        if p.get("programme") == app.programme and p.get("amount"):
            return p["amount"]
    return ""


def _move_kwargs(name: str, p) -> dict:
    kw: dict = {"reason": p.get("reason", "")}
    if name in ("grant_emergency", "approve", "change_amount"):
        kw["amount"] = p.get("amount", "")
    if name == "approve":
        kw["amount_reason"] = p.get("amount_reason", "")
    if name == "review":
        kw["recommend"] = p.get("recommend") == "yes"
        kw["amount"] = p.get("amount", "")
        kw["amount_reason"] = p.get("amount_reason", "")
    if name == "accept_with_pledge":
        kw["missing"] = p.getlist("missing")
        kw["signer_name"] = p.get("signer_name", "")
    if name == "resolve_objection":
        kw["objection_id"] = int(p.get("objection_id") or 0)
        kw["upheld"] = p.get("upheld") == "yes"
        kw["abusive"] = p.get("upheld") == "abusive"
    if name == "record_community_review":
        kw.pop("reason")
        kw.update(
            held_on=_date(p.get("held_on")) or clock.today(),
            participants=int(p.get("participants") or 0),
            votes_for=int(p.get("votes_for") or 0),
            votes_against=int(p.get("votes_against") or 0),
            opinion=p.get("opinion", ""),
        )
    return kw


@login_required
@require_POST
def move(request, pk: int, name: str):
    app = selectors.application_get(user=request.user, application_id=pk)
    if name not in services.MOVES or name == "submit_visit":
        raise Http404
    if (
        name in CONFIRMED_MOVES
        and not request.POST.get("confirm")
        and guard(request.user, app, name)[0] is None  # a refused move says why, not "tick"
    ):
        messages.error(
            request,
            _("请勾选“已核对测算结果、核对报告和金额，确认%(step)s”后再提交")
            % {"step": _(TRANSITIONS[name].label)},
        )
        return _back_to_form(request, app, name)
    try:
        version = int(request.POST.get("version", "0"))
        services.MOVES[name](
            actor=request.user,
            application_id=app.pk,
            version=version,
            **_move_kwargs(name, request.POST),
        )
    except ServiceError as exc:
        _errors(request, exc)
        return _back_to_form(request, app, name)
    except ValueError:
        messages.error(request, _("表单数据有误，请检查后重试"))
        return _back_to_form(request, app, name)
    else:
        messages.success(request, _("已办理：%(step)s") % {"step": _(TRANSITIONS[name].label)})
    return redirect("cases:detail", pk=app.pk)


# Decisions on money: the page asks the officer to confirm having read the figures.
CONFIRMED_MOVES = ("review", "approve")


def _back_to_form(request, app, name: str):
    """After a refused move, the case page again with what was typed in that form kept."""
    return detail(request, app.pk, kept={"form": name, **request.POST.dict()})


@login_required
@require_POST
def declaration_reconcile(request, pk: int, declaration_id: int):
    app = selectors.application_get(user=request.user, application_id=pk)
    try:
        services.declaration_reconcile(
            actor=request.user,
            declaration_id=declaration_id,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        _errors(request, exc)
    except PermissionDenied:
        messages.error(request, _("您没有核对该申请申报的权限"))
    else:
        messages.success(request, _("申报已核对"))
    return redirect(f"{reverse('cases:detail', args=[app.pk])}#declarations")


@login_required
@require_POST
def sign(request, pk: int):
    """补签 the 诚信承诺书/核对授权书: on screen, or by uploading the signed paper."""
    app = selectors.application_get(user=request.user, application_id=pk)
    f = request.FILES.get("file")
    try:
        done = services.signatures_record(
            actor=request.user,
            application_id=app.pk,
            pledge=bool(request.POST.get("pledge")),
            authorisation=bool(request.POST.get("authorisation")),
            signer_name=request.POST.get("signer_name", ""),
            uploaded=f,
            kind=request.POST.get("kind", "") if f is not None else "",
        )
    except ServiceError as exc:
        _errors(request, exc)
    except PermissionDenied:
        messages.error(request, _("您没有为该申请补签的权限"))
    else:
        labels = {"pledge": _("诚信承诺书"), "authorisation": _("核对授权书")}
        messages.success(
            request,
            _("已补签：%(papers)s") % {"papers": _("、").join(str(labels[d]) for d in done)},
        )
    return redirect(f"{reverse('cases:detail', args=[app.pk])}#signatures")


@login_required
@require_POST
def set_programme(request, pk: int):
    app = selectors.application_get(user=request.user, application_id=pk)
    try:
        services.application_set_programme(
            actor=request.user,
            application_id=app.pk,
            version=int(request.POST.get("version", "0")),
            programme=request.POST.get("programme", ""),
            temp_aid_kind=request.POST.get("temp_aid_kind", ""),
        )
    except ServiceError as exc:
        _errors(request, exc)
    return redirect("cases:detail", pk=app.pk)


@login_required
@require_POST
def upload(request, pk: int):
    app = selectors.application_get(user=request.user, application_id=pk)
    f = request.FILES.get("file")
    if f is None:
        messages.error(request, _("请选择要上传的文件"))
        return redirect("cases:detail", pk=app.pk)
    try:
        services.material_upload(
            actor=request.user,
            household_id=app.household_id,
            kind=request.POST.get("kind", ""),
            uploaded=f,
            application_id=app.pk,
            name=f.name,
        )
    except ServiceError as exc:
        _errors(request, exc)
    except PermissionDenied:
        messages.error(request, _("您没有为该家庭上传材料的权限"))
    else:
        messages.success(request, _("材料已上传并归入家庭档案"))
    return redirect("cases:detail", pk=app.pk)


@login_required
def visit(request, pk: int):
    """The home-visit form, made for a phone."""
    app = selectors.application_get(user=request.user, application_id=pk)
    _need(request.user, Capability.CASE_VISIT)
    token, kept_files = "", []
    if request.method == "POST":
        p = request.POST
        token = p.get("pending_token", "")
        new_photos = [("photos", f) for f in request.FILES.getlist("photos")]
        photos = [f for _k, f in pending.files(request, token)] + [f for _k, f in new_photos]
        sig = p.get("signature", "")
        png = b""
        if sig.startswith("data:image/png;base64,"):
            try:
                png = base64.b64decode(sig.split(",", 1)[1], validate=True)
            except ValueError:
                png = b""
        try:
            services.visit_complete(
                actor=request.user,
                application_id=app.pk,
                version=int(p.get("version", "0")),
                signature_png=png,
                photos=photos,
                checklist={
                    k: k in p.getlist("checklist") for k, _label in dict_choices("visit_checklist")
                },
                findings=p.get("findings", ""),
                latitude=p.get("latitude") or None,
                longitude=p.get("longitude") or None,
                second_visitor=p.get("second_visitor", ""),
            )
        except ServiceError as exc:
            _errors(request, exc)
            # The photos taken and the signature drawn are kept with everything typed.
            token, kept_files = pending.stash(request, token, new_photos, replace=False)
        else:
            pending.drop(request, token)
            messages.success(request, _("入户调查已提交"))
            return redirect("cases:detail", pk=app.pk)
    form = request.POST if request.method == "POST" else {}
    return render(
        request,
        "cases/visit.html",
        {
            "app": app,
            "checklist": dict_choices("visit_checklist"),
            "form": form,
            "checked": form.getlist("checklist") if form else [],
            "pending_token": token,
            "kept_files": kept_files,
            "max_upload": services.MAX_UPLOAD_BYTES,
        },
    )


@login_required
def letter(request, pk: int):
    letter = get_object_or_404(DecisionLetter, pk=pk)
    app = selectors.application_get(user=request.user, application_id=letter.application_id)
    audit_read(
        request.user,
        "letter.view",
        subject_type="letter",
        subject_id=pk,
        household_id=app.household_id,
    )
    resp = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{letter.number}.pdf"'
    return resp


@login_required
def material_file(request, pk: int):
    m = access(Material.objects.all(), request.user, Capability.CASE_VIEW, pk=pk)
    audit_read(
        request.user,
        "material.view",
        subject_type="material",
        subject_id=pk,
        household_id=m.household_id,
    )
    with m.file.open("rb") as fh:
        data = fh.read()
    # Always a download with a policy that allows nothing (issue 14.19): an uploaded PDF or
    # image never runs in the site's origin.
    name = m.file.name.rsplit("/", 1)[-1]
    return attachment(data, content_type=m.content_type, filename=name)


@login_required
def roll(request):
    _need(request.user, Capability.CASE_VIEW)
    listing = list_request(request, list_spec("roll"))
    return render(request, "cases/roll.html", {"list": listing, "page": listing.page})


# ---------------------------------------------------------------- public (no login)


def public_notice(request, area_code: str):
    try:
        area, notices = selectors.public_notices(area_code=area_code)
    except Area.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "cases/public_notice.html", {"area": area, "notices": notices})


@require_POST
def public_objection(request, area_code: str, notice_id: int):
    """A 公示 objection. Refused input re-renders the page with what was typed, the form of that
    notice open, and each message next to its field (400); accepted, back to the page."""
    typed = {f: request.POST.get(f, "") for f in ("contact_name", "contact_phone", "content")}
    try:
        services.objection_submit(
            notice_id=notice_id,
            area_code=area_code,
            client_address=request.META.get("REMOTE_ADDR", ""),
            **typed,
        )
    except ServiceError as exc:
        try:
            area, notices = selectors.public_notices(area_code=area_code)
        except Area.DoesNotExist as missing:
            raise Http404 from missing
        errors = {f: msgs for f, msgs in exc.errors.items() if f != "__all__"}
        general = list(exc.errors.get("__all__", []))
        listed = any(n.pk == notice_id for n in notices)
        if not listed:  # no form to show it in: say it on top
            general += [m for msgs in errors.values() for m in msgs]
        objection = {
            "notice_id": notice_id,
            "listed": listed,
            "values": typed,
            "errors": errors,
            "general": general,
        }
        context = {"area": area, "notices": notices, "objection": objection}
        return render(request, "cases/public_notice.html", context, status=400)
    messages.success(request, _("您的异议已提交，民政部门将在10个工作日内核查处理"))
    return redirect(reverse("public:notice", kwargs={"area_code": area_code}))


# ---------------------------------------------------------------- tracks (一门受理、协同办理)


@login_required
@require_POST
def track_decide(request, pk: int, track_id: int):
    """The case's approver decides a further civil-affairs programme of the case."""
    app = selectors.application_get(user=request.user, application_id=pk)
    if not app.tracks.filter(pk=track_id).exists():
        raise Http404
    p = request.POST
    try:
        services.track_decide(
            actor=request.user,
            track_id=track_id,
            version=int(p.get("version", "0") or 0),
            approved=p.get("outcome") == "approved",
            note=p.get("note", ""),
            amount=p.get("amount", ""),
        )
    except ServiceError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已记录并办事项的决定"))
    return redirect("cases:detail", pk=app.pk)


@login_required
def tracks(request):
    """转办事项: the tracks referred to the user's department (部门经办)."""
    _need(request.user, Capability.TRACK_HANDLE)
    status = request.GET.get("status", "referred")
    if status not in ("referred", "approved", "refused", ""):
        status = "referred"
    page = page_request(request, selectors.department_tracks(request.user, status=status))
    return render(request, "cases/tracks.html", {"page": page, "status": status})


@login_required
def track(request, pk: int):
    """One referred track: what the department needs, masked; the outcome form."""
    _need(request.user, Capability.TRACK_HANDLE)
    kept = {}
    if request.method == "POST":
        p = request.POST
        try:
            services.track_outcome_record(
                actor=request.user,
                track_id=pk,
                version=int(p.get("version", "0") or 0),
                approved=p.get("outcome") == "approved",
                note=p.get("note", ""),
                amount=p.get("amount", ""),
            )
        except ServiceError as exc:
            _errors(request, exc)
            kept = p
        else:
            messages.success(request, _("已录入办理结果"))
            return redirect("cases:track", pk=pk)
    ctx = selectors.department_track(user=request.user, track_id=pk)
    ctx["kept"] = kept
    return render(request, "cases/track.html", ctx)
