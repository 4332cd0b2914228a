"""User administration in English: the pages' own text and the role names are translated (the
资金发放 role is the Payments officer, the menu entry Payments); refusals translate."""

import pytest
from django.urls import reverse
from django.utils import translation

from jiuzhu.accounts.roles import Role
from jiuzhu.accounts.services import role_assign
from jiuzhu.core.errors import ServiceError
from tests.conftest import HAILING
from tests.factories import UserFactory, user_with_role
from tests.i18n import area_names, chinese_lines, english_client, main_text

pytestmark = pytest.mark.django_db


def test_account_pages_in_english(taizhou):
    admin = user_with_role(Role.SYSADMIN, HAILING, username="admin", full_name="Admin")
    officer = user_with_role(
        Role.PAYMENTS_OFFICER, HAILING, username="zhou", full_name="Zhou Zijin"
    )
    c = english_client(admin)
    areas = area_names()

    page = main_text(c.get(reverse("accounts:user_list")), data=areas)
    assert "Payments officer" in page and "System administrator" in page
    assert chinese_lines(page) == [], chinese_lines(page)

    page = main_text(c.get(reverse("accounts:user_detail", args=[officer.pk])), data=areas)
    assert "Assign a role" in page
    assert chinese_lines(page) == [], chinese_lines(page)
    # A refused assignment: approving and paying are separate duties.
    r = c.post(
        reverse("accounts:user_detail", args=[officer.pk]),
        {"role": Role.COUNTY_APPROVER, "area": HAILING},
    )
    page = main_text(r, data=areas)
    assert (
        "Incompatible duties: County approver and Payments officer may not be held by the same"
        " person" in page
    )
    assert chinese_lines(page) == [], chinese_lines(page)

    page = main_text(c.get(reverse("accounts:user_create")), data=areas)
    assert chinese_lines(page) == [], chinese_lines(page)

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
