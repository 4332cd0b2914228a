"""The demo's market: the three new logins, providers, prices, plans and orders at each stage."""

import datetime
from decimal import Decimal

import pytest

from jiuzhu.accounts.models import User
from jiuzhu.demo.accounts import demo_users_ensure
from jiuzhu.demo.support import support_demo
from jiuzhu.registry.models import RollEntry
from jiuzhu.support import selectors
from jiuzhu.support.models import OrderStatus, Provider, ServiceOrder
from tests.conftest import CHENGDONG
from tests.factories import first_village, household_with_head

pytestmark = pytest.mark.django_db


def test_the_demo_market(taizhou):
    demo_users_ensure()
    for i in range(4):
        hh = household_with_head(hukou_area_id=first_village(CHENGDONG), head_name=f"演示户{i}")
        RollEntry.objects.create(
            household=hh,
            programme="dibao",
            monthly_amount=Decimal("700.00"),
            start_month=datetime.date(2025, 1, 1),
        )
    assert support_demo() == 4
    assert support_demo() == 0  # idempotent
    assert Provider.objects.filter(admission="admitted").count() == 2
    states = sorted(ServiceOrder.objects.values_list("status", flat=True))
    assert states.count(OrderStatus.CLAIMED) == 2 and OrderStatus.ORDERED in states
    shegong = User.objects.get(username="shegong")
    assert selectors.orders_worker(shegong).count() == 2
    jigou2 = User.objects.get(username="jigou2")
    assert selectors.orders_provider(jigou2).filter(status=OrderStatus.PUBLISHED).count() == 1
