"""The alerts API: my list and the scoped list with filters, one alert (audited), closing."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.monitoring.models import Alert
from jiuzhu.monitoring.services import monitor_run
from tests.factories import user_with_role
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db

URL = "/api/v1/monitoring/alerts"


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def alerts(cast):
    """A death in 城东 (the village worker's) and one in 城西."""
    east, (head,), _ = on_roll(cast.village)
    west, (head_w,), _ = on_roll(cast.village_xi)
    import_rows(
        "police",
        [police_death(head, timezone.localdate()), police_death(head_w, timezone.localdate())],
    )
    monitor_run()
    return Alert.objects.get(household=east), Alert.objects.get(household=west)


def test_my_alerts_and_the_scoped_list_with_masked_ids(cast, alerts):
    east, west = alerts
    mine = _client(cast.worker).get(f"{URL}?mine=true").json()
    assert [a["id"] for a in mine] == [east.pk]
    row = mine[0]
    assert row["cause"] == "death" and row["cause_label"] == "在册人员死亡"
    assert row["assigned_to"] == str(cast.worker) and row["payment_hold"] is True
    full = east.person.id_number
    assert row["person_id_number"] == full[:4] + "*" * (len(full) - 8) + full[-4:]
    assert full not in str(mine)
    # The street reviewer of 城东 sees 城东's alert in the scoped list, not 城西's.
    street = _client(cast.reviewer).get(URL).json()
    assert [a["id"] for a in street] == [east.pk]
    assert _client(cast.reviewer).get(f"{URL}?mine=true").json() == []  # named to the worker
    county = _client(cast.approver).get(URL).json()
    assert {a["id"] for a in county} == {east.pk, west.pk}


def test_filters_cause_status_area_overdue_and_bad_filters_are_named(cast, alerts):
    east, west = alerts
    c = _client(cast.approver)
    assert [a["id"] for a in c.get(f"{URL}?area=321202002").json()] == [west.pk]
    assert c.get(f"{URL}?cause=new_asset").json() == []
    assert c.get(f"{URL}?overdue=true").json() == []
    Alert.objects.filter(pk=west.pk).update(due_date=timezone.localdate() - datetime.timedelta(1))
    overdue = c.get(f"{URL}?overdue=true").json()
    assert [a["id"] for a in overdue] == [west.pk] and overdue[0]["overdue"] is True
    assert c.get(f"{URL}?status=closed").json() == []
    bad = c.get(f"{URL}?cause=flood")
    assert bad.status_code == 400 and "cause" in bad.json()["errors"]
    assert c.get(f"{URL}?status=later").json()["errors"]["status"]


def test_detail_is_scoped_and_audited(cast, alerts):
    east, west = alerts
    r = _client(cast.worker).get(f"{URL}/{east.pk}")
    data = r.json()
    assert r.status_code == 200 and data["evidence"][0]["source"].startswith("公安")
    assert data["roll_entries"][0]["programme"] == "dibao"
    assert AuditEvent.objects.filter(
        action="alert.view", subject_id=str(east.pk), actor=cast.worker
    ).exists()
    assert _client(cast.worker).get(f"{URL}/{west.pk}").status_code == 404


def test_roles_without_alert_handling_are_refused(cast, alerts):
    finance = user_with_role(Role.FINANCE, "321202000000", full_name="钱财务")
    r = _client(finance).get(URL)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert _client(finance).get(f"{URL}/{alerts[0].pk}").status_code == 403


def test_closing_through_the_api_uses_the_service_and_checks_everything(cast, alerts):
    east, _ = alerts
    c = _client(cast.worker)
    no_reason = c.post(
        f"{URL}/{east.pk}/close",
        {"outcome": "no_action", "reason": " ", "version": east.version},
        content_type="application/json",
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    stale = c.post(
        f"{URL}/{east.pk}/close",
        {"outcome": "stop", "reason": "核实已死亡", "version": east.version + 1},
        content_type="application/json",
    )
    assert stale.status_code == 409
    done = c.post(
        f"{URL}/{east.pk}/close",
        {"outcome": "stop", "reason": "核实已死亡", "version": east.version},
        content_type="application/json",
    )
    data = done.json()
    assert done.status_code == 200 and data["status"] == "closed" and data["outcome"] == "stop"
    assert data["application_number"] and data["history"][-1]["action"] == "alert.close"
    east.refresh_from_db()
    assert east.application.purpose == "stop"
    again = c.post(
        f"{URL}/{east.pk}/close",
        {"outcome": "stop", "reason": "再办一次"},
        content_type="application/json",
    )
    assert again.status_code == 400 and again.json()["code"] == "wrong_state"


def test_no_action_with_a_reason_releases_the_hold(cast, alerts):
    east, _ = alerts
    r = _client(cast.worker).post(
        f"{URL}/{east.pk}/close",
        {"outcome": "no_action", "reason": "公安误报，本人健在", "override_reason": "核实本人健在"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["outcome_label"] == "无需处理"
    assert r.json()["application_id"] is None


def test_the_alert_page_filters_by_area_prefix_like_the_api(cast, alerts):
    east, west = alerts
    page = _client(cast.approver).get("/monitoring/alerts/?area=321202002").content.decode()
    assert f"/monitoring/alerts/{west.pk}/" in page and f"/monitoring/alerts/{east.pk}/" not in page


def test_the_openapi_document_lists_the_monitoring_endpoints(cast):
    paths = _client(cast.worker).get("/api/v1/openapi.json").json()["paths"]
    assert {URL, f"{URL}/{{alert_id}}", f"{URL}/{{alert_id}}/close"} <= set(paths)
