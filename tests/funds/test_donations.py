"""Donations earmarked by programme and area (issue 19): a cash donation earmarked to 临时救助
shows in the budget by source; goods are recorded at their value, outside the cash budget."""

from decimal import Decimal

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.models import Budget, Donation
from jiuzhu.funds.selectors import budget_report
from jiuzhu.funds.services import budget_set, donation_record
from tests.conftest import HAILING
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_a_donation_earmarked_to_temporary_aid_shows_in_the_budget_by_source(taizhou):
    finance = user_with_role(Role.FINANCE, HAILING)
    budget_set(
        actor=finance,
        programme="temporary_aid",
        area_code=HAILING,
        year=2026,
        funding_source="county",
        amount="100000.00",
    )
    for amount in ("20000.00", "5000.50"):
        donation_record(
            actor=finance,
            donor_name="泰州市慈善总会",
            donor_kind="charity",
            kind="cash",
            amount=amount,
            programme="temporary_aid",
            area_code=HAILING,
            year=2026,
        )
    donation_record(
        actor=finance,
        donor_name="某粮油企业",
        donor_kind="enterprise",
        kind="in_kind",
        amount="3000.00",
        goods="米面油 100 份",
        programme="temporary_aid",
        area_code=HAILING,
        year=2026,
    )
    report = budget_report(user=finance, year=2026, programme="temporary_aid")
    by_source = {r["source"]: r for r in report["by_source"]}
    assert by_source["donation"]["budget"] == Decimal("25000.50")
    assert str(by_source["donation"]["label"]) == "社会捐赠"
    assert by_source["county"]["budget"] == Decimal("100000.00")
    assert report["total_budget"] == Decimal("125000.50")  # goods are not cash budget
    assert Donation.objects.count() == 3
    assert Budget.objects.filter(funding_source="donation").count() == 1
    assert AuditEvent.objects.filter(action="funds.donation").count() == 3


def test_a_donation_names_its_programme_and_goods(taizhou):
    finance = user_with_role(Role.FINANCE, HAILING)
    with pytest.raises(ServiceError) as e:
        donation_record(
            actor=finance,
            donor_name="",
            donor_kind="charity",
            kind="in_kind",
            amount="-1",
            programme="no_such",
            area_code=HAILING,
        )
    assert {"donor_name", "goods", "programme", "amount"} <= set(e.value.errors)
    assert not Donation.objects.exists()
