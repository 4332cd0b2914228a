"""Public pages (no login): local standards with approved future values; the masked roll."""

import datetime
from decimal import Decimal

import pytest

from jiuzhu.core import clock
from jiuzhu.policy.models import ParameterStatus, ParameterValue
from jiuzhu.portal import selectors
from tests.conftest import CHENGDONG, JIANGYAN_STREET
from tests.factories import HouseholdFactory, RollEntryFactory, first_village

pytestmark = pytest.mark.django_db


def approved(name, area, value, start):
    ParameterValue.objects.create(
        name=name,
        area_code=area,
        effective_from=start,
        value=value,
        status=ParameterStatus.APPROVED,
    )


def test_standards_show_the_local_value_and_an_approved_future_one(taizhou):
    today = clock.today()
    approved("dibao.standard", "321200000000", "710", today - datetime.timedelta(days=300))
    approved("dibao.standard", "321200000000", "750", today + datetime.timedelta(days=40))
    ParameterValue.objects.create(
        name="dibao.standard",
        area_code="321200000000",
        effective_from=today - datetime.timedelta(days=3),
        value="999",
        status=ParameterStatus.PROPOSED,  # not approved: never shown
    )
    [row] = [r for r in selectors.local_standards(area_code=CHENGDONG) if "低保标准" in r["label"]]
    assert Decimal(str(row["value"])) == Decimal("710")
    assert [Decimal(str(f["value"])) for f in row["future"]] == [Decimal("750")]
    other = [
        r for r in selectors.local_standards(area_code="110101001000") if "低保标准" in r["label"]
    ]
    assert Decimal(str(other[0]["value"])) != Decimal("710")  # Beijing: the national default


def test_public_roll_masks_names_and_lists_only_active_entries(taizhou, client):
    village = first_village(CHENGDONG)
    hh = HouseholdFactory(hukou_area_id=village, head_name="王秀英", size=2)
    RollEntryFactory(household=hh, monthly_amount=Decimal("680.00"))
    gone = HouseholdFactory(hukou_area_id=village, head_name="赵停发")
    RollEntryFactory(household=gone, status="stopped")
    elsewhere = HouseholdFactory(hukou_area_id=first_village(JIANGYAN_STREET), head_name="钱外村")
    RollEntryFactory(household=elsewhere)
    page = client.get(f"/m/roll/{village}/").content.decode()
    assert "王*英" in page and "王秀英" not in page and "680.00" in page and "最低生活保障" in page
    assert "赵" not in page.split('id="roll"')[1] and "钱" not in page.split('id="roll"')[1]
    assert client.get(f"/m/roll/{CHENGDONG}/").status_code == 404  # a township is not a village
    assert client.get(f"/m/standards/?area={CHENGDONG}").status_code == 200


def test_self_check_proposes_with_reasons_stores_nothing_and_keeps_input(taizhou, client):
    from jiuzhu.audit.models import AuditEvent
    from jiuzhu.portal.models import Citizen, Report

    before = AuditEvent.objects.count()
    page = client.get("/m/self-check/").content.decode()
    assert "仅供参考" in page
    r = client.post("/m/self-check/", {"area": CHENGDONG, "age0": "68", "income": "0"})
    page = r.content.decode()
    assert 'id="results"' in page
    results = page.split('id="results"')[1]
    assert "<strong>" in results  # at least one programme proposed, with its reasons
    r = client.post("/m/self-check/", {"area": "", "age0": "abc", "income": "-5"})
    page = r.content.decode()
    assert "所在乡镇" in page and "0到120" in page and "金额数字" in page
    assert 'value="abc"' in page  # typed input kept
    assert AuditEvent.objects.count() == before
    assert not Citizen.objects.exists() and not Report.objects.exists()


def test_public_pages_are_cached_and_a_roll_change_drops_the_village_list(
    taizhou, client, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from jiuzhu.registry.roll import roll_add

    settings.JIUZHU_PORTAL_PUBLIC_CACHE_SECONDS = 60
    cache.clear()
    village = first_village(CHENGDONG)
    hh = HouseholdFactory(hukou_area_id=village, head_name="王秀英", size=2)
    RollEntryFactory(household=hh, monthly_amount=Decimal("680.00"))
    assert "680.00" in client.get(f"/m/roll/{village}/").content.decode()
    # a change the process does not see (no event): the cached list is served
    other = HouseholdFactory(hukou_area_id=village, head_name="李建国", size=1)
    RollEntryFactory(household=other, monthly_amount=Decimal("455.00"))
    assert "455.00" not in client.get(f"/m/roll/{village}/").content.decode()
    # the roll's own writer publishes RollChanged: the village's list is rebuilt at once
    with django_capture_on_commit_callbacks(execute=True):
        roll_add(
            household_id=other.pk,
            programme="dibao",
            amount=Decimal("300.00"),
            start_month=clock.today().replace(day=1),
            decision_ref="测试",
        )
    page = client.get(f"/m/roll/{village}/").content.decode()
    assert "455.00" in page and "300.00" in page
    # labels follow the page's language, not the language of whoever filled the cache
    client.cookies["django_language"] = "en"
    assert "最低生活保障" not in client.get(f"/m/roll/{village}/").content.decode()
    cache.clear()
