"""Pages of monitoring. Thin: parse the form, call one service or selector, render or redirect."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.pagination import list_request, list_spec
from jiuzhu.monitoring import outcomes as outcome_rules
from jiuzhu.monitoring import params as rule_params
from jiuzhu.monitoring import reviews, selectors, services
from jiuzhu.monitoring.models import (
    AlertRule,
    Criterion,
    Outcome,
    ReviewOutcome,
    RiskClass,
    RuleKind,
)


def _need(user, capability):
    if not has_capability(user, capability):
        raise PermissionDenied(capability)


def _errors(request, exc: ServiceError):
    for msgs in exc.errors.values():
        for m in msgs:
            messages.error(request, m)


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@login_required
def overview(request):
    _need(request.user, Capability.ALERT_HANDLE)
    data = selectors.overview(user=request.user)
    charts = {
        k: data[k] for k in ("by_cause", "by_area", "ages", "outcome_months", "outcome_series")
    }
    return render(request, "monitoring/overview.html", {**data, "charts": charts})


@login_required
def alert_list(request):
    _need(request.user, Capability.ALERT_HANDLE)
    listing = list_request(request, list_spec("alerts"))
    return render(
        request,
        "monitoring/alert_list.html",
        {
            "list": listing,
            "page": listing.page,
            "assignees": selectors.assignable_users(
                user=request.user, alert_ids=[a.pk for a in listing.page.items]
            ),
        },
    )


@login_required
@require_POST
def alerts_assign(request):
    """批量分派: the ticked alerts to one person (each audited)."""
    _need(request.user, Capability.ALERT_HANDLE)
    from jiuzhu.monitoring.services import alerts_assign as assign

    try:
        assignee = int(request.POST.get("assignee") or 0) or None
        ids = [int(i) for i in request.POST.getlist("alert")]
    except ValueError:
        assignee, ids = None, []
    try:
        n = assign(actor=request.user, alert_ids=ids, assignee_id=assignee)
    except ServiceError as exc:
        for msgs in exc.errors.values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, _("已分派 %(n)s 条预警") % {"n": n})
    back = request.POST.get("back", "")
    return redirect(reverse("monitoring:alerts") + ("?" + back if back else ""))


@login_required
def alert_detail(request, pk: int):
    _need(request.user, Capability.ALERT_HANDLE)
    page = selectors.alert_page(user=request.user, alert_id=pk)
    from jiuzhu.cases.models import Programme
    from jiuzhu.verify.selectors import links_of_evidence

    records = page["alert"].evidence.get("records", [])
    links = (
        links_of_evidence(
            person_id=page["alert"].person_id, sources=[r.get("source", "") for r in records]
        )
        if has_capability(request.user, Capability.REGISTRY_VIEW)
        else {}
    )

    return render(
        request,
        "monitoring/alert_detail.html",
        {
            **page,
            "outcomes": Outcome.choices,
            "programmes": Programme.choices,
            "outcome_rule": (rule := outcome_rules.rule_for(page["alert"])),
            "expected_outcome": rule.default,
            "expected_outcomes": rule.allowed,
            "evidence": [(r, links.get(r.get("source", ""))) for r in records],
        },
    )


@login_required
@require_POST
def alert_close(request, pk: int):
    _need(request.user, Capability.ALERT_HANDLE)
    p = request.POST
    try:
        alert = services.alert_close(
            actor=request.user,
            alert_id=pk,
            version=_int(p.get("version")),
            outcome=p.get("outcome", ""),
            reason=p.get("reason", ""),
            programme=p.get("programme", ""),
            amount=p.get("amount") or None,
            roll_entry_id=_int(p.get("roll_entry")),
            phase_out_months=_int(p.get("phase_out_months")),
            override_reason=p.get("override_reason", "") if p.get("override") else "",
        )
    except ServiceError as exc:
        _errors(request, exc)
        return redirect("monitoring:alert", pk=pk)
    messages.success(
        request, _("预警已办结：%(outcome)s") % {"outcome": alert.get_outcome_display()}
    )
    if alert.application_id:
        return redirect("cases:detail", pk=alert.application_id)
    return redirect("monitoring:alert", pk=pk)


@login_required
def rules(request):
    _need(request.user, Capability.ALERT_CONFIGURE)
    rows = [(r, _shown(r.kind, r.params)) for r in selectors.rules_list()]
    return render(
        request,
        "monitoring/rules.html",
        {
            "rows": rows,
            "kinds": [
                (k, label, _shown(k, rule_params.defaults(k))) for k, label in RuleKind.choices
            ],
            "nightly_next": selectors.nightly_next(),
            "routes": selectors.programme_routes(),
        },
    )


@login_required
def route_edit(request, pk: int | None = None):
    _need(request.user, Capability.ALERT_CONFIGURE)
    from jiuzhu.core.programmes import PROGRAMME_LABELS
    from jiuzhu.monitoring.models import Level, ProgrammeRoute

    route = get_object_or_404(ProgrammeRoute, pk=pk) if pk else None
    form = {
        "programme": route.programme if route else request.GET.get("programme", "tekun"),
        "area_prefix": route.area_prefix if route else "",
        "level": route.level if route else Level.COUNTY,
    }
    if request.method == "POST":
        form.update({k: request.POST.get(k, "") for k in form})
        try:
            services.programme_route_save(
                actor=request.user, route_id=route.pk if route else None, **form
            )
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("按项目分派已保存，下次运行起新预警按此分派"))
            return redirect("monitoring:rules")
    return render(
        request,
        "monitoring/route_form.html",
        {
            "route": route,
            "form": form,
            "programmes": [(k, str(v)) for k, v in PROGRAMME_LABELS.items()],
            "levels": Level.choices,
        },
    )


@login_required
@require_POST
def route_delete(request, pk: int):
    _need(request.user, Capability.ALERT_CONFIGURE)
    from jiuzhu.monitoring.models import ProgrammeRoute

    route = get_object_or_404(ProgrammeRoute, pk=pk)
    try:
        services.programme_route_delete(
            actor=request.user, route_id=route.pk, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        _errors(request, exc)
        return redirect("monitoring:route_edit", pk=route.pk)
    messages.success(request, _("已删除该分派设置，该项目的预警恢复由村(社区)首先办理"))
    return redirect("monitoring:rules")


def _shown(kind: str, values: dict) -> list[tuple[str, str]]:
    """Thresholds as people read them: (label, value)."""
    out = []
    for f in rule_params.form_fields(kind, values):
        if f.widget == "bool":
            value = _("是") if f.value else _("否")
        elif f.widget == "choices":
            names = dict(f.choices)
            value = "、".join(str(names.get(v, v)) for v in f.value) or _("（无）")
        else:
            value = str(f.value) if f.value != "" else _("（无）")
        out.append((str(f.label), value))
    return out


@login_required
def rule_edit(request, pk: int | None = None):
    """Add or change a rule. Thresholds come as one field each (``p__<name>``, typed and checked
    by ``params.parse``) or, from scripts, as a JSON object in ``params``."""
    _need(request.user, Capability.ALERT_CONFIGURE)
    rule = get_object_or_404(AlertRule, pk=pk) if pk else None
    kind = rule.kind if rule else request.POST.get("kind") or request.GET.get("kind")
    if kind not in RuleKind.values:
        kind = RuleKind.DEATH
    form = {
        "kind": kind,
        "name": rule.name if rule else "",
        "enabled": rule.enabled if rule else True,
        "area_prefix": rule.area_prefix if rule else "",
        "programmes": "，".join(rule.programmes) if rule else "",
        "deadline_days": rule.deadline_days if rule else 10,
    }
    values = rule.params if rule else rule_params.defaults(kind)
    if request.method == "POST":
        p = request.POST
        form.update(
            name=p.get("name", ""),
            enabled=p.get("enabled") == "on",
            area_prefix=p.get("area_prefix", ""),
            programmes=p.get("programmes", ""),
            deadline_days=p.get("deadline_days", "10"),
        )
        try:
            if p.get("params_form") == "1":
                values = rule_params.from_form(kind, p)
            else:
                values = _json_params(p.get("params", "{}"))
            days = _int(form["deadline_days"])
            if days is None:
                raise ServiceError(_("处理时限须为整数（工作日）"), field="deadline_days")
            programmes = [
                x.strip() for x in form["programmes"].replace("，", ",").split(",") if x.strip()
            ]
            services.alert_rule_save(
                actor=request.user,
                rule_id=rule.pk if rule else None,
                kind=kind,
                name=form["name"],
                enabled=form["enabled"],
                area_prefix=form["area_prefix"],
                programmes=programmes,
                params=values,
                deadline_days=days,
            )
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("预警规则已保存，下次运行起生效"))
            return redirect("monitoring:rules")
    return render(
        request,
        "monitoring/rule_form.html",
        {
            "rule": rule,
            "form": form,
            "kinds": RuleKind.choices,
            "kind_label": RuleKind(kind).label,
            "fields": rule_params.form_fields(kind, values if isinstance(values, dict) else {}),
        },
    )


def _json_params(text: str) -> dict:
    try:
        parsed = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ServiceError(
            _("阈值参数须为 JSON 对象（第%(line)s行有误）") % {"line": exc.lineno}, field="params"
        ) from exc
    if not isinstance(parsed, dict):
        raise ServiceError(_('阈值参数须为 JSON 对象，如 {"max_grade": 2}'), field="params")
    return parsed


@login_required
def risk_classes(request):
    _need(request.user, Capability.ALERT_CONFIGURE)
    return render(
        request,
        "monitoring/risk_classes.html",
        {"classes": selectors.risk_classes(), "criteria": Criterion.choices},
    )


@login_required
def risk_class_edit(request, pk: int | None = None):
    _need(request.user, Capability.ALERT_CONFIGURE)
    rc = get_object_or_404(RiskClass, pk=pk) if pk else None
    criterion = request.GET.get("criterion", Criterion.OTHER)
    form = {
        "code": rc.code if rc else "",
        "label": rc.label if rc else "",
        "criterion": rc.criterion if rc else criterion,
        "interval_months": rc.interval_months if rc else 6,
        "order": rc.order if rc else 10,
        "deadline_days": rc.deadline_days if rc else 15,
    }
    if request.method == "POST":
        form.update({k: request.POST.get(k, "") for k in form})
        try:
            services.risk_class_save(actor=request.user, class_id=rc.pk if rc else None, **form)
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("风险分类已保存，下次生成复核任务时生效"))
            return redirect("monitoring:risk_classes")
    return render(
        request,
        "monitoring/risk_class_form.html",
        {"rc": rc, "form": form, "criteria": Criterion.choices},
    )


@login_required
@require_POST
def risk_class_delete(request, pk: int):
    _need(request.user, Capability.ALERT_CONFIGURE)
    rc = get_object_or_404(RiskClass, pk=pk)
    try:
        services.risk_class_delete(
            actor=request.user, class_id=rc.pk, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        _errors(request, exc)
        return redirect("monitoring:risk_class_edit", pk=rc.pk)
    messages.success(
        request, _("风险分类“%(code)s %(label)s”已删除") % {"code": rc.code, "label": rc.label}
    )
    return redirect("monitoring:risk_classes")


@login_required
@require_POST
def run_now(request):
    _need(request.user, Capability.ALERT_CONFIGURE)
    from jiuzhu.monitoring.tasks import monitor_run_task

    result = monitor_run_task.enqueue(trigger="web", full=request.POST.get("full") == "1")
    messages.success(request, _("已排入后台运行（任务 %(id)s）") % {"id": result.id})
    return redirect("monitoring:overview")


def _month(value: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat((value or "") + "-01")
    except ValueError:
        return clock.today().replace(day=1)


@login_required
def review_schedule(request):
    _need(request.user, Capability.ALERT_HANDLE)
    month = _month(request.GET.get("month"))
    data = selectors.review_schedule(user=request.user, month=month)
    listing = list_request(request, list_spec("reviews"))
    data.update(tasks=listing.page.items, page=listing.page, list=listing)
    return render(
        request,
        "monitoring/reviews.html",
        {
            **data,
            "month": month,
            "can_generate": has_capability(request.user, Capability.ALERT_CONFIGURE),
        },
    )


@login_required
@require_POST
def review_generate(request):
    _need(request.user, Capability.ALERT_CONFIGURE)
    month = _month(request.POST.get("month"))
    n = reviews.review_tasks_generate(month=month, actor=request.user)
    messages.success(
        request,
        _("%(month)s生成复核任务 %(n)s 条") % {"month": date_format(month, _("Y年m月")), "n": n},
    )
    return redirect(f"{reverse('monitoring:reviews')}?month={month:%Y-%m}")


@login_required
def review_detail(request, pk: int):
    _need(request.user, Capability.ALERT_HANDLE)
    task = selectors.review_get(user=request.user, review_id=pk)
    if request.method == "POST":
        p = request.POST
        try:
            task = reviews.review_complete(
                actor=request.user,
                review_id=pk,
                outcome=p.get("outcome", ""),
                note=p.get("note", ""),
                amount=p.get("amount") or None,
                phase_out_months=_int(p.get("phase_out_months")),
            )
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(
                request, _("复核已完成：%(outcome)s") % {"outcome": task.get_outcome_display()}
            )
            if task.application_id:
                return redirect("cases:detail", pk=task.application_id)
            return redirect("monitoring:review", pk=pk)
    return render(
        request,
        "monitoring/review_detail.html",
        {
            "task": task,
            "outcomes": ReviewOutcome.choices,
            "phase_out_default": reviews.phase_out_default_months(task.area_id),
        },
    )
