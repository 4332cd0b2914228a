"""The township's 临时救助备用金 (issue 19): every movement through the ledger; a 先行救助 draw
cannot exceed the balance and leaves a ledger entry."""

from decimal import Decimal

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.ledger import ledger_verify
from jiuzhu.funds.models import LedgerEntry
from jiuzhu.funds.services import reserve_balance, reserve_draw, reserve_replenish
from tests.conftest import CHENGDONG, HAILING
from tests.factories import first_village, household_with_head, user_with_role

pytestmark = pytest.mark.django_db


def test_a_draw_cannot_exceed_the_balance_and_leaves_a_ledger_entry(taizhou):
    finance = user_with_role(Role.FINANCE, HAILING)
    street = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    hh = household_with_head(hukou_area_id=first_village(CHENGDONG))
    assert reserve_replenish(
        actor=finance, area_code=CHENGDONG, amount="5000.00", note="2026年备用金拨付"
    ) == Decimal("5000.00")
    left = reserve_draw(
        actor=street, area_code=CHENGDONG, amount="3000.00", household_id=hh.pk, note="火灾先行救助"
    )
    assert left == Decimal("2000.00")
    entry = LedgerEntry.objects.get(kind="advance")
    assert entry.amount == Decimal("3000.00") and entry.household_id == hh.pk
    assert entry.area_code == CHENGDONG and entry.programme == "temporary_aid"
    before = LedgerEntry.objects.count()
    with pytest.raises(ServiceError) as e:
        reserve_draw(
            actor=street, area_code=CHENGDONG, amount="2000.01", household_id=hh.pk, note="再次"
        )
    assert e.value.code == "insufficient" and "amount" in e.value.errors
    assert LedgerEntry.objects.count() == before  # nothing written
    assert reserve_balance(CHENGDONG) == Decimal("2000.00")
    reserve_draw(
        actor=street, area_code=CHENGDONG, amount="2000.00", household_id=hh.pk, note="用尽"
    )
    assert reserve_balance(CHENGDONG) == Decimal("0.00")
    assert ledger_verify().ok
    assert AuditEvent.objects.filter(action="reserve.draw").count() == 2


def test_only_the_township_draws_and_only_finance_replenishes(taizhou):
    from django.core.exceptions import PermissionDenied

    worker = user_with_role(Role.VILLAGE_WORKER, first_village(CHENGDONG))
    street = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    with pytest.raises(PermissionDenied):
        reserve_replenish(actor=street, area_code=CHENGDONG, amount="100", note="x")
    with pytest.raises(PermissionDenied):
        reserve_draw(actor=worker, area_code=CHENGDONG, amount="1", household_id=1, note="x")
    with pytest.raises(ServiceError):  # a reserve is a township's, not a county's
        reserve_draw(actor=street, area_code=HAILING, amount="1", household_id=1, note="x")
