"""Funds API: funds.view required, scoped like the pages, ID and account numbers masked."""

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.funds.models import PayrollLine
from jiuzhu.funds.services import payment_hold_place, payroll_generate
from tests.conftest import CHENGDONG, CHENGXI, HAILING, JIANGYAN
from tests.factories import user_with_role
from tests.funds.conftest import MONTH, household, on_roll
from tests.funds.helpers import released

pytestmark = pytest.mark.django_db
BASE = "/api/v1/funds"


@pytest.fixture
def setup(officers):
    """A released 海陵区 payroll: two paid households and one held by a death alert; a draft
    城西 township payroll for the next month; a 姜堰区 household outside 海陵's scope."""
    homes = []
    for i in range(3):
        hh, head = household(officers["zijin"], name=f"户{i}")
        on_roll(hh, amount=f"{700 + i}.00")
        homes.append((hh, head))
    payment_hold_place(
        person_id=homes[2][1].pk, household_id=homes[2][0].pk, reason="死亡预警", source="alert:5"
    )
    payroll = released(officers)
    town_hh, _ = household(officers["zijin"], name="城西户", township=CHENGXI)
    on_roll(town_hh, amount="650.00", start=MONTH.replace(month=12))
    draft = payroll_generate(
        actor=officers["zijin"],
        programme="dibao",
        area_code=CHENGXI,
        month=MONTH.replace(month=12),
    )
    return {"payroll": payroll, "draft": draft, "homes": homes}


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def test_anonymous_and_wrong_role_are_refused(client, officers, setup):
    assert client.get(f"{BASE}/payrolls").status_code == 401
    r = _get(client, user_with_role(Role.VILLAGE_WORKER, CHENGDONG), f"{BASE}/payrolls")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    hh = setup["homes"][0][0]
    r = _get(
        client,
        user_with_role(Role.VILLAGE_WORKER, CHENGDONG),
        f"{BASE}/households/{hh.pk}/payments",
    )
    assert r.status_code == 403


def test_list_is_scoped_and_filtered(client, officers, setup):
    payroll, draft = setup["payroll"], setup["draft"]
    r = _get(client, officers["caiwu"], f"{BASE}/payrolls").json()
    assert {p["number"] for p in r["items"]} == {payroll.number, draft.number}
    assert r["count"] == 2
    other = user_with_role(Role.PAYMENTS_OFFICER, JIANGYAN)
    assert _get(client, other, f"{BASE}/payrolls").json() == {"count": 0, "items": []}

    def numbers(**params):
        body = _get(client, officers["zijin"], f"{BASE}/payrolls", **params).json()
        return [p["number"] for p in body["items"]]

    assert numbers(status="released") == [payroll.number]
    assert numbers(month="2026-12") == [draft.number]
    assert numbers(area=CHENGXI) == [draft.number]
    assert set(numbers(area=HAILING)) == {payroll.number, draft.number}
    assert numbers(programme="tekun") == []
    assert numbers(limit=1, offset=1) == [payroll.number]  # newest month first


def test_bad_filters_get_a_chinese_message_naming_the_field(client, officers, setup):
    for params, field in (
        ({"month": "2026-13"}, "month"),
        ({"month": "11/2026"}, "month"),
        ({"status": "paid"}, "status"),
        ({"area": "999999999999"}, "area"),
        ({"limit": 0}, "limit"),
    ):
        r = _get(client, officers["zijin"], f"{BASE}/payrolls", **params)
        assert r.status_code == 400, params
        assert field in r.json()["errors"], r.json()
        assert field in r.json()["message"]


def test_detail_has_totals_and_flag_counts(client, officers, setup):
    payroll = setup["payroll"]
    r = _get(client, officers["zijin"], f"{BASE}/payrolls/{payroll.pk}")
    assert r.status_code == 200
    d = r.json()
    assert d["status"] == "released" and d["month"] == "2026-11"
    assert d["total_amount"] == "2103.00"
    assert (d["held_count"], d["held_amount"]) == (1, "702.00")
    assert (d["payable_count"], d["payable_amount"]) == (2, "1401.00")
    assert d["flag_counts"] == {"hold": 1}
    assert d["line_counts"]["held"] == 1
    assert d["status_totals"]["sent"] == {"count": 2, "amount": "1401.00"}
    assert d["status_totals"]["held"] == {"count": 1, "amount": "702.00"}
    assert [a["approver"] for a in d["approvals"]] == [str(officers["zijin2"])]


def test_out_of_scope_payroll_and_household_are_404(client, officers, setup):
    other = user_with_role(Role.PAYMENTS_OFFICER, JIANGYAN)
    pk = setup["payroll"].pk
    assert _get(client, other, f"{BASE}/payrolls/{pk}").status_code == 404
    assert _get(client, other, f"{BASE}/payrolls/{pk}/lines").status_code == 404
    hh = setup["homes"][0][0]
    assert _get(client, other, f"{BASE}/households/{hh.pk}/payments").status_code == 404
    township = user_with_role(Role.PAYMENTS_OFFICER, CHENGXI)
    assert _get(client, township, f"{BASE}/payrolls/{pk}").status_code == 404
    assert _get(client, township, f"{BASE}/payrolls/{setup['draft'].pk}").status_code == 200


def test_lines_are_paged_and_masked(client, officers, setup):
    payroll = setup["payroll"]
    url = f"{BASE}/payrolls/{payroll.pk}/lines"
    body = _get(client, officers["zijin"], url, limit=2, offset=1).json()
    assert body["count"] == 3
    assert [ln["seq"] for ln in body["items"]] == [2, 3]
    raw = _get(client, officers["zijin"], url).content.decode()
    for line in PayrollLine.objects.filter(payroll=payroll).select_related("household"):
        head = line.household.members.get(relation="head")
        assert head.id_number not in raw
        assert line.account_number not in raw
        assert head.id_number[:4] + "*" * 10 + head.id_number[-4:] in raw
        assert line.account_number[:4] + "*" * 8 + line.account_number[-4:] in raw
    held = _get(client, officers["zijin"], url, show="held").json()
    assert held["count"] == 1
    (line,) = held["items"]
    assert line["status"] == "held" and line["flags"][0]["code"] == "hold"
    assert line["flags"][0]["evidence_url"].startswith("/funds/holds/")
    assert line["ref"] == f"{payroll.number}-000003"
    r = _get(client, officers["zijin"], url, show="nonsense")
    assert r.status_code == 400 and "show" in r.json()["errors"]


def test_household_payment_history(client, officers, setup):
    hh, head = setup["homes"][0]
    r = _get(
        client, user_with_role(Role.AUDITOR, "321200000000"), f"{BASE}/households/{hh.pk}/payments"
    )
    assert r.status_code == 200
    d = r.json()
    assert d["household_id"] == hh.pk
    assert [(ln["payroll_number"], ln["amount"], ln["status"]) for ln in d["lines"]] == [
        (setup["payroll"].number, "700.00", "sent")
    ]
    assert d["paid_total"] == "0.00"
    (acct,) = d["accounts"]
    assert "*" in acct["account_number_masked"] and acct["active"]
    assert head.id_number not in r.content.decode()
    held_hh = setup["homes"][2][0]
    d = _get(client, officers["zijin"], f"{BASE}/households/{held_hh.pk}/payments").json()
    assert [h["source"] for h in d["holds"]] == ["alert:5"]
