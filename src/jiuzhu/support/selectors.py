"""Reads of plans and the market. Providers and their workers see only their own orders (and
the published ones they may claim) with the household's name, address and phone for the visit —
never an ID number or an income."""

from __future__ import annotations

import datetime
import decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, has_capability, scoped, user_scope
from jiuzhu.audit.services import audit_read
from jiuzhu.core import clock
from jiuzhu.core.masking import mask_phone
from jiuzhu.registry.models import SELF_CARE_ITEMS, Household, RollEntry, SelfCareAssessment
from jiuzhu.support.models import (
    NEED_DOMAINS,
    Admission,
    OrderStatus,
    PlanStatus,
    PriceStatus,
    Provider,
    ProviderStaff,
    ServiceClaim,
    ServiceKind,
    ServiceOrder,
    ServicePrice,
    SupportPlan,
)

COVERAGE_TARGET = decimal.Decimal("0.60")  # 一户一策 coverage target of the seeds (60 %)
ESCALATE_AFTER_DAYS = 5  # working days overdue after which a review goes to the county too


def _label(code: str) -> str:
    return str(
        {
            "full": _("具备生活自理能力"),
            "partial": _("部分丧失生活自理能力"),
            "none": _("完全丧失生活自理能力"),
        }.get(code, code)
    )


def my_staff(user) -> ProviderStaff | None:
    if user is None or not user.is_authenticated:
        return None
    return ProviderStaff.objects.select_related("provider").filter(user=user, active=True).first()


# ---------------------------------------------------------------- plans


def plans_visible(user):
    return scoped(
        SupportPlan.objects.select_related("household", "area", "person"),
        user,
        Capability.SUPPORT_PLAN,
    )


def plan_page(*, user, plan_id: int) -> dict:
    """The household's whole picture on one screen: members and their self-care level (as the
    calculator decides it from the six items), cash programmes held, needs, goals, measures,
    services ordered and their state, reviews."""
    from jiuzhu.policy.selectors import calculate_household

    plan = access(
        SupportPlan.objects.select_related("household", "area", "person"),
        user,
        Capability.SUPPORT_PLAN,
        pk=plan_id,
    )
    audit_read(
        user,
        "support.plan_view",
        subject_type="support_plan",
        subject_id=plan.pk,
        household_id=plan.household_id,
        area_code=plan.area_id,
    )
    hh = plan.household
    levels = {}
    try:
        calc = calculate_household(household_id=hh.pk, on=clock.today())
        levels = {m["id"]: m["self_care"] for m in calc.get("members", [])}
    except Exception:  # noqa: BLE001 - the calculator's refusal leaves the level unknown
        calc = None
    latest = {}
    for a in SelfCareAssessment.objects.filter(household=hh).order_by("as_of", "id"):
        latest[a.person_id] = a
    members = []
    for p in hh.members.all().order_by("id"):
        lvl = levels.get(p.pk)
        members.append(
            {
                "person": p,
                "level": _label(lvl["value"]) if lvl else "",
                "items_unable": lvl["items_unable"] if lvl else None,
                "assessment": latest.get(p.pk),
            }
        )
    today = clock.today()
    cash = RollEntry.objects.filter(household=hh, start_month__lte=today).filter(
        Q(end_month__isnull=True) | Q(end_month__gte=today.replace(day=1))
    )
    return {
        "plan": plan,
        "household": hh,
        "members": members,
        "calculated": calc is not None,
        "cash": list(cash),
        "needs": [(label, plan.needs.get(code, "")) for code, label in NEED_DOMAINS],
        "orders": list(plan.orders.select_related("kind", "provider").order_by("-id")),
        "household_orders": list(
            ServiceOrder.objects.filter(household=hh, plan__isnull=True).select_related("kind")
        ),
        "reviews": list(plan.reviews.select_related("reviewer")),
        "items": SELF_CARE_ITEMS,
        "overdue": plan.review_date < today,
    }


