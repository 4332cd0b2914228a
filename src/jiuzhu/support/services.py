"""Writes of plans and the services market: each one transaction, scope-checked, validated,
audited. Settlement goes through ``jiuzhu.funds.services`` (never funds' tables)."""

from __future__ import annotations

import datetime
import decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, require_area, user_scope
from jiuzhu.areas.models import Area
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.registry.models import SELF_CARE_ITEMS, Household, Person
from jiuzhu.support.models import (
    CATALOGUE,
    NEED_DOMAINS,
    Admission,
    ClaimStatus,
    MarketSetting,
    OrderStatus,
    PickMode,
    PlanReview,
    PriceStatus,
    Provider,
    ProviderStaff,
    ServiceClaim,
    ServiceKind,
    ServiceOrder,
    ServicePhoto,
    ServicePrice,
    SupportPlan,
    area_prefix,
)

SCORE_WINDOW = 20  # a provider's score: the mean rating of its last 20 fully rated services
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def _money(value, field: str, label: str) -> decimal.Decimal:
    try:
        v = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        raise ServiceError(_("“%(label)s”须为金额数字") % {"label": label}, field=field) from None
    if not v.is_finite() or v <= 0 or v != v.quantize(decimal.Decimal("0.01")):
        raise ServiceError(_("“%(label)s”须大于零，最多两位小数") % {"label": label}, field=field)
    return v


def _date(value, field: str, label: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ServiceError(
            _("“%(label)s”不是有效日期，请按 年-月-日 填写") % {"label": label}, field=field
        ) from None


def _rating(value, field: str, label: str) -> int:
    try:
        v = int(value)
    except (TypeError, ValueError):
        v = 0
    if not 1 <= v <= 5:
        raise ServiceError(_("“%(label)s”须为1至5分") % {"label": label}, field=field)
    return v


# ---------------------------------------------------------------- plans (一户一策)


def _needs(needs: dict) -> dict:
    codes = {c for c, _label in NEED_DOMAINS}
    return {k: str(v).strip()[:300] for k, v in needs.items() if k in codes and str(v).strip()}


def plan_create(
    *,
    actor,
    household_id: int,
    needs: dict,
    goals: str,
    measures: str,
    review_date,
    person_id: int | None = None,
) -> SupportPlan:
    hh = access(Household.objects.all(), actor, Capability.SUPPORT_PLAN, pk=household_id)
    errors: dict[str, list[str]] = {}
    cleaned = _needs(needs)
    if not cleaned:
        errors.setdefault("needs", []).append(_("“需求”至少填写一个领域"))
    if not goals.strip():
        errors.setdefault("goals", []).append(_("“帮扶目标”为必填项"))
    try:
        review = _date(review_date, "review_date", _("复评日期"))
        if review <= clock.today():
            errors.setdefault("review_date", []).append(_("“复评日期”须晚于今天"))
    except ServiceError as exc:
        errors.update(exc.errors)
        review = None
    if person_id and not Person.objects.filter(pk=person_id, household_id=hh.pk).exists():
        errors.setdefault("person", []).append(_("所选成员不属于该家庭"))
    if errors:
        raise ServiceError(errors=errors)
    with transaction.atomic():
        plan = SupportPlan.objects.create(
            household=hh,
            person_id=person_id or None,
            area_id=hh.hukou_area_id,
            needs=cleaned,
            goals=goals.strip(),
            measures=measures.strip(),
            review_date=review,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="support.plan_create",
            subject_type="support_plan",
            subject_id=plan.pk,
            household_id=hh.pk,
            area_code=hh.hukou_area_id,
            after={"needs": cleaned, "goals": plan.goals, "review_date": review},
        )
    return plan


def plan_assess(*, actor, plan_id: int, person_id: int, able: dict, assessor: str):
    """The six-item 自理能力评估, written to the registry (the fact the 特困 rules read)."""
    from jiuzhu.registry.services import fact_add

    plan = access(SupportPlan.objects.all(), actor, Capability.SUPPORT_PLAN, pk=plan_id)
    data = {name: bool(able.get(name)) for name, _label in SELF_CARE_ITEMS}
    data.update(person=person_id, assessor=assessor)
    return fact_add(
        actor=actor,
        household_id=plan.household_id,
        kind="selfcare",
        data=data,
        reason=_("帮扶计划 #%(n)s 需求评估") % {"n": plan.pk},
    )


def plan_review(
    *,
    actor,
    plan_id: int,
    version: int,
    satisfaction,
    capability,
    integration,
    next_review_date,
    note: str = "",
) -> PlanReview:
    """复评: the three outcome ratings, and the next review date (back on the to-do list)."""
    with transaction.atomic():
        plan = access(
            SupportPlan.objects.select_for_update(), actor, Capability.SUPPORT_PLAN, pk=plan_id
        )
        if plan.version != version:
            raise ConcurrentEditError(_("帮扶计划"))
        errors: dict[str, list[str]] = {}
        values = {}
        for field, label, value in (
            ("satisfaction", _("满意度"), satisfaction),
            ("capability", _("能力提升度"), capability),
            ("integration", _("社会融入度"), integration),
        ):
            try:
                values[field] = _rating(value, field, label)
            except ServiceError as exc:
                errors.update(exc.errors)
        try:
            nxt = _date(next_review_date, "next_review_date", _("下次复评日期"))
            if nxt <= clock.today():
                errors.setdefault("next_review_date", []).append(_("“下次复评日期”须晚于今天"))
        except ServiceError as exc:
            errors.update(exc.errors)
        if errors:
            raise ServiceError(errors=errors)
        review = PlanReview.objects.create(
            plan=plan,
            reviewed_on=clock.today(),
            next_review_date=nxt,
            note=note.strip()[:300],
            reviewer=actor,
            **values,
        )
        SupportPlan.objects.filter(pk=plan.pk).update(review_date=nxt, version=F("version") + 1)
        audit_record(
            actor=actor,
            action="support.plan_review",
            subject_type="support_plan",
            subject_id=plan.pk,
            household_id=plan.household_id,
            area_code=plan.area_id,
            after={**values, "next_review_date": nxt},
        )
    return review


# ---------------------------------------------------------------- catalogue prices


def catalogue_ensure() -> int:
    """Make sure every service of the catalogue exists (a database flushed after migrating, as
    in transactional tests, lost the rows of migration 0002). Returns how many were added."""
    added = 0
    for i, (code, name, unit) in enumerate(CATALOGUE):
        _kind, created = ServiceKind.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "order": i}
        )
        added += created
    return added


