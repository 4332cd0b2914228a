"""政策找人 reads what a 核对 found: a company 市场监管 registered, wages 人社 paid, a car 车管
registered (features.merge_verified, verify.selectors.verified_facts_sql).

Given three households on the 低保 roll that the registry alone finds eligible, when a batch 核对
links department data to them and 政策找人 runs again, then the household with a company and the
household with undeclared wages become 错保, each failing the condition the finding touches, and
the household whose car the registry already holds (same plate) is not counted twice.
"""

import datetime
from decimal import Decimal

import polars as pl
import pytest
from django.utils import timezone

from jiuzhu.accounts.roles import Role
from jiuzhu.policy import selectors, services
from jiuzhu.policy.engine.features import INPUT_SCHEMAS, compute_features
from jiuzhu.policy.models import Determination, Flag
from jiuzhu.verify.models import Finding
from jiuzhu.verify.services import batch_check, feed_import
from tests.conftest import HAILING
from tests.factories import (
    AssetFactory,
    HouseholdFactory,
    PersonFactory,
    RollEntryFactory,
    user_with_role,
)


def _parent_and_child(name: str):
    """An adult without recorded income and a pupil, on the 低保 roll (eligible by the registry)."""
    hh = HouseholdFactory(head_name=name, size=2)
    parent = PersonFactory(household=hh, name=name, birth_date=datetime.date(1986, 1, 1))
    PersonFactory(
        household=hh,
        relation="child",
        name=name + "小",
        birth_date=datetime.date(2016, 1, 1),
        school_stage="primary",
    )
    RollEntryFactory(household=hh, monthly_amount=Decimal("1420.00"))
    return hh, parent


def _csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _failed(det: Determination, run) -> list[str]:
    names = [n for n, _ in run.programmes[det.programme]["conditions"]]
    return [names[i] for i in range(len(names)) if det.failed & (1 << i)]


@pytest.mark.django_db
def test_findings_of_a_check_make_households_wrongly_included(taizhou, client):
    on = timezone.localdate().replace(day=1)  # the rules look back 12 months from today
    company_hh, owner = _parent_and_child("王建业")
    wage_hh, earner = _parent_and_child("刘勤")
    car_hh, driver = _parent_and_child("陈驾")
    AssetFactory(
        household=car_hh,
        person=driver,
        kind="vehicle",
        registration_no="苏M5C5C5",
        value=Decimal("20000.00"),
        exempt=True,  # exempted by the county (a car adapted for the disabled child, say)
        source="feed:vehicles",
    )

    before = services.policy_run(on=on)
    flags = {
        d.household_id: d.flag for d in Determination.objects.filter(run=before, programme="dibao")
    }
    assert all(flags[h.pk] != Flag.WRONGLY_INCLUDED for h in (company_hh, wage_hh, car_hh))

    feed_import(
        actor=None,
        department="market",
        file_name="market.csv",
        data=_csv(
            "record_id,credit_code,company_name,id_number,name,birth_date,role,"
            "registered_capital,status,registered_on,area_code",
            [
                f"M1,91321202MA1ABC0001,泰州建业贸易有限公司,{owner.id_number},{owner.name},,"
                "legal_rep,500000.00,active,2022-03-01,"
            ],
        ),
    )
    months = [(on - datetime.timedelta(days=28 * i + 1)).strftime("%Y-%m") for i in range(11)]
    feed_import(
        actor=None,
        department="hrss",
        file_name="hrss.csv",
        data=_csv(
            "record_id,id_number,name,birth_date,employer,kind,month,amount",
            [
                f"W{i},{earner.id_number},{earner.name},,泰州某制造有限公司,wage,{m},5000.00"
                for i, m in enumerate(sorted(set(months)))
            ],
        ),
    )
    feed_import(
        actor=None,
        department="vehicles",
        file_name="vehicles.csv",
        data=_csv(
            "record_id,plate_no,id_number,name,birth_date,vehicle_type,value,registered_on,area_code",
            [f"V1,苏M5C5C5,{driver.id_number},{driver.name},,car,20000.00,2020-05-06,"],
        ),
    )
    batch_check(reason="月度核对")
    kinds = set(Finding.objects.values_list("household_id", "kind", "source"))
    assert (company_hh.pk, "business", "feed:market") in kinds
    assert (wage_hh.pk, "wage_above_line", "feed:hrss") in kinds
    # the 核对 reports the car (the registry's copy came from a feed, not a declaration) …
    assert (car_hh.pk, "vehicle", "feed:vehicles") in kinds

    after = services.policy_run(on=on)
    dets = {d.household_id: d for d in Determination.objects.filter(run=after, programme="dibao")}
    assert dets[company_hh.pk].flag == Flag.WRONGLY_INCLUDED
    assert _failed(dets[company_hh.pk], after) == ["businesses_within_limit"]
    assert dets[wage_hh.pk].flag == Flag.WRONGLY_INCLUDED
    assert _failed(dets[wage_hh.pk], after) == ["income_below_standard"]
    # … but 政策找人 counts it once: the registry holds it under the same plate, exempt
    assert dets[car_hh.pk].flag != Flag.WRONGLY_INCLUDED and dets[car_hh.pk].eligible
    # the calculator for one household reads the same facts
    calc = selectors.calculate_household(household_id=company_hh.pk, on=on)
    assert calc["features"]["n_businesses"] == 1
    assert calc["verified"] == [
        {"kind": "business", "department": "market", "as_of": "2022-03-01", "amount": "500000.00"}
    ]
    wage = selectors.calculate_household(household_id=wage_hh.pk, on=on)["verified"]
    assert [(v["kind"], v["department"]) for v in wage] == [("wage_above_line", "hrss")]
    assert selectors.calculate_household(household_id=car_hh.pk, on=on)["verified"] == []
    # and its page says where the fact came from
    client.force_login(user_with_role(Role.COUNTY_APPROVER, HAILING))
    page = client.get(f"/policy/calculator/?household={company_hh.pk}").content.decode()
    assert "市场监管·工商登记（数据日期 2022-03-01" in page
    assert f"/verify/households/{company_hh.pk}/report/" in page


