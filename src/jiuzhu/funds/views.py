"""Thin views: parse, call a service or selector, render."""

from __future__ import annotations

import datetime
import decimal
import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, has_capability, user_scope
from jiuzhu.areas.models import Area, AreaLevel
from jiuzhu.core import clock
from jiuzhu.core.downloads import attachment
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.pagination import list_request, list_spec, page_request
from jiuzhu.core.programmes import programme_label
from jiuzhu.core.spreadsheet import csv_writer
from jiuzhu.funds import selectors, services
from jiuzhu.funds.models import (
    AccountKind,
    BankProfile,
    FundingSource,
    HoldOutcome,
    PaymentHold,
    PayrollStatus,
    Recovery,
)
from jiuzhu.registry.models import Household

# The payrolls an officer can generate from the page (分类施保 is paid with 低保; 渐退 steps have
# their own roll programme and payroll).
PROGRAMMES = [
    "dibao",
    "phase_out",
    "tekun",
    "disability_living_subsidy",
    "disability_care_subsidy",
]


# The bank most payment accounts are at: a data value, prefilled as typed (stays Chinese).
DEFAULT_BANK = "江苏泰州农村商业银行"

# A return file is one line per payee: 2 MB holds some 20,000 lines of a CSV and more of xlsx.
RETURN_MAX_BYTES = 2 * 1024 * 1024


def _require(user, capability):
    if not has_capability(user, capability):
        raise PermissionDenied(capability)


def _month(value: str | None) -> datetime.date:
    if value:
        try:
            return datetime.date.fromisoformat(value[:7] + "-01")
        except ValueError:
            pass
    return clock.today().replace(day=1)


def _areas(user) -> list[Area]:
    """Counties and townships where the user may prepare payrolls."""
    scope = user_scope(user, Capability.PAYROLL_PREPARE)
    if scope.empty:
        return []
    return list(
        Area.objects.filter(scope.q("code"), level__in=[AreaLevel.COUNTY, AreaLevel.TOWNSHIP])
        .order_by("code")
        .only("code", "name", "level")[:200]
    )


@login_required
def payroll_list(request):
    _require(request.user, Capability.FUNDS_VIEW)
    listing = list_request(request, list_spec("payrolls"))
    return render(
        request,
        "funds/payroll_list.html",
        {
            "list": listing,
            "page": listing.page,
            "areas": _areas(request.user),
            "programmes": [(p, programme_label(p)) for p in PROGRAMMES],
            "this_month": clock.today().strftime("%Y-%m"),
            "can_prepare": has_capability(request.user, Capability.PAYROLL_PREPARE),
        },
    )


@login_required
def line_list(request):
    """发放明细查询: payroll lines across batches (account numbers masked)."""
    _require(request.user, Capability.FUNDS_VIEW)
    listing = list_request(request, list_spec("payroll_lines"))
    return render(request, "funds/line_list.html", {"list": listing, "page": listing.page})


@login_required
@require_POST
def payroll_generate_start(request):
    _require(request.user, Capability.PAYROLL_PREPARE)
    from jiuzhu.accounts.scoping import require_area
    from jiuzhu.funds.tasks import payroll_generate_task

    area_code = request.POST.get("area_code", "")
    programme = request.POST.get("programme", "dibao")
    month = _month(request.POST.get("month"))
    if programme not in PROGRAMMES:
        messages.error(request, _("救助项目不正确"))
        return redirect("funds:payroll_list")
    require_area(request.user, Capability.PAYROLL_PREPARE, area_code)
    payroll_generate_task.enqueue(
        programme=programme,
        area_code=area_code,
        month=month.isoformat(),
        actor_id=request.user.pk,
    )
    messages.success(
        request,
        _("已提交后台生成 %(month)s %(programme)s 发放批次，完成后刷新本页即可查看")
        % {"month": dateformat.format(month, _("Y年m月")), "programme": programme_label(programme)},
    )
    return redirect("funds:payroll_list")


