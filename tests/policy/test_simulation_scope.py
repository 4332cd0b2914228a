"""Issue 14.20: 政策模拟 totals cover the user's own areas, not the whole county."""

from decimal import Decimal

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.areas.models import Area
from tests.factories import user_with_role
from tests.policy.test_web_api_permissions import HAILING_VILLAGE, household

pytestmark = pytest.mark.django_db
QUERY = {"name": "dibao.standard", "value": "900", "area_code": "", "on": "2026-11-01", "size": "3"}


def _totals(client, user):
    client.force_login(user)
    r = client.get("/policy/simulation/", QUERY)
    assert r.status_code == 200
    return {t["programme"]: t for t in r.context["totals"] or []}, r.context["table"]


def test_a_village_user_sees_only_the_village_in_the_simulation(client, taizhou):
    other_village = (
        Area.objects.filter(code__startswith="321202", level="village")
        .exclude(code__startswith=HAILING_VILLAGE[:9])
        .order_by("code")
        .first()
        .code
    )
    household(HAILING_VILLAGE, wage="850.00")
    household(other_village, wage="860.00")
    household(other_village, wage="870.00")
    worker = user_with_role(Role.VILLAGE_WORKER, HAILING_VILLAGE)
    totals, table = _totals(client, worker)
    assert totals["dibao"]["added_households"] == 1
    assert totals["dibao"]["monthly_delta"] == Decimal("50.00")
    assert {r["area"] for r in table} == {HAILING_VILLAGE}
    county = user_with_role(Role.COUNTY_APPROVER, "321202000000")
    totals, _table = _totals(client, county)
    assert totals["dibao"]["added_households"] == 3