def price_propose(
    *, actor, kind_code: str, area_code: str, year, effective_from, unit_price, reason: str
) -> ServicePrice:
    kind = ServiceKind.objects.filter(code=kind_code).first()
    if kind is None:
        raise ServiceError(_("“服务项目”不存在"), field="kind")
    if not Area.objects.filter(code=area_code).exists():
        raise ServiceError(_("区划 %(code)s 不存在") % {"code": area_code}, field="area")
    require_area(actor, Capability.MARKET_CENTRE, area_code)
    price = _money(unit_price, "unit_price", _("单价"))
    start = _date(effective_from, "effective_from", _("生效日期"))
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if year != start.year:
        raise ServiceError(_("“年度”须与生效日期同年"), field="year")
    if not reason.strip():
        raise ServiceError(_("请填写定价依据或理由"), field="reason")
    with transaction.atomic():
        p = ServicePrice.objects.create(
            kind=kind,
            area_id=area_code,
            year=year,
            effective_from=start,
            unit_price=price,
            reason=reason.strip()[:200],
            proposed_by=actor,
        )
        audit_record(
            actor=actor,
            action="support.price_propose",
            subject_type="service_price",
            subject_id=p.pk,
            area_code=area_code,
            reason=reason,
            after={"kind": kind.code, "unit_price": price, "effective_from": start},
        )
    return p


