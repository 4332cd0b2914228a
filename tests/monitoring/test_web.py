"""Pages: overview, list, detail (audited read), close form, rules, reviews, 待办, household section."""

import pytest
from django.test import Client
from django.utils import timezone

from jiuzhu.audit.models import AuditEvent
from jiuzhu.monitoring.models import Alert, AlertRule, ReviewTask
from jiuzhu.monitoring.services import monitor_run
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def alert(cast):
    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [police_death(head, timezone.localdate())])
    monitor_run()
    return Alert.objects.get(household=hh)


def test_pages_render_for_the_street_and_scope_hides_other_streets(cast, alert):
    c = _client(cast.reviewer)
    page = c.get("/monitoring/").content.decode()
    assert 'id="open-count">1<' in page and "monitoring/overview.js" in page
    page = c.get("/monitoring/alerts/").content.decode()
    assert f"/monitoring/alerts/{alert.pk}/" in page
    page = c.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert "公安死亡注销" in page and 'id="form-close"' in page
    assert AuditEvent.objects.filter(action="alert.view", subject_id=str(alert.pk)).count() == 1
    other = _client(cast.reviewer_xi)
    assert other.get(f"/monitoring/alerts/{alert.pk}/").status_code == 404
    assert (
        f"/monitoring/alerts/{alert.pk}/" not in other.get("/monitoring/alerts/").content.decode()
    )
    assert 'id="open-count">0<' in other.get("/monitoring/").content.decode()
    assert not AuditEvent.objects.filter(action="alert.view", actor_id=cast.reviewer_xi.pk).exists()


def test_roles_without_alert_handling_are_refused(cast, alert):
    assert Client().get("/monitoring/").status_code == 302  # to the login page
    assert _client(cast.admin).get("/monitoring/alerts/").status_code == 403
    assert _client(cast.worker).get("/monitoring/rules/").status_code == 403


def test_worker_sees_the_alert_on_the_todo_page_and_closes_it_from_the_form(cast, alert):
    c = _client(cast.worker)
    page = c.get("/cases/").content.decode()
    assert f"预警 #{alert.pk}" in page and "预警：在册人员死亡" in page
    r = c.post(
        f"/monitoring/alerts/{alert.pk}/close/",
        {
            "version": alert.version,
            "outcome": "stop",
            "reason": "核实死亡",
            "roll_entry": alert.roll_entry_id,
        },
    )
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.outcome == "stop"
    assert r.status_code == 302 and r.url == f"/cases/{alert.application_id}/"
    page = c.get(f"/cases/{alert.application_id}/").content.decode()
    assert "停发" in page and "公安死亡注销" in page
    assert f"预警 #{alert.pk}" not in c.get("/cases/").content.decode()


def test_close_form_errors_are_shown_and_nothing_changes(cast, alert):
    c = _client(cast.worker)
    r = c.post(
        f"/monitoring/alerts/{alert.pk}/close/",
        {"version": alert.version, "outcome": "no_action", "reason": ""},
        follow=True,
    )
    assert "须填写处理说明" in r.content.decode()
    alert.refresh_from_db()
    assert alert.status == "open"


def test_household_profile_shows_its_alert_history(cast, alert):
    page = _client(cast.worker).get(f"/registry/households/{alert.household_id}/").content.decode()
    assert 'id="monitoring"' in page and f"/monitoring/alerts/{alert.pk}/" in page


def test_admin_edits_a_rule_and_bad_json_is_explained(cast):
    c = _client(cast.admin)
    rule = AlertRule.objects.get(kind="severe_disability")
    assert "新办重度残疾证" in c.get("/monitoring/rules/").content.decode()
    r = c.post(
        f"/monitoring/rules/{rule.pk}/",
        {
            "kind": rule.kind,
            "name": rule.name,
            "enabled": "on",
            "params": "{max_grade: 3",
            "deadline_days": "10",
        },
    )
    assert "阈值参数须为 JSON 对象" in r.content.decode()
    r = c.post(
        "/monitoring/rules/new/",
        {
            "kind": "severe_disability",
            "name": "姜堰区三级",
            "enabled": "on",
            "area_prefix": "321204",
            "params": '{"max_grade": 3}',
            "deadline_days": "12",
            "programmes": "",
        },
    )
    assert r.status_code == 302
    new = AlertRule.objects.get(name="姜堰区三级")
    assert new.params == {"max_grade": 3} and new.area_prefix == "321204"


def test_review_schedule_page_generates_and_review_form_completes(cast):
    on_roll(cast.village)
    from jiuzhu.monitoring.models import RiskClass

    RiskClass.objects.update(interval_months=1)
    admin = _client(cast.admin)
    r = admin.post(
        "/monitoring/reviews/generate/", {"month": timezone.localdate().strftime("%Y-%m")}
    )
    assert r.status_code == 302
    task = ReviewTask.objects.get()
    c = _client(cast.worker)
    page = c.get("/monitoring/reviews/").content.decode()
    assert 'id="review-total">1<' in page and f"/monitoring/reviews/{task.pk}/" in page
    r = c.post(f"/monitoring/reviews/{task.pk}/", {"outcome": "confirm", "note": "入户核实无变化"})
    task.refresh_from_db()
    assert task.done and task.outcome == "confirm"
