"""The CRVS client: a civil registry's death notify holds the payment the same night (through
the police death-registration path); a birth becomes a household change task."""

from jiuzhu.core import clock
from jiuzhu.funds.models import PaymentHold
from jiuzhu.monitoring.models import Alert
from jiuzhu.monitoring.services import monitor_run
from jiuzhu.verify.models import FeedImport
from tests.factories import first_village
from tests.interop.helpers import account, post, request
from tests.monitoring.helpers import on_roll


def _notify(event: str, record: dict, sender_id: str) -> dict:
    return request(
        "notify",
        {
            "transaction_id": "crvs-t1",
            "notify_event": [
                {
                    "reference_id": "ev-1",
                    "timestamp": "2026-12-07T08:00:00Z",
                    "data": {
                        "version": "1.0.0",
                        "reg_type": "ns:org:RegistryType:Civil",
                        "reg_event_type": f"spdci-common:RegistryEventType:{event}",
                        "reg_record_type": "CRVS_Person",
                        "reg_records": record,
                    },
                }
            ],
        },
        sender_id,
    )


def _crvs_account():
    return account(
        name="市民政婚姻殡葬登记（CRVS）",
        scopes=["crvs.notify"],
        department="police",
        fields=[],
        purpose="死亡与出生登记通知",
    )


def test_a_death_notify_holds_the_payment_the_same_night(client, taizhou):
    hh, (head,), entry = on_roll(first_village("321202001000"))
    acc, raw = _crvs_account()
    record = {
        "identifier": {"identifier_type": "UIN", "identifier_value": head.id_number},
        "name": {"surname": head.name[0], "given_name": head.name[1:]},
        "sex": "male",
        "birth_date": head.birth_date.isoformat() + "T00:00:00",
        "death_date": clock.today().isoformat(),
    }
    r = post(client, "/dci/crvs/notify", _notify("Death", record, acc.sender_id), raw)
    assert r.status_code == 200 and r.json()["message"]["ack_status"] == "ACK", r.content
    imp = FeedImport.objects.get(department="police")
    assert imp.status == "accepted" and imp.rows_created == 1
    monitor_run()  # the nightly run
    alert = Alert.objects.get(household=hh)
    assert alert.payment_hold
    hold = PaymentHold.objects.get(source=f"alert:{alert.pk}")
    assert hold.person_id == head.pk and hold.released_at is None


def test_a_death_without_a_date_is_refused(client, taizhou):
    acc, raw = _crvs_account()
    record = {"identifier": {"identifier_type": "UIN", "identifier_value": "321202195510233843"}}
    r = post(client, "/dci/crvs/notify", _notify("Death", record, acc.sender_id), raw)
    assert r.status_code == 400 and "death_date" in r.json()["errors"][0]["message"]
    assert not FeedImport.objects.exists()


def test_a_birth_to_a_parent_on_the_registry_opens_a_change_task(client, taizhou):
    hh, (head,), _ = on_roll(first_village("321202001000"))
    acc, raw = _crvs_account()
    record = {
        "identifier": {"identifier_type": "UIN", "identifier_value": ""},
        "name": {"surname": "张", "given_name": "小宝"},
        "birth_date": clock.today().isoformat(),
        "mother_identifier": {"identifier_type": "UIN", "identifier_value": head.id_number},
    }
    r = post(client, "/dci/crvs/notify", _notify("LiveBirth", record, acc.sender_id), raw)
    assert r.status_code == 200
    alert = Alert.objects.get(household=hh)
    assert alert.rule.kind == "self_report" and "张小宝" in str(alert.evidence)


def test_a_notify_needs_the_crvs_scope(client, taizhou):
    acc, raw = account()
    r = post(client, "/dci/crvs/notify", _notify("Death", {}, acc.sender_id), raw)
    assert r.status_code == 403
