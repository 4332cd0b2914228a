"""User administration in English: the pages' own text and the role names are translated (the
资金发放 role is the Payments officer, the menu entry Payments); refusals translate."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jiuzhu.accounts.roles import Role
from jiuzhu.accounts.services import role_assign
from jiuzhu.areas.models import Area
from jiuzhu.core.errors import ServiceError
from tests.conftest import HAILING
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _chinese_afterwards():
    """A request with the English cookie leaves English active in this thread; undo it."""
    yield
    translation.deactivate()


def _main(response) -> str:
    assert response.status_code == 200
    text = response.content.decode()
    text = text[text.index("<main") : text.index("</main>")]
    for value in sorted(Area.objects.values_list("name", flat=True), key=len, reverse=True):
        text = text.replace(value, "")
    return text


def _left(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if CJK.search(line)]


def test_account_pages_in_english(taizhou):
    admin = user_with_role(Role.SYSADMIN, HAILING, username="admin", full_name="Admin")
    officer = user_with_role(
        Role.PAYMENTS_OFFICER, HAILING, username="zhou", full_name="Zhou Zijin"
    )
    c = Client()
    c.force_login(admin)
    c.cookies["django_language"] = "en"

    page = _main(c.get(reverse("accounts:user_list")))
    assert "Payments officer" in page and "System administrator" in page
    assert _left(page) == [], _left(page)

    page = _main(c.get(reverse("accounts:user_detail", args=[officer.pk])))
    assert "Assign a role" in page
    assert _left(page) == [], _left(page)
    # A refused assignment: approving and paying are separate duties.
    r = c.post(
        reverse("accounts:user_detail", args=[officer.pk]),
        {"role": Role.COUNTY_APPROVER, "area": HAILING},
    )
    page = _main(r)
    assert (
        "Incompatible duties: County approver and Payments officer may not be held by the same"
        " person" in page
    )
    assert _left(page) == [], _left(page)

    page = _main(c.get(reverse("accounts:user_create")))
    assert _left(page) == [], _left(page)

    # The menu of a payments officer says Payments, not the role's name.
    c.force_login(officer)
    body = c.get(reverse("funds:payroll_list")).content.decode()
    assert ">Payments</a>" in body


def test_account_refusals_translate(taizhou):
    admin = user_with_role(Role.SYSADMIN, HAILING, username="admin")
    user = UserFactory()
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        role_assign(actor=admin, user=user, role=Role.DEPARTMENT_DATA, area_code=HAILING)
    assert exc.value.errors["department"] == ["A department data clerk must have a department"]
    with pytest.raises(ServiceError) as exc:
        role_assign(actor=admin, user=user, role=Role.DEPARTMENT_DATA, area_code=HAILING)
    assert exc.value.errors["department"] == ["部门数据员须指定所属部门"]
