"""代办: acting for a family member only on a recorded, unexpired, unrevoked authorisation."""

import datetime

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.services import audit_reads_chain
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.portal import services
from jiuzhu.portal.models import ProxyGrant
from tests.clock import travel_to
from tests.factories import user_with_role
from tests.portal.test_apply_and_progress import bound, do_apply
from tests.portal.test_pages_helpers import sign_in

pytestmark = pytest.mark.django_db


def until(days=30):
    return (clock.today() + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def family(taizhou):
    """A mother with an open application, and her son on another phone and household."""
    mother = bound("13812345678", "王秀英")
    app = do_apply(mother)
    son = bound("13900001111", "李强")
    return mother, son, app


def test_without_a_grant_the_family_members_case_is_404(family, client):
    mother, son, app = family
    sign_in(client, son)
    assert client.get(f"/m/case/{app.pk}/").status_code == 404
    assert client.post("/m/proxy/act/999/").status_code == 404


def test_a_grant_given_online_lets_the_agent_act_until_revoked(family, client):
    mother, son, app = family
    grant = services.proxy_grant_online(
        citizen=mother,
        agent_phone=son.phone,
        agent_name="李强",
        relation="子女",
        valid_until=until(),
    )
    sign_in(client, son)
    page = client.get("/m/proxy/").content.decode()
    assert "王**" in page or "王*英" in page  # the grantor's name masked
    assert client.post(f"/m/proxy/act/{grant.pk}/").url == "/m/"
    assert "代办中" in client.get("/m/").content.decode()
    assert client.get(f"/m/case/{app.pk}/").status_code == 200
    audit_reads_chain()  # the page's read, from the audit read log into the chain
    seen = AuditEvent.objects.filter(action="portal.view.case", subject_id=str(son.pk)).last()
    assert seen.after["acting_for_grant"] == grant.pk and seen.household_id == mother.household_id
    # the member revokes: the agent's next request is back in their own household
    services.proxy_revoke(grant_id=grant.pk, citizen=mother, reason="不再需要")
    assert client.get(f"/m/case/{app.pk}/").status_code == 404
    assert client.post(f"/m/proxy/act/{grant.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="portal.proxy.revoke", subject_id=str(grant.pk))


def test_a_grant_expires(family, client):
    mother, son, app = family
    grant = services.proxy_grant_online(
        citizen=mother,
        agent_phone=son.phone,
        agent_name="李强",
        relation="子女",
        valid_until=until(3),
    )
    sign_in(client, son)
    client.post(f"/m/proxy/act/{grant.pk}/")
    assert client.get(f"/m/case/{app.pk}/").status_code == 200
    with travel_to(clock.today() + datetime.timedelta(days=4)):
        # a new session (the old one has expired by then) still naming the grant
        sign_in(client, son, portal_acting=grant.pk)
        assert client.get(f"/m/case/{app.pk}/").status_code == 404
        assert client.post(f"/m/proxy/act/{grant.pk}/").status_code == 404


def test_a_grant_to_another_phone_does_not_open_the_case(family, client):
    mother, son, app = family
    grant = services.proxy_grant_online(
        citizen=mother,
        agent_phone="13700002222",
        agent_name="张三",
        relation="邻居",
        valid_until=until(),
    )
    sign_in(client, son)
    assert client.post(f"/m/proxy/act/{grant.pk}/").status_code == 404
    # a session value forged to that grant is ignored
    sign_in(client, son, portal_acting=grant.pk)
    assert client.get(f"/m/case/{app.pk}/").status_code == 404


def test_the_window_records_a_grant_for_a_person_of_its_area_only(family, client):
    mother, son, app = family
    worker = user_with_role(Role.VILLAGE_WORKER, mother.household.hukou_area_id)
    outsider = user_with_role(Role.VILLAGE_WORKER, "321204001001")
    with pytest.raises(ServiceError) as e:
        services.proxy_grant_at_window(
            actor=outsider,
            id_number=mother.person.id_number,
            agent_phone=son.phone,
            agent_name="李强",
            relation="子女",
            valid_until=until(),
        )
    assert "id_number" in e.value.errors
    grant = services.proxy_grant_at_window(
        actor=worker,
        id_number=mother.person.id_number,
        agent_phone=son.phone,
        agent_name="李强",
        relation="子女",
        valid_until=until(),
        note="本人到窗口当面授权",
    )
    assert grant.how == "window" and grant.recorded_by == worker
    ev = AuditEvent.objects.get(action="portal.proxy.grant", subject_id=str(grant.pk))
    assert ev.actor_id == worker.pk and ev.reason == "本人到窗口当面授权"
    sign_in(client, son)
    client.post(f"/m/proxy/act/{grant.pk}/")
    assert client.get(f"/m/case/{app.pk}/").status_code == 200


def test_bad_grants_are_refused_naming_the_field(family):
    mother, son, app = family
    with pytest.raises(ServiceError) as e:
        services.proxy_grant_online(
            citizen=mother,
            agent_phone=mother.phone,
            agent_name="",
            relation="",
            valid_until=until(400),
        )
    assert {"agent_phone", "agent_name", "relation", "valid_until"} <= set(e.value.errors)
    assert not ProxyGrant.objects.exists()


def test_the_agent_cannot_grant_onwards_or_revoke_others(family):
    mother, son, app = family
    grant = services.proxy_grant_online(
        citizen=mother,
        agent_phone=son.phone,
        agent_name="李强",
        relation="子女",
        valid_until=until(),
    )
    stranger = bound("13700003333", "赵六")
    from django.http import Http404

    with pytest.raises(Http404):
        services.proxy_revoke(grant_id=grant.pk, citizen=stranger)
    son.acting_for = grant
    with pytest.raises(ServiceError):
        services.proxy_grant_online(
            citizen=son,
            agent_phone="13700004444",
            agent_name="某",
            relation="朋友",
            valid_until=until(),
        )
