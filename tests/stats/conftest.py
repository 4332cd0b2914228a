import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from jiuzhu.core import clock
from jiuzhu.funds.ledger import ledger_append
from tests.factories import (
    PersonFactory,
    RollEntryFactory,
    first_village,
    household_with_head,
    user_with_role,
)

NOW = datetime.datetime(2026, 4, 10, 10, 0, tzinfo=clock.CHINA)
HAILING = "321202000000"
EAST = "321202001000"  # 城东街道
WEST = "321202002000"  # 城西街道


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return NOW


def pay(household, programme, month, amount, *, kind="paid"):
    with transaction.atomic():
        return ledger_append(
            [
                {
                    "kind": kind,
                    "amount": Decimal(amount),
                    "programme": programme,
                    "area_code": HAILING,
                    "month": month,
                    "payroll_id": 1,
                    "household_id": household.pk,
                }
            ]
        )


@pytest.fixture
def roll(db, fixed_clock):
    return make_roll()


def make_roll():
    """Two streets of 海陵区: in 城东 an urban 低保 household of 3 (on since 2025) and a rural one
    of 2 (new in March); in 城西 an urban 低保 household of 2 that left after February. Paid
    through the ledger, with a 冲正 of one March payment."""
    east, west = first_village(EAST), first_village(WEST)
    a = household_with_head(hukou_area_id=east, urban_rural="urban", size=3)
    PersonFactory.create_batch(
        2, household=a, relation="child", birth_date=datetime.date(2010, 1, 1)
    )
    b = household_with_head(hukou_area_id=east, urban_rural="rural", size=2)
    PersonFactory(household=b, relation="spouse", birth_date=datetime.date(1972, 1, 1))
    c = household_with_head(hukou_area_id=west, urban_rural="urban", size=2)
    PersonFactory(household=c, relation="spouse", birth_date=datetime.date(1975, 1, 1))
    RollEntryFactory(
        household=a, monthly_amount=Decimal("1200.50"), start_month=datetime.date(2025, 6, 1)
    )
    RollEntryFactory(
        household=b, monthly_amount=Decimal("801.25"), start_month=datetime.date(2026, 3, 1)
    )
    RollEntryFactory(
        household=c,
        monthly_amount=Decimal("333.33"),
        start_month=datetime.date(2025, 1, 1),
        end_month=datetime.date(2026, 2, 1),
        status="stopped",
    )
    for m in (1, 2, 3):
        pay(a, "dibao", datetime.date(2026, m, 1), "1200.50")
    for m in (1, 2):
        pay(c, "dibao", datetime.date(2026, m, 1), "333.33")
    first, _last = pay(b, "dibao", datetime.date(2026, 3, 1), "801.25")
    with transaction.atomic():  # the bank returned b's first transfer; paid again
        ledger_append(
            [
                {
                    "kind": "reversed",
                    "amount": Decimal("-801.25"),
                    "programme": "dibao",
                    "area_code": HAILING,
                    "month": datetime.date(2026, 3, 1),
                    "payroll_id": 1,
                    "household_id": b.pk,
                    "reverses_seq": first,
                }
            ]
        )
    pay(b, "dibao", datetime.date(2026, 3, 1), "801.25")
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def users(db):
    return {
        "county": user_with_role("county_approver", HAILING),
        "east": user_with_role("township_reviewer", EAST),
        "west": user_with_role("township_reviewer", WEST),
    }
