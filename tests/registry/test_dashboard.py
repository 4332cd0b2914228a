import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.registry.selectors import dashboard_counts
from tests.conftest import CHENGDONG, CHENGXI, HAILING
from tests.factories import PersonFactory, first_village, household_with_head, user_with_role

pytestmark = pytest.mark.django_db


def test_county_user_sees_counts_by_street_and_urban_rural():
    a = household_with_head(hukou_area_id=first_village(CHENGDONG), size=3)
    PersonFactory(household=a, relation="spouse", name="配偶")
    household_with_head(hukou_area_id=first_village(CHENGXI), urban_rural="rural", size=2)
    household_with_head(hukou_area_id="321204001001")  # 姜堰区: outside the county user's scope
    user = user_with_role(Role.COUNTY_APPROVER, HAILING)

    stats = dashboard_counts(user=user)

    assert stats["households"] == 2
    assert stats["persons"] == 5
    assert [(r["code"], r["name"], r["households"]) for r in stats["by_area"]] == [
        (CHENGDONG, "城东街道", 1),
        (CHENGXI, "城西街道", 1),
    ]
    assert {r["urban_rural"]: r["households"] for r in stats["by_urban_rural"]} == {
        "rural": 1,
        "urban": 1,
    }


def test_street_user_sees_own_street_by_village():
    household_with_head(hukou_area_id=first_village(CHENGDONG))
    household_with_head(hukou_area_id=first_village(CHENGXI))
    stats = dashboard_counts(user=user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG))
    assert stats["households"] == 1
    assert stats["by_area"][0]["code"] == first_village(CHENGDONG)


def test_department_data_user_gets_no_statistics():
    household_with_head()
    stats = dashboard_counts(user=user_with_role(Role.DEPARTMENT_DATA, "321200000000"))
    assert stats["households"] == 0 and stats["by_area"] == []
