"""Pages and API of the policy engine, as a matrix: anonymous, wrong role, wrong area, right role.

Given households in 海陵区 and 姜堰区, a 海陵 worker sees and calculates only 海陵 households,
reads why a household qualifies for 低保 and not 特困 (in Chinese), and parameters need two admins.
"""

import datetime
import json
from decimal import Decimal

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.policy import selectors, services
from jiuzhu.policy.models import ParameterStatus
from tests.factories import HouseholdFactory, IncomeItemFactory, PersonFactory, user_with_role

HAILING_VILLAGE = "321202001002"
JIANGYAN_VILLAGE = "321204001001"
ON = datetime.date(2026, 11, 1)


def household(area, birth=datetime.date(1986, 1, 1), wage="300.00"):
    hh = HouseholdFactory(hukou_area_id=area)
    p = PersonFactory(household=hh, birth_date=birth)
    IncomeItemFactory(
        household=hh,
        person=p,
        amount=Decimal(wage) * 12,
        period_start=datetime.date(2025, 11, 1),
        period_end=datetime.date(2026, 10, 1),
    )
    return hh


@pytest.fixture
def people(taizhou):
    return {
        "worker": user_with_role(Role.VILLAGE_WORKER, HAILING_VILLAGE),
        "county": user_with_role(Role.COUNTY_APPROVER, "321202000000"),
        "dept": user_with_role(Role.DEPARTMENT_DATA, "321202000000"),
        "admin_a": user_with_role(Role.SYSADMIN, "321200000000"),
        "admin_b": user_with_role(Role.SYSADMIN, "321200000000"),
    }


