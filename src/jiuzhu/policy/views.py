"""Policy pages: calculator, 政策找人 runs, simulation, parameters. Thin: parse, call, render."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiuzhu.accounts.scoping import access, require_capability, user_scope
from jiuzhu.areas.models import Area
from jiuzhu.audit.services import audit_read
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.labels import DEPARTMENT, label
from jiuzhu.core.pagination import page_request
from jiuzhu.core.programmes import programme_label
from jiuzhu.core.schedule import schedule_for_page
from jiuzhu.policy import selectors, services
from jiuzhu.policy.engine.calculator import DocumentError
from jiuzhu.policy.forms import CalculatorForm, ParameterProposeForm, SimulationForm
from jiuzhu.policy.messages import engine_message
from jiuzhu.policy.models import Flag, ParameterStatus, ParameterValue, PolicyRun, Tier
from jiuzhu.policy.permissions import POLICY_CONFIGURE, POLICY_RUN, POLICY_VIEW
from jiuzhu.policy.register import programme_register
from jiuzhu.registry.models import Household

# the calculator's period labels (engine.programmes.PERIODS, in the user's language)
PERIOD_LABELS = {
    "month": gettext_lazy("每月"),
    "year": gettext_lazy("每年"),
    "once": gettext_lazy("一次性"),
}


def _default_area(user, capability) -> str:
    scope = user_scope(user, capability)
    return scope.prefixes[0].ljust(12, "0") if scope.prefixes else ""


@login_required
def calculator(request):
    scope = require_capability(request.user, POLICY_VIEW)
    result = None
    household = None
    if request.GET.get("household"):
        household = access(Household, request.user, POLICY_VIEW, pk=request.GET["household"])
        audit_read(
            request.user,
            "policy_calculator.view",
            subject_type="household",
            subject_id=household.pk,
            household_id=household.pk,
        )
        on = clock.today()
        result = selectors.calculate_household(household_id=household.pk, on=on)
        form = CalculatorForm(initial={"area_code": household.hukou_area_id, "on": on})
    elif request.method == "POST":
        form = CalculatorForm(request.POST)
        if form.is_valid():
            area = form.cleaned_data["area_code"]
            if not scope.contains(area):
                form.add_error("area_code", _("区划不在您的管辖范围内"))
            else:
                try:
                    result = selectors.calculate_document(
                        doc=form.document(), area_code=area, on=form.cleaned_data["on"]
                    )
                except DocumentError as exc:
                    form.add_error(None, engine_message(exc))
    else:
        form = CalculatorForm(
            initial={
                "area_code": _default_area(request.user, POLICY_VIEW),
                "on": clock.today(),
                "m0_age": 45,
            }
        )
    return render(
        request,
        "policy/calculator.html",
        {
            "form": form,
            "result": result and _decorate(result),
            "household": household,
        },
    )


def _decorate(result: dict) -> dict:
    for p in result["programmes"]:
        # the YAML's name is Chinese data; the page names the programme by its code
        p["name"] = programme_label(p["programme"])
        p["tier_label"] = Tier(p["tier"]).label
        p["period_label"] = PERIOD_LABELS[p["period"]]
        for c in p["conditions"]:
            c["values_text"] = "；".join(
                f"{k} = {v['value'] if isinstance(v, dict) else v}" for k, v in c["values"].items()
            )
    from jiuzhu.verify.feeds import DEPARTMENT_LABELS
    from jiuzhu.verify.models import FindingKind

    for v in result.get("verified", []):
        v["department_label"] = _(DEPARTMENT_LABELS.get(v["department"], v["department"]))
        v["kind_label"] = FindingKind(v["kind"]).label
    result["eligible"] = [p for p in result["programmes"] if p["eligible"]]
    result["not_eligible"] = [p for p in result["programmes"] if not p["eligible"]]
    return result


@login_required
def run_list(request):
    require_capability(request.user, POLICY_VIEW)
    can_run = not user_scope(request.user, POLICY_RUN).empty
    return render(
        request,
        "policy/run_list.html",
        {
            "runs": (page := page_request(request, selectors.runs(), per_page=50)).items,
            "page": page,
            "can_run": can_run,
            "schedule": schedule_for_page("policy_nightly"),
        },
    )


@login_required
@require_POST
def run_start(request):
    scope = require_capability(request.user, POLICY_RUN)
    from jiuzhu.policy.tasks import policy_run_task

    area = scope.prefixes[0].ljust(12, "0") if len(scope.prefixes) == 1 else ""
    if area and area.startswith("00"):
        area = ""
    policy_run_task.enqueue(on=clock.today().isoformat(), area_code=area, user_id=request.user.pk)
    messages.success(request, _("已排入后台任务，运行完成后刷新本页查看结果"))
    return redirect("policy:runs")


@login_required
def run_detail(request, pk: int):
    require_capability(request.user, POLICY_VIEW)
    run = get_object_or_404(PolicyRun, pk=pk)
    flag = request.GET.get("flag", Flag.MISSED.value)
    if flag not in {f.value for f in Flag} or flag == "":
        flag = Flag.MISSED.value
    programme = request.GET.get("programme") or None
    qs = selectors.run_determinations(
        user=request.user, run=run, flag=flag, programme=programme
    ).order_by("area_code", "household_id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    households = Household.objects.in_bulk([d.household_id for d in page])
    rows = [(d, households.get(d.household_id)) for d in page]
    previous = PolicyRun.objects.filter(status="done", pk__lt=run.pk).order_by("-pk").first()
    changes = (
        selectors.run_compare(run=run, previous=previous, user=request.user).to_dicts()
        if previous
        else None
    )
    conditions = run.programmes
    for d, _h in rows:
        names = conditions.get(d.programme, {}).get("conditions", [])
        d.failed_labels = [label for i, (_n, label) in enumerate(names) if d.failed & (1 << i)]
    return render(
        request,
        "policy/run_detail.html",
        {
            "run": run,
            "flag": flag,
            "flags": [f for f in Flag if f.value],
            "page": page,
            "rows": rows,
            "summary": selectors.run_area_summary(user=request.user, run=run),
            "programme": programme,
            "previous": previous,
            "changes": changes,
        },
    )


@login_required
def simulation(request):
    require_capability(request.user, POLICY_VIEW)
    today = clock.today()
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    form = SimulationForm(request.GET or None, initial={"on": next_month})
    table = totals = chart = None
    timings = None
    if request.GET and form.is_valid():
        d = form.cleaned_data
        # Totals over the user's own areas only (issue 14.20): rows as fine as the user's
        # narrowest area, and the registry read for that area alone when there is one.
        scope = user_scope(request.user, POLICY_VIEW)
        area_len = max([6, *(len(p) for p in scope.prefixes)])
        try:
            res = services.simulate(
                area_len=min(area_len, 12),
                area_prefix=scope.prefixes[0] if len(scope.prefixes) == 1 else "",
                on=d["on"],
                overrides=[
                    {
                        "name": d["name"],
                        "value": d["value"],
                        "area_code": d["area_code"] or "",
                        "effective_from": d["on"],
                    }
                ],
            )
            table = selectors.simulation_rows(res["table"], request.user)
            totals = selectors.simulation_totals(table)
            timings = res["timings"]
            chart = selectors.cliff_chart(
                on=d["on"],
                size=d["size"],
                area_code=d["area_code"] or "",
                override={d["name"]: d["value"]},
            )
        except ServiceError as exc:
            form.add_error(None, exc.text())
    return render(
        request,
        "policy/simulation.html",
        {
            "form": form,
            "table": table,
            "totals": totals,
            "timings": timings,
            "chart_json": json.dumps(chart, ensure_ascii=False, default=str) if chart else None,
        },
    )


@login_required
def parameters(request):
    require_capability(request.user, POLICY_VIEW)
    specs, _catalogue = selectors.param_catalogue()
    can_configure = not user_scope(request.user, POLICY_CONFIGURE).empty
    form = None
    if can_configure:
        form = ParameterProposeForm(
            request.POST or None, specs=specs, initial={"effective_from": clock.today()}
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.parameter_propose(actor=request.user, **form.cleaned_data)
                messages.success(request, _("已提交，待另一名管理员审核后生效"))
                return redirect("policy:parameters")
            except ServiceError as exc:
                for field, msgs in exc.errors.items():
                    for m in msgs:
                        form.add_error(field if field in form.fields else None, m)
    current = selectors.current_parameter_table(on=clock.today())
    pending = list(
        ParameterValue.objects.filter(status=ParameterStatus.PROPOSED).select_related("proposed_by")
    )
    page = page_request(request, selectors.parameter_history(), per_page=50)
    history = page.items
    # a parameter is shown by its name (低保标准), never its dotted key; areas by their names
    codes = {p.area_code for p in [*pending, *history]} | {r["area_code"] for r in current}
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    for r in current:
        r["area_code"] = names.get(r["area_code"], r["area_code"])
    for p in [*pending, *history]:
        spec = specs.get(p.name)
        p.label_text = spec.label if spec else p.name
        p.area_text = names.get(p.area_code, p.area_code) if p.area_code else _("全国默认")
    return render(
        request,
        "policy/parameters.html",
        {
            "form": form,
            "current": current,
            "pending": pending,
            "history": history,
            "can_configure": can_configure,
        },
    )


@login_required
@require_POST
def parameter_decide(request, pk: int):
    if user_scope(request.user, POLICY_CONFIGURE).empty:
        raise PermissionDenied(POLICY_CONFIGURE)
    try:
        services.parameter_decide(
            actor=request.user,
            parameter_id=pk,
            approve=request.POST.get("approve") == "1",
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("已处理"))
    except ServiceError as exc:
        messages.error(request, exc.text())
    return redirect("policy:parameters")


# --- the programme editor (maker-checker, issue 19) -------------------------------------------


@login_required
def programmes(request):
    """救助项目定义: the programmes in force, the editor (YAML) and the proposals to approve."""
    from jiuzhu.policy.models import Programme as ProgrammeRow
    from jiuzhu.policy.models import ProgrammeProposal, ProposalStatus

    if user_scope(request.user, POLICY_CONFIGURE).empty:
        raise PermissionDenied(POLICY_CONFIGURE)
    kept = {}
    if request.method == "POST":
        try:
            services.programme_propose(
                actor=request.user,
                text=request.POST.get("text", ""),
                reason=request.POST.get("reason", ""),
            )
        except ServiceError as exc:
            messages.error(request, exc.text())
            kept = request.POST
        else:
            messages.success(request, _("已提交，待另一名管理员复核后生效"))
            return redirect("policy:programmes")
    register = {e.code: e for e in programme_register().values()}
    rows = [
        {
            "label": programme_label(p.code),
            "active": p.active,
            "version": p.version,
            "owner": label(DEPARTMENT, register[p.code].owner) if p.code in register else "",
        }
        for p in ProgrammeRow.objects.order_by("code")
    ]
    pending = ProgrammeProposal.objects.filter(status=ProposalStatus.PROPOSED).select_related(
        "proposed_by"
    )
    page = page_request(
        request,
        ProgrammeProposal.objects.exclude(status=ProposalStatus.PROPOSED).select_related(
            "proposed_by", "decided_by"
        ),
        per_page=25,
    )
    return render(
        request,
        "policy/programmes.html",
        {"rows": rows, "pending": pending, "page": page, "kept": kept},
    )


@login_required
@require_POST
def programme_decide(request, pk: int):
    if user_scope(request.user, POLICY_CONFIGURE).empty:
        raise PermissionDenied(POLICY_CONFIGURE)
    try:
        services.programme_proposal_decide(
            actor=request.user,
            proposal_id=pk,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已处理"))
    except ServiceError as exc:
        messages.error(request, exc.text())
    return redirect("policy:programmes")
