"""Thin views: parse, call a selector or service, render."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability, require_capability
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.pagination import page_request
from jiuzhu.core.programmes import programme_label
from jiuzhu.stats import engine, export, selectors, services, streetmap
from jiuzhu.stats.models import QualityKind, SpotResult

TREND_IDS = ["people_dibao_urban", "people_dibao_rural", "people_tekun"]
RANK_IDS = ["people_dibao_urban", "people_dibao_rural", "spend_dibao", "people_tekun"]
TIER_LABELS = {
    "floor": gettext_lazy("兜底保障"),
    "special": gettext_lazy("专项救助"),
    "watch": gettext_lazy("监测预警"),
}


def _month(request) -> datetime.date:
    raw = request.GET.get("month", "")
    try:
        return datetime.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        return engine.add_months(engine.month_start(clock.today()), -1)


def _area_code(request, capability=Capability.STATS_VIEW) -> str:
    code = request.GET.get("area", "")
    if code:
        return code
    area = selectors.default_area(request.user, capability)
    if area is None:
        raise Http404
    return area.code


@login_required
def monthly(request):
    require_capability(request.user, Capability.STATS_VIEW)
    month = _month(request)
    report = selectors.monthly_report(user=request.user, area_code=_area_code(request), month=month)
    area = report["area"]
    ranking = selectors.area_breakdown(user=request.user, area=area, month=month, ids=RANK_IDS)
    by_id = report["form"].by_id()
    tr = selectors.trend(area=area, month=month, ids=TREND_IDS)
    chart = {
        "trend": tr,
        "ranking": {
            "names": [r["area"].name for r in ranking],
            "values": [float(r["values"][0] or 0) for r in ranking],  # chart data only
            "label": by_id[RANK_IDS[0]].name,
        },
        "composition": [
            {"name": by_id[i].name, "value": float(report["values"][i] or 0) / 1_000_000}
            for i in (
                "spend_dibao",
                "spend_tekun",
                "spend_temp",
                "spend_orphan",
                "spend_unsupported",
            )
        ],
        "map": area.level == "city",
        "map_values": [
            {"name": r["area"].name, "value": float(r["values"][0] or 0)} for r in ranking
        ],
    }
    street_geo = streetmap.street_map_for(area.code) if area.level == "county" else None
    if street_geo is not None:  # the province's boundaries, imported: draw the streets
        chart["map"] = "streets"
        chart["street_geo"] = street_geo
    return render(
        request,
        "stats/monthly.html",
        {
            "report": report,
            "ranking": ranking,
            "rank_headers": [by_id[i] for i in RANK_IDS],
            "areas": selectors.reporting_areas(request.user),
            "month_text": f"{report['month']:%Y-%m}",
            "chart": chart,
            "can_snapshot": has_capability(request.user, Capability.SUPERVISE),
            "street_map_missing": area.level == "county" and street_geo is None,
            "can_import_map": has_capability(request.user, Capability.AREAS_MANAGE),
        },
    )


@login_required
def monthly_export(request):
    require_capability(request.user, Capability.STATS_VIEW)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise Http404
    month = _month(request)
    report = selectors.monthly_report(
        user=request.user, area_code=_area_code(request), month=month, fmt=fmt
    )
    name = f"monthly-{report['area'].code}-{report['month']:%Y%m}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(
            export.report_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(export.report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def drill(request):
    require_capability(request.user, Capability.STATS_VIEW)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    data = selectors.drilldown(
        user=request.user,
        area_code=_area_code(request),
        month=_month(request),
        indicator=request.GET.get("indicator", ""),
        page=page,
    )
    for item in data["items"]:
        item["programme_label"] = programme_label(item["programme"])
        item["urban_rural_label"] = {"urban": _("城市"), "rural": _("农村")}.get(
            item["urban_rural"], ""
        )
    return render(
        request, "stats/drill.html", {"data": data, "month_text": f"{data['month']:%Y-%m}"}
    )


@login_required
@require_POST
def snapshot_take_view(request):
    require_capability(request.user, Capability.SUPERVISE)
    raw = request.POST.get("month", "")
    back = reverse("stats:monthly") + f"?month={raw}&area={request.POST.get('area', '')}"
    try:
        month = datetime.datetime.strptime(raw, "%Y-%m").date()
        snap = services.snapshot_take(
            month=month, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValueError:
        messages.error(request, _("统计月份：须为 YYYY-MM 格式"))
    except ServiceError as exc:
        messages.error(request, exc.text())
    else:
        messages.success(
            request, _("已生成 %(m)s 月末快照（%(n)s 行）") % {"m": raw, "n": snap.rows}
        )
    return redirect(back)


@login_required
def kpis(request):
    require_capability(request.user, Capability.STATS_VIEW)
    month = _month(request)
    data = selectors.kpis(user=request.user, area_code=_area_code(request), month=month)
    area = data["area"]
    ranking = selectors.area_breakdown(user=request.user, area=area, month=month, ids=RANK_IDS)
    tiers = [{"name": str(TIER_LABELS[k]), "value": v} for k, v in data["tiers"].items()]
    return render(
        request,
        "stats/kpis.html",
        {
            "data": data,
            "ranking": ranking,
            "areas": selectors.reporting_areas(request.user),
            "month_text": f"{month:%Y-%m}",
            "tier_rows": [(TIER_LABELS[k], v) for k, v in data["tiers"].items()],
            "chart": {"tiers": tiers},
            "stage_rows": [(STAGE_LABELS[k], v) for k, v in data["satisfaction"]["stages"].items()],
        },
    )


STAGE_LABELS = {"visit": gettext_lazy("入户调查"), "decision": gettext_lazy("审批决定")}


@login_required
def ratings(request):
    """满意度 drill-down: the ratings behind the month's figures, scoped, paginated, audited."""
    require_capability(request.user, Capability.STATS_VIEW)
    month = _month(request)
    area, qs = selectors.satisfaction_ratings(
        user=request.user, area_code=_area_code(request), month=month
    )
    page = page_request(request, qs)
    selectors.ratings_viewed(user=request.user, area=area, month=month, ratings=page.items)
    for r in page.items:
        r.stage_label = STAGE_LABELS.get(r.stage, "")
    return render(
        request,
        "stats/ratings.html",
        {"area": area, "page": page, "month_text": f"{month:%Y-%m}"},
    )


