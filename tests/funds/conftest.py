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
_acct = itertools.count(622202000000000)


def card(body: int | str) -> str:
    """A bank card number that passes the Luhn check: ``body`` and its check digit."""
    from jiuzhu.funds.accountcheck import luhn_check_digit

    body = str(body)
    return body + luhn_check_digit(body)


def change_account(officers, household_id: int, *, confirm_by="zijin2", **fields):
    """An account change as it happens: one officer asks, another confirms."""
    from jiuzhu.funds.services import payment_account_confirm

    fields.setdefault("reason", "银行卡更换")
    acct = payment_account_set(actor=officers["zijin"], household_id=household_id, **fields)
    if acct.pending:
        acct = payment_account_confirm(actor=officers[confirm_by], account_id=acct.pk)
    return acct


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


def household(
    officer,
    *,
    name="张伟",
    township=CHENGDONG,
    account=True,
    members=(),
    bank="江苏泰州农村商业银行",
):
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
            bank_name=bank,
            account_number=card(next(_acct)),
            holder_name=name,
        )
        # As if carried over from the previous system at cut-over: not flagged as new on the
        # first payroll (tests of the new-account flag register accounts themselves).
        hh.payment_accounts.update(review_first_payment=False)
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
