"""Statistics pages in English: the page's own text is translated. The form itself (its title,
indicator names, units, footnote — the official Chinese form, from the YAML) and area and person
names are data and stay as they are."""

import datetime

import pytest
from django.urls import reverse

from jiuzhu.stats import engine
from jiuzhu.stats.services import snapshot_take
from tests.i18n import area_names, assert_no_chinese, english_client, main_text

from .conftest import HAILING

pytestmark = pytest.mark.django_db


def form_text() -> list[str]:
    form = engine.load_form()
    return [form.title, form.table_no, form.authority, form.approver, form.footnote] + [
        t for i in form.indicators for t in (i.name, i.unit)
    ]


@pytest.mark.parametrize(
    "name", ["stats:monthly", "stats:kpis", "stats:supervision", "stats:quality"]
)
def test_pages_in_english(roll, users, name):
    snapshot_take(month=datetime.date(2026, 3, 1))
    client = english_client(users["county"])
    page = client.get(reverse(name) + f"?area={HAILING}&month=2026-03")
    data = [*area_names(), *form_text(), "张伟", "最低生活保障"]
    assert_no_chinese(main_text(page, data=data))


def test_drilldown_in_english(roll, users):
    snapshot_take(month=datetime.date(2026, 3, 1))
    client = english_client(users["county"])
    page = client.get(
        reverse("stats:drill") + f"?area={HAILING}&month=2026-03&indicator=spend_dibao"
    )
    data = [*area_names(), *form_text(), "张伟"]
    assert "Minimum" in page.content.decode()  # the programme's label, translated
    assert_no_chinese(main_text(page, data=data))


@pytest.mark.parametrize("name", ["stats:ratings", "stats:street_maps"])
def test_new_pages_in_english(roll, name):
    from tests.factories import user_with_role

    user = user_with_role("sysadmin", HAILING)
    client = english_client(user)
    page = client.get(reverse(name) + f"?area={HAILING}&month=2026-03")
    assert page.status_code == 200
    assert_no_chinese(main_text(page, data=[*area_names()]))