@login_required
def supervision(request):
    require_capability(request.user, Capability.SUPERVISE)
    items_page = page_request(request, selectors.supervision_items(user=request.user))
    plans = page_request(request, selectors.spot_plans(user=request.user), prefix="plans_")
    items = items_page.items
    for i in items:
        i.programme_label = programme_label(i.programme)
    return render(
        request,
        "stats/supervision.html",
        {
            "items": items,
            "items_page": items_page,
            "plans": plans,
            "quality": [
                (label, selectors.data_quality_counts(user=request.user).get(k, 0), k)
                for k, label in QualityKind.choices
            ],
            "today": clock.today(),
        },
    )


@login_required
def spot_plan_new(request):
    require_capability(request.user, Capability.SUPERVISE)
    area = selectors.default_area(request.user, Capability.SUPERVISE)
    values = {
        "name": "",
        "area": area.code if area else "",
        "period_start": "",
        "period_end": "",
        "tekun": "30",
        "dibao_street_final": "10",
        "seed": "",
    }
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        try:
            start = datetime.date.fromisoformat(values["period_start"])
        except ValueError:
            errors["period_start"] = [_("决定日期自：须为 YYYY-MM-DD")]
        try:
            end = datetime.date.fromisoformat(values["period_end"])
        except ValueError:
            errors["period_end"] = [_("决定日期至：须为 YYYY-MM-DD")]
        shares = {}
        for key in ("tekun", "dibao_street_final"):
            try:
                shares[key] = Decimal(values[key] or "0")
            except InvalidOperation:
                errors[key] = [_("抽查比例：须为数字")]
        seed = None
        if values["seed"]:
            if values["seed"].isdigit():
                seed = int(values["seed"])
            else:
                errors["seed"] = [_("随机种子：须为正整数")]
        if not errors:
            try:
                selectors.area_for(request.user, values["area"], Capability.SUPERVISE)
                plan = services.spot_plan_create(
                    actor=request.user,
                    name=values["name"],
                    area_code=values["area"],
                    period_start=start,
                    period_end=end,
                    shares=shares,
                    seed=seed,
                )
            except ServiceError as exc:
                errors = exc.errors
            else:
                return redirect("stats:spot_plan", plan_id=plan.pk)
    return render(
        request,
        "stats/spot_plan_new.html",
        {
            "values": values,
            "errors": errors,
            "areas": selectors.reporting_areas(request.user, Capability.SUPERVISE),
        },
    )


