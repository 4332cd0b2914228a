"""Phone-first pages of the citizen side (/m/). Thin: services write, selectors read."""

from __future__ import annotations

import base64
import copy
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.cases.models import MaterialKind
from jiuzhu.core import clock
from jiuzhu.core.downloads import attachment
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.pagination import page_request
from jiuzhu.portal import selectors, services
from jiuzhu.portal import village as village_mod
from jiuzhu.portal.models import ReportCategory

SESSION_KEY = "portal_citizen"
ACTING_KEY = "portal_acting"


def _acting(request, citizen):
    """代办: while acting on an active grant, the citizen stands in the grantor's household
    (audited as the agent, acting for the grant); a grant expired or revoked ends it."""
    grant_id = request.session.get(ACTING_KEY)
    if not grant_id:
        return citizen
    grant = services.proxy_active(citizen.phone).filter(pk=grant_id).first()
    if grant is None:
        request.session.pop(ACTING_KEY, None)
        return citizen
    agent = copy.copy(citizen)
    agent.person, agent.household = grant.grantor, grant.grantor.household
    agent.person_id, agent.household_id = grant.grantor_id, grant.grantor.household_id
    agent.acting_for = grant
    return agent


UNBOUND_VIEWS = {"bind", "proxy", "proxy_act", "proxy_stop", "paper_scan", "paper_reading"}