@login_required
def payroll_detail(request, pk: int):
    _require(request.user, Capability.FUNDS_VIEW)
    payroll = selectors.payroll_get(user=request.user, payroll_id=pk)
    which = request.GET.get("show", "")
    lines = selectors.payroll_lines(payroll=payroll, which=which)
    page = Paginator(lines, 100).get_page(request.GET.get("page"))
    user = request.user
    area = payroll.area_id
    return render(
        request,
        "funds/payroll_detail.html",
        {
            "payroll": payroll,
            "programme_label": programme_label(payroll.programme),
            "return_max_bytes": RETURN_MAX_BYTES,
            "return_max_mb": RETURN_MAX_BYTES // (1024 * 1024),
            "page": page,
            "rows": selectors.lines_for_display(page.object_list),
            "which": which,
            "counts": selectors.line_counts(payroll=payroll),
            "approvals": selectors.approvals(payroll=payroll),
            "budget": services.budget_position(payroll=payroll),
            "close": services.payroll_close_check(payroll)
            if payroll.status in (PayrollStatus.RELEASED, PayrollStatus.CLOSED)
            else None,
            "bank_files": payroll.bank_files.order_by("-created_at"),
            "profiles": BankProfile.objects.order_by("-is_default", "name"),
            "supplements": payroll.supplements.order_by("number"),
            "can_prepare": user_scope(user, Capability.PAYROLL_PREPARE).contains(area),
            "can_approve": user_scope(user, Capability.PAYROLL_APPROVE).contains(area),
            "can_release": user_scope(user, Capability.PAYROLL_RELEASE).contains(area),
        },
    )


ACTIONS = {
    "submit": (Capability.PAYROLL_PREPARE, gettext_lazy("已提交复核")),
    "approve": (Capability.PAYROLL_APPROVE, gettext_lazy("复核通过")),
    "return": (Capability.PAYROLL_APPROVE, gettext_lazy("已退回编制人")),
    "release": (Capability.PAYROLL_RELEASE, gettext_lazy("已拨付，银行代发文件可下载")),
    "reissue": (Capability.PAYROLL_PREPARE, gettext_lazy("已生成补发批次")),
    "close": (Capability.PAYROLL_PREPARE, gettext_lazy("发放批次已结清")),
    "regenerate": (Capability.PAYROLL_PREPARE, gettext_lazy("已重新生成")),
}


@login_required
@require_POST
def payroll_act(request, pk: int, action: str):
    if action not in ACTIONS:
        raise PermissionDenied(action)
    capability, done = ACTIONS[action]
    _require(request.user, capability)
    payroll = selectors.payroll_get(user=request.user, payroll_id=pk)
    try:
        version = int(request.POST.get("version", "0"))
    except ValueError:
        version = 0
    user = request.user
    target = payroll.pk
    try:
        if action == "submit":
            services.payroll_submit(
                actor=user,
                payroll_id=pk,
                version=version,
                budget_override_reason=request.POST.get("budget_override_reason", ""),
            )
        elif action == "approve":
            services.payroll_approve(
                actor=user, payroll_id=pk, version=version, note=request.POST.get("note", "")
            )
        elif action == "return":
            services.payroll_return(
                actor=user, payroll_id=pk, version=version, reason=request.POST.get("reason", "")
            )
        elif action == "release":
            services.payroll_release(actor=user, payroll_id=pk, version=version)
        elif action == "reissue":
            target = services.payroll_reissue(actor=user, payroll_id=pk).pk
        elif action == "close":
            services.payroll_close(actor=user, payroll_id=pk, version=version)
        elif action == "regenerate":
            services.payroll_generate(
                actor=user,
                programme=payroll.programme,
                area_code=payroll.area_id,
                month=payroll.month,
            )
    except ServiceError as exc:
        messages.error(request, exc.text())
        return redirect("funds:payroll_detail", pk)
    messages.success(request, str(done))
    return redirect("funds:payroll_detail", target)