def price_decide(*, actor, price_id: int, approve: bool, reason: str = "") -> ServicePrice:
    """Maker-checker: the bureau (market.order) approves; never the proposer."""
    with transaction.atomic():
        p = access(
            ServicePrice.objects.select_for_update(), actor, Capability.MARKET_ORDER, pk=price_id
        )
        if p.status != PriceStatus.PROPOSED:
            raise ServiceError(_("只有待审核的单价可以审核"), code="wrong_state")
        if p.proposed_by_id == actor.pk:
            raise ServiceError(_("提出人不能审核自己提出的单价（双人复核）"), code="same_person")
        if not approve and not reason.strip():
            raise ServiceError(_("驳回须说明理由"), field="reason")
        p.status = PriceStatus.APPROVED if approve else PriceStatus.REJECTED
        p.decided_by = actor
        p.decided_at = timezone.now()
        p.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action="support.price_approve" if approve else "support.price_reject",
            subject_type="service_price",
            subject_id=p.pk,
            area_code=p.area_id,
            reason=reason,
            after={"unit_price": p.unit_price, "status": p.status},
        )
    return p


def price_in_force(kind: ServiceKind, area_code: str, on: datetime.date) -> decimal.Decimal | None:
    """The approved unit price for the nearest area above ``area_code`` in force on ``on``."""
    rows = ServicePrice.objects.filter(
        kind=kind, status=PriceStatus.APPROVED, year=on.year, effective_from__lte=on
    ).values_list("area_id", "effective_from", "unit_price")
    best = None
    for area, start, price in rows:
        if area_code.startswith(area_prefix(area)):
            key = (len(area_prefix(area)), start)
            if best is None or key > best[0]:
                best = (key, price)
    return best[1] if best else None


# ---------------------------------------------------------------- providers


def provider_create(
    *,
    actor,
    name: str,
    credit_code: str,
    area_code: str,
    served_areas: list[str],
    kind_codes: list[str],
    contact: str = "",
    phone: str = "",
    bank_name: str = "",
    account_number: str = "",
) -> Provider:
    require_area(actor, Capability.MARKET_CENTRE, area_code)
    errors: dict[str, list[str]] = {}
    code = (credit_code or "").strip().upper()
    if not name.strip():
        errors.setdefault("name", []).append(_("“机构名称”为必填项"))
    if not uscc.is_valid(code):
        errors.setdefault("credit_code", []).append(
            _("“统一社会信用代码”须为18位且校验位正确（GB 32100-2015）")
        )
    elif Provider.objects.filter(credit_code=code).exists():
        errors.setdefault("credit_code", []).append(_("该统一社会信用代码已登记"))
    scope = user_scope(actor, Capability.MARKET_CENTRE)
    served = [c for c in served_areas if c]
    if not served or not all(
        Area.objects.filter(code=c).exists() and scope.contains(c) for c in served
    ):
        errors.setdefault("served_areas", []).append(_("“服务区域”须为本人管辖范围内的区划"))
    kinds = list(ServiceKind.objects.filter(code__in=kind_codes))
    if not kinds:
        errors.setdefault("kinds", []).append(_("“服务项目”至少选择一项"))
    if errors:
        raise ServiceError(errors=errors)
    with transaction.atomic():
        p = Provider.objects.create(
            name=name.strip(),
            credit_code=code,
            area_id=area_code,
            served_areas=served,
            contact=contact,
            phone=phone,
            bank_name=bank_name,
            account_number=account_number,
        )
        p.kinds.set(kinds)
        audit_record(
            actor=actor,
            action="support.provider_create",
            subject_type="provider",
            subject_id=p.pk,
            area_code=area_code,
            after={"name": p.name, "credit_code": code, "served_areas": served},
        )
    return p


def provider_admit(*, actor, provider_id: int, admission: str) -> Provider:
    if admission not in Admission.values:
        raise ServiceError(_("“准入状态”无效"), field="admission")
    with transaction.atomic():
        p = access(
            Provider.objects.select_for_update(), actor, Capability.MARKET_CENTRE, pk=provider_id
        )
        p.admission = admission
        p.save(update_fields=["admission"])
        audit_record(
            actor=actor,
            action="support.provider_admit",
            subject_type="provider",
            subject_id=p.pk,
            area_code=p.area_id,
            after={"admission": admission},
        )
    return p


