"""The SPDCI Social Registry interface end to end on the test client: sync and async search,
the callback, signatures, subscriptions notified of the roll, txn/status."""

import datetime
import json

import pytest
from joserfc.jwk import ECKey

from jiuzhu.core import clock
from jiuzhu.interop import signing
from jiuzhu.interop.models import Delivery, Subscription
from jiuzhu.interop.registry_interface import deliveries_retry_task
from jiuzhu.registry.roll import roll_end
from tests.factories import HouseholdFactory, PersonFactory, RollEntryFactory, first_village
from tests.interop.helpers import account, post, request, search_by_id


@pytest.fixture
def person(taizhou):
    hh = HouseholdFactory(hukou_area_id=first_village("321202001000"), size=1, head_name="苏菊梅")
    p = PersonFactory(household=hh, name="苏菊梅", id_number="321202195510233843")
    RollEntryFactory(household=hh, programme="dibao")
    return p


@pytest.fixture
def sent(monkeypatch):
    """Outgoing HTTP calls of the delivery task, captured (no network in tests)."""
    calls = []

    class Ok:
        status_code = 200

    def fake_post(url, json=None, timeout=None):
        calls.append((url, json))
        return Ok()

    import httpx

    monkeypatch.setattr(httpx, "post", fake_post)
    return calls


def test_sync_search_answers_with_the_agreed_fields_masked(client, person):
    acc, raw = account()
    r = post(
        client,
        "/dci/registry/sync/search",
        search_by_id("３２１２０２１９５５１０２３３８４３", acc.sender_id),
        raw,
    )
    assert r.status_code == 200
    body = r.json()
    assert body["header"]["action"] == "on-search" and body["header"]["status"] == "succ"
    (resp,) = body["message"]["search_response"]
    assert resp["status"] == "succ" and resp["pagination"]["total_count"] == 1
    (rec,) = resp["data"]["reg_records"]
    assert rec["id_number"] == "3212**********3843" and rec["name"] == "苏*梅"
    assert rec["programmes"] == [{"code": "dibao", "label": "最低生活保障"}]
    # the answer is signed by the registry: the detached JWS verifies with the published key
    jwk = client.get("/dci/.well-known/jwks.json").json()["keys"][0]
    signing.verify(
        mode="message",
        public_key=json.dumps(jwk),
        signature=body["signature"],
        header=body["header"],
        message=body["message"],
    )


def test_a_search_outside_the_accounts_area_finds_nothing(client, person):
    acc, raw = account(area_code="321283000000")  # 泰兴市, not 海陵区
    r = post(
        client, "/dci/registry/sync/search", search_by_id(person.id_number, acc.sender_id), raw
    )
    assert r.json()["message"]["search_response"][0]["pagination"]["total_count"] == 0


def test_async_search_acks_then_calls_back_the_sender(
    client, person, sent, django_capture_on_commit_callbacks
):
    acc, raw = account()
    body = search_by_id(
        person.id_number, acc.sender_id, sender_uri="http://sp.example/registry/on-search"
    )
    with django_capture_on_commit_callbacks(execute=True):
        r = post(client, "/dci/registry/search", body, raw)
    ack = r.json()["message"]
    assert r.status_code == 200 and ack["ack_status"] == "ACK"
    assert sent == [] and Delivery.objects.get().delivered_at is None  # queued for the worker
    deliveries_retry_task.call()  # what the task worker does
    ((url, cb),) = sent
    assert url == "http://sp.example/registry/on-search"
    assert cb["header"]["action"] == "on-search"
    assert cb["message"]["correlation_id"] == ack["correlation_id"]
    assert cb["message"]["transaction_id"] == body["message"]["transaction_id"]
    assert Delivery.objects.get().delivered_at is not None
    # txn/status finds the stored answer by transaction id
    status = request(
        "txn-status",
        {
            "transaction_id": "t-status",
            "txnstatus_request": {
                "reference_id": "r",
                "txn_type": "search",
                "attribute_type": "transaction_id",
                "attribute_value": body["message"]["transaction_id"],
            },
        },
        acc.sender_id,
    )
    r = post(client, "/dci/registry/sync/txn/status", status, raw)
    txn = r.json()["message"]["txnstatus_response"]["txn_status"]
    assert txn["correlation_id"] == ack["correlation_id"] and len(txn["search_response"]) == 1