def todo_source(*, user, today: datetime.date, limit: int | None = None) -> list:
    """Plan reviews due on the 待办 page: for whoever plans in the area; once overdue by more
    than ESCALATE_AFTER_DAYS working days also for the county (督办, stats.supervise)."""
    from jiuzhu.cases.selectors import TodoRow, todo_flag

    rows = []
    own = user_scope(user, Capability.SUPPORT_PLAN)
    if own.empty:
        return rows
    horizon = today + datetime.timedelta(days=30)
    qs = plans_visible(user).filter(status=PlanStatus.ACTIVE, review_date__lte=horizon)
    supervisor = has_capability(user, Capability.SUPERVISE)
    for plan in qs.order_by("review_date", "id")[:limit]:
        flag, days = todo_flag(today, plan.review_date)
        escalated = flag == "overdue" and -days > ESCALATE_AFTER_DAYS
        if supervisor and not escalated:
            continue  # the county sees a plan only once it is escalated
        rows.append(
            TodoRow(
                due_date=plan.review_date,
                flag=flag,
                days_left=days,
                kind_label=_("帮扶计划复评") + (_("（已升级）") if escalated else ""),
                ref_label=_("帮扶计划 #%(n)s") % {"n": plan.pk},
                ref_url=reverse("support:plan", args=[plan.pk]),
                person=plan.household.head_name,
                programme="",
                note=_("复评日期 %(d)s") % {"d": plan.review_date.isoformat()},
                source="plan",
            )
        )
    return rows


# ---------------------------------------------------------------- catalogue


def catalogue(*, user) -> dict:
    today = clock.today()
    from jiuzhu.support.services import price_in_force

    scope = user_scope(user, Capability.MARKET_CENTRE)
    if scope.empty:
        scope = user_scope(user, Capability.MARKET_ORDER)
    area = scope.prefixes[0].ljust(12, "0") if scope.prefixes else ""
    kinds = [
        {"kind": k, "price": price_in_force(k, area, today) if area else None}
        for k in ServiceKind.objects.filter(active=True)
    ]
    prices = ServicePrice.objects.select_related("kind", "area", "proposed_by", "decided_by")
    prices = prices.filter(scope.q("area_id")) if area else prices.none()
    return {"kinds": kinds, "prices": prices, "area": area}


def prices_pending(*, user):
    return scoped(
        ServicePrice.objects.filter(status=PriceStatus.PROPOSED).select_related("kind", "area"),
        user,
        Capability.MARKET_ORDER,
    )


def providers_visible(user):
    return scoped(Provider.objects.all(), user, Capability.MARKET_CENTRE).prefetch_related(
        "kinds", "staff"
    )


# ---------------------------------------------------------------- orders


def orders_bureau(user):
    return scoped(
        ServiceOrder.objects.select_related("kind", "household", "provider", "area"),
        user,
        Capability.MARKET_ORDER,
    )


def orders_centre(user):
    return scoped(
        ServiceOrder.objects.select_related("kind", "household", "provider", "area"),
        user,
        Capability.MARKET_CENTRE,
    )


def orders_provider(user):
    """Published orders this provider may claim, and its own orders — nothing else."""
    staff = my_staff(user)
    if staff is None or not staff.is_admin:
        return ServiceOrder.objects.none()
    p = staff.provider
    served = Q(pk__in=[])
    from jiuzhu.support.models import area_prefix

    for code in p.served_areas:
        served |= Q(area__code__startswith=area_prefix(code))
    open_ = Q(status=OrderStatus.PUBLISHED, kind__in=p.kinds.all()) & served
    if p.admission != Admission.ADMITTED:
        open_ = Q(pk__in=[])
    return scoped(
        ServiceOrder.objects.filter(open_ | Q(provider=p)).select_related("kind", "area"),
        user,
        Capability.MARKET_PROVIDE,
    ).distinct()


def orders_worker(user):
    return scoped(
        ServiceOrder.objects.filter(worker__user=user).select_related("kind", "area"),
        user,
        Capability.MARKET_SERVE,
    )


def taken_from_provider(user, order_id: int) -> bool:
    """An order this provider could have claimed (its areas and services, once published) that
    another provider has taken meanwhile: the late claimer is told so, not shown a 404."""
    staff = my_staff(user)
    if staff is None or not staff.is_admin:
        return False
    p = staff.provider
    order = (
        scoped(ServiceOrder.objects.all(), user, Capability.MARKET_PROVIDE)
        .filter(pk=order_id, published_at__isnull=False, kind__in=p.kinds.all())
        .exclude(provider=p)
        .first()
    )
    return order is not None and p.serves(order.area_id)


def household_for_provider(order: ServiceOrder, *, full_phone: bool) -> dict:
    """What a provider may know of the household: name, address, phone — never an ID number or
    an income. The phone in full only to the worker doing the visit (an audited read)."""
    hh = Household.objects.only("head_name", "address", "phone").get(pk=order.household_id)
    return {
        "name": hh.head_name,
        "address": hh.address or order.area.name,
        "phone": hh.phone if full_phone else mask_phone(hh.phone),
    }