def staff_add(
    *,
    actor,
    provider_id: int,
    name: str,
    certificate: str,
    certificate_no: str,
    certificate_expiry,
    user_id: int | None = None,
    is_admin: bool = False,
) -> ProviderStaff:
    p = access(Provider.objects.all(), actor, Capability.MARKET_CENTRE, pk=provider_id)
    if not name.strip():
        raise ServiceError(_("“姓名”为必填项"), field="name")
    expiry = _date(certificate_expiry, "certificate_expiry", _("证书有效期至"))
    with transaction.atomic():
        s = ProviderStaff.objects.create(
            provider=p,
            user_id=user_id,
            name=name.strip(),
            is_admin=is_admin,
            certificate=certificate,
            certificate_no=certificate_no,
            certificate_expiry=expiry,
        )
        audit_record(
            actor=actor,
            action="support.staff_add",
            subject_type="provider_staff",
            subject_id=s.pk,
            area_code=p.area_id,
            after={"name": s.name, "certificate_no": certificate_no, "expiry": expiry},
        )
    return s


# ---------------------------------------------------------------- the market


def _lock_order(actor, capability: str, order_id: int, queryset=None) -> ServiceOrder:
    qs = queryset if queryset is not None else ServiceOrder.objects.all()
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins the caller's
    # select_related adds; the order row is what must be locked.
    return access(qs.select_for_update(of=("self",)), actor, capability, pk=order_id)


def order_create(
    *,
    actor,
    household_id: int,
    kind_code: str,
    quantity,
    need: str,
    plan_id: int | None = None,
) -> ServiceOrder:
    """点单: the bureau orders a service for one household (from a plan's measure or not)."""
    hh = access(Household.objects.all(), actor, Capability.MARKET_ORDER, pk=household_id)
    errors: dict[str, list[str]] = {}
    kind = ServiceKind.objects.filter(code=kind_code, active=True).first()
    if kind is None:
        errors.setdefault("kind", []).append(_("“服务项目”为必填项"))
    try:
        qty = decimal.Decimal(str(quantity).strip())
        if not qty.is_finite() or qty <= 0 or qty != qty.quantize(decimal.Decimal("0.1")):
            raise decimal.InvalidOperation
    except (decimal.InvalidOperation, ValueError):
        errors.setdefault("quantity", []).append(_("“数量”须大于零，最多一位小数"))
        qty = None
    if not need.strip():
        errors.setdefault("need", []).append(_("“服务需求”为必填项"))
    if plan_id and not SupportPlan.objects.filter(pk=plan_id, household_id=hh.pk).exists():
        errors.setdefault("plan", []).append(_("所选帮扶计划不属于该家庭"))
    price = None
    if kind is not None:
        price = price_in_force(kind, hh.hukou_area_id, clock.today())
        if price is None:
            errors.setdefault("kind", []).append(
                _("“%(kind)s”在本地区本年度没有已生效的服务单价，请先由服务中心提出、民政部门审核")
                % {"kind": kind.name}
            )
    if errors:
        raise ServiceError(errors=errors)
    with transaction.atomic():
        order = ServiceOrder.objects.create(
            number=f"TMP{timezone.now().timestamp()}"[:24],
            plan_id=plan_id or None,
            household=hh,
            area_id=hh.hukou_area_id,
            kind=kind,
            quantity=qty,
            unit_price=price,
            amount=(price * qty).quantize(decimal.Decimal("0.01")),
            need=need.strip()[:300],
            ordered_by=actor,
        )
        order.number = f"FW{clock.today():%Y%m}{order.pk:06d}"
        order.save(update_fields=["number"])
        audit_record(
            actor=actor,
            action="support.order_create",
            subject_type="service_order",
            subject_id=order.pk,
            household_id=hh.pk,
            area_code=hh.hukou_area_id,
            after={"kind": kind.code, "quantity": qty, "amount": order.amount},
        )
    return order


def order_create_batch(*, actor, household_ids: list[int], kind_code: str, quantity, need: str):
    """点单 for a batch of households: all or none."""
    with transaction.atomic():
        return [
            order_create(
                actor=actor, household_id=h, kind_code=kind_code, quantity=quantity, need=need
            )
            for h in household_ids
        ]


def pick_mode_for(area_code: str) -> str:
    best = None
    for area, mode in MarketSetting.objects.values_list("area_id", "pick_mode"):
        if area_code.startswith(area_prefix(area)) and (
            best is None or len(area_prefix(area)) > best[0]
        ):
            best = (len(area_prefix(area)), mode)
    return best[1] if best else PickMode.FIRST