CALC_URL = "/policy/calculator/"
PAGES = ["/policy/calculator/", "/policy/runs/", "/policy/simulation/", "/policy/parameters/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_pages_need_login_and_the_capability(client, people, url):
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(people["dept"])
    assert client.get(url).status_code == 403  # wrong role
    client.force_login(people["worker"])
    assert client.get(url).status_code == 200


def _form(area, **extra):
    data = {
        "area_code": area,
        "on": "2026-11-01",
        "urban_rural": "urban",
        "m0_age": "40",
        "m0_monthly_income": "300.00",
        "m0_labour_capacity": "full",
        "m0_self_care": "full",
        "m0_employment": "employed",
        "m0_school_stage": "none",
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_worker_reads_why_dibao_and_not_tekun_in_chinese(client, people):
    client.force_login(people["worker"])
    r = client.post(CALC_URL, _form(HAILING_VILLAGE))
    body = r.content.decode()
    assert r.status_code == 200
    assert "最低生活保障" in body and "符合" in body
    assert "特困人员救助供养" in body and "所有成员均无劳动能力" in body and "✗ 不满足" in body
    assert "月人均收入低于低保标准" in body


@pytest.mark.django_db
def test_calculator_form_takes_a_de_facto_unsupported_child(client, people):
    client.force_login(people["worker"])
    r = client.post(
        CALC_URL,
        _form(
            HAILING_VILLAGE,
            m0_age="66",
            m0_employment="retired",
            m0_monthly_income="2000.00",
            m1_age="9",
            m1_school_stage="primary",
            m1_child_status="unsupported",
        ),
    )
    got = {p["programme"]: p for p in r.context["result"]["programmes"]}
    assert got["unsupported_child_allowance"]["eligible"]
    assert got["unsupported_child_allowance"]["beneficiaries"] == 1
    assert not got["orphan_allowance"]["eligible"]


@pytest.mark.django_db
def test_calculator_refuses_an_area_outside_the_users_scope(client, people):
    client.force_login(people["worker"])
    r = client.post(CALC_URL, _form(JIANGYAN_VILLAGE))
    assert "区划不在您的管辖范围内" in r.content.decode()


@pytest.mark.django_db
def test_calculator_for_a_registry_household_is_scoped(client, people):
    mine, theirs = household(HAILING_VILLAGE), household(JIANGYAN_VILLAGE)
    client.force_login(people["worker"])
    assert client.get(CALC_URL, {"household": mine.pk}).status_code == 200
    assert client.get(CALC_URL, {"household": theirs.pk}).status_code == 404


@pytest.mark.django_db
def test_api_calculate_matrix(client, people):
    payload = {
        "household": {"members": [{"age": 72, "obligors": []}]},
        "area_code": HAILING_VILLAGE,
        "date": "2026-11-01",
    }

    def post():
        return client.post(
            "/api/v1/policy/calculate", json.dumps(payload), content_type="application/json"
        )

    assert post().status_code in (401, 403)
    client.force_login(people["dept"])
    assert post().status_code == 403
    client.force_login(people["worker"])
    r = post()
    assert r.status_code == 200
    tekun = next(p for p in r.json()["programmes"] if p["programme"] == "tekun")
    assert tekun["eligible"] is True and tekun["conditions"][0]["passed"] is True
    payload["area_code"] = JIANGYAN_VILLAGE
    assert post().status_code == 403
    payload["area_code"] = HAILING_VILLAGE
    payload["household"] = {"members": [{"age": 40, "monthly_income": "1.001"}]}
    r = post()
    assert r.status_code == 400, r.json()
    assert r.json()["errors"]["members[0].monthly_income"], r.json()


@pytest.mark.django_db
def test_run_results_are_scoped_on_page_and_api(client, people):
    mine = household(HAILING_VILLAGE, birth=datetime.date(1950, 1, 1))  # 特困, not on roll
    theirs = household(JIANGYAN_VILLAGE, birth=datetime.date(1950, 1, 1))
    run = services.policy_run(on=ON)
    client.force_login(people["worker"])
    r = client.get(f"/api/v1/policy/runs/{run.pk}/determinations", {"flag": "missed"})
    ids = {d["household_id"] for d in r.json()}
    assert mine.pk in ids and theirs.pk not in ids
    page = client.get(f"/policy/runs/{run.pk}/", {"flag": "missed"}).content.decode()
    assert mine.number in page and theirs.number not in page
    client.force_login(people["dept"])
    assert client.get(f"/api/v1/policy/runs/{run.pk}/determinations").status_code == 403


@pytest.mark.django_db
def test_run_start_needs_the_run_capability(client, people):
    client.force_login(people["worker"])
    assert client.post("/policy/runs/start/").status_code == 403
    client.force_login(people["county"])
    assert client.post("/policy/runs/start/").status_code == 302


@pytest.mark.django_db
def test_parameters_maker_checker(people):
    a, b, worker = people["admin_a"], people["admin_b"], people["worker"]
    with pytest.raises(ServiceError) as exc:
        services.parameter_propose(
            actor=worker,
            name="dibao.standard",
            area_code="321202000000",
            effective_from=ON,
            value="750",
            reason="CPI 联动",
        )
    assert exc.value.code == "out_of_scope"
    with pytest.raises(ServiceError, match="到分"):
        services.parameter_propose(
            actor=a,
            name="dibao.standard",
            area_code="321202000000",
            effective_from=ON,
            value="750.001",
            reason="x",
        )
    pv = services.parameter_propose(
        actor=a,
        name="dibao.standard",
        area_code="321202000000",
        effective_from=ON,
        value="750",
        reason="CPI 联动",
    )
    assert pv.status == ParameterStatus.PROPOSED
    rows = selectors.param_rows()
    assert all(r.version != pv.pk for r in rows)  # not in force before approval
    with pytest.raises(ServiceError) as exc:
        services.parameter_decide(actor=a, parameter_id=pv.pk, approve=True)
    assert exc.value.code == "same_person"
    services.parameter_decide(actor=b, parameter_id=pv.pk, approve=True)
    r = selectors.calculate_document(
        doc={"members": [{"age": 40, "monthly_income": "740.00"}]}, area_code=HAILING_VILLAGE, on=ON
    )
    dibao = next(p for p in r["programmes"] if p["programme"] == "dibao")
    assert dibao["eligible"] and r["parameters"]["dibao.standard"]["version"] == pv.pk
    actions = list(
        AuditEvent.objects.filter(subject_type="policy.parameter").values_list("action", flat=True)
    )
    assert actions == ["policy.parameter.propose", "policy.parameter.approve"]


@pytest.mark.django_db
def test_simulation_page_shows_cost_and_cliff_chart(client, people):
    household(HAILING_VILLAGE, wage="850.00")  # national default standard 798.10
    client.force_login(people["worker"])
    r = client.get(
        "/policy/simulation/",
        {
            "name": "dibao.standard",
            "value": "900",
            "area_code": "",
            "on": "2026-11-01",
            "size": "3",
        },
    )
    body = r.content.decode()
    assert r.status_code == 200
    assert "月资金变化" in body and "cliff-data" in body and "echarts.min.js" in body
    res = services.simulate(on=ON, overrides=[{"name": "dibao.standard", "value": "900"}])
    dibao = res["table"].filter(res["table"]["programme"] == "dibao")
    assert int(dibao["added_households"].sum()) == 1
    assert dibao["monthly_delta"].sum() == Decimal("50.00")  # 900 − 850, whole yuan
