"""Thin views: parse, call a service or selector, render."""

import datetime
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability, user_departments, user_scope
from jiuzhu.audit.services import audit_read
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.pagination import list_request, list_spec, page_request
from jiuzhu.core.schedule import schedule_for_page
from jiuzhu.verify import false_links, selectors, services
from jiuzhu.verify.feeds import (
    CODE_LABELS,
    DEPARTMENT_LABELS,
    FEEDS,
    TYPE_TEXT,
    template_csv,
    template_xlsx,
)
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


def _formats(departments) -> list[dict]:
    """What each of the user's feeds holds, as people read it (for the upload page)."""
    out = []
    for code, label in departments:
        feed = FEEDS[code]
        columns = []
        for c in feed.columns:
            values = "、".join(_(CODE_LABELS.get(v, v)) for v in c.choices)
            columns.append(
                {
                    "label": _(c.label),
                    "required": c.required,
                    "kind": _(TYPE_TEXT.get(c.type, TYPE_TEXT["str"])),
                    "values": values,
                }
            )
        out.append(
            {
                "code": code,
                "label": label,
                "description": _(feed.description),
                "whole": feed.mode == "whole",
                "monthly": feed.column(feed.date_column).type == "month",
                "columns": columns,
            }
        )
    return out


def _month(text: str, label: str) -> datetime.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text[:7] + "-01")
    except ValueError as exc:
        raise ValueError(
            _("%(label)s“%(value)s”格式应为 YYYY-MM") % {"label": label, "value": text[:20]}
        ) from exc


@login_required
def feed_upload(request):
    _require(request.user, Capability.FEED_UPLOAD)
    departments = [
        (d, _(DEPARTMENT_LABELS[d]))
        for d in sorted(user_departments(request.user))
        if d in DEPARTMENT_LABELS
    ]
    typed = {  # what the user typed, kept after an error (each cut to a date's width)
        k: request.POST.get(k, "").strip()[:20]
        for k in ("department", "extracted_on", "period_start", "period_end")
    }

    def page(status=200):
        return render(
            request,
            "verify/feed_upload.html",
            {
                "departments": departments,
                "formats": _formats(departments),
                "typed": typed,
                "imports": page_request(
                    request, selectors.feed_imports(user=request.user), per_page=20
                ),
            },
            status=status,
        )

    if request.method != "POST":
        return page()
    upload = request.FILES.get("file")
    try:
        text = typed["extracted_on"]
        try:
            extracted = datetime.date.fromisoformat(text) if text else None
        except ValueError as exc:
            raise ValueError(
                _("数据提取日期“%(value)s”格式应为 YYYY-MM-DD") % {"value": text}
            ) from exc
        start = _month(typed["period_start"], _("覆盖起始月份"))
        end = _month(typed["period_end"], _("覆盖截止月份"))
        if bool(start) != bool(end) or (start and end and start > end):
            raise ValueError(_("数据覆盖月份须同时填写起止月份，且起始月份不晚于截止月份"))
    except ValueError as exc:
        # a wrong date would be stored with every row: nothing is imported
        messages.error(request, str(exc))
        return page(400)
    if upload is None:
        messages.error(request, _("请选择要上传的文件"))
        return page(400)
    try:
        result = services.feed_import(
            actor=request.user,
            department=typed["department"],
            data=upload.read(),
            file_name=upload.name,
            extracted_on=extracted,
            period=(start, end) if start else None,
        )
    except ServiceError as exc:
        messages.error(request, exc.text())
        return page(403 if exc.code == "wrong_department" else 400)
    if result.duplicate:
        messages.info(request, _("该文件已导入过，未做任何更改"))
    return redirect("verify:feed_import", pk=result.feed_import.pk)


@login_required
def feed_template(request, department: str, fmt: str):
    """The empty template file of a department's feed (Chinese header), xlsx or CSV."""
    _require(request.user, Capability.FEED_UPLOAD)
    if department not in FEEDS or fmt not in ("xlsx", "csv"):
        raise Http404
    label = _(DEPARTMENT_LABELS[department])
    if fmt == "xlsx":
        data = template_xlsx(department)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = template_csv(department)
        kind = "text/csv; charset=utf-8"
    response = HttpResponse(data, content_type=kind)
    name = quote(f"{label}数据模板.{fmt}")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{department}-template.{fmt}\"; filename*=UTF-8''{name}"
    )
    return response


@login_required
def feed_import_detail(request, pk: int):
    _require(request.user, Capability.FEED_UPLOAD)
    imp = get_object_or_404(FeedImport, pk=pk, department__in=user_departments(request.user))
    report = [{**r, "field_label": _field_label(r.get("field") or "")} for r in imp.report]
    return render(request, "verify/feed_import.html", {"imp": imp, "report": report})


def _field_label(field: str) -> str:
    """ "id_number(身份证号)" as people read it: the column's label, translated."""
    inner = field[field.find("(") + 1 : -1] if field.endswith(")") and "(" in field else ""
    if inner:
        return _(inner)
    for feed in FEEDS.values():
        for c in feed.columns:
            if c.name == field:
                return _(c.label)
    return field


