"""Pages of plans and the services market (thin: selectors read, services write)."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, has_capability, scoped, user_scope
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.masking import mask_account
from jiuzhu.core.pagination import page_request
from jiuzhu.registry.models import SELF_CARE_ITEMS, Household
from jiuzhu.support import selectors, services
from jiuzhu.support.models import (
    NEED_DOMAINS,
    RATING_CHOICES,
    Admission,
    OrderStatus,
    PickMode,
    Provider,
    ServiceKind,
    SupportPlan,
)


def _need(user, capability):
    if not has_capability(user, capability):
        raise PermissionDenied(capability)


def _errors(request, exc: ServiceError):
    for msgs in exc.errors.values():
        for m in msgs:
            messages.error(request, m)


def _int(value, default=0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# ---------------------------------------------------------------- plans


@login_required
def plans(request):
    _need(request.user, Capability.SUPPORT_PLAN)
    qs = selectors.plans_visible(request.user).order_by("review_date", "id")
    page = page_request(request, qs, per_page=50)
    return render(
        request,
        "support/plans.html",
        {"plans": page.items, "page": page, "today": clock.today()},
    )


@login_required
def plan_new(request):
    _need(request.user, Capability.SUPPORT_PLAN)
    hh = None
    number = (request.GET.get("household") or request.POST.get("household") or "").strip()
    if number:
        hh = (
            scoped(Household.objects.all(), request.user, Capability.SUPPORT_PLAN)
            .filter(number=number)
            .first()
        )
        if hh is None:
            messages.error(request, _("“家庭编号”在本人管辖范围内没有找到"))
    if request.method == "POST" and hh is not None:
        p = request.POST
        try:
            plan = services.plan_create(
                actor=request.user,
                household_id=hh.pk,
                person_id=_int(p.get("person")) or None,
                needs={code: p.get(f"need_{code}", "") for code, _label in NEED_DOMAINS},
                goals=p.get("goals", ""),
                measures=p.get("measures", ""),
                review_date=p.get("review_date", ""),
            )
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("帮扶计划已制定"))
            return redirect("support:plan", pk=plan.pk)
    form = request.POST if request.method == "POST" else {}
    return render(
        request,
        "support/plan_new.html",
        {
            "household": hh,
            "number": number,
            "form": form,
            "domains": [(c, label, form.get(f"need_{c}", "")) for c, label in NEED_DOMAINS],
            "members": list(hh.members.all()) if hh else [],
        },
    )


@login_required
def plan(request, pk: int):
    _need(request.user, Capability.SUPPORT_PLAN)
    if request.method == "POST":
        p, action = request.POST, request.POST.get("action", "")
        try:
            if action == "assess":
                services.plan_assess(
                    actor=request.user,
                    plan_id=pk,
                    person_id=_int(p.get("person")),
                    able={name: name in p.getlist("able") for name, _label in SELF_CARE_ITEMS},
                    assessor=p.get("assessor", ""),
                )
                messages.success(request, _("自理能力评估已记入家庭档案"))
            elif action == "review":
                services.plan_review(
                    actor=request.user,
                    plan_id=pk,
                    version=_int(p.get("version")),
                    satisfaction=p.get("satisfaction"),
                    capability=p.get("capability"),
                    integration=p.get("integration"),
                    next_review_date=p.get("next_review_date", ""),
                    note=p.get("note", ""),
                )
                messages.success(request, _("复评已记录"))
            elif action == "order":
                plan_obj = access(
                    SupportPlan.objects.all(),
                    request.user,
                    Capability.SUPPORT_PLAN,
                    pk=pk,
                )
                order = services.order_create(
                    actor=request.user,
                    household_id=plan_obj.household_id,
                    plan_id=plan_obj.pk,
                    kind_code=p.get("kind", ""),
                    quantity=p.get("quantity", ""),
                    need=p.get("need", ""),
                )
                messages.success(request, _("已点单：%(n)s") % {"n": order.number})
            else:
                raise Http404
        except ServiceError as exc:
            _errors(request, exc)
        else:
            return redirect("support:plan", pk=pk)
    ctx = selectors.plan_page(user=request.user, plan_id=pk)
    ctx.update(
        form=request.POST if request.method == "POST" else {},
        kinds=ServiceKind.objects.filter(active=True),
        ratings=RATING_CHOICES,
        can_order=has_capability(request.user, Capability.MARKET_ORDER),
        can_assess=has_capability(request.user, Capability.REGISTRY_EDIT),
    )
    return render(request, "support/plan.html", ctx)


# ---------------------------------------------------------------- bureau: 点单


@login_required
def orders(request):
    _need(request.user, Capability.MARKET_ORDER)
    if request.method == "POST":
        p = request.POST
        numbers = [n.strip() for n in p.get("households", "").replace("，", ",").split(",")]
        numbers = [n for n in numbers if n]
        visible = scoped(Household.objects.all(), request.user, Capability.MARKET_ORDER)
        found = dict(visible.filter(number__in=numbers).values_list("number", "pk"))
        missing = [n for n in numbers if n not in found]
        try:
            if not numbers or missing:
                raise ServiceError(
                    _("“家庭编号”在本人管辖范围内没有找到：%(n)s")
                    % {"n": "、".join(missing) or "—"},
                    field="households",
                )
            made = services.order_create_batch(
                actor=request.user,
                household_ids=[found[n] for n in numbers],
                kind_code=p.get("kind", ""),
                quantity=p.get("quantity", ""),
                need=p.get("need", ""),
            )
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(
                request,
                _("已点单 %(n)s 笔：%(numbers)s")
                % {"n": len(made), "numbers": "、".join(o.number for o in made)},
            )
            return redirect("support:orders")
    page = page_request(request, selectors.orders_bureau(request.user), per_page=50)
    return render(
        request,
        "support/orders.html",
        {
            "orders": page.items,
            "page": page,
            "kinds": ServiceKind.objects.filter(active=True),
            "form": request.POST if request.method == "POST" else {},
            "pending_prices": selectors.prices_pending(user=request.user),
            "ratings": RATING_CHOICES,
        },
    )


# ---------------------------------------------------------------- the service centre


@login_required
def centre(request):
    _need(request.user, Capability.MARKET_CENTRE)
    scope = user_scope(request.user, Capability.MARKET_CENTRE)
    area = scope.prefixes[0].ljust(12, "0") if scope.prefixes else ""
    if request.method == "POST":
        try:
            services.market_setting_set(
                actor=request.user, area_code=area, pick_mode=request.POST.get("pick_mode", "")
            )
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("抢单方式已保存"))
            return redirect("support:centre")
    qs = selectors.orders_centre(request.user)
    page = page_request(request, qs, per_page=50)
    return render(
        request,
        "support/centre.html",
        {
            "orders": page.items,
            "page": page,
            "to_publish": qs.filter(status=OrderStatus.ORDERED).count(),
            "to_accept": qs.filter(status=OrderStatus.DONE).count(),
            "pick_mode": services.pick_mode_for(area) if area else "",
            "pick_modes": PickMode.choices,
        },
    )


@login_required
def prices(request):
    if not (
        has_capability(request.user, Capability.MARKET_CENTRE)
        or has_capability(request.user, Capability.MARKET_ORDER)
    ):
        raise PermissionDenied
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("action") == "decide":
                services.price_decide(
                    actor=request.user,
                    price_id=_int(p.get("price")),
                    approve=p.get("approve") == "1",
                    reason=p.get("reason", ""),
                )
                messages.success(request, _("单价审核已记录"))
            else:
                services.price_propose(
                    actor=request.user,
                    kind_code=p.get("kind", ""),
                    area_code=p.get("area", ""),
                    year=p.get("year"),
                    effective_from=p.get("effective_from", ""),
                    unit_price=p.get("unit_price", ""),
                    reason=p.get("reason", ""),
                )
                messages.success(request, _("单价已提出，待民政部门审核"))
        except ServiceError as exc:
            _errors(request, exc)
        else:
            return redirect("support:prices")
    ctx = selectors.catalogue(user=request.user)
    page = page_request(request, ctx["prices"], per_page=50)
    ctx.update(
        prices=page.items,
        page=page,
        form=request.POST if request.method == "POST" else {},
        can_propose=has_capability(request.user, Capability.MARKET_CENTRE),
        can_decide=has_capability(request.user, Capability.MARKET_ORDER),
        year=clock.today().year,
        areas=user_scope(request.user, Capability.MARKET_CENTRE).prefixes,
    )
    return render(request, "support/prices.html", ctx)


@login_required
def providers(request):
    _need(request.user, Capability.MARKET_CENTRE)
    if request.method == "POST":
        p = request.POST
        try:
            scope = user_scope(request.user, Capability.MARKET_CENTRE)
            area = p.get("area", "") or (scope.prefixes[0].ljust(12, "0") if scope.prefixes else "")
            provider = services.provider_create(
                actor=request.user,
                name=p.get("name", ""),
                credit_code=p.get("credit_code", ""),
                area_code=area,
                served_areas=[c.strip() for c in p.get("served_areas", "").split(",")],
                kind_codes=p.getlist("kinds"),
                contact=p.get("contact", ""),
                phone=p.get("phone", ""),
                bank_name=p.get("bank_name", ""),
                account_number=p.get("account_number", ""),
            )
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("服务机构已登记"))
            return redirect("support:provider", pk=provider.pk)
    page = page_request(request, selectors.providers_visible(request.user), per_page=50)
    return render(
        request,
        "support/providers.html",
        {
            "providers": page.items,
            "page": page,
            "kinds": ServiceKind.objects.filter(active=True),
            "form": request.POST if request.method == "POST" else {},
            "today": clock.today(),
        },
    )


@login_required
def provider(request, pk: int):
    _need(request.user, Capability.MARKET_CENTRE)
    obj = access(Provider.objects.all(), request.user, Capability.MARKET_CENTRE, pk=pk)
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("action") == "admit":
                services.provider_admit(
                    actor=request.user, provider_id=obj.pk, admission=p.get("admission", "")
                )
            else:
                services.staff_add(
                    actor=request.user,
                    provider_id=obj.pk,
                    name=p.get("name", ""),
                    certificate=p.get("certificate", ""),
                    certificate_no=p.get("certificate_no", ""),
                    certificate_expiry=p.get("certificate_expiry", ""),
                )
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("support:provider", pk=obj.pk)
    return render(
        request,
        "support/provider.html",
        {
            "provider": obj,
            "staff": obj.staff.all(),
            "admissions": Admission.choices,
            "today": clock.today(),
            "form": request.POST if request.method == "POST" else {},
        },
    )


# ---------------------------------------------------------------- providers and workers


@login_required
def hall(request):
    _need(request.user, Capability.MARKET_PROVIDE)
    qs = selectors.orders_provider(request.user)
    staff = selectors.my_staff(request.user)
    return render(
        request,
        "support/hall.html",
        {
            "open": list(qs.filter(status=OrderStatus.PUBLISHED).exclude(provider__isnull=False)),
            "mine": page_request(request, qs.exclude(provider__isnull=True), per_page=50),
            "staff": staff,
        },
    )


@login_required
def my_orders(request):
    _need(request.user, Capability.MARKET_SERVE)
    page = page_request(request, selectors.orders_worker(request.user), per_page=50)
    return render(request, "support/my_orders.html", {"orders": page.items, "page": page})


@login_required
def order(request, pk: int):
    ctx = selectors.order_page(user=request.user, order_id=pk)
    ctx.update(ratings=RATING_CHOICES, form={})
    return render(request, "support/order.html", ctx)


@login_required
@require_POST
def order_act(request, pk: int, action: str):
    p, user = request.POST, request.user
    try:
        _order, role = selectors.order_for(user, pk)
    except Http404:
        if action == "claim" and selectors.taken_from_provider(user, pk):
            messages.error(request, _("该订单已被其他机构接单或已结束，不能再抢单"))
            return redirect("support:hall")
        raise
    try:
        if action == "publish":
            services.order_publish(
                actor=user,
                order_id=pk,
                deadline=p.get("deadline", ""),
                conditions=p.get("conditions", ""),
            )
            messages.success(request, _("订单已发布，等待服务机构抢单"))
        elif action == "claim":
            services.order_claim(actor=user, order_id=pk, worker_id=_int(p.get("worker")))
            messages.success(request, _("抢单已提交"))
        elif action == "pick":
            services.order_pick(actor=user, order_id=pk, claim_id=_int(p.get("claim")))
            messages.success(request, _("已选定接单机构"))
        elif action in ("rate_bureau", "rate_centre"):
            services.order_rate(
                actor=user, order_id=pk, who=action.split("_")[1], rating=p.get("rating")
            )
            messages.success(request, _("评价已记录"))
        elif action == "accept":
            services.order_accept(actor=user, order_id=pk, version=_int(p.get("version")))
            messages.success(request, _("已验收，服务费已转入资金发放待复核"))
        else:
            raise Http404
    except ServiceError as exc:
        _errors(request, exc)
        if role == "provider":
            try:
                selectors.order_for(user, pk)
            except Http404:  # taken by another provider meanwhile: back to the hall
                return redirect("support:hall")
    return redirect("support:order", pk=pk)


@login_required
def order_serve(request, pk: int):
    """The worker's phone page: the home-visit capture of cases (GPS, time, photos, signature)."""
    _need(request.user, Capability.MARKET_SERVE)
    order, role = selectors.order_for(request.user, pk)
    if role != "worker":
        raise Http404
    if request.method == "POST":
        p = request.POST
        sig = p.get("signature", "")
        png = b""
        if sig.startswith("data:image/png;base64,"):
            try:
                png = base64.b64decode(sig.split(",", 1)[1], validate=True)
            except ValueError:
                png = b""
        try:
            services.order_serve(
                actor=request.user,
                order_id=pk,
                version=_int(p.get("version")),
                hours=p.get("hours", ""),
                record=p.get("record", ""),
                signature_png=png,
                photos=request.FILES.getlist("photos"),
                latitude=p.get("latitude") or None,
                longitude=p.get("longitude") or None,
                household_rating=p.get("rating_household") or None,
            )
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("服务已登记"))
            return redirect("support:my_orders")
    ctx = selectors.order_page(user=request.user, order_id=pk)
    ctx.update(
        form=request.POST if request.method == "POST" else {},
        ratings=RATING_CHOICES,
        max_upload=services.MAX_PHOTO_BYTES,
    )
    return render(request, "support/serve.html", ctx)