def test_an_unknown_attribute_is_an_err_ack_naming_it(client, person):
    acc, raw = account()
    body = search_by_id(person.id_number, acc.sender_id)
    body["message"]["search_request"][0]["search_criteria"] = {
        "query_type": "predicate",
        "query": [
            {"expression1": {"attribute_name": "salary", "operator": "lt", "attribute_value": "1"}}
        ],
    }
    r = post(client, "/dci/registry/sync/search", body, raw)
    (resp,) = r.json()["message"]["search_response"]
    assert resp["status"] == "rjct" and "salary" in resp["status_reason_message"]


def test_message_signatures_are_verified_with_the_senders_key(client, person):
    key = ECKey.generate_key("P-256", auto_kid=True)
    acc, raw = account(signature_mode="message", public_key=json.dumps(key.as_dict(private=False)))
    body = search_by_id(person.id_number, acc.sender_id)
    body["signature"] = signing.sign(body["header"], body["message"], key)
    assert post(client, "/dci/registry/sync/search", body, raw).status_code == 200
    body["message"]["search_request"][0]["search_criteria"]["query"]["value"] = "321202195510233851"
    r = post(client, "/dci/registry/sync/search", body, raw)  # tampered after signing
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "rjct.signature.invalid"
    body["signature"] = "invalid-signature"
    assert post(client, "/dci/registry/sync/search", body, raw).status_code == 400


def test_a_sender_assertion_expires(client, person):
    key = ECKey.generate_key("P-256", auto_kid=True)
    acc, raw = account(signature_mode="sender", public_key=json.dumps(key.as_dict(private=False)))
    body = search_by_id(person.id_number, acc.sender_id)
    body["signature"] = signing.sender_assertion(acc.sender_id, key, ttl=60)
    assert post(client, "/dci/registry/sync/search", body, raw).status_code == 200
    body["signature"] = signing.sender_assertion(acc.sender_id, key, ttl=-1)
    assert post(client, "/dci/registry/sync/search", body, raw).status_code == 400
    body["signature"] = signing.sender_assertion("someone-else", key, ttl=60)
    assert post(client, "/dci/registry/sync/search", body, raw).status_code == 400


def _subscribe(client, acc, raw):
    body = request(
        "subscribe",
        {
            "transaction_id": "t-sub",
            "subscribe_request": [
                {
                    "reference_id": "r",
                    "timestamp": "2026-12-07T10:00:00Z",
                    "subscribe_criteria": {
                        "reg_event_type": "UPDATE",
                        "filter": {"type": "UIN", "value": "*"},
                        "notify_record_type": "Member",
                    },
                }
            ],
        },
        acc.sender_id,
        sender_uri="http://yibao.example/registry/on-subscribe",
    )
    return post(client, "/dci/registry/subscribe", body, raw)


def test_a_subscriber_is_notified_when_a_household_leaves_the_roll(
    client, person, sent, django_capture_on_commit_callbacks
):
    acc, raw = account()
    with django_capture_on_commit_callbacks(execute=True):
        assert _subscribe(client, acc, raw).json()["message"]["ack_status"] == "ACK"
    sub = Subscription.objects.get(account=acc)
    assert sub.notify_uri == "http://yibao.example/registry/notify"
    deliveries_retry_task.call()
    sent.clear()
    entry = person.household.roll_entries.get()
    with django_capture_on_commit_callbacks(execute=True):
        roll_end(entry, end_month=clock.today().replace(day=1))
    deliveries_retry_task.call()
    ((url, body),) = sent
    assert url == "http://yibao.example/registry/notify"
    assert body["header"]["action"] == "notify"
    (event,) = body["message"]["notify_event"]
    (rec,) = event["data"]["reg_records"]
    assert rec["roll_change"]["change"] == "exit" and rec["roll_change"]["programme"] == "dibao"
    assert rec["id_number"] == "3212**********3843"
    # unsubscribed: no more notifications
    unsub = request(
        "unsubscribe",
        {
            "transaction_id": "t-u",
            "timestamp": "2026-12-07T10:00:00Z",
            "subscription_codes": [sub.code],
        },
        acc.sender_id,
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/dci/registry/unsubscribe", unsub, raw)
    sub.refresh_from_db()
    assert not sub.active
    sent.clear()
    other = RollEntryFactory(household=person.household, programme="linshi")
    with django_capture_on_commit_callbacks(execute=True):
        roll_end(other, end_month=clock.today().replace(day=1) + datetime.timedelta(days=31))
    deliveries_retry_task.call()
    assert sent == []