def order_for(user, order_id: int):
    """An order the user may see, and as whom: bureau, centre, provider or worker (404 else)."""
    for role, qs_fn in (
        ("centre", orders_centre),
        ("bureau", orders_bureau),
        ("worker", orders_worker),
        ("provider", orders_provider),
    ):
        order = qs_fn(user).filter(pk=order_id).first()
        if order is not None:
            return order, role
    from django.http import Http404

    raise Http404


def order_page(*, user, order_id: int) -> dict:
    order, role = order_for(user, order_id)
    provider_side = role in ("provider", "worker")
    audit_read(
        user,
        "support.order_view",
        subject_type="service_order",
        subject_id=order.pk,
        household_id=order.household_id,
        area_code=order.area_id,
    )
    staff = my_staff(user) if provider_side else None
    claims = ServiceClaim.objects.filter(order=order).select_related("provider", "worker")
    if provider_side:
        claims = claims.filter(provider=staff.provider) if staff else claims.none()
    today = clock.today()
    return {
        "order": order,
        "role": role,
        "household": household_for_provider(order, full_phone=role == "worker")
        if provider_side
        else None,
        "claims": list(claims),
        "workers": list(staff.provider.staff.filter(active=True, is_admin=False)) if staff else [],
        "today": today,
        "photos": order.photos.count(),
    }


def pending_acceptance(user):
    return orders_centre(user).filter(status=OrderStatus.DONE)


# ---------------------------------------------------------------- statistics


def market_stats(*, user) -> dict:
    """Plan coverage against the 60 % target (households on the roll with an active plan),
    service hours and spend by service, provider scores — in the user's areas."""
    from jiuzhu.funds.selectors import service_spend

    scope = user_scope(user, Capability.STATS_VIEW)
    roll_households = (
        RollEntry.objects.filter(end_month__isnull=True)
        .filter(scope.q("household__hukou_area_id"))
        .values("household_id")
        .distinct()
        .count()
    )
    planned = (
        SupportPlan.objects.filter(status=PlanStatus.ACTIVE)
        .filter(scope.q("area_id"))
        .values("household_id")
        .distinct()
        .count()
    )
    coverage = (
        (decimal.Decimal(planned) / roll_households).quantize(decimal.Decimal("0.001"))
        if roll_households
        else decimal.Decimal(0)
    )
    orders = ServiceOrder.objects.filter(scope.q("area_id"))
    by_kind = list(
        orders.filter(status__in=[OrderStatus.DONE, OrderStatus.ACCEPTED])
        .values("kind__name")
        .annotate(hours=Sum("hours"), n=Count("id"), amount=Sum("amount"))
        .order_by("kind__name")
    )
    paid = {}
    order_kind = dict(orders.values_list("pk", "kind__name"))
    for row in service_spend():
        oid = int(row["source"].split(":", 1)[1]) if row["source"].startswith("order:") else None
        if oid in order_kind:
            paid[order_kind[oid]] = paid.get(order_kind[oid], 0) + row["amount"]
    for r in by_kind:
        r["paid"] = paid.get(r["kind__name"], decimal.Decimal(0))
    providers = Provider.objects.filter(scope.q("area_id")).order_by("-score", "name")
    reviews = (
        SupportPlan.objects.filter(scope.q("area_id"))
        .filter(reviews__isnull=False)
        .values_list("reviews__satisfaction", "reviews__capability", "reviews__integration")
    )
    rv = list(reviews)

    def mean(i):
        return (
            (decimal.Decimal(sum(r[i] for r in rv)) / len(rv)).quantize(decimal.Decimal("0.01"))
            if rv
            else None
        )

    return {
        "roll_households": roll_households,
        "planned": planned,
        "coverage": coverage,
        "coverage_pct": (coverage * 100).quantize(decimal.Decimal("0.1")),
        "target_pct": (COVERAGE_TARGET * 100).quantize(decimal.Decimal("1")),
        "meets_target": coverage >= COVERAGE_TARGET,
        "by_kind": by_kind,
        "hours": sum((r["hours"] or 0) for r in by_kind),
        "providers": list(providers),
        "outcomes": {"satisfaction": mean(0), "capability": mean(1), "integration": mean(2)},
        "reviews": len(rv),
    }