@login_required
def order_signature(request, pk: int):
    order, _role = selectors.order_for(request.user, pk)
    if not order.signature_png:
        raise Http404
    return HttpResponse(bytes(order.signature_png), content_type="image/png")


# ---------------------------------------------------------------- settlement and statistics


@login_required
def settlement(request):
    from jiuzhu.funds import selectors as funds_selectors
    from jiuzhu.funds import services as funds_services

    _need(request.user, Capability.FUNDS_VIEW)
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("action") == "approve":
                funds_services.service_payment_approve(
                    actor=request.user,
                    payment_id=_int(p.get("payment")),
                    version=_int(p.get("version")),
                )
                messages.success(request, _("服务费已复核"))
            elif p.get("action") == "release":
                funds_services.service_payment_release(
                    actor=request.user,
                    payment_id=_int(p.get("payment")),
                    version=_int(p.get("version")),
                )
                messages.success(request, _("服务费已拨付"))
            else:
                raise Http404
        except ServiceError as exc:
            _errors(request, exc)
        except PermissionDenied:
            messages.error(request, _("无权办理该服务费"))
        return redirect("support:settlement")
    page = page_request(request, funds_selectors.service_payments(user=request.user), per_page=50)
    for payment in page.items:  # account numbers are masked on every page
        payment.masked_account = mask_account(payment.account_number)
    return render(
        request,
        "support/settlement.html",
        {
            "payments": page.items,
            "page": page,
            "can_approve": has_capability(request.user, Capability.PAYROLL_APPROVE),
            "can_release": has_capability(request.user, Capability.PAYROLL_RELEASE),
        },
    )


@login_required
def stats(request):
    _need(request.user, Capability.STATS_VIEW)
    return render(request, "support/stats.html", selectors.market_stats(user=request.user))
