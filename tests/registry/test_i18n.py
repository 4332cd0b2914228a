"""Registry pages in English: the page's own text is translated; names and area names stay as
stored. The services' refusals are given in the reader's language."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from jiuzhu.accounts.roles import Role
from jiuzhu.core.errors import ServiceError
from jiuzhu.registry.services import fact_add, household_create, person_add
from tests.conftest import CHENGDONG
from tests.factories import first_village, id_number_for, user_with_role
from tests.i18n import area_names, chinese_lines, english_client, main_text

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1950, 5, 6)


@pytest.fixture
def reviewer():
    return user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="Reviewer")


@pytest.fixture
def household(reviewer):
    hh = household_create(
        actor=reviewer,
        hukou_area_code=first_village(CHENGDONG),
        urban_rural="rural",
        head={"name": "Wang Guilan", "sex": "F", "birth_date": BIRTH},
        reason="new",
    )
    person_add(
        actor=reviewer,
        household_id=hh.pk,
        data={
            "name": "Li Fang",
            "relation": "child",
            "sex": "F",
            "birth_date": datetime.date(1980, 3, 9),
            "disability_type": "physical",
            "disability_grade": 3,
        },
        reason="new",
    )
    fact_add(
        actor=reviewer,
        household_id=hh.pk,
        kind="income",
        data={
            "kind": "wage",
            "amount": Decimal("12000.00"),
            "period_start": datetime.date(2026, 1, 1),
            "period_end": datetime.date(2026, 12, 1),
            "source": "home_visit",
        },
        reason="visit",
    )
    return hh


def test_registry_pages_in_english(reviewer, household):
    c = english_client(reviewer)
    areas = area_names()
    page = main_text(c.get(reverse("registry:household_list")), data=areas)
    assert "Wang Guilan" in page and chinese_lines(page) == [], chinese_lines(page)

    page = main_text(c.get(reverse("registry:household_detail", args=[household.pk])), data=areas)
    assert "History of changes" in page and "Monthly income per person" in page
    assert "Grade 3" in page  # the disability grade, a choice label
    assert chinese_lines(page) == [], chinese_lines(page)

    person = household.members.get(relation="child")
    page = main_text(c.get(reverse("registry:person_edit", args=[person.pk])), data=areas)
    assert "Grade 4" in page and chinese_lines(page) == [], chinese_lines(page)
    page = main_text(c.get(reverse("registry:fact_add", args=[household.pk, "asset"])), data=areas)
    assert chinese_lines(page) == [], chinese_lines(page)
    page = main_text(c.get(reverse("registry:household_create")), data=areas)
    assert chinese_lines(page) == [], chinese_lines(page)

    # A refused edit: the form shows the service's message in English.
    r = c.post(
        reverse("registry:fact_add", args=[household.pk, "income"]),
        {
            "kind": "wage",
            "amount": "-1",
            "period_start": "2026-01",
            "period_end": "2026-12",
            "as_of": "2026-11-01",
            "source": "declared",
            "reason": "x",
        },
    )
    page = main_text(r, data=areas) if r.status_code == 200 else r.content.decode()
    assert "cannot be negative" in page, page[-3000:]
    assert "不能为负数" not in page


def test_registry_refusals_translate(reviewer, household):
    head = {"name": "Zhao", "sex": "F", "birth_date": BIRTH, "id_number": id_number_for(BIRTH, "F")}
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        household_create(
            actor=reviewer,
            hukou_area_code=CHENGDONG,
            urban_rural="",
            head=head,
        )
    assert exc.value.errors["urban_rural"] == ["“Urban/rural” is required"]
    assert exc.value.errors["hukou_area"][0].startswith(
        "Hukou place must be a village or community"
    )
    with pytest.raises(ServiceError) as exc:
        household_create(actor=reviewer, hukou_area_code=CHENGDONG, urban_rural="", head=head)
    assert exc.value.errors["urban_rural"] == ["“城乡类别”为必填项"]
