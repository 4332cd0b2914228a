"""Fixtures of the web tests: one household in 城东街道 and one in 城西街道, and users per role."""

import datetime
from decimal import Decimal

import pytest

from jiuzhu.accounts.roles import Role
from tests.conftest import CHENGDONG, CHENGXI, HAILING
from tests.factories import (
    AssetFactory,
    IncomeItemFactory,
    PersonFactory,
    RigidExpenseFactory,
    RollEntryFactory,
    first_village,
    household_with_head,
    user_with_role,
)


@pytest.fixture
def east_household(db):
    """城东街道: 张伟 (head) and 李芳 (spouse, 肢体三级), with income, an asset, an expense."""
    hh = household_with_head(hukou_area_id=first_village(CHENGDONG), head_name="张伟", size=2)
    PersonFactory(
        household=hh,
        relation="spouse",
        name="李芳",
        sex="F",
        birth_date=datetime.date(1972, 3, 9),
        phone="13812345678",
        disability_type="physical",
        disability_grade=3,
        disability_certificate="32120219720309212X43",
    )
    IncomeItemFactory(household=hh, amount=Decimal("24000.00"), source="home_visit")
    AssetFactory(household=hh)
    RigidExpenseFactory(household=hh)
    RollEntryFactory(household=hh)
    return hh


@pytest.fixture
def west_household(db):
    return household_with_head(hukou_area_id=first_village(CHENGXI), head_name="王强")


@pytest.fixture
def east_reviewer(db):
    return user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="城东审核员")


@pytest.fixture
def west_reviewer(db):
    return user_with_role(Role.TOWNSHIP_REVIEWER, CHENGXI, full_name="城西审核员")


@pytest.fixture
def county_auditor(db):
    return user_with_role(Role.AUDITOR, HAILING, full_name="海陵审计")


@pytest.fixture
def payments_officer(db):
    return user_with_role(Role.PAYMENTS_OFFICER, CHENGDONG)


@pytest.fixture
def department_user(db):
    return user_with_role(Role.DEPARTMENT_DATA, HAILING)


@pytest.fixture
def county_sysadmin(db):
    return user_with_role(Role.SYSADMIN, HAILING, full_name="海陵管理员")
