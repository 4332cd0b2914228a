"""政策找人 end to end on the test database: read columnar, evaluate, store, flag, score.

Given three households of the demo county, when the run evaluates them, then the stored
determinations flag 应保未保, 错保 and 金额不符 exactly, agree with the calculator, and every
household has a hardship score.
"""

import datetime
from decimal import Decimal

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.policy import selectors, services
from jiuzhu.policy.models import Determination, Flag, PolicyRun
from jiuzhu.registry.models import Household
from tests.factories import (
    HouseholdFactory,
    IncomeItemFactory,
    PersonFactory,
    RigidExpenseFactory,
    RollEntryFactory,
)

ON = datetime.date(2026, 11, 1)
WINDOW = {"period_start": datetime.date(2025, 11, 1), "period_end": datetime.date(2026, 10, 1)}


def monthly_wage(person, yuan):
    IncomeItemFactory(
        household=person.household, person=person, amount=Decimal(yuan) * 12, **WINDOW
    )


@pytest.fixture
def county(taizhou):
    # Lone 72-year-old with a small pension and no legal obligor (checked): 特困, not on any
    # roll → 应保未保 (tekun).
    h1 = HouseholdFactory()
    p1 = PersonFactory(
        household=h1,
        birth_date=datetime.date(1954, 3, 1),
        obligors_checked_on=datetime.date(2026, 10, 1),
    )
    monthly_wage(p1, "300.00")
    # Adult earning 5,000 a month, on the 低保 roll → 错保.
    h2 = HouseholdFactory()
    p2 = PersonFactory(household=h2, birth_date=datetime.date(1986, 1, 1), employment="employed")
    monthly_wage(p2, "5000.00")
    RollEntryFactory(
        household=h2, monthly_amount=Decimal("300.00"), start_month=datetime.date(2026, 1, 1)
    )
    # Parent earning 300 with a child, on the roll at 1,000 → eligible, amount differs.
    h3 = HouseholdFactory()
    p3 = PersonFactory(household=h3, birth_date=datetime.date(1986, 1, 1), employment="employed")
    PersonFactory(
        household=h3,
        relation="child",
        birth_date=datetime.date(2016, 1, 1),
        school_stage="primary",
        name="张小",
    )
    monthly_wage(p3, "300.00")
    RollEntryFactory(
        household=h3, monthly_amount=Decimal("1000.00"), start_month=datetime.date(2026, 1, 1)
    )
    return h1, h2, h3


@pytest.mark.django_db
def test_run_flags_missed_wrongly_included_and_amount_differences(county):
    h1, h2, h3 = county
    run = services.policy_run(on=ON)
    assert run.status == "done" and run.households == 3
    flags = {(d.household_id, d.programme): d.flag for d in Determination.objects.filter(run=run)}
    assert flags[(h1.pk, "tekun")] == Flag.MISSED
    assert flags[(h2.pk, "dibao")] == Flag.WRONGLY_INCLUDED
    assert flags[(h3.pk, "dibao")] == Flag.AMOUNT_DIFF
    d3 = Determination.objects.get(run=run, household_id=h3.pk, programme="dibao")
    # (798.10 − 150.00) × 2 = 1,296.20: the national default keeps the fen (whole-yuan
    # rounding is a local choice, off by default).
    assert d3.amount == Decimal("1296.20") and d3.roll_amount == Decimal("1000.00")
    d2 = Determination.objects.get(run=run, household_id=h2.pk, programme="dibao")
    names = [n for n, _ in run.programmes["dibao"]["conditions"]]
    assert [names[i] for i in range(len(names)) if d2.failed & (1 << i)] == [
        "income_below_standard"
    ]
    assert AuditEvent.objects.filter(action="policy.run", subject_id=str(run.pk)).exists()
    scores = dict(Household.objects.values_list("pk", "hardship_score"))
    assert all(s is not None for s in scores.values())
    assert scores[h1.pk] < scores[h2.pk]  # the lone old man is harder up than the earner


@pytest.mark.django_db
def test_batch_equals_calculator_for_registry_households(county):
    run = services.policy_run(on=ON)
    for hh in county:
        calc = selectors.calculate_household(household_id=hh.pk, on=ON)
        stored = {d.programme: d for d in Determination.objects.filter(run=run, household_id=hh.pk)}
        for p in calc["programmes"]:
            d = stored.get(p["programme"])
            assert (d is not None and d.eligible) == p["eligible"], p["programme"]
            if p["eligible"]:
                assert str(d.amount) == p["amount"]


@pytest.mark.django_db
def test_runs_are_comparable(county):
    h1, h2, h3 = county
    first = services.policy_run(on=ON)
    # h2 loses the job: income gone → now eligible for 低保.
    h2.incomeitems.all().delete()
    second = services.policy_run(on=ON)
    df = selectors.run_compare(run=second, previous=first)
    row = {r["programme"]: r for r in df.to_dicts()}
    assert row["dibao"]["added"] == 1
    assert PolicyRun.objects.count() == 2


@pytest.mark.django_db
def test_run_of_one_area_only_reads_that_area(county):
    other = HouseholdFactory(hukou_area_id="321204001001")
    PersonFactory(household=other, birth_date=datetime.date(1940, 1, 1))
    run = services.policy_run(on=ON, area_code="321204000000")
    assert run.households == 1
    assert set(Determination.objects.filter(run=run).values_list("household_id", flat=True)) <= {
        other.pk
    }