def market_setting_set(*, actor, area_code: str, pick_mode: str) -> MarketSetting:
    """The claim rule of an area subtree (applies to orders published afterwards)."""
    if pick_mode not in PickMode.values:
        raise ServiceError(_("“抢单方式”无效"), field="pick_mode")
    if not Area.objects.filter(code=area_code).exists():
        raise ServiceError(_("区划 %(code)s 不存在") % {"code": area_code}, field="area")
    require_area(actor, Capability.MARKET_CENTRE, area_code)
    with transaction.atomic():
        setting, _created = MarketSetting.objects.update_or_create(
            area_id=area_code, defaults={"pick_mode": pick_mode}
        )
        audit_record(
            actor=actor,
            action="support.market_setting",
            subject_type="market_setting",
            subject_id=setting.pk,
            area_code=area_code,
            after={"pick_mode": pick_mode},
        )
    return setting


def order_publish(*, actor, order_id: int, deadline, conditions: str = "") -> ServiceOrder:
    """下单: the service centre publishes the order with a deadline and conditions."""
    with transaction.atomic():
        order = _lock_order(actor, Capability.MARKET_CENTRE, order_id)
        if order.status != OrderStatus.ORDERED:
            raise ServiceError(_("只有已点单的订单可以发布"), code="wrong_state")
        due = _date(deadline, "deadline", _("完成期限"))
        if due < clock.today():
            raise ServiceError(_("“完成期限”不能早于今天"), field="deadline")
        order.status = OrderStatus.PUBLISHED
        order.deadline = due
        order.conditions = conditions.strip()[:300]
        order.pick_mode = pick_mode_for(order.area_id)
        order.published_by = actor
        order.published_at = timezone.now()
        order.version += 1
        order.save()
        audit_record(
            actor=actor,
            action="support.order_publish",
            subject_type="service_order",
            subject_id=order.pk,
            household_id=order.household_id,
            area_code=order.area_id,
            after={"deadline": due, "pick_mode": order.pick_mode},
        )
    return order


def my_staff(user) -> ProviderStaff | None:
    if user is None or not user.is_authenticated:
        return None
    return ProviderStaff.objects.select_related("provider").filter(user=user, active=True).first()


def _worker_ok(worker: ProviderStaff, provider: Provider, today: datetime.date) -> None:
    if worker.provider_id != provider.pk or not worker.active:
        raise ServiceError(_("所选服务人员不属于本机构"), field="worker")
    if worker.certificate_expiry is None or worker.certificate_expiry < today:
        raise ServiceError(
            _("服务人员 %(name)s 的资格证书已过期（有效期至 %(date)s），须持证上岗，不能接单")
            % {"name": worker.name, "date": worker.certificate_expiry or "—"},
            field="worker",
            code="certificate_expired",
        )


def order_claim(*, actor, order_id: int, worker_id: int) -> ServiceClaim:
    """抢单: an admitted provider serving the area claims with a certified worker. First valid
    claim wins where the area says so; otherwise the centre picks among the claims."""
    staff = my_staff(actor)
    if staff is None or not staff.is_admin:
        raise ServiceError(_("只有服务机构管理员可以抢单"), code="not_provider")
    provider = staff.provider
    today = clock.today()
    with transaction.atomic():
        order = _lock_order(actor, Capability.MARKET_PROVIDE, order_id)
        if order.status != OrderStatus.PUBLISHED:
            raise ServiceError(_("该订单已被其他机构接单或已结束，不能再抢单"), code="taken")
        if order.deadline and order.deadline < today:
            raise ServiceError(_("该订单已过完成期限"), code="expired")
        if provider.admission != Admission.ADMITTED:
            raise ServiceError(_("本机构未获准入或已暂停接单"), code="not_admitted")
        if (
            not provider.serves(order.area_id)
            or not provider.kinds.filter(pk=order.kind_id).exists()
        ):
            raise ServiceError(_("本机构不在该订单的服务区域或服务项目内"), code="not_eligible")
        worker = ProviderStaff.objects.filter(pk=worker_id).first()
        if worker is None:
            raise ServiceError(_("“服务人员”为必填项"), field="worker")
        _worker_ok(worker, provider, today)
        if ServiceClaim.objects.filter(order=order, provider=provider).exists():
            raise ServiceError(_("本机构已抢过该订单"), code="taken")
        first = order.pick_mode == PickMode.FIRST
        claim = ServiceClaim.objects.create(
            order=order,
            provider=provider,
            worker=worker,
            status=ClaimStatus.WON if first else ClaimStatus.WAITING,
            claimed_by=actor,
        )
        if first:
            _award(order, claim)
        audit_record(
            actor=actor,
            action="support.order_claim",
            subject_type="service_order",
            subject_id=order.pk,
            area_code=order.area_id,
            after={"provider": provider.name, "worker": worker.name, "won": first},
        )
    return claim


