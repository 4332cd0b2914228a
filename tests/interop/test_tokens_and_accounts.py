"""Service accounts and tokens: maker-checker, scopes (403), revocation and expiry (401), the
agreement's fields, every call audited with the purpose."""

import datetime

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.interop import services
from jiuzhu.interop.models import AccessToken
from tests.clock import travel_to
from tests.factories import HouseholdFactory, PersonFactory, first_village
from tests.interop.helpers import account, post, search_by_id


def _person(taizhou):
    hh = HouseholdFactory(hukou_area_id=first_village("321202001000"), size=1)
    return PersonFactory(household=hh, name="苏菊梅", id_number="321202195510233843")


def test_an_account_takes_effect_only_when_a_second_administrator_approves(admins):
    maker, checker = admins
    acc = services.service_account_create(
        actor=maker,
        name="市教育局",
        sender_id="jyj-3212",
        purpose="教育救助对象比对",
        area_code="321200000000",
        scopes=["registry.search"],
        fields=["name", "id_number"],
        signature_mode="none",
    )
    assert not acc.active
    with pytest.raises(ServiceError, match="尚未复核"):
        services.token_issue(actor=maker, account_id=acc.pk)
    with pytest.raises(ServiceError, match="复核人不能是登记人"):
        services.service_account_approve(actor=maker, account_id=acc.pk)
    services.service_account_approve(actor=checker, account_id=acc.pk)
    acc.refresh_from_db()
    assert acc.active and acc.user.role_assignments.filter(pending=False).count() == 1
    token, raw = services.token_issue(actor=maker, account_id=acc.pk, days=30)
    assert raw.startswith(f"jz_{token.prefix}_") and token.digest != raw  # only the digest kept


def test_an_account_needs_a_purpose_and_known_scopes_and_fields(admins):
    with pytest.raises(ServiceError) as exc:
        services.service_account_create(
            actor=admins[0],
            name="x",
            sender_id="x",
            purpose="",
            area_code="321200000000",
            scopes=["registry.everything"],
            fields=["income"],
            signature_mode="none",
        )
    assert set(exc.value.errors) >= {"purpose", "scopes", "fields"}
    assert "registry.everything" in exc.value.errors["scopes"][0]