@pytest.mark.django_db
def test_programmes_load_and_a_bad_edit_is_refused_naming_the_name(taizhou):
    from jiuzhu.core.errors import ServiceError
    from jiuzhu.policy.models import Programme

    assert services.programmes_load() == len(Programme.objects.all()) >= 13
    assert services.programmes_load() == 0  # idempotent
    doc = dict(Programme.objects.get(code="dibao").definition)
    doc["conditions"] = [*doc["conditions"], {"name": "x", "expr": "incomme < 1"}]
    with pytest.raises(ServiceError, match="incomme"):
        services.programme_save(actor=None, doc=doc)
    assert AuditEvent.objects.filter(action="policy.programme.save").count() >= 13


@pytest.mark.django_db
def test_run_summary_keeps_yearly_and_one_off_amounts_apart_from_monthly(county):
    h1, h2, h3 = county
    # The 低保 household h3 paid 10,000 yuan of medical costs over the year: 医疗救助 75 %
    # (低保, no deductible) = 7,500 yuan a YEAR — not to be added to the monthly 低保 amounts.
    RigidExpenseFactory(household=h3, kind="medical", amount=Decimal("10000.00"), **WINDOW)
    run = services.policy_run(on=ON)
    t = run.summary["totals"]
    assert (t["medical_aid"]["period"], t["medical_aid"]["unit"]) == ("year", "元/年")
    assert t["medical_aid"]["amount"] == "7500.00"
    assert t["dibao"]["period"] == "month"
    monthly = sum(Decimal(v["amount"]) for v in t.values() if v["period"] == "month")
    assert Decimal(run.summary["by_period"]["month"]) == monthly
    # Yearly: 医疗救助 7,500 + 教育救助 1,000 for h3's primary-school child, and the other
    # yearly programmes (医保参保资助, 工会帮扶 …) — all kept out of the monthly total.
    assert t["education_aid"]["amount"] == "1000.00"
    yearly = sum(Decimal(v["amount"]) for v in t.values() if v["period"] == "year")
    assert yearly >= Decimal("8500.00")
    assert Decimal(run.summary["by_period"]["year"]) == yearly
    d = Determination.objects.get(run=run, household_id=h3.pk, programme="medical_aid")
    assert d.amount == Decimal("7500.00")  # stored in the programme's unit (yuan per year)


@pytest.mark.django_db
def test_the_batch_decides_from_the_registry_facts_as_the_calculator_does(taizhou):
    from jiuzhu.registry.models import JobOffer, Obligor, SelfCareAssessment

    # A 75-year-old whose only obligor, a son, is in prison with property within the limits
    # (特困办法 Art. 8) and who cannot do four of the six self-care items (Art. 20–23).
    hh = HouseholdFactory()
    old = PersonFactory(household=hh, birth_date=datetime.date(1951, 3, 1))
    monthly_wage(old, "300.00")
    Obligor.objects.create(
        household=hh,
        person=old,
        kind="child",
        birth_date=datetime.date(1975, 1, 1),
        in_prison=True,
        property_within_limits=True,
        as_of=datetime.date(2026, 10, 1),
    )
    SelfCareAssessment.objects.create(
        household=hh,
        person=old,
        eating=False,
        dressing=False,
        transfer=False,
        toileting=False,
        assessor="镇卫生院",
        as_of=datetime.date(2026, 10, 1),
    )
    # A couple on no income where the husband refused three offers in a row (低保办法 Art. 34).
    h2 = HouseholdFactory()
    head = PersonFactory(household=h2, birth_date=datetime.date(1986, 1, 1))
    PersonFactory(
        household=h2, relation="spouse", birth_date=datetime.date(1987, 1, 1), name="李芳"
    )
    for month in (7, 8, 9):
        JobOffer.objects.create(
            household=h2,
            person=head,
            employer="镇保洁公司",
            refused=True,
            as_of=datetime.date(2026, month, 1),
        )
    run = services.policy_run(on=ON)
    tekun = Determination.objects.get(run=run, household_id=hh.pk, programme="tekun")
    calc = selectors.calculate_household(household_id=hh.pk, on=ON)
    member = calc["members"][0]
    assert member["obligors"]["value"] == "unable"
    assert member["obligors"]["each"][0]["reason"] == "no_capacity"
    assert member["self_care"] == {
        "value": "none",
        "items_unable": 4,
        "article": "特困办法第二十至二十三条",
    }
    p = next(p for p in calc["programmes"] if p["programme"] == "tekun")
    assert tekun.eligible and p["eligible"] and str(tekun.amount) == p["amount"]
    dibao = Determination.objects.get(run=run, household_id=h2.pk, programme="dibao")
    calc2 = selectors.calculate_household(household_id=h2.pk, on=ON)
    p2 = next(p for p in calc2["programmes"] if p["programme"] == "dibao")
    assert p2["amount_values"]["n_refused_work"] == 1
    assert str(dibao.amount) == p2["amount"]
    # one share: the standard less nothing, for the wife only
    assert dibao.amount == Decimal(p2["amount_values"]["dibao.standard"]["value"])
