"""系统管理 › 审批流程与工作日: thin views over ``cases.config``."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability, Role
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.areas.models import Area
from jiuzhu.cases import config
from jiuzhu.cases.models import (
    ApprovalChain,
    ConfigChange,
    ConfigKind,
    ConfigStatus,
    Programme,
    WorkingDayOverride,
)
from jiuzhu.core.errors import ServiceError


def _need(user) -> None:
    if not has_capability(user, Capability.CASE_CONFIGURE):
        raise PermissionDenied(Capability.CASE_CONFIGURE)


def _defaults() -> dict:
    blank = ApprovalChain()
    return {f: getattr(blank, f) for f in config.CHAIN_FIELDS if f != "area_id"} | {"area_id": ""}


def _value(field: str, value) -> str:
    if field == "area_id" and value:
        area = Area.objects.filter(code=value).first()
        return area.name if area else str(value)
    if field in config.BOOL_FIELDS or field == "is_working_day":
        return _("是") if value else _("否")
    if field in ("review_role", "approve_role") and value in Role.values:
        return str(Role(value).label)
    if field == "programme":
        return str(Programme(value).label) if value in Programme.values else _("所有项目")
    return "" if value is None else str(value)


def _label(field: str) -> str:
    if field in {f.name for f in ApprovalChain._meta.fields} or field == "area_id":
        name = "area" if field == "area_id" else field
        return str(ApprovalChain._meta.get_field(name).verbose_name)
    return str(WorkingDayOverride._meta.get_field(field).verbose_name)


def describe(change: ConfigChange) -> list[dict]:
    """The fields a change sets, with the value before (if any) and after, as labels."""
    rows = []
    for field, after in change.data.items():
        before = change.before.get(field) if change.before else None
        if change.before and before == after and field not in ("area_id", "programme", "date"):
            continue
        rows.append(
            {
                "label": _label(field),
                "before": _value(field, before) if change.before else "",
                "after": "" if change.delete else _value(field, after),
            }
        )
    return rows


def _page(
    request, *, chain_post=None, chain_errors=None, day_post=None, day_errors=None, status=200
):
    edit_id = request.GET.get("chain") or (chain_post or {}).get("chain_id")
    editing = (
        ApprovalChain.objects.filter(pk=edit_id).first() if str(edit_id or "").isdigit() else None
    )
    chain_form = (
        chain_post
        if chain_post is not None
        else (config.chain_data(editing) if editing else _defaults())
    )
    changes = list(ConfigChange.objects.select_related("proposed_by", "decided_by")[:100])
    return render(
        request,
        "cases/config.html",
        {
            "chains": ApprovalChain.objects.select_related("area").order_by("area_id", "programme"),
            "overrides": WorkingDayOverride.objects.order_by("-date")[:60],
            "pending": [
                {"change": c, "rows": describe(c), "own": c.proposed_by_id == request.user.pk}
                for c in changes
                if c.status == ConfigStatus.PENDING
            ],
            "decided": [
                {"change": c, "rows": describe(c)}
                for c in changes
                if c.status != ConfigStatus.PENDING
            ][:30],
            "editing": editing,
            "chain_form": chain_form,
            "chain_errors": chain_errors or {},
            "day_form": day_post or {},
            "day_errors": day_errors or {},
            "programmes": Programme.choices,
            "roles": [(r, Role(r).label) for r in config.DECIDING_ROLES],
            "day_fields": [
                (f, ApprovalChain._meta.get_field(f).verbose_name) for f in config.DAY_FIELDS
            ],
            "bool_fields": [
                (f, ApprovalChain._meta.get_field(f).verbose_name) for f in config.BOOL_FIELDS
            ],
            "legal_notice_days": config.LEGAL_NOTICE_DAYS,
            "chain_kind": ConfigKind.CHAIN,
        },
        status=status,
    )


@login_required
def config_page(request):
    _need(request.user)
    return _page(request)


@login_required
@require_POST
def config_chain_propose(request):
    _need(request.user)
    post = request.POST
    chain_id = post.get("chain_id")
    try:
        config.chain_propose(
            actor=request.user,
            raw=post,
            reason=post.get("reason", ""),
            chain_id=int(chain_id) if chain_id and chain_id.isdigit() else None,
        )
    except ServiceError as exc:
        form = {k: post.get(k, "") for k in (*config.CHAIN_FIELDS, "reason", "chain_id")}
        for f in config.BOOL_FIELDS:
            form[f] = post.get(f) == "on"
        return _page(request, chain_post=form, chain_errors=exc.errors, status=400)
    messages.success(request, _("变更已提出，须由另一名管理员复核后生效"))
    return redirect("cases:config")


@login_required
@require_POST
def config_workday_propose(request):
    _need(request.user)
    post = request.POST
    try:
        day = datetime.date.fromisoformat(post.get("date", ""))
    except ValueError:
        return _page(
            request,
            day_post=post,
            day_errors={"date": [_("日期格式应为 YYYY-MM-DD")]},
            status=400,
        )
    try:
        config.workday_propose(
            actor=request.user,
            day=day,
            is_working_day=post.get("is_working_day") == "1",
            note=post.get("note", ""),
            reason=post.get("reason", ""),
            delete=post.get("delete") == "1",
        )
    except ServiceError as exc:
        return _page(request, day_post=post, day_errors=exc.errors, status=400)
    messages.success(request, _("变更已提出，须由另一名管理员复核后生效"))
    return redirect("cases:config")


@login_required
@require_POST
def config_decide(request, pk: int):
    _need(request.user)
    try:
        if request.POST.get("decision") == "approve":
            config.config_change_approve(
                actor=request.user, change_id=pk, note=request.POST.get("note", "")
            )
            messages.success(request, _("变更已复核通过并生效"))
        else:
            config.config_change_reject(
                actor=request.user, change_id=pk, note=request.POST.get("note", "")
            )
            messages.success(request, _("变更已退回"))
    except ServiceError as exc:
        messages.error(request, exc.text())
    return redirect("cases:config")