def _award(order: ServiceOrder, claim: ServiceClaim) -> None:
    order.status = OrderStatus.CLAIMED
    order.provider_id = claim.provider_id
    order.worker_id = claim.worker_id
    order.claimed_at = timezone.now()
    order.version += 1
    order.save()
    claim.status = ClaimStatus.WON
    claim.save(update_fields=["status"])
    order.claims.exclude(pk=claim.pk).update(status=ClaimStatus.LOST)


def order_pick(*, actor, order_id: int, claim_id: int) -> ServiceOrder:
    """The centre picks one claim (areas where the centre chooses)."""
    with transaction.atomic():
        order = _lock_order(actor, Capability.MARKET_CENTRE, order_id)
        if order.status != OrderStatus.PUBLISHED:
            raise ServiceError(_("该订单已选定接单机构"), code="wrong_state")
        claim = order.claims.filter(pk=claim_id).select_related("worker", "provider").first()
        if claim is None:
            raise ServiceError(_("所选抢单记录不存在"), field="claim")
        _worker_ok(claim.worker, claim.provider, clock.today())
        _award(order, claim)
        audit_record(
            actor=actor,
            action="support.order_pick",
            subject_type="service_order",
            subject_id=order.pk,
            area_code=order.area_id,
            after={"provider": claim.provider.name},
        )
    return order


def order_serve(
    *,
    actor,
    order_id: int,
    version: int,
    hours,
    record: str,
    signature_png: bytes,
    photos: list,
    latitude=None,
    longitude=None,
    household_rating=None,
) -> ServiceOrder:
    """服务: the assigned worker records the service on the phone (GPS, time, photos, the
    household's signature) and the household's rating."""
    with transaction.atomic():
        order = _lock_order(actor, Capability.MARKET_SERVE, order_id)
        if order.worker is None or order.worker.user_id != actor.pk:
            raise ServiceError(_("只有派单的服务人员可以登记服务"), code="not_assigned")
        if order.version != version:
            raise ConcurrentEditError(_("服务订单"))
        if order.status != OrderStatus.CLAIMED:
            raise ServiceError(_("该订单当前不能登记服务"), code="wrong_state")
        errors: dict[str, list[str]] = {}
        try:
            h = decimal.Decimal(str(hours).strip())
            if not h.is_finite() or h <= 0 or h > 24 or h != h.quantize(decimal.Decimal("0.1")):
                raise decimal.InvalidOperation
        except (decimal.InvalidOperation, ValueError):
            errors.setdefault("hours", []).append(_("“服务时长”须为0.1至24小时"))
            h = None
        if not record.strip():
            errors.setdefault("record", []).append(_("“服务记录”为必填项"))
        if not signature_png:
            errors.setdefault("signature", []).append(_("须由服务对象现场签名"))
        for f in photos:
            if getattr(f, "size", 0) > MAX_PHOTO_BYTES:
                errors.setdefault("photos", []).append(_("照片超过 10 MB，请压缩后再传"))
        rating = None
        if household_rating not in (None, ""):
            try:
                rating = _rating(household_rating, "rating_household", _("服务对象评价"))
            except ServiceError as exc:
                errors.update(exc.errors)
        if errors:
            raise ServiceError(errors=errors)

        def coord(v):
            try:
                return decimal.Decimal(str(v)).quantize(decimal.Decimal("0.000001"))
            except (decimal.InvalidOperation, ValueError, TypeError):
                return None

        order.status = OrderStatus.DONE
        order.hours = h
        order.record = record.strip()
        order.signature_png = signature_png
        order.latitude, order.longitude = coord(latitude), coord(longitude)
        order.served_at = timezone.now()
        order.rating_household = rating
        order.version += 1
        order.save()
        for f in photos:
            data = f.read()
            ServicePhoto.objects.create(
                order=order,
                content_type=getattr(f, "content_type", "image/jpeg") or "image/jpeg",
                data=data,
                size=len(data),
            )
        audit_record(
            actor=actor,
            action="support.order_serve",
            subject_type="service_order",
            subject_id=order.pk,
            household_id=order.household_id,
            area_code=order.area_id,
            after={
                "hours": h,
                "photos": len(photos),
                "latitude": order.latitude,
                "longitude": order.longitude,
                "rating_household": rating,
            },
        )
        _score(order)
    return order