def test_merge_verified_counts_assets_and_adds_wages_only_where_the_registry_has_none():
    hh = pl.DataFrame(
        {"household_id": [1, 2], "area_code": ["321202001001"] * 2, "urban_rural": ["urban"] * 2}
    )
    persons = pl.DataFrame(
        {
            "person_id": [11, 21],
            "household_id": [1, 2],
            "birth_date": [datetime.date(1980, 1, 1)] * 2,
            "is_counted": [True, True],
        }
    )
    income = pl.DataFrame(
        {
            "household_id": [2],
            "person_id": [21],
            "kind": ["wage"],
            "amount_fen": [1_200_00],
            "period_start": [datetime.date(2025, 11, 1)],
            "period_end": [datetime.date(2026, 10, 31)],
            "excluded": [False],
        }
    )
    verified = pl.DataFrame(
        {
            "household_id": [1, 1, 1, 2],
            "person_id": [11, 11, 11, 21],
            "kind": ["vehicle", "property", "wage_above_line", "wage_above_line"],
            "amount_fen": [8_000_000, None, 6_000_000, 6_000_000],
            "as_of": [datetime.date(2026, 10, 1)] * 4,
            "department": ["vehicles", "property", "hrss", "hrss"],
        },
        schema_overrides={"amount_fen": INPUT_SCHEMAS["verified"]["amount_fen"]},
    )
    frames = {"households": hh, "persons": persons, "income": income}
    on = datetime.date(2026, 11, 1)
    plain = compute_features(frames, on).sort("household_id")
    merged = compute_features({**frames, "verified": verified}, on).sort("household_id")
    assert plain["n_vehicles"].to_list() == [0, 0] and merged["n_vehicles"].to_list() == [1, 0]
    assert merged["n_properties"].to_list() == [1, 0]
    # household 1: 60,000 yuan over the 12 months of the window; household 2 keeps its own 1,200
    # (income_lookback is exact Decimal yuan)
    assert merged["income_lookback"].to_list() == [Decimal("60000"), Decimal("1200")]
    assert plain["income_lookback"].to_list() == [Decimal("0"), Decimal("1200")]