@login_required
def spot_plan(request, plan_id: int):
    require_capability(request.user, Capability.SUPERVISE)
    data = selectors.spot_plan_get(user=request.user, plan_id=plan_id)
    labels = {"tekun": _("特困人员认定"), "dibao_street_final": _("乡镇(街道)终审低保")}
    for row in data["samples"]:
        row.stratum_label = labels.get(row.stratum) or programme_label(row.stratum)
    summary = [(labels.get(k) or programme_label(k), v) for k, v in sorted(data["summary"].items())]
    return render(
        request,
        "stats/spot_plan.html",
        {"data": data, "summary": summary, "results": [c for c in SpotResult.choices if c[0]]},
    )


@login_required
@require_POST
def spot_result(request, sample_id: int):
    require_capability(request.user, Capability.SUPERVISE)
    try:
        version = int(request.POST.get("version", "0"))
    except ValueError:
        version = 0
    try:
        sample = services.spot_result_record(
            actor=request.user,
            sample_id=sample_id,
            result=request.POST.get("result", ""),
            note=request.POST.get("note", ""),
            version=version,
        )
    except ServiceError as exc:
        messages.error(request, exc.text())
        plan_id = request.POST.get("plan", "")
        return redirect(
            reverse("stats:spot_plan", args=[plan_id]) if plan_id.isdigit() else "stats:supervision"
        )
    messages.success(request, _("已记录复查结论"))
    return redirect("stats:spot_plan", plan_id=sample.plan_id)


@login_required
def quality(request):
    require_capability(request.user, Capability.SUPERVISE)
    kind = request.GET.get("kind", "")
    if kind and kind not in QualityKind.values:
        kind = ""
    qs = selectors.data_quality(user=request.user, kind=kind)
    total = qs.count()
    items = list(qs[:200])
    labels = dict(QualityKind.choices)
    for i in items:
        i.kind_label = labels.get(i.kind, "")
    return render(
        request,
        "stats/quality.html",
        {"items": items, "total": total, "kind": kind, "kinds": QualityKind.choices},
    )


@login_required
def street_maps(request):
    """街道边界: an administrator imports the province's GeoJSON of a county's streets."""
    require_capability(request.user, Capability.AREAS_MANAGE)
    error = ""
    chosen = request.POST.get("county", "")
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ServiceError(_("文件：请选择 GeoJSON 文件"), field="file")
            obj = streetmap.street_map_import(
                actor=request.user, county_code=chosen, data=upload.read(), filename=upload.name
            )
        except ServiceError as exc:
            error = exc.text()
        else:
            messages.success(request, _("已导入 %(n)s 个街道的边界") % {"n": obj.features})
            return redirect("stats:street_maps")
    return render(
        request,
        "stats/street_maps.html",
        {"rows": streetmap.street_maps(user=request.user), "error": error, "chosen": chosen},
    )
