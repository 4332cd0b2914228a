"""批量分派 (issue 15): open alerts in bulk to one person who may handle them all; audited."""

import pytest
from django.test import Client
from django.utils import timezone

from jiuzhu.audit.models import AuditEvent
from jiuzhu.monitoring.models import Alert
from jiuzhu.monitoring.services import monitor_run
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def alerts(cast):
    heads = []
    for _ in range(2):
        _hh, (head,), _ = on_roll(cast.village)
        heads.append(head)
    import_rows("police", [police_death(h, timezone.localdate()) for h in heads])
    monitor_run()
    return list(Alert.objects.order_by("pk"))


def test_bulk_assign_gives_the_ticked_alerts_to_a_colleague(cast, alerts):
    c = _client(cast.reviewer)
    page = c.get("/monitoring/alerts/").content.decode()
    assert 'id="bulk-assign"' in page and f'value="{cast.worker.pk}"' in page
    assert f'value="{cast.reviewer_xi.pk}"' not in page  # another street: not offered
    r = c.post(
        "/monitoring/alerts/assign/",
        {"alert": [a.pk for a in alerts], "assignee": cast.worker.pk, "back": "state=open"},
    )
    assert r.status_code == 302 and r["Location"].endswith("?state=open")
    assert {a.assigned_to_id for a in Alert.objects.all()} == {cast.worker.pk}
    events = AuditEvent.objects.filter(action="alert.assign").order_by("seq")
    assert [e.subject_id for e in events] == [str(a.pk) for a in alerts]
    assert all(e.after == {"assigned_to": cast.worker.pk} for e in events)
    assert all(e.area_code == cast.village for e in events)


def test_bulk_assign_refuses_someone_who_cannot_handle_them(cast, alerts):
    c = _client(cast.reviewer)
    r = c.post(
        "/monitoring/alerts/assign/",
        {"alert": [a.pk for a in alerts], "assignee": cast.reviewer_xi.pk},
        follow=True,
    )
    assert "须在每条所选预警所在区域有预警处理权限" in r.content.decode()
    assert not Alert.objects.filter(assigned_to=cast.reviewer_xi).exists()
    assert not AuditEvent.objects.filter(action="alert.assign").exists()


def test_bulk_assign_refuses_alerts_outside_the_scope(cast, alerts):
    c = _client(cast.reviewer_xi)  # 城西: the 城东 alerts are not theirs
    r = c.post(
        "/monitoring/alerts/assign/",
        {"alert": [alerts[0].pk], "assignee": cast.reviewer_xi.pk},
        follow=True,
    )
    assert "不在您管辖区域内" in r.content.decode()
    assert Alert.objects.get(pk=alerts[0].pk).assigned_to_id != cast.reviewer_xi.pk