def citizen_required(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        citizen = selectors.citizen_get(request.session.get(SESSION_KEY))
        if citizen is None:
            return redirect("portal:login")
        request.citizen = _acting(request, citizen)
        if request.citizen.household_id is None and view.__name__ not in UNBOUND_VIEWS:
            return redirect("portal:bind")
        return view(request, *args, **kwargs)

    return wrapped


def _errors(exc: ServiceError) -> dict:
    """Field → messages; the general ones under ``all`` (templates cannot read ``__all__``)."""
    return {("all" if k == "__all__" else k): v for k, v in exc.errors.items()}


def login(request):
    ctx = {"phone": request.POST.get("phone", request.GET.get("phone", "")), "errors": {}}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "send":
                services.code_request(phone=ctx["phone"])
                ctx["sent"] = True
            else:
                citizen = services.code_verify(phone=ctx["phone"], code=request.POST.get("code"))
                request.session.cycle_key()
                request.session[SESSION_KEY] = citizen.pk
                return redirect("portal:home")
        except ServiceError as exc:
            ctx["errors"] = _errors(exc)
            ctx["sent"] = action != "send"
    return render(request, "portal/login.html", ctx)


@require_POST
def logout(request):
    request.session.pop(SESSION_KEY, None)
    request.session.pop(ACTING_KEY, None)
    return redirect("portal:login")


@citizen_required
def bind(request):
    if request.citizen.household_id:
        return redirect("portal:home")
    ctx = {"form": request.POST, "errors": {}}
    if request.method == "POST":
        try:
            services.identity_bind(
                citizen=request.citizen,
                name=request.POST.get("name", ""),
                id_number=request.POST.get("id_number", ""),
            )
            return redirect("portal:home")
        except ServiceError as exc:
            ctx["errors"] = _errors(exc)
    return render(request, "portal/bind.html", ctx)


@citizen_required
def home(request):
    return render(request, "portal/home.html", {**selectors.home(request.citizen)})


@citizen_required
def apply(request):
    ctx = {"form": request.POST, "errors": {}, "questions": services.QUESTIONS}
    if request.method == "POST":
        try:
            app = services.apply(
                citizen=request.citizen,
                reason=request.POST.get("reason", ""),
                answers={k: request.POST.get(k, "") for k in services.QUESTIONS},
                photos=request.FILES.getlist("photos"),
                pledge_png=_data_url(request.POST.get("pledge_sig", "")),
                authorisation_png=_data_url(request.POST.get("authorisation_sig", "")),
                client_ref=request.POST.get("client_ref", ""),
            )
            return redirect("portal:case", application_id=app.pk)
        except ServiceError as exc:
            ctx["errors"] = _errors(exc)
    return render(request, "portal/apply.html", ctx)


def _data_url(value: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not value.startswith(prefix):
        return b""
    try:
        return base64.b64decode(value[len(prefix) :], validate=True)
    except ValueError:
        return b""


@citizen_required
def case(request, application_id: int):
    ctx = selectors.progress(request.citizen, application_id)
    ctx["material_kinds"] = MaterialKind
    return render(request, "portal/case.html", ctx)


@citizen_required
@require_POST
def upload(request, application_id: int):
    try:
        services.upload_missing(
            citizen=request.citizen,
            application_id=application_id,
            kind=request.POST.get("kind", ""),
            uploaded=request.FILES.get("file") or b"",
        )
        messages.success(request, _("材料已上传"))
    except ServiceError as exc:
        messages.error(request, exc.text())
    return redirect("portal:case", application_id=application_id)


@citizen_required
@require_POST
def rate(request, application_id: int):
    try:
        services.rate(
            citizen=request.citizen,
            application_id=application_id,
            score=request.POST.get("score", ""),
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("感谢您的评价"))
    except ServiceError as exc:
        messages.error(request, exc.text())
    return redirect("portal:case", application_id=application_id)


@citizen_required
def letter(request, letter_id: int):
    row = selectors.letter(request.citizen, letter_id)
    response = HttpResponse(bytes(row.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letter-{row.pk}.pdf"'
    return response


@citizen_required
def assistance(request):
    return render(request, "portal/assistance.html", selectors.assistance(request.citizen))


# ---------------------------------------------------------------- 举报 / 投诉 (no login)


def _rate_limited(request, key: str, limit: int = 5) -> bool:
    ip = request.META.get("REMOTE_ADDR", "")
    k = f"portal:{key}:{ip}"
    n = cache.get(k, 0)
    if n >= limit:
        return True
    cache.set(k, n + 1, 3600)
    return False


def report(request):
    ctx = {
        "form": request.POST if request.method == "POST" else request.GET,
        "errors": {},
        "categories": ReportCategory.choices,
        "areas": selectors.report_areas(),
    }
    if request.method == "POST":
        if _rate_limited(request, "report"):
            ctx["errors"] = {"all": [_("提交过于频繁，请1小时后再试")]}
        else:
            try:
                filed, code = services.report_submit(
                    category=request.POST.get("category", ""),
                    area_code=request.POST.get("area", ""),
                    text=request.POST.get("text", ""),
                    anonymous=request.POST.get("anonymous") == "1",
                    reporter_name=request.POST.get("reporter_name", ""),
                    reporter_phone=request.POST.get("reporter_phone", ""),
                    photos=request.FILES.getlist("photos"),
                )
                return render(request, "portal/report_done.html", {"report": filed, "code": code})
            except ServiceError as exc:
                ctx["errors"] = _errors(exc)
    return render(request, "portal/report.html", ctx)


def report_query(request):
    code = request.GET.get("code", "")
    found, asked = None, bool(code)
    if asked:
        if _rate_limited(request, "query", limit=30):
            raise Http404
        found = selectors.report_by_code(code)
    return render(
        request,
        "portal/report_query.html",
        {"code": code, "found": found, "asked": asked, "today": clock.today()},
    )


# ---------------------------------------------------------------- staff side of 举报


@login_required
def staff_reports(request):
    rows = services.reports_for(request.user).select_related("area", "office_area")
    page = page_request(request, rows, per_page=30)
    return render(
        request,
        "portal/staff_reports.html",
        {"reports": page.items, "page": page, "today": clock.today()},
    )


@login_required
def staff_report(request, report_id: int):
    row = services.reports_for(request.user).filter(pk=report_id).first()
    if row is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.report_reply(
                actor=request.user, report_id=row.pk, reply=request.POST.get("reply", "")
            )
            messages.success(request, _("已答复，举报人可凭查询码查看"))
            return redirect("portal:staff_report", report_id=row.pk)
        except ServiceError as exc:
            error = exc.text()
    return render(
        request,
        "portal/staff_report.html",
        {
            "r": row,
            "error": error,
            "reply": request.POST.get("reply", ""),
            "sees_reporter": services.sees_reporter(request.user, row),
            "photos": row.photos.all(),
        },
    )


@login_required
def staff_report_photo(request, report_id: int, photo_id: int):
    row = services.reports_for(request.user).filter(pk=report_id).first()
    photo = row.photos.filter(pk=photo_id).first() if row else None
    if photo is None:
        raise Http404
    response = HttpResponse(bytes(photo.data), content_type=photo.content_type)
    response["Content-Disposition"] = f'attachment; filename="report-{row.pk}-{photo.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- public pages (no login)


def standards(request):
    areas = selectors.report_areas()
    code = request.GET.get("area") or (areas[0].code if areas else "")
    return render(
        request,
        "portal/standards.html",
        {"areas": areas, "area": code, "rows": selectors.local_standards(area_code=code)},
    )


def public_roll(request, village_code: str):
    area, rows = selectors.public_roll(village_code=village_code)
    return render(request, "portal/public_roll.html", {"area": area, "rows": rows})


def self_check(request):
    """自助测算: nothing is stored, nothing audited (no personal data is asked)."""
    results, errors, asked = [], {}, request.method == "POST"
    if asked:
        if _rate_limited(request, "selfcheck", limit=60):
            errors = {"all": [_("测算过于频繁，请稍后再试")]}
        else:
            results, errors = selectors.self_check(request.POST)
    return render(
        request,
        "portal/self_check.html",
        {
            "form": request.POST,
            "errors": errors,
            "results": results,
            "asked": asked and not errors,
            "areas": selectors.report_areas(),
            "ages": [
                (f"age{i}", request.POST.get(f"age{i}", ""), errors.get(f"age{i}", []))
                for i in range(4)
            ],
        },
    )


# ---------------------------------------------------------------- 主动申报


@citizen_required
def change(request):
    from jiuzhu.monitoring.self_reports import CHANGES

    ctx = {
        "form": request.POST,
        "errors": {},
        "changes": list(CHANGES.items()),
        "members": selectors.household_members(request.citizen),
    }
    if request.method == "POST":
        try:
            alert = services.change_report(
                citizen=request.citizen,
                change=request.POST.get("change", ""),
                text=request.POST.get("text", ""),
                person_id=request.POST.get("person", ""),
                event_date=request.POST.get("event_date", ""),
                amount=request.POST.get("amount", ""),
            )
            messages.success(
                request,
                _("已提交，转%(office)s办理，期限%(due)s")
                % {"office": alert.get_level_display(), "due": f"{alert.due_date:%Y-%m-%d}"},
            )
            return redirect("portal:change")
        except ServiceError as exc:
            ctx["errors"] = _errors(exc)
    ctx["reports"] = selectors.self_reports(request.citizen)
    return render(request, "portal/change.html", ctx)


# ---------------------------------------------------------------- 代办


@citizen_required
def proxy(request):
    """My 代办: whom I may act for, whom I let act for me (grant, revoke)."""
    citizen = request.citizen
    ctx = {"form": request.POST, "errors": {}}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                services.proxy_revoke(
                    grant_id=int(request.POST.get("grant", 0) or 0),
                    citizen=citizen,
                    reason=_("本人撤销"),
                )
                messages.success(request, _("授权已撤销"))
            else:
                services.proxy_grant_online(
                    citizen=citizen,
                    agent_phone=request.POST.get("agent_phone", ""),
                    agent_name=request.POST.get("agent_name", ""),
                    relation=request.POST.get("relation", ""),
                    valid_until=request.POST.get("valid_until", ""),
                )
                messages.success(request, _("已授权，对方用其手机号登录后即可代办"))
            return redirect("portal:proxy")
        except ServiceError as exc:
            ctx["errors"] = _errors(exc)
    ctx.update(selectors.proxy_page(citizen))
    return render(request, "portal/proxy.html", ctx)


@citizen_required
@require_POST
def proxy_act(request, grant_id: int):
    """Start acting for the grantor of an active grant to this phone; 404 without one."""
    if not services.proxy_active(request.citizen.phone).filter(pk=grant_id).exists():
        raise Http404
    request.session[ACTING_KEY] = grant_id
    selectors.proxy_started(request.citizen, grant_id)
    return redirect("portal:home")


@citizen_required
@require_POST
def proxy_stop(request):
    request.session.pop(ACTING_KEY, None)
    return redirect("portal:proxy")


@login_required
def staff_proxy(request):
    """The window records a 代办 authorisation the member gives in person (or revokes one)."""
    error, errors = "", {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                services.proxy_revoke(
                    grant_id=int(request.POST.get("grant", 0) or 0),
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("授权已撤销"))
            else:
                services.proxy_grant_at_window(
                    actor=request.user,
                    id_number=request.POST.get("id_number", ""),
                    agent_phone=request.POST.get("agent_phone", ""),
                    agent_name=request.POST.get("agent_name", ""),
                    relation=request.POST.get("relation", ""),
                    valid_until=request.POST.get("valid_until", ""),
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("代办授权已登记"))
            return redirect("portal:staff_proxy")
        except ServiceError as exc:
            errors = _errors(exc)
            error = exc.text()
    return render(
        request,
        "portal/staff_proxy.html",
        {
            "form": request.POST,
            "errors": errors,
            "error": error,
            "page": page_request(request, selectors.staff_proxy_grants(request.user), per_page=30),
        },
    )


# ---------------------------------------------------------------- 一码通办: the village's pages


def village(request, village_code: str):
    """Where the village's QR code lands: what can be done here, for this village."""
    area = village_mod.village_get(village_code)
    request.session["portal_village"] = area.code
    return render(
        request,
        "portal/village.html",
        {"area": area, "township": area.parent_id},
    )


def village_notices(request, village_code: str):
    area, rows = village_mod.notices(village_code)
    return render(
        request,
        "portal/village_notices.html",
        {"area": area, "rows": rows, "form": {}, "errors": {}, "open_notice": None},
    )


@require_POST
def village_objection(request, village_code: str, notice_id: int):
    area, rows = village_mod.notices(village_code)
    if _rate_limited(request, "objection", limit=10):
        errors = {"all": [_("提交过于频繁，请1小时后再试")]}
    else:
        try:
            receipt = village_mod.objection_file(
                village_code=area.code,
                notice_id=notice_id,
                contact_name=request.POST.get("contact_name", ""),
                contact_phone=request.POST.get("contact_phone", ""),
                content=request.POST.get("content", ""),
                client_address=request.META.get("REMOTE_ADDR", ""),
            )
            return render(request, "portal/objection_done.html", {"area": area, "receipt": receipt})
        except ServiceError as exc:
            errors = _errors(exc)
    return render(
        request,
        "portal/village_notices.html",
        {
            "area": area,
            "rows": rows,
            "form": request.POST,
            "errors": errors,
            "open_notice": notice_id,
        },
    )


def objection_query(request):
    number, phone = request.GET.get("number", ""), request.GET.get("phone", "")
    asked, found = bool(number or phone), None
    if asked:
        if _rate_limited(request, "objection_query", limit=30):
            raise Http404
        found = village_mod.objection_lookup(number=number, phone=phone)
    return render(
        request,
        "portal/objection_query.html",
        {"number": number, "phone": phone, "asked": asked, "found": found},
    )


@login_required
def staff_posters(request):
    """一码通办 posters of the villages in the user's scope, one PDF each."""
    page = page_request(request, village_mod.villages_for_staff(request.user), per_page=30)
    return render(request, "portal/staff_posters.html", {"page": page})


@login_required
def staff_poster(request, village_code: str):
    area, pdf = village_mod.poster_for_staff(
        user=request.user, village_code=village_code, base=request.build_absolute_uri("/")
    )
    return attachment(pdf, content_type="application/pdf", filename=f"一码通办-{area.name}.pdf")


def village_qr_png(request, village_code: str):
    """The village's QR code as a PNG (public: it is printed on the notice board anyway)."""
    area = village_mod.village_get(village_code)
    png = village_mod.qr_png(village_mod.village_url(area.code, request.build_absolute_uri("/")))
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response


# ---------------------------------------------------------------- 拍照识别身份证 (papers)


@citizen_required
@require_POST
def paper_scan(request):
    """A photo of the ID card on the 实名认证 page: read by the task worker, polled, and the
    name and number fill the form (``papers/papers.js``)."""
    from django.urls import reverse

    from jiuzhu.papers import services as papers_services

    f = request.FILES.get("file")
    if f is None or _rate_limited(request, "paper_scan", 20):
        return render(request, "papers/_scan.html", {"errors": [_("请先拍照或选择证件照片")]})
    hh = request.citizen.household
    try:
        r = papers_services.citizen_scan_submit(
            citizen_id=request.citizen.pk,
            uploaded=f,
            area_code=hh.hukou_area_id if hh else "",
        )
    except ServiceError as exc:
        return render(
            request, "papers/_scan.html", {"errors": [m for ms in exc.errors.values() for m in ms]}
        )
    return render(
        request,
        "papers/_scan.html",
        {"reading": r, "poll": True, "poll_url": reverse("portal:paper_reading", args=[r.pk])},
    )


@citizen_required
def paper_reading(request, reading_id: int):
    from django.urls import reverse

    from jiuzhu.audit.models import NATIONAL
    from jiuzhu.audit.services import audit_read
    from jiuzhu.papers import selectors as papers_selectors

    r = papers_selectors.citizen_reading(request.citizen.pk, reading_id)
    if r.status in ("queued", "running"):
        url = reverse("portal:paper_reading", args=[r.pk])
        return render(request, "papers/_scan.html", {"reading": r, "poll": True, "poll_url": url})
    audit_read(
        None,
        "papers.reading.view",
        subject_type="paper_reading",
        subject_id=r.pk,
        area_code=r.area_id or NATIONAL,
    )
    ctx = papers_selectors.reading_view(r)
    ctx["fill"] = papers_selectors.prefill_values(r)
    return render(request, "papers/_prefill.html", ctx)
