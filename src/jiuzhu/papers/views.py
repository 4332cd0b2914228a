"""Pages of the papers app. Thin: one service or selector call each; every view of what a paper
says is audited (``audit_read``), and values are masked like the fields they hold."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.audit.services import audit_read
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.pagination import page_request
from jiuzhu.papers import selectors, services
from jiuzhu.papers.models import Purpose, ReadingStatus, SignalStatus


def _need(user, capability):
    if not has_capability(user, capability):
        raise PermissionDenied(capability)


def _partial(request) -> bool:
    return bool(request.headers.get("HX-Request"))


@login_required
@require_POST
def check(request):
    """Quality check of a photo as soon as it is chosen (before the form is sent)."""
    _need(request.user, Capability.CASE_INTAKE)
    f = request.FILES.get("file")
    problems = services.image_problems(f.read(services.MAX_SCAN_BYTES + 1)) if f else []
    return render(
        request,
        "papers/_check.html",
        {"problems": services.problem_messages(problems), "checked": f is not None},
    )


@login_required
@require_POST
def scan(request):
    """A photo of an ID card at the window: stored, queued, and polled until read."""
    _need(request.user, Capability.CASE_INTAKE)
    f = request.FILES.get("file")
    if f is None:
        return render(request, "papers/_scan.html", {"errors": [_("请先拍照或选择证件照片")]})
    try:
        r = services.scan_submit(
            actor=request.user,
            uploaded=f,
            area_code=request.POST.get("area", ""),
            kind=request.POST.get("kind", "id_card"),
        )
    except ServiceError as exc:
        return render(
            request,
            "papers/_scan.html",
            {"errors": [m for msgs in exc.errors.values() for m in msgs]},
        )
    return render(request, "papers/_scan.html", {"reading": r, "poll": True})


def _shown(request, r) -> None:
    audit_read(
        request.user,
        "papers.reading.view",
        subject_type="paper_reading",
        subject_id=r.pk,
        household_id=r.household_id,
        area_code="" if r.household_id else r.area_id,
    )


@login_required
def reading(request, pk: int):
    """A reading: while queued, a panel that polls itself; when read, the values (a photo taken
    to fill a form: the values and the script data that fill it; a paper: the values beside the
    image, disagreements highlighted, 采用识别值/保留原值)."""
    r = selectors.reading_for(request.user, pk)
    if r.status in (ReadingStatus.QUEUED, ReadingStatus.RUNNING):
        return render(request, "papers/_scan.html", {"reading": r, "poll": True})
    _shown(request, r)
    ctx = selectors.reading_view(r)
    if r.purpose == Purpose.PREFILL:
        ctx["fill"] = selectors.prefill_values(r)
        return render(request, "papers/_prefill.html", ctx)
    ctx["can_edit"] = has_capability(request.user, Capability.REGISTRY_EDIT)
    template = "papers/_result.html" if _partial(request) else "papers/reading.html"
    return render(request, template, ctx)


@login_required
def image(request, pk: int):
    """The paper's image, re-encoded as JPEG (nothing of the upload but its pixels is served)."""
    r = selectors.reading_for(request.user, pk)
    if not r.image:
        raise PermissionDenied(_("照片已删除"))
    _shown(request, r)
    from jiuzhu.papers.engine.ocr import load_image

    with default_storage.open(r.image) as fh:
        im = load_image(fh.read())
    im.thumbnail((1200, 1200))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    resp = HttpResponse(buf.getvalue(), content_type="image/jpeg")
    resp["Cache-Control"] = "private, no-store"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


def _back(request, r):
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect("papers:reading", pk=r.pk)


@login_required
@require_POST
def accept(request, pk: int):
    """采用识别值 (one click, audited): the registered value is replaced by the value read."""
    _need(request.user, Capability.REGISTRY_EDIT)
    try:
        f = services.finding_accept(actor=request.user, finding_id=pk)
    except ServiceError as exc:
        messages.error(request, exc.text())
        from jiuzhu.papers.models import Finding

        f = Finding.objects.select_related("reading").get(pk=pk)
    else:
        messages.success(request, _("已采用识别值，并记入家庭档案的修改记录"))
    return _back(request, f.reading)


@login_required
@require_POST
def keep(request, pk: int):
    _need(request.user, Capability.REGISTRY_EDIT)
    try:
        f = services.finding_keep(
            actor=request.user, finding_id=pk, note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.text())
        from jiuzhu.papers.models import Finding

        f = Finding.objects.select_related("reading").get(pk=pk)
    else:
        messages.success(request, _("已保留原值"))
    return _back(request, f.reading)


@login_required
def duplicates(request):
    """疑似冒领: the same (or a near-copy) image handed in for two households."""
    _need(request.user, Capability.REGISTRY_EDIT)
    status = request.GET.get("status", SignalStatus.OPEN)
    qs = selectors.duplicates_visible(request.user).select_related(
        "reading__household", "other__household"
    )
    if status in SignalStatus.values:
        qs = qs.filter(status=status)
    page = page_request(request, qs, per_page=25)
    for s in page.items:
        audit_read(
            request.user,
            "papers.duplicate.view",
            subject_type="paper_duplicate",
            subject_id=s.pk,
            household_id=s.reading.household_id,
        )
    return render(
        request,
        "papers/duplicates.html",
        {"items": page.items, "page": page, "status": status, "statuses": SignalStatus.choices},
    )


@login_required
@require_POST
def duplicate_decide(request, pk: int):
    _need(request.user, Capability.REGISTRY_EDIT)
    try:
        services.duplicate_decide(
            actor=request.user,
            signal_id=pk,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.text())
    else:
        messages.success(request, _("已记录核实结论"))
    return redirect("papers:duplicates")