def order_rate(*, actor, order_id: int, who: str, rating) -> ServiceOrder:
    """评价: the bureau (market.order) or the centre (market.centre) rates a served order."""
    cap = {"bureau": Capability.MARKET_ORDER, "centre": Capability.MARKET_CENTRE}.get(who)
    if cap is None:
        raise ServiceError(_("评价方无效"), field="who")
    value = _rating(rating, "rating", _("评价"))
    with transaction.atomic():
        order = _lock_order(actor, cap, order_id)
        if order.status not in (OrderStatus.DONE, OrderStatus.ACCEPTED):
            raise ServiceError(_("服务完成后才能评价"), code="wrong_state")
        setattr(order, f"rating_{who}", value)
        order.version += 1
        order.save()
        audit_record(
            actor=actor,
            action="support.order_rate",
            subject_type="service_order",
            subject_id=order.pk,
            area_code=order.area_id,
            after={"who": who, "rating": value},
        )
        _score(order)
    return order


def _score(order: ServiceOrder) -> None:
    """A provider's rolling score: the mean of the three ratings over its last SCORE_WINDOW
    fully rated services (two decimals)."""
    if order.provider_id is None or not order.ratings_complete:
        return
    rows = list(
        ServiceOrder.objects.filter(
            provider_id=order.provider_id,
            rating_bureau__isnull=False,
            rating_centre__isnull=False,
            rating_household__isnull=False,
        )
        .order_by("-served_at", "-id")
        .values_list("rating_bureau", "rating_centre", "rating_household")[:SCORE_WINDOW]
    )
    total = sum(sum(r) for r in rows)
    score = (decimal.Decimal(total) / (3 * len(rows))).quantize(decimal.Decimal("0.01"))
    Provider.objects.filter(pk=order.provider_id).update(score=score, rated_count=len(rows))


def order_accept(*, actor, order_id: int, version: int) -> ServiceOrder:
    """验收: the centre accepts a served, rated order; it becomes a payable line to the
    provider through funds (approved and released there by two other people)."""
    from jiuzhu.funds.services import service_payable_add

    with transaction.atomic():
        order = _lock_order(
            actor,
            Capability.MARKET_CENTRE,
            order_id,
            ServiceOrder.objects.select_related("provider", "kind"),
        )
        if order.version != version:
            raise ConcurrentEditError(_("服务订单"))
        if order.status != OrderStatus.DONE:
            raise ServiceError(_("只有已服务待验收的订单可以验收"), code="wrong_state")
        if not order.ratings_complete:
            raise ServiceError(
                _("民政部门、服务中心和服务对象三方评价齐全后才能验收"), code="ratings_missing"
            )
        p = order.provider
        service_payable_add(
            actor=actor,
            area_code=area_prefix(order.area_id)[:6].ljust(12, "0"),
            source=f"order:{order.pk}",
            description=f"{order.number} {order.kind.name} {order.quantity}{order.kind.unit}",
            payee_name=p.name,
            payee_code=p.credit_code,
            bank_name=p.bank_name,
            account_number=p.account_number,
            amount=order.amount,
        )
        order.status = OrderStatus.ACCEPTED
        order.accepted_by = actor
        order.accepted_at = timezone.now()
        order.version += 1
        order.save()
        audit_record(
            actor=actor,
            action="support.order_accept",
            subject_type="service_order",
            subject_id=order.pk,
            area_code=order.area_id,
            after={"amount": order.amount, "provider": p.name},
        )
    return order