def test_a_token_without_the_scope_gets_403(client, taizhou):
    person = _person(taizhou)
    acc, raw = account(scopes=["registry.subscribe"])
    r = post(
        client, "/dci/registry/sync/search", search_by_id(person.id_number, acc.sender_id), raw
    )
    assert r.status_code == 403
    r = client.get(
        "/api/v1/registry/persons",
        {"id_number": person.id_number},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert r.status_code == 403


def test_a_revoked_token_gets_401_and_an_expired_one_too(client, taizhou):
    person = _person(taizhou)
    acc, raw = account()
    body = search_by_id(person.id_number, acc.sender_id)
    assert post(client, "/dci/registry/sync/search", body, raw).status_code == 200
    token = AccessToken.objects.get(account=acc)
    services.token_revoke(actor=None, token_id=token.pk, reason="对方系统更换")
    assert post(client, "/dci/registry/sync/search", body, raw).status_code == 401
    assert (
        client.get(
            "/api/v1/registry/persons",
            {"id_number": person.id_number},
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        ).status_code
        == 401
    )
    _, raw2 = services.token_issue(actor=None, account_id=acc.pk, days=1)
    assert post(client, "/dci/registry/sync/search", body, raw2).status_code == 200
    with travel_to(clock.today() + datetime.timedelta(days=2)):
        assert post(client, "/dci/registry/sync/search", body, raw2).status_code == 401
    assert post(client, "/dci/registry/sync/search", body, None).status_code == 401
    assert post(client, "/dci/registry/sync/search", body, raw2[:-2] + "xx").status_code == 401


def test_a_token_for_another_sender_id_is_refused(client, taizhou):
    person = _person(taizhou)
    acc, raw = account()
    other, _ = account()
    r = post(
        client, "/dci/registry/sync/search", search_by_id(person.id_number, other.sender_id), raw
    )
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "rjct.sender_id.invalid"


def test_the_agreement_decides_the_fields_and_masking_and_every_call_is_audited(client, taizhou):
    person = _person(taizhou)
    acc, raw = account(fields=["name", "id_number", "birth_date"], reveal=["id_number"])
    r = client.get(
        "/api/v1/registry/persons",
        {"id_number": person.id_number},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert r.status_code == 200
    (item,) = r.json()["items"]
    assert item["id_number"] == "321202195510233843"  # revealed by agreement
    assert item["name"] == "苏*梅"  # masked: not in reveal
    assert "phone" not in item and "area" not in item  # not agreed: never sent
    event = AuditEvent.objects.filter(action="interop.api.search").latest("seq")
    assert event.reason == "医疗救助资助参保" and event.extra["rows"] == 1
    assert event.area_code == "321200000000"


def test_the_api_refuses_a_search_without_conditions_in_chinese(client, taizhou):
    acc, raw = account()
    r = client.get("/api/v1/registry/persons", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 400 and "至少给出一个查询条件" in r.json()["message"]


def test_a_department_token_uploads_only_its_own_feed(client, taizhou):
    acc, raw = account(scopes=["feed.upload"], department="police", fields=[])
    csv = "记录编号,身份证号,姓名,性别,出生日期,事项,事项日期\nGA1,321202195510233843,苏菊梅,F,1955-10-23,hukou,2026-01-05\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        "/api/v1/registry/feeds",
        {"file": SimpleUploadedFile("police.csv", csv.encode())},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert r.status_code == 200, r.content
    assert r.json()["department"] == "police" and r.json()["status"] == "accepted"
    got = client.get(f"/api/v1/registry/feeds/{r.json()['id']}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert got.status_code == 200
    other, raw_other = account(scopes=["feed.upload"], department="tax", fields=[])
    assert (
        client.get(
            f"/api/v1/registry/feeds/{r.json()['id']}", HTTP_AUTHORIZATION=f"Bearer {raw_other}"
        ).status_code
        == 404
    )


def test_the_administrators_pages_register_approve_issue_and_revoke(client, admins):
    """系统管理 → 接入系统, as two administrators click it: register, the other approves, a
    token is shown once, then revoked with a reason."""
    maker, checker = admins
    client.force_login(maker)
    r = client.post(
        "/interop/accounts/new/",
        {
            "name": "市住建局",
            "sender_id": "zjj-3212",
            "area": "321200000000",
            "purpose": "公租房申请家庭核对",
            "scopes": ["registry.search"],
            "fields": ["name", "id_number"],
            "signature_mode": "none",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    detail = r["Location"]
    page = client.get(detail).content.decode()
    assert "待复核" in page and "须由另一名系统管理员复核" in page
    assert "registry.search" not in page and "查询救助对象" in page  # labels, not codes
    client.force_login(checker)
    client.post(detail + "approve/")
    r = client.post(detail + "tokens/", {"days": "30"}, follow=True)
    page = r.content.decode()
    token = AccessToken.objects.get(account__sender_id="zjj-3212")
    assert f"jz_{token.prefix}_" in page and "只显示这一次" in page
    again = client.get(detail).content.decode()
    assert "只显示这一次" not in again  # shown once
    r = client.post(f"{detail}tokens/{token.pk}/revoke/", {"reason": ""}, follow=True)
    token.refresh_from_db()
    assert token.revoked_at is None and "请填写吊销原因" in r.content.decode()
    client.post(f"{detail}tokens/{token.pk}/revoke/", {"reason": "合同到期"})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_form_error_keeps_what_was_typed(client, admins):
    client.force_login(admins[0])
    r = client.post(
        "/interop/accounts/new/",
        {
            "name": "市住建局",
            "sender_id": "zjj",
            "area": "321200000000",
            "purpose": "",
            "scopes": ["registry.search"],
            "signature_mode": "message",
        },
    )
    page = r.content.decode()
    assert r.status_code == 200 and 'value="市住建局"' in page
    assert "验签须登记对方的公钥" in page or "用途" in page
