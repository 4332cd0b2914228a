"""Issue 14 item 11: every read of personal data is audited — the 核对报告 page and PDF, an
uploaded ID-card scan, the case page, the calculator on a registry household (page and API)."""

import pytest
from django.urls import reverse

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases.models import Material
from tests.cases.helpers import make_cast, new_case
from tests.conftest import HAILING
from tests.factories import first_village, household_with_head, user_with_role

pytestmark = pytest.mark.django_db


def _read(user, action, household_id):
    return AuditEvent.objects.filter(actor=user, action=action, household_id=household_id)


def test_check_report_page_and_pdf_are_audited(client, taizhou):
    hh = household_with_head(hukou_area_id=first_village("321202001000"))
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    client.force_login(approver)
    assert client.get(f"/verify/households/{hh.pk}/report/").status_code == 200
    assert _read(approver, "check_report.view", hh.pk).count() == 1
    assert client.get(reverse("verify:report_pdf", args=[hh.pk])).status_code == 200
    ev = _read(approver, "check_report_pdf.view", hh.pk).get()
    assert ev.area_code == hh.hukou_area_id  # filed under the household's own area


def test_case_page_material_scan_and_calculator_are_audited(client, taizhou):
    cast = make_cast()
    app = new_case(cast)
    client.force_login(cast.reviewer)
    assert client.get(reverse("cases:detail", args=[app.pk])).status_code == 200
    assert _read(cast.reviewer, "application.view", app.household_id).exists()
    scan = Material.objects.filter(household_id=app.household_id).first()
    assert client.get(reverse("cases:material", args=[scan.pk])).status_code == 200
    assert _read(cast.reviewer, "material.view", app.household_id).exists()
    r = client.get(reverse("policy:calculator") + f"?household={app.household_id}")
    assert r.status_code == 200
    assert _read(cast.reviewer, "policy_calculator.view", app.household_id).exists()
    r = client.get(f"/api/v1/policy/households/{app.household_id}/calculate")
    assert r.status_code == 200
    assert _read(cast.reviewer, "policy_calculator.view", app.household_id).count() == 2
    r = client.get(f"/api/v1/cases/applications/{app.pk}")
    assert r.status_code == 200
    assert _read(cast.reviewer, "application.view", app.household_id).count() == 2
    # Reads stay out of the household's 时间线 (changes only).
    page = client.get(reverse("registry:household_detail", args=[app.household_id]))
    assert "查看申请材料" not in page.content.decode()
