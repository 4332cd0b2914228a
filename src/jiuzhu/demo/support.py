"""Demo data of the services market: prices (proposed by the centre, approved by the county),
two providers with certified staff (one certificate expired), plans for a few households on the
roll in 城东街道 and orders at every stage. Made through the support services; idempotent."""

from __future__ import annotations

import datetime

from django.db import transaction

from jiuzhu.accounts.models import User
from jiuzhu.core import clock
from jiuzhu.registry.models import RollEntry
from jiuzhu.support import services
from jiuzhu.support.models import Admission, Provider, ProviderStaff

HAILING = "321202000000"
PRICES = {"care": "45.00", "meal": "12.00", "counselling": "120.00", "rehab": "90.00",
          "training": "60.00", "survey": "80.00", "visit": "30.00"}  # fmt: skip
PROVIDERS = [
    # name, credit code (GB 32100-2015), admin login, worker login, certificate still valid
    ("阳光社会工作服务中心", "52321202MA1X00001", "jigou", "shegong", True),
    ("康乐社会工作服务中心", "52321202MA1X00002", "jigou2", None, False),
]


def _user(username):
    return User.objects.filter(username=username).first()


@transaction.atomic
def support_demo() -> int:
    """Returns the number of orders made (0 when the market is already there)."""
    from stdnum.cn import uscc

    centre, county = _user("fuwu"), _user("quxian")
    if centre is None or county is None or Provider.objects.exists():
        return 0
    services.catalogue_ensure()
    today = clock.today()
    for kind, price in PRICES.items():
        p = services.price_propose(
            actor=centre,
            kind_code=kind,
            area_code=HAILING,
            year=today.year,
            effective_from=today.replace(month=1, day=1),
            unit_price=price,
            reason="演示：海陵区政府购买社会救助服务指导价",
        )
        services.price_decide(actor=county, price_id=p.pk, approve=True)
    staff = {}
    for i, (name, base, admin, worker, valid) in enumerate(PROVIDERS):
        provider = services.provider_create(
            actor=centre,
            name=name,
            credit_code=base + uscc.calc_check_digit(base),
            area_code=HAILING,
            served_areas=[HAILING],
            kind_codes=list(PRICES),
            contact=name[:2] + "主任",
            phone=f"0523-8660{i:04d}",
            bank_name="江苏泰州农村商业银行",
            account_number=f"32120200000000{i + 1:04d}",
        )
        services.provider_admit(actor=centre, provider_id=provider.pk, admission=Admission.ADMITTED)
        if _user(admin):
            ProviderStaff.objects.create(
                provider=provider, user=_user(admin), name=_user(admin).full_name, is_admin=True
            )
        expiry = today + datetime.timedelta(days=400 if valid else -10)
        staff[name] = services.staff_add(
            actor=centre,
            provider_id=provider.pk,
            name=_user(worker).full_name if worker and _user(worker) else f"{name[:2]}社工",
            certificate="社会工作者职业资格证书（助理社会工作师）",
            certificate_no=f"SW{today.year}{i + 1:05d}",
            certificate_expiry=expiry,
            user_id=_user(worker).pk if worker and _user(worker) else None,
        )
    households = list(
        RollEntry.objects.filter(household__hukou_area__code__startswith="321202001")
        .values_list("household_id", flat=True)
        .distinct()
        .order_by("household_id")[:4]
    )
    orders = 0
    for n, hh in enumerate(households):
        try:
            plan = services.plan_create(
                actor=county,
                household_id=hh,
                needs={"care": "老人独居，行动不便", "psychology": "情绪低落"}
                if n % 2 == 0
                else {"employment": "有劳动能力，缺少技能", "education": "子女上学需辅导"},
                goals="基本生活有保障，照料和情绪得到改善",
                measures="低保按月发放；购买照料护理、心理疏导服务",
                review_date=today + datetime.timedelta(days=20 + 60 * n),
            )
        except Exception:  # noqa: BLE001 - a household the county cannot plan for is skipped
            continue
        kind = ("counselling", "care", "meal", "training")[n]
        order = services.order_create(
            actor=county,
            household_id=hh,
            plan_id=plan.pk,
            kind_code=kind,
            quantity="2",
            need="按帮扶计划购买服务",
        )
        orders += 1
        if n >= 1:
            services.order_publish(
                actor=centre,
                order_id=order.pk,
                deadline=today + datetime.timedelta(days=14),
                conditions="须持社会工作者职业资格证书",
            )
        if n >= 2 and _user("jigou"):
            services.order_claim(
                actor=_user("jigou"),
                order_id=order.pk,
                worker_id=staff["阳光社会工作服务中心"].pk,
            )
    return orders