@login_required
def check_report(request, pk: int):
    ctx = selectors.check_report(user=request.user, household_id=pk)
    audit_read(
        request.user, "check_report.view", subject_type="household", subject_id=pk, household_id=pk
    )
    return render(request, "verify/report.html", ctx)


@login_required
def check_report_pdf(request, pk: int):
    data = selectors.check_report_pdf(user=request.user, household_id=pk)
    audit_read(
        request.user,
        "check_report_pdf.view",
        subject_type="household",
        subject_id=pk,
        household_id=pk,
    )
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


def _overlaps(a: list[str], b: list[str]) -> bool:
    return any(x.startswith(y) or y.startswith(x) for x in a for y in b)


@login_required
@require_POST
def batch_start(request):
    """批量核对 of the households on the roll in the user's own areas (issue 14.7): a village
    clerk checks the village, a county officer the county; one run at a time for an area."""
    _require(request.user, Capability.REGISTRY_EDIT)
    from django_tasks_db.models import DBTaskResult

    from jiuzhu.verify.tasks import batch_check_task

    prefixes = sorted(user_scope(request.user, Capability.REGISTRY_EDIT).prefixes)
    with transaction.atomic():
        active = DBTaskResult.objects.select_for_update().filter(
            task_path=batch_check_task.module_path, status__in=["READY", "RUNNING"]
        )
        for row in active:
            theirs = (row.args_kwargs.get("kwargs") or {}).get("area_prefixes") or [""]
            if _overlaps(theirs, prefixes):
                messages.error(
                    request, _("本地区已有一项批量核对在排队或运行中，请待其完成后再发起")
                )
                return redirect("verify:home")
        batch_check_task.enqueue(
            reason=request.POST.get("reason") or "定期核对",
            actor_id=request.user.pk,
            area_prefixes=prefixes,
        )
    messages.success(request, _("已加入后台任务：对本辖区在保对象批量核对"))
    return redirect("verify:home")


@login_required
def review_list(request):
    _require(request.user, Capability.REGISTRY_VIEW)
    page = page_request(request, selectors.review_queue(user=request.user), per_page=50)
    return render(
        request,
        "verify/review.html",
        {
            **selectors.review_page(user=request.user, links=page.items),
            "page": page,
            "can_edit": has_capability(request.user, Capability.REGISTRY_EDIT),
        },
    )


@login_required
def quality(request):
    _require(request.user, Capability.REGISTRY_VIEW)
    return render(request, "verify/quality.html", selectors.linkage_quality(user=request.user))


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
def feed_list(request):
    """部门数据导入记录: the user's departments' uploads, by date, department and status."""
    _require(request.user, Capability.FEED_UPLOAD)
    listing = list_request(request, list_spec("feeds"))
    return render(request, "verify/feed_list.html", {"list": listing, "page": listing.page})


@login_required
def finding_list(request):
    """核对比对结果: what the department data showed about households in the user's areas."""
    _require(request.user, Capability.REGISTRY_VIEW)
    listing = list_request(request, list_spec("findings"))
    return render(request, "verify/finding_list.html", {"list": listing, "page": listing.page})


@login_required
def duplicate_list(request):
    _require(request.user, Capability.REGISTRY_VIEW)
    listing = list_request(request, list_spec("duplicates"))
    return render(
        request,
        "verify/duplicates.html",
        {
            "list": listing,
            "pairs": listing.page.items,
            "page": listing.page,
            "can_edit": has_capability(request.user, Capability.REGISTRY_EDIT),
            "running": services.duplicate_run_running(),
        },
    )


@login_required
@require_POST
def duplicates_start(request):
    _require(request.user, Capability.REGISTRY_EDIT)
    try:
        services.duplicates_request(actor=request.user)
        messages.success(request, _("已加入后台任务：在您负责的区域内检测疑似重复人员"))
    except ServiceError as exc:
        messages.error(request, exc.text())
    return redirect("verify:duplicates")


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


@login_required
def link_detail(request, pk: int):
    """One link's evidence; the officer who checks it may report it wrong (POST, with a
    reason). After an error the page is shown again with what was typed."""
    _require(request.user, Capability.REGISTRY_VIEW)
    can_edit = has_capability(request.user, Capability.REGISTRY_EDIT)
    reason, error = "", ""
    if request.method == "POST":
        _require(request.user, Capability.REGISTRY_EDIT)
        reason = request.POST.get("reason", "")
        try:
            done = false_links.link_report_wrong(actor=request.user, link_id=pk, reason=reason)
        except ServiceError as exc:
            error = exc.text()
        else:
            effects = false_links.withdrawal_effects(
                household_id=done["household_id"], after_seq=done["audit_seq"]
            )
            messages.success(
                request,
                _(
                    "已记录为匹配错误：撤回核对结果 %(findings)s 条，撤回预警 %(alerts)s 条，"
                    "解除暂停发放 %(holds)s 项；下次训练模型时将参考此报告。"
                )
                % {
                    "findings": len(done.get("findings_withdrawn", [])),
                    "alerts": effects["alerts"],
                    "holds": effects["holds"],
                },
            )
            return redirect("verify:report", done["household_id"])
    ctx = selectors.link_page(user=request.user, link_id=pk)
    return render(
        request,
        "verify/link.html",
        {**ctx, "can_edit": can_edit, "reason": reason, "error": error},
        status=400 if error else 200,
    )
