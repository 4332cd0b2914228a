"""The overview's chart data for a known set of alerts: by cause, street, age, overdue, outcomes."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from jiuzhu.monitoring import selectors
from jiuzhu.monitoring.models import Alert, AlertRule, MonitorRun
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def _alert(village, cause, *, raised_days_ago=0, due_in=5, escalations=0, closed=None):
    """One alert raised ``raised_days_ago`` days ago; ``closed`` = (outcome, datetime)."""
    today = timezone.localdate()
    a = Alert.objects.create(
        household=HouseholdFactory(hukou_area_id=village),
        cause=cause,
        rule=AlertRule.objects.filter(kind=cause).first(),
        run=MonitorRun.objects.get_or_create(kind="full", as_of=today)[0],
        area_id=village,
        summary="测试",
        level="village",
        role="village_worker",
        due_date=today + datetime.timedelta(days=due_in),
        escalations=escalations,
    )
    raised = timezone.now() - datetime.timedelta(days=raised_days_ago)
    changes = {"raised_at": raised}
    if closed:
        changes.update(status="closed", outcome=closed[0], closed_at=closed[1])
    Alert.objects.filter(pk=a.pk).update(**changes)
    return a


def _month(year, month):
    return timezone.make_aware(datetime.datetime(year, month, 15, 10, 0))


@pytest.fixture
def alerts(cast):
    dong, xi = cast.village, cast.village_xi
    _alert(dong, "medical_spending", raised_days_ago=0)
    _alert(dong, "medical_spending", raised_days_ago=10, due_in=-2)
    _alert(dong, "medical_spending", raised_days_ago=40, due_in=-20, escalations=1)
    _alert(xi, "death", raised_days_ago=5, due_in=-1)
    _alert(dong, "death", raised_days_ago=2)
    _alert(dong, "income_above_line", closed=("stop", _month(2026, 9)))
    _alert(dong, "income_above_line", closed=("no_action", _month(2026, 9)))
    _alert(xi, "new_asset", closed=("stop", _month(2026, 9)))
    _alert(dong, "new_asset", closed=("add", _month(2026, 10)))


def _page_data(user) -> dict:
    c = Client()
    c.force_login(user)
    page = c.get("/monitoring/").content.decode()
    found = re.search(r'<script id="monitor-data" type="application/json">(.*?)</script>', page)
    return page, json.loads(found.group(1))


def test_the_county_sees_every_count_in_the_page_data(cast, alerts):
    page, data = _page_data(cast.approver)
    assert 'id="open-count">5<' in page
    assert data["by_cause"] == [
        {"cause": "自付医疗费用超预警线", "n": 3},
        {"cause": "在册人员死亡", "n": 2},
    ]
    assert data["by_area"] == [{"area": "城东街道", "n": 4}, {"area": "城西街道", "n": 1}]
    assert data["ages"] == [
        {"age": "0-3天", "n": 2},
        {"age": "4-7天", "n": 1},
        {"age": "8-30天", "n": 1},
        {"age": "30天以上", "n": 1},
    ]
    assert data["outcome_months"] == ["2026-09", "2026-10"]
    assert {s["name"]: s["data"] for s in data["outcome_series"]} == {
        "停发": [2, 0],
        "无需处理": [1, 0],
        "核增": [0, 1],
    }
    counts = selectors.overview(user=cast.approver)
    assert (counts["open"], counts["overdue"], counts["escalated"], counts["closed"]) == (
        5,
        3,
        1,
        4,
    )


def test_a_street_sees_only_its_own_alerts(cast, alerts):
    data = selectors.overview(user=cast.reviewer)
    assert (data["open"], data["overdue"], data["escalated"], data["closed"]) == (4, 2, 1, 3)
    assert data["by_area"] == [{"area": "城东街道", "n": 4}]
    assert [(r["cause"], r["n"]) for r in data["by_cause"]] == [
        ("自付医疗费用超预警线", 3),
        ("在册人员死亡", 1),
    ]
    assert [r["n"] for r in data["ages"]] == [2, 0, 1, 1]
    assert {s["name"]: s["data"] for s in data["outcome_series"]} == {
        "停发": [1, 0],
        "无需处理": [1, 0],
        "核增": [0, 1],
    }
