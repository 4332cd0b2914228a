"""Registry pages in English: the page's own text is translated; names and area names stay as
stored. The services' refusals are given in the reader's language."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jiuzhu.accounts.roles import Role
from jiuzhu.areas.models import Area
from jiuzhu.core.errors import ServiceError
from jiuzhu.registry.services import fact_add, household_create, person_add
from tests.conftest import CHENGDONG
from tests.factories import first_village, id_number_for, user_with_role

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
BIRTH = datetime.date(1950, 5, 6)


@pytest.fixture(autouse=True)
def _chinese_afterwards():
    """A request with the English cookie leaves English active in this thread; undo it."""
    yield
    translation.deactivate()


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


def _english(user) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = "en"
    return c


def _main(response) -> str:
    """The page's <main>, with the area names (data) cut out."""
    assert response.status_code == 200
    text = response.content.decode()
    text = text[text.index("<main") : text.index("</main>")]
    for value in sorted(Area.objects.values_list("name", flat=True), key=len, reverse=True):
        text = text.replace(value, "")
    return text


def _left(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if CJK.search(line)]


def test_registry_pages_in_english(reviewer, household):
    c = _english(reviewer)
    page = _main(c.get(reverse("registry:household_list")))
    assert "Wang Guilan" in page and _left(page) == [], _left(page)

    page = _main(c.get(reverse("registry:household_detail", args=[household.pk])))
    assert "History of changes" in page and "Monthly income per person" in page
    assert "Grade 3" in page  # the disability grade, a choice label
    assert _left(page) == [], _left(page)

    person = household.members.get(relation="child")
    page = _main(c.get(reverse("registry:person_edit", args=[person.pk])))
    assert "Grade 4" in page and _left(page) == [], _left(page)
    page = _main(c.get(reverse("registry:fact_add", args=[household.pk, "asset"])))
    assert _left(page) == [], _left(page)
    page = _main(c.get(reverse("registry:household_create")))
    assert _left(page) == [], _left(page)

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
    page = _main(r) if r.status_code == 200 else r.content.decode()
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
