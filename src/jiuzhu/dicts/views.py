"""系统管理 › 字典管理: thin views over ``dicts.selectors`` and ``dicts.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.accounts.scoping import has_capability
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.pagination import page_request
from jiuzhu.dicts import selectors, services
from jiuzhu.dicts.kinds import KINDS
from jiuzhu.dicts.models import ChangeStatus


def _need(user) -> None:
    if not has_capability(user, services.CONFIGURE):
        raise PermissionDenied(services.CONFIGURE)


def _kind(kind: str):
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404
    return spec


@login_required
def dict_list(request):
    _need(request.user)
    return render(request, "dicts/list.html", {"kinds": selectors.kinds_overview()})


def _kind_page(request, spec, *, form=None, errors=None, status=200):
    rows = selectors.entries(spec.key)
    code = request.GET.get("code", "")
    editing = next((r for r in rows if r["code"] == code), None)
    if form is None:
        form = (
            {
                "code": editing["code"],
                "label": editing["label"],
                "sort_order": editing["sort_order"],
                "active": editing["active"],
            }
            if editing
            else {
                "sort_order": (max([r["sort_order"] for r in rows], default=0) + 10),
                "active": True,
            }
        )
    pending = selectors.changes(spec.key).filter(status=ChangeStatus.PENDING)
    decided = page_request(
        request, selectors.changes(spec.key).exclude(status=ChangeStatus.PENDING), per_page=30
    )
    labels = {r["code"]: r["label"] for r in rows}
    return render(
        request,
        "dicts/kind.html",
        {
            "spec": spec,
            "kind_label": _(spec.label),
            "kind_help": _(spec.help) if spec.help else "",
            "rows": rows,
            "form": form,
            "errors": errors or {},
            "editing": editing,
            "pending": [
                {"c": c, "own": c.proposed_by_id == request.user.pk, "now": labels.get(c.code, "")}
                for c in pending
            ],
            "decided": decided.items,
            "page": decided,
        },
        status=status,
    )


@login_required
def dict_kind(request, kind: str):
    _need(request.user)
    return _kind_page(request, _kind(kind))


@login_required
@require_POST
def dict_propose(request, kind: str):
    _need(request.user)
    spec = _kind(kind)
    p = request.POST
    form = {
        "code": p.get("code", ""),
        "label": p.get("label", ""),
        "sort_order": p.get("sort_order", ""),
        "active": p.get("active") == "on",
        "reason": p.get("reason", ""),
    }
    try:
        services.dict_change_propose(
            actor=request.user,
            kind=spec.key,
            code=form["code"],
            label=form["label"],
            sort_order=form["sort_order"],
            active=form["active"],
            reason=form["reason"],
        )
    except ServiceError as exc:
        return _kind_page(request, spec, form=form, errors=exc.errors, status=400)
    messages.success(request, _("修改已提交，须由另一位管理员复核后生效"))
    return redirect("dicts:kind", kind=spec.key)


@login_required
@require_POST
def dict_decide(request, pk: int):
    _need(request.user)
    approve = request.POST.get("decision") == "approve"
    try:
        change = services.dict_change_decide(
            actor=request.user,
            change_id=pk,
            approve=approve,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        for msgs in exc.errors.values():
            for m in msgs:
                messages.error(request, m)
        kind = request.POST.get("kind", "")
        return redirect("dicts:kind", kind=kind) if kind in KINDS else redirect("dicts:list")
    messages.success(request, _("已生效") if approve else _("已退回"))
    return redirect("dicts:kind", kind=change.kind)
