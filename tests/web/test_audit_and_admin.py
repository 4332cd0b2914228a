"""Audit-log filters, and the Django admin cannot grant roles around role_assign."""

import datetime

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from jiuzhu.accounts.models import User
from jiuzhu.audit.models import AuditEvent
from jiuzhu.registry import services
from tests.web.test_permissions import spouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def changes(east_household, east_reviewer):
    p = spouse(east_household)
    services.person_update(
        actor=east_reviewer,
        person_id=p.pk,
        version=p.version,
        data={"disability_grade": 2},
        reason="换证",
    )
    services.fact_delete(
        actor=east_reviewer,
        kind="income",
        fact_id=east_household.incomeitems.get().pk,
        reason="重复录入",
    )


def listed(client, **params):
    r = client.get(reverse("audit:event_list"), params)
    assert r.status_code == 200
    return [v.event.action for v in r.context["events"]]


def test_audit_filters(client, county_auditor, east_reviewer, east_household, changes):
    client.force_login(county_auditor)
    assert listed(client, action="person.update") == ["person.update"]
    assert listed(client, actor=east_reviewer.username) == ["income.delete", "person.update"]
    assert listed(client, actor="nobody") == []
    assert listed(client, household=east_household.number) == ["income.delete", "person.update"]
    assert listed(client, household=str(east_household.pk)) == ["income.delete", "person.update"]
    today = timezone.localdate()
    assert listed(client, date_from=today.isoformat(), date_to=today.isoformat())[:2] == [
        "income.delete",
        "person.update",
    ]
    tomorrow = today + datetime.timedelta(days=1)
    assert listed(client, date_from=tomorrow.isoformat()) == []


def test_audit_page_shows_labels_not_json(client, county_auditor, changes):
    client.force_login(county_auditor)
    body = client.get(reverse("audit:event_list")).content.decode()
    assert "删除收入" in body and "重复录入" in body
    assert "残疾等级</span>：3级 → 2级" in body
    assert "disability_grade" not in body


def test_audit_verify_reports_tampering(client, county_auditor, changes):
    # given an event edited behind the application's back
    e = AuditEvent.objects.filter(action="person.update").get()
    AuditEvent.objects.filter(seq=e.seq).update(reason="篡改")
    client.force_login(county_auditor)
    # when
    client.post(reverse("audit:verify"))
    r = client.get(reverse("audit:event_list"))
    # then
    assert r.context["verify"] == {
        "ok": False,
        "checked": e.seq - 1,
        "message": f"第 {e.seq} 号事件内容被修改",
    }


def test_admin_role_inline_is_read_only(admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    inline = site._registry[User].get_inline_instances(request, admin_user)[0]
    assert inline.has_add_permission(request, admin_user) is False
    assert inline.has_change_permission(request, admin_user) is False
    assert inline.has_delete_permission(request, admin_user) is False
    assert set(inline.get_readonly_fields(request, admin_user)) >= {"role", "area", "valid_until"}
