"""Thin views: parse, call a service or selector, render."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability, user_departments
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.pagination import page_request
from jiuzhu.core.schedule import schedule_for_page
from jiuzhu.verify import selectors, services
from jiuzhu.verify.feeds import DEPARTMENT_LABELS
from jiuzhu.verify.models import FeedImport


def _require(user, capability):
    if not has_capability(user, capability):
        raise PermissionDenied(capability)


@login_required
def home(request):
    _require(request.user, Capability.REGISTRY_VIEW)
    return render(
        request,
        "verify/home.html",
        {
            "review_count": selectors.review_queue(user=request.user).count(),
            "duplicates_count": selectors.duplicate_queue(user=request.user).count(),
            "can_edit": has_capability(request.user, Capability.REGISTRY_EDIT),
            "schedule": schedule_for_page("verify_monthly", "verify_nightly"),
        },
    )


@login_required
def feed_upload(request):
    _require(request.user, Capability.FEED_UPLOAD)
    departments = [
        (d, _(DEPARTMENT_LABELS[d]))
        for d in sorted(user_departments(request.user))
        if d in DEPARTMENT_LABELS
    ]
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        extracted_text = request.POST.get("extracted_on", "").strip()
        try:
            extracted = datetime.date.fromisoformat(extracted_text) if extracted_text else None
        except ValueError:
            # a wrong extraction date would be stored with every row: nothing is imported
            messages.error(
                request,
                _("数据提取日期“%(value)s”格式应为 YYYY-MM-DD") % {"value": extracted_text[:20]},
            )
            return render(
                request,
                "verify/feed_upload.html",
                {
                    "departments": departments,
                    "imports": page_request(
                        request, selectors.feed_imports(user=request.user), per_page=20
                    ),
                },
                status=400,
            )
        if upload is None:
            messages.error(request, _("请选择要上传的文件"))
        else:
            try:
                result = services.feed_import(
                    actor=request.user,
                    department=request.POST.get("department", ""),
                    data=upload.read(),
                    file_name=upload.name,
                    extracted_on=extracted,
                )
            except ServiceError as exc:
                messages.error(request, exc.text())
                return render(
                    request,
                    "verify/feed_upload.html",
                    {
                        "departments": departments,
                        "imports": page_request(
                            request, selectors.feed_imports(user=request.user), per_page=20
                        ),
                    },
                    status=403 if exc.code == "wrong_department" else 400,
                )
            if result.duplicate:
                messages.info(request, _("该文件已导入过，未做任何更改"))
            return redirect("verify:feed_import", pk=result.feed_import.pk)
    return render(
        request,
        "verify/feed_upload.html",
        {
            "departments": departments,
            "imports": page_request(
                request, selectors.feed_imports(user=request.user), per_page=20
            ),
        },
    )


@login_required
def feed_import_detail(request, pk: int):
    _require(request.user, Capability.FEED_UPLOAD)
    imp = get_object_or_404(FeedImport, pk=pk, department__in=user_departments(request.user))
    return render(request, "verify/feed_import.html", {"imp": imp})


@login_required
def check_report(request, pk: int):
    return render(
        request, "verify/report.html", selectors.check_report(user=request.user, household_id=pk)
    )


@login_required
def check_report_pdf(request, pk: int):
    data = selectors.check_report_pdf(user=request.user, household_id=pk)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="check-report-{pk}.pdf"'
    return response


@login_required
@require_POST
def check_request(request, pk: int):
    _require(request.user, Capability.REGISTRY_EDIT)
    try:
        services.check_household(
            actor=request.user, household_id=pk, reason=request.POST.get("reason", "核对")
        )
        messages.success(request, _("核对完成"))
    except ServiceError as exc:
        messages.error(request, exc.text())
    return redirect("verify:report", pk=pk)


@login_required
@require_POST
def batch_start(request):
    _require(request.user, Capability.REGISTRY_EDIT)
    from jiuzhu.verify.tasks import batch_check_task

    batch_check_task.enqueue(
        reason=request.POST.get("reason") or "定期核对", actor_id=request.user.pk
    )
    messages.success(request, _("已加入后台任务：对在保对象批量核对"))
    return redirect("verify:home")


@login_required
def review_list(request):
    _require(request.user, Capability.REGISTRY_VIEW)
    page = page_request(request, selectors.review_queue(user=request.user), per_page=50)
    return render(request, "verify/review.html", {"links": page.items, "page": page})


@login_required
@require_POST
def review_decide(request, pk: int):
    _require(request.user, Capability.REGISTRY_EDIT)
    try:
        services.review_decide(
            actor=request.user,
            link_id=pk,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.text())
    return redirect("verify:review")


@login_required
def duplicate_list(request):
    _require(request.user, Capability.REGISTRY_VIEW)
    return render(
        request,
        "verify/duplicates.html",
        {
            "pairs": (
                page := page_request(request, selectors.duplicate_queue(user=request.user))
            ).items,
            "page": page,
        },
    )


@login_required
@require_POST
def duplicate_resolve(request, pk: int):
    _require(request.user, Capability.REGISTRY_EDIT)
    try:
        services.duplicate_resolve(
            actor=request.user,
            pair_id=pk,
            action=request.POST.get("action", ""),
            keep=request.POST.get("keep", "a"),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已处理"))
    except ServiceError as exc:
        messages.error(request, exc.text())
    return redirect("verify:duplicates")
