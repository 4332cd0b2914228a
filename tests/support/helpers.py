"""A small market for tests: an approved price list, two admitted providers (A and B) each with
an administrator and a certified worker, a household in 城东 with an ID number and an income."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from jiuzhu.accounts.roles import Role
from jiuzhu.core import clock
from jiuzhu.support import services
from jiuzhu.support.models import Admission, Provider, ProviderStaff
from tests.conftest import CHENGDONG, HAILING
from tests.factories import (
    IncomeItemFactory,
    first_village,
    household_with_head,
    user_with_role,
)


def credit_code(base17: str) -> str:
    from stdnum.cn import uscc

    return base17 + uscc.calc_check_digit(base17)


@dataclass
class Market:
    village: str
    county_user: object
    centre: object
    payer: object
    finance: object
    household: object
    providers: dict = field(default_factory=dict)  # "A"/"B" -> Provider
    admins: dict = field(default_factory=dict)  # "A"/"B" -> User
    workers: dict = field(default_factory=dict)  # "A"/"B" -> User
    staff: dict = field(default_factory=dict)  # "A"/"B" -> ProviderStaff (the worker)


def make_market(*, county_user=None, village=None, name="王秀英", prefix="") -> Market:
    village = village or first_village(CHENGDONG)
    county_user = county_user or user_with_role(
        Role.COUNTY_APPROVER, HAILING, full_name="民政局陈科长"
    )
    centre = user_with_role(Role.SERVICE_CENTRE, HAILING, full_name="服务中心周主任")
    payer = user_with_role(Role.PAYMENTS_OFFICER, HAILING, full_name="资金股吴会计")
    finance = user_with_role(Role.FINANCE, HAILING, full_name="财务郑出纳")
    services.catalogue_ensure()
    today = clock.today()
    for kind in ("counselling", "care", "meal"):
        p = services.price_propose(
            actor=centre,
            kind_code=kind,
            area_code=HAILING,
            year=today.year,
            effective_from=today.replace(month=1, day=1),
            unit_price="80.00",
            reason="海陵区购买服务指导价",
        )
        services.price_decide(actor=county_user, price_id=p.pk, approve=True)
    hh = household_with_head(hukou_area_id=village, head_name=name, size=1)
    hh.address = "城东街道幸福小区3栋2单元101"
    hh.phone = "13812345678"
    hh.save()
    IncomeItemFactory(household=hh, amount=Decimal("4321.00"))
    m = Market(village, county_user, centre, payer, finance, hh)
    for tag, base in (("A", "91321202MA1MXXXX0"), ("B", "52321202MA1NYYYY1")):
        provider = services.provider_create(
            actor=centre,
            name=f"{prefix}{'阳光' if tag == 'A' else '康乐'}社会工作服务中心",
            credit_code=credit_code(base[:-1] + str(len(prefix) % 10)),
            area_code=HAILING,
            served_areas=[HAILING],
            kind_codes=["counselling", "care", "meal"],
            bank_name="江苏泰州农村商业银行",
            account_number=f"3210{tag == 'A' and 1 or 2}000000000{len(prefix)}",
        )
        services.provider_admit(actor=centre, provider_id=provider.pk, admission=Admission.ADMITTED)
        admin = user_with_role(Role.PROVIDER_ADMIN, HAILING, full_name=f"机构{tag}管理员")
        worker = user_with_role(Role.PROVIDER_WORKER, HAILING, full_name=f"机构{tag}社工")
        ProviderStaff.objects.create(
            provider=provider, user=admin, name=admin.full_name, is_admin=True
        )
        staff = services.staff_add(
            actor=centre,
            provider_id=provider.pk,
            name=worker.full_name,
            certificate="社会工作者职业资格证书",
            certificate_no=f"SG{tag}0001{len(prefix)}",
            certificate_expiry=today + datetime.timedelta(days=365),
            user_id=worker.pk,
        )
        m.providers[tag], m.admins[tag], m.workers[tag], m.staff[tag] = (
            Provider.objects.get(pk=provider.pk),
            admin,
            worker,
            staff,
        )
    return m
