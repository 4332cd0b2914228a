"""Scoping of every statistics page, drill-down and export: a street sees its own figures
only; another street's area is 404 (not 403), and nothing about it leaks."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from jiuzhu.audit.models import AuditEvent
from jiuzhu.stats.services import snapshot_take
from tests.factories import user_with_role

from .conftest import EAST, HAILING, WEST

pytestmark = pytest.mark.django_db
Q = "?area={area}&month=2026-03"


@pytest.fixture
def closed(roll):
    snapshot_take(month=datetime.date(2026, 3, 1))
    return roll


def get(client, user, name, area, extra=""):
    client.force_login(user)
    return client.get(reverse(name) + Q.format(area=area) + extra)


@pytest.mark.parametrize("name", ["stats:monthly", "stats:monthly_export", "stats:kpis"])
def test_a_street_cannot_see_another_streets_or_its_countys_figures(client, closed, users, name):
    for area in (WEST, HAILING):
        assert get(client, users["east"], name, area).status_code == 404
    assert get(client, users["east"], name, EAST).status_code == 200


def test_a_street_cannot_drill_into_another_street(client, closed, users):
    response = get(client, users["east"], "stats:drill", WEST, "&indicator=exit_dibao_urban")
    assert response.status_code == 404
    assert closed["c"].number.encode() not in response.content
    assert not AuditEvent.objects.filter(action="stats.drilldown_view").exists()


def test_the_drilldown_reaches_the_households_behind_a_figure(client, closed, users):
    page = get(
        client, users["county"], "stats:drill", HAILING, "&indicator=spend_dibao"
    ).content.decode()
    for hh in ("a", "b", "c"):
        assert closed[hh].number in page
    # a street's drill-down of the same figure shows only its own households
    page = get(
        client, users["west"], "stats:drill", WEST, "&indicator=spend_dibao"
    ).content.decode()
    assert closed["c"].number in page and closed["a"].number not in page
    event = AuditEvent.objects.filter(action="stats.drilldown_view").last()
    assert event.area_code == WEST


def test_an_unknown_indicator_is_404(client, closed, users):
    assert (
        get(client, users["county"], "stats:drill", HAILING, "&indicator=nope").status_code == 404
    )


def test_the_report_page_shows_the_form_with_links(client, closed, users):
    page = get(client, users["county"], "stats:monthly", HAILING).content.decode()
    assert "民政统计月报表（社会救助）" in page and "城市低保人数" in page
    assert "indicator=people_dibao_urban" in page
    assert "城东街道" in page and "城西街道" in page  # the streets ranked
    assert "dibao" not in page.replace("dibao_", "").replace("_dibao", "")


def test_the_export_opens_in_openpyxl(client, closed, users):
    response = get(client, users["east"], "stats:monthly_export", EAST, "&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "民政统计月报表（社会救助）"
    csv = get(client, users["east"], "stats:monthly_export", EAST, "&format=csv").content.decode(
        "utf-8-sig"
    )
    assert "城东街道" in csv


def test_a_role_without_statistics_is_refused(client, closed):
    data_clerk = user_with_role("department_data", HAILING)
    assert get(client, data_clerk, "stats:monthly", HAILING).status_code == 403


def test_supervision_pages_need_the_capability(client, closed, users):
    client.force_login(users["east"])
    assert client.get(reverse("stats:supervision")).status_code == 403
    client.force_login(users["county"])
    assert client.get(reverse("stats:supervision")).status_code == 200


def test_a_refused_spot_check_plan_keeps_what_was_typed(client, users, fixed_clock):
    client.force_login(users["county"])
    response = client.post(
        reverse("stats:spot_plan_new"),
        {
            "name": "一季度特困抽查",
            "area": HAILING,
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
            "tekun": "20",
            "dibao_street_final": "10",
            "seed": "123",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "不得低于 30%" in page
    assert 'value="一季度特困抽查"' in page and 'value="123"' in page and 'value="20"' in page
    from jiuzhu.stats.models import SpotCheckPlan

    assert not SpotCheckPlan.objects.exists()


def test_the_household_profile_shows_its_stored_tier(client, closed, users):
    client.force_login(users["county"])
    page = client.get(reverse("registry:household_detail", args=[closed["a"].pk])).content.decode()
    assert 'id="tier"' in page and "兜底保障" in page and "2026-03" in page
    # a household with no stored tier (left the roll) shows no tier line
    page = client.get(reverse("registry:household_detail", args=[closed["c"].pk])).content.decode()
    assert 'id="tier"' not in page