@login_required
def bank_file_download(request, pk: int):
    _require(request.user, Capability.FUNDS_VIEW)
    payroll = selectors.payroll_get(user=request.user, payroll_id=pk)
    profile_id = request.GET.get("profile")
    try:
        bf = services.bank_file_export(
            actor=request.user,
            payroll_id=payroll.pk,
            profile_id=int(profile_id) if profile_id and profile_id.isdigit() else None,
        )
    except ServiceError as exc:
        messages.error(request, exc.text())
        return redirect("funds:payroll_detail", pk)
    content_type = (
        "text/csv"
        if bf.file_name.endswith(".csv")
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return attachment(bytes(bf.content), content_type=content_type, filename=bf.file_name)


def _return_refused(request, payroll, problems):
    return render(
        request,
        "funds/return_refused.html",
        {"payroll": payroll, "problems": problems},
        status=400,
    )


@login_required
@require_POST
def return_upload(request, pk: int):
    _require(request.user, Capability.PAYROLL_PREPARE)
    payroll = selectors.payroll_get(user=request.user, payroll_id=pk)
    # The size is checked from the request's length before the body is read (issue 14.19), and
    # again on the file; the page checks it in the browser first.
    too_big = _("回盘文件超过 %(mb)s MB，请确认是否为本批次的银行回盘文件") % {
        "mb": RETURN_MAX_BYTES // (1024 * 1024)
    }
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > RETURN_MAX_BYTES + 64 * 1024:
        return _return_refused(request, payroll, [too_big])
    upload = request.FILES.get("file")
    if upload is not None and upload.size > RETURN_MAX_BYTES:
        return _return_refused(request, payroll, [too_big])
    if upload is None:
        messages.error(request, _("请选择银行回盘文件"))
        return redirect("funds:payroll_detail", pk)
    profile_id = request.POST.get("profile")
    try:
        summary = services.bank_return_import(
            actor=request.user,
            payroll_id=payroll.pk,
            data=upload.read(),
            file_name=upload.name,
            profile_id=int(profile_id) if profile_id and profile_id.isdigit() else None,
        )
    except ServiceError as exc:
        return _return_refused(request, payroll, exc.errors.get("file") or [exc.text()])
    messages.success(
        request,
        _(
            "回盘已导入：到账 %(paid)s 笔 %(paid_amount)s 元，"
            "失败 %(failed)s 笔 %(failed_amount)s 元（已进入补发队列）"
        )
        % {
            "paid": summary["paid"],
            "paid_amount": summary["paid_amount"],
            "failed": summary["failed"],
            "failed_amount": summary["failed_amount"],
        },
    )
    return redirect(
        f"/funds/payrolls/{pk}/?show=failed" if summary["failed"] else f"/funds/payrolls/{pk}/"
    )


@login_required
def reissue_queue(request):
    _require(request.user, Capability.FUNDS_VIEW)
    page = page_request(request, selectors.reissue_queue(user=request.user), per_page=100)
    return render(
        request,
        "funds/reissue.html",
        {
            "page": page,
            "rows": selectors.lines_for_display(page.items),
            "can_prepare": has_capability(request.user, Capability.PAYROLL_PREPARE),
        },
    )


@login_required
def recovery_list(request):
    _require(request.user, Capability.FUNDS_VIEW)
    return render(
        request,
        "funds/recoveries.html",
        {
            "recoveries": (
                page := page_request(request, selectors.recoveries(user=request.user), per_page=100)
            ).items,
            "page": page,
            "can_prepare": has_capability(request.user, Capability.PAYROLL_PREPARE),
        },
    )


@login_required
@require_POST
def recovery_collect(request, pk: int):
    _require(request.user, Capability.PAYROLL_PREPARE)
    rec = access(Recovery.objects.all(), request.user, Capability.PAYROLL_PREPARE, pk=pk)
    try:
        services.recovery_record(
            actor=request.user,
            recovery_id=rec.pk,
            version=int(request.POST.get("version", "0") or 0),
            amount=request.POST.get("amount", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已登记追回"))
    except ServiceError as exc:
        messages.error(request, exc.text())
    return redirect("funds:recoveries")


HOLD_STATUSES = [
    ("open", gettext_lazy("暂停中")),
    ("released", gettext_lazy("已解除")),
    ("all", gettext_lazy("全部")),
]


@login_required
def hold_list(request):
    _require(request.user, Capability.FUNDS_VIEW)
    status = request.GET.get("status", "open")
    if status not in selectors.HOLD_FILTERS:
        status = "open"
    page = Paginator(selectors.holds(user=request.user, status=status), 50).get_page(
        request.GET.get("page")
    )
    release_scope = user_scope(request.user, Capability.PAYROLL_APPROVE)
    rows = selectors.holds_for_display(page.object_list)
    for row in rows:
        row["can_release"] = row["hold"].released_at is None and release_scope.contains(
            row["hold"].household.hukou_area_id
        )
    return render(
        request,
        "funds/holds.html",
        {"page": page, "rows": rows, "status": status, "statuses": HOLD_STATUSES},
    )


@login_required
@require_POST
def hold_release(request, pk: int):
    _require(request.user, Capability.PAYROLL_APPROVE)
    hold = access(PaymentHold.objects.all(), request.user, Capability.PAYROLL_APPROVE, pk=pk)
    outcome = request.POST.get("outcome", "")
    if outcome not in HoldOutcome.values:
        messages.error(request, _("请选择核实结论：情况属实或误报"))
        return redirect(f"{reverse('funds:holds')}#hold-{hold.pk}")
    try:
        lines = services.payment_hold_release_one(
            actor=request.user,
            hold_id=hold.pk,
            confirmed=outcome == HoldOutcome.CONFIRMED,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.text())
        return redirect(f"{reverse('funds:holds')}#hold-{hold.pk}")
    if outcome == HoldOutcome.CONFIRMED:
        done = _("已解除暂停（情况属实）：%(n)s 笔暂停的发放明细不予发放")
    else:
        done = _("已解除暂停（误报）：%(n)s 笔发放明细进入补发队列，此后生成的批次照常发放")
    messages.success(request, done % {"n": lines})
    return redirect(f"{reverse('funds:holds')}?status=released#hold-{hold.pk}")


def _budget_filters(request) -> tuple[int, str]:
    try:
        year = int(request.GET.get("year") or clock.today().year)
    except ValueError:
        year = clock.today().year
    programme = request.GET.get("programme", "dibao")
    return year, programme if programme in PROGRAMMES else "dibao"


@login_required
def budget(request):
    _require(request.user, Capability.FUNDS_VIEW)
    year, programme = _budget_filters(request)
    can_manage = has_capability(request.user, Capability.BUDGET_MANAGE)
    if request.method == "POST":
        _require(request.user, Capability.BUDGET_MANAGE)
        try:
            services.budget_set(
                actor=request.user,
                programme=request.POST.get("programme", "dibao"),
                area_code=request.POST.get("area_code", ""),
                year=int(request.POST.get("year") or year),
                funding_source=request.POST.get("funding_source", ""),
                amount=request.POST.get("amount", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("预算已保存"))
        except ServiceError as exc:
            messages.error(request, exc.text())
        except ValueError:
            messages.error(request, _("年度应为数字"))
        return redirect(f"/funds/budget/?year={year}&programme={programme}")
    report = selectors.budget_report(user=request.user, year=year, programme=programme)
    chart = {
        "months": [_("%(month)s月") % {"month": m} for m in report["months"]],
        "sent": [str(v) for v in report["sent"]],
        "paid": [str(v) for v in report["paid"]],
        "cumulative": [str(v) for v in report["cumulative"]],
        "budget": str(report["total_budget"]),
        "sources": [
            {"label": row["label"], "sent": [str(v) for v in row["months_sent"]]}
            for row in report["by_source"]
            if row["sent"]
        ],
    }
    return render(
        request,
        "funds/budget.html",
        {
            "report": report,
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "programme_label": programme_label(programme),
            "programmes": [(p, programme_label(p)) for p in PROGRAMMES],
            "sources": FundingSource.choices,
            "can_manage": can_manage,
            "areas": [
                a
                for a in Area.objects.filter(
                    user_scope(request.user, Capability.BUDGET_MANAGE).q("code"),
                    level__in=[AreaLevel.COUNTY],
                ).order_by("code")[:50]
            ]
            if can_manage
            else [],
        },
    )


def _money(value) -> str:
    return f"{decimal.Decimal(value):.2f}"


@login_required
def budget_export(request):
    """预算执行 by funding source as CSV (UTF-8 with BOM, for Excel): one row per source and
    month, and one for the year with its budget; the same scope as the page."""
    _require(request.user, Capability.FUNDS_VIEW)
    year, programme = _budget_filters(request)
    report = selectors.budget_report(user=request.user, year=year, programme=programme)
    buf = io.StringIO()
    out = csv_writer(buf)
    out.writerow(
        [
            _("年度"),
            _("救助项目"),
            _("资金来源"),
            _("月份"),
            _("预算(元)"),
            _("拨付(元)"),
            _("到账(元)"),
        ]
    )
    label = programme_label(programme)
    for row in report["by_source"]:
        for m in report["months"]:
            out.writerow(
                [
                    year,
                    label,
                    row["label"],
                    f"{year}-{m:02d}",
                    "",
                    _money(row["months_sent"][m - 1]),
                    _money(row["months_paid"][m - 1]),
                ]
            )
        out.writerow(
            [
                year,
                label,
                row["label"],
                _("全年"),
                "" if row["budget"] is None else _money(row["budget"]),
                _money(row["sent"]),
                _money(row["paid"]),
            ]
        )
    out.writerow(
        [
            year,
            label,
            _("合计"),
            _("全年"),
            _money(report["total_budget"]),
            _money(report["spent"]),
            _money(sum(report["paid"], decimal.Decimal("0"))),
        ]
    )
    response = HttpResponse(
        ("\ufeff" + buf.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="budget-{programme}-{year}.csv"'
    return response


def _account_form(request, hh, *, errors=None, post=None, status=200, next_url=""):
    return render(
        request,
        "funds/account_form.html",
        {
            "household": hh,
            "members": list(hh.members.order_by("relation", "id")),
            "errors": errors or {},
            "post": post or {},
            "default_bank": DEFAULT_BANK,
            "kinds": AccountKind.choices,
            "has_account": hh.payment_accounts.filter(active=True).exists(),
            "pending": hh.payment_accounts.filter(pending=True).order_by("-pk").first(),
            "next": next_url,
        },
        status=status,
    )


@login_required
def account_edit(request, pk: int):
    _require(request.user, Capability.PAYROLL_PREPARE)
    hh = access(Household.objects.all(), request.user, Capability.PAYROLL_PREPARE, pk=pk)
    if request.method == "POST":
        person = request.POST.get("person_id") or None
        try:
            acct = services.payment_account_set(
                actor=request.user,
                household_id=hh.pk,
                person_id=int(person) if person and person.isdigit() else None,
                bank_name=request.POST.get("bank_name", ""),
                account_number=request.POST.get("account_number", ""),
                holder_name=request.POST.get("holder_name", ""),
                kind=request.POST.get("kind", AccountKind.CARD),
                proxy_reason=request.POST.get("proxy_reason", ""),
                reason=request.POST.get("reason", ""),
            )
        except ServiceError as exc:
            return _account_form(
                request,
                hh,
                errors=exc.errors,
                post=request.POST,
                status=400,
                next_url=request.POST.get("next", ""),
            )
        if acct.pending:
            messages.success(
                request,
                _("账户变更已提交，须由另一名工作人员在“账户变更”中确认后生效"),
            )
        else:
            messages.success(request, _("发放账户已登记，下一次发放时将提示核对"))
        back = request.POST.get("next") or ""
        if back.startswith("/funds/"):
            return redirect(back)
        return redirect("registry:household_detail", hh.pk)
    return _account_form(request, hh, next_url=request.GET.get("next", ""))


@login_required
def account_changes(request):
    """账户变更: the account changes awaiting a second officer, and the ones decided lately."""
    if not (
        has_capability(request.user, Capability.PAYROLL_PREPARE)
        or has_capability(request.user, Capability.PAYROLL_RELEASE)
    ):
        raise PermissionDenied(Capability.PAYROLL_PREPARE)
    data = selectors.account_changes(user=request.user)
    return render(request, "funds/account_changes.html", data)


@login_required
@require_POST
def account_change_decide(request, pk: int):
    decision = request.POST.get("decision")
    version = request.POST.get("version")
    version = int(version) if version and version.isdigit() else None
    try:
        if decision == "confirm":
            services.payment_account_confirm(actor=request.user, account_id=pk, version=version)
            messages.success(request, _("账户变更已确认，已生成告知书"))
        elif decision == "reject":
            services.payment_account_reject(
                actor=request.user,
                account_id=pk,
                reason=request.POST.get("reason", ""),
                version=version,
            )
            messages.success(request, _("账户变更已退回，原账户继续有效"))
        else:
            messages.error(request, _("请选择确认或退回"))
    except ServiceError as exc:
        messages.error(request, exc.text())
    return redirect("funds:account_changes")


@login_required
def account_notice(request, pk: int):
    """The printable letter that tells a household its account was changed."""
    if not (
        has_capability(request.user, Capability.PAYROLL_PREPARE)
        or has_capability(request.user, Capability.PAYROLL_RELEASE)
    ):
        raise PermissionDenied(Capability.PAYROLL_PREPARE)
    notice = selectors.account_notice(user=request.user, notice_id=pk)
    return render(request, "funds/account_notice.html", {"notice": notice})


@login_required
@require_POST
def account_reveal(request, pk: int):
    number = services.payment_account_reveal(user=request.user, account_id=pk)
    return JsonResponse({"account_number": number})
