"""Fixtures for the funds tests: three people who may handle a payroll, and small households."""

import datetime
import itertools
from decimal import Decimal

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.funds.services import payment_account_set
from jiuzhu.registry.models import RollEntry
from tests.conftest import CHENGDONG, HAILING
from tests.factories import HouseholdFactory, PersonFactory, first_village, user_with_role

MONTH = datetime.date(2026, 11, 1)
_acct = itertools.count(6222020000000001)


@pytest.fixture
def bank_profiles(db):
    """The default bank layouts of data migration 0002 (again, if a transactional test flushed them)."""
    from jiuzhu.funds.bankfiles import bank_profiles_ensure

    bank_profiles_ensure()


@pytest.fixture
def officers(taizhou, bank_profiles):
    return {
        "zijin": user_with_role(Role.PAYMENTS_OFFICER, HAILING, username="zijin"),
        "zijin2": user_with_role(Role.PAYMENTS_OFFICER, HAILING, username="zijin2"),
        "caiwu": user_with_role(Role.FINANCE, HAILING, username="caiwu"),
    }


def household(officer, *, name="张伟", township=CHENGDONG, account=True, members=()):
    """A household with a head (and optional members) and, by default, a payment account."""
    hh = HouseholdFactory(
        hukou_area_id=first_village(township), head_name=name, size=1 + len(members)
    )
    head = PersonFactory(household=hh, name=name)
    for i, (mname, relation) in enumerate(members):
        PersonFactory(
            household=hh, name=mname, relation=relation, birth_date=datetime.date(1990 + i, 1, 1)
        )
    if account:
        payment_account_set(
            actor=officer,
            household_id=hh.pk,
            bank_name="江苏泰州农村商业银行",
            account_number=str(next(_acct)),
            holder_name=name,
        )
    return hh, head


def on_roll(hh, *, amount="710.00", start=MONTH, end=None, programme="dibao", person=None, **kw):
    return RollEntry.objects.create(
        household=hh,
        person=person,
        programme=programme,
        monthly_amount=Decimal(amount),
        start_month=start,
        end_month=end,
        source=kw.pop("source", "case"),
        **kw,
    )
