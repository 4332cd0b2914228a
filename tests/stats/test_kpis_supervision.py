"""KPIs (working days across a holiday), the spot-check sampler, 督办 and the data-quality list."""

import datetime
from decimal import Decimal

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases.models import Application, CaseEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.stats import selectors, services
from jiuzhu.stats.models import DataQualityItem, SpotCheckSample, SupervisionItem
from tests.factories import PersonFactory, first_village, household_with_head

from .conftest import EAST, HAILING, NOW, WEST

D = datetime.date


def decision(
    n, *, applied, decided, due, returns=0, materials=1, programme="dibao", final=False, area=EAST
):
    return {
        "id": n,
        "number": f"SQ{n}",
        "area_code": area,
        "programme": programme,
        "applied_on": applied,
        "accepted_on": applied,
        "decided_on": decided,
        "decision_due": due,
        "state": "approved",
        "returns": returns,
        "materials": materials,
        "street_final": final,
        "total_days": 30,
    }


@pytest.mark.django_db
def test_working_days_count_the_national_day_holiday_out():
    # applied Monday 28 September 2026, decided Friday 9 October: 1–7 October are holidays, so
    # 4 working days (29, 30 Sept, 8, 9 Oct), not the 9 weekdays a plain calendar gives
    k = selectors.handling_kpis(
        [decision(1, applied=D(2026, 9, 28), decided=D(2026, 10, 9), due=D(2026, 10, 9))]
    )
    assert k["mean_days"] == Decimal("4.0")
    assert k["within_limit"] == Decimal("100.0")


@pytest.mark.django_db
def test_handling_rates_on_a_hand_computed_fixture():
    ds = [
        decision(1, applied=D(2026, 3, 2), decided=D(2026, 3, 16), due=D(2026, 3, 20), materials=1),
        decision(
            2,
            applied=D(2026, 3, 2),
            decided=D(2026, 3, 30),
            due=D(2026, 3, 20),
            returns=1,
            materials=3,
        ),
        decision(3, applied=D(2026, 3, 9), decided=D(2026, 3, 20), due=D(2026, 3, 20), materials=2),
    ]
    k = selectors.handling_kpis(ds)
    # 10 + 20 + 9 working days = 39 / 3 = 13.0; 2 of 3 on time; 1 of 3 sent back; 6 / 3 papers
    assert k == {
        "decided": 3,
        "mean_days": Decimal("13.0"),
        "within_limit": Decimal("66.7"),
        "returned": Decimal("33.3"),
        "materials": Decimal("2.0"),
    }


def test_the_sampler_is_reproducible_and_takes_at_least_the_share():
    ds = [
        decision(i, applied=D(2026, 1, 5), decided=D(2026, 2, 2), due=None, programme="tekun")
        for i in range(1, 41)
    ]
    ds += [
        decision(100 + i, applied=D(2026, 1, 5), decided=D(2026, 2, 2), due=None, final=True)
        for i in range(25)
    ]
    ds += [
        decision(200 + i, applied=D(2026, 1, 5), decided=D(2026, 2, 2), due=None) for i in range(10)
    ]  # county-final: not sampled
    shares = {"tekun": Decimal(30), "dibao_street_final": Decimal(10)}
    one = services.spot_sample(ds, shares=shares, seed=20260401)
    assert one == services.spot_sample(list(reversed(ds)), shares=shares, seed=20260401)
    assert len(one["tekun"]) == 12  # ceil(30 % × 40)
    assert len(one["dibao_street_final"]) == 3  # ceil(10 % × 25)
    assert all(100 <= i < 125 for i in one["dibao_street_final"])
    assert one != services.spot_sample(ds, shares=shares, seed=7)


@pytest.fixture
def decided_cases(db, fixed_clock, users):
    east = first_village(EAST)
    apps = []
    for n in range(10):
        hh = household_with_head(hukou_area_id=east)
        app = Application.objects.create(
            number=f"SQT{n:04d}",
            household=hh,
            applicant=hh.members.first(),
            area_id=east,
            programme="tekun" if n < 7 else "dibao",
            created_by=users["county"],
            state="approved",
            decided_on=D(2026, 3, 10 + n),
            decision_due=D(2026, 3, 15),
            chain={"review_is_final": n >= 7, "total_days": 30},
        )
        apps.append(app)
    CaseEvent.objects.create(
        application=apps[0],
        action="return_to_worker",
        action_label="退回补正",
        to_state="returned",
        actor_name="x",
    )
    return apps


def test_a_spot_check_plan_samples_county_review_tasks(decided_cases, users):
    plan = services.spot_plan_create(
        actor=users["county"],
        name="2026年一季度抽查",
        area_code=HAILING,
        period_start=D(2026, 3, 1),
        period_end=D(2026, 3, 31),
        shares={"tekun": Decimal(30), "dibao_street_final": Decimal(50)},
        seed=42,
    )
    samples = list(SpotCheckSample.objects.filter(plan=plan))
    assert plan.population == {"tekun": 7, "dibao_street_final": 3}
    assert sum(s.stratum == "tekun" for s in samples) == 3  # ceil(2.1)
    assert sum(s.stratum == "dibao_street_final" for s in samples) == 2
    again = services.spot_sample(
        __import__("jiuzhu.cases.selectors", fromlist=["x"]).decisions_between(
            start=D(2026, 3, 1), end=D(2026, 3, 31)
        ),
        shares={"tekun": Decimal(30), "dibao_street_final": Decimal(50)},
        seed=42,
    )
    assert sorted(s.application_id for s in samples) == sorted(
        again["tekun"] + again["dibao_street_final"]
    )
    s = samples[0]
    with pytest.raises(ServiceError, match="复查意见"):
        services.spot_result_record(
            actor=users["county"], sample_id=s.pk, result="problem", note="", version=1
        )
    services.spot_result_record(
        actor=users["county"], sample_id=s.pk, result="problem", note="收入核算有误", version=1
    )
    data = selectors.spot_plan_get(user=users["county"], plan_id=plan.pk)
    assert data["summary"][s.stratum]["problems"] == 1
    assert AuditEvent.objects.filter(action="stats.spotcheck_result").count() == 1


def test_a_plan_below_thirty_percent_of_tekun_is_refused(decided_cases, users):
    with pytest.raises(ServiceError) as exc:
        services.spot_plan_create(
            actor=users["county"],
            name="x",
            area_code=HAILING,
            period_start=D(2026, 3, 1),
            period_end=D(2026, 3, 31),
            shares={"tekun": Decimal(20)},
            seed=1,
        )
    assert "不得低于 30%" in exc.value.errors["tekun"][0]


def test_a_street_cannot_plan_spot_checks(decided_cases, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises((PermissionDenied, ServiceError)):
        services.spot_plan_create(
            actor=users["east"],
            name="x",
            area_code=HAILING,
            period_start=D(2026, 3, 1),
            period_end=D(2026, 3, 31),
            shares={"tekun": Decimal(30)},
            seed=1,
        )


def test_the_handling_kpis_from_the_cases(decided_cases, users, roll):
    k = selectors.kpis(user=users["county"], area_code=HAILING, month=D(2026, 3, 1))
    assert k["handling"]["decided"] == 10
    assert k["handling"]["returned"] == Decimal("10.0")
    assert k["handling"]["within_limit"] == Decimal("60.0")  # decided 10–15 March of 10–19
    assert k["tiers"]["floor"] == 2
    east = [c for c in k["children"] if c["area"].code == EAST][0]
    assert east["decided"] == 10  # all ten cases are in 城东; the other streets have none
    assert k["children"][0]["area"].code == EAST
    street = selectors.kpis(user=users["west"], area_code=WEST, month=D(2026, 3, 1))
    assert street["handling"]["decided"] == 0  # a street sees its own cases only


def test_an_overdue_case_is_escalated_to_the_county(db, fixed_clock, users):
    east = first_village(EAST)
    hh = household_with_head(hukou_area_id=east)
    app = Application.objects.create(
        number="SQ-OVERDUE",
        household=hh,
        applicant=hh.members.first(),
        area_id=east,
        programme="dibao",
        created_by=users["county"],
        state="reviewing",
        decision_due=D(2026, 4, 1),
    )
    assert services.supervision_escalate(today=NOW.date()) == 1
    assert services.supervision_escalate(today=NOW.date()) == 0  # once
    item = SupervisionItem.objects.get()
    assert item.supervisor_area == HAILING and item.due_date > NOW.date()
    assert list(selectors.supervision_items(user=users["county"])) == [item]
    assert list(selectors.supervision_items(user=users["east"])) == []  # the street is supervised
    Application.objects.filter(pk=app.pk).update(state="approved")
    services.supervision_escalate(today=NOW.date())
    item.refresh_from_db()
    assert item.status == "closed"


@pytest.mark.parametrize(
    "address, ok",
    [("泰州市海陵区城东街道东进路18号", True), ("城东", False), ("", False), ("东风村3组", True)],
)
def test_address_parsing(address, ok):
    assert services.address_parses(address) is ok


def test_the_data_quality_worklist(db, fixed_clock, users):
    west = first_village(WEST)
    hh = household_with_head(hukou_area_id=west, address="不详")
    PersonFactory(household=hh, relation="child", id_number=None, birth_date=D(2015, 1, 1))
    counts = services.data_quality_refresh(today=NOW.date())
    kinds = set(DataQualityItem.objects.filter(household_id=hh.pk).values_list("kind", flat=True))
    assert kinds == {"no_id", "bad_address", "no_check"}
    assert counts["no_id"] >= 1
    assert selectors.data_quality(user=users["county"]).filter(household_id=hh.pk).count() == 3


def test_a_phone_is_stale_by_the_day_it_changed_not_the_last_edit(db, fixed_clock, users):
    """The worklist reads the phone's own date: a household edited yesterday whose phone dates
    from two years ago is listed; a phone changed through the registry form today is not; a
    member's phone counts too."""
    from jiuzhu.registry import services as registry_services
    from jiuzhu.registry.models import Household, Person

    west = first_village(WEST)
    today = NOW.date()
    old = household_with_head(hukou_area_id=west, phone="13800000001")
    Household.objects.filter(pk=old.pk).update(
        phone_updated_on=today - datetime.timedelta(days=800)
    )
    fresh = household_with_head(hukou_area_id=west, phone="13800000002")
    Household.objects.filter(pk=fresh.pk).update(
        phone_updated_on=today - datetime.timedelta(days=800)
    )
    registry_services.household_update(
        actor=users["county"],
        household_id=fresh.pk,
        version=fresh.version,
        data={"phone": "13800000003"},
        reason="电话变更",
    )
    fresh.refresh_from_db()
    assert fresh.phone_updated_on == today
    member = Person.objects.get(household=fresh)
    Person.objects.filter(pk=member.pk).update(
        phone="13900000001", phone_updated_on=today - datetime.timedelta(days=366)
    )
    services.data_quality_refresh(today=today)
    stale = set(
        DataQualityItem.objects.filter(kind="stale_phone").values_list("household_id", "person_id")
    )
    assert (old.pk, None) in stale  # edited today (updated_at), phone two years old
    assert (fresh.pk, None) not in stale
    assert (fresh.pk, member.pk) in stale
    registry_services.person_update(
        actor=users["county"],
        person_id=member.pk,
        version=Person.objects.get(pk=member.pk).version,
        data={"phone": "13900000002"},
        reason="电话变更",
    )
    services.data_quality_refresh(today=today)
    assert not DataQualityItem.objects.filter(kind="stale_phone", person_id=member.pk).exists()


def test_satisfaction_per_area_and_month_with_a_scoped_drilldown(db, fixed_clock, users, client):
    """Hand-computed: in March 城东 has visit ratings 5 and 3 and a decision rating 4; 城西 one
    visit rating 2; an April rating (5) is not March's. 海陵区: 4 ratings, mean (5+3+4+2)/4 =
    3.50, satisfied (≥ 4) 2 of 4 = 50.0 %; 城东 3 ratings, mean 4.00, 66.7 %; 城西 1, 2.00, 0.0 %."""
    from django.urls import reverse
    from django.utils import timezone

    from jiuzhu.portal.models import Citizen, Rating

    east, west = first_village(EAST), first_village(WEST)

    def rated(n, area, stage, score, day):
        hh = household_with_head(hukou_area_id=area)
        app = Application.objects.create(
            number=f"SQM{n:04d}",
            household=hh,
            applicant=hh.members.first(),
            area_id=area,
            programme="dibao",
            created_by=users["county"],
            state="approved",
        )
        citizen = Citizen.objects.create(phone=f"1390000{n:04d}", household=hh)
        r = Rating.objects.create(
            application=app, citizen=citizen, area_id=area, stage=stage, score=score
        )
        at = timezone.make_aware(datetime.datetime(2026, day[0], day[1], 9, 0))
        Rating.objects.filter(pk=r.pk).update(created_at=at)
        return r

    rated(1, east, "visit", 5, (3, 2))
    rated(2, east, "visit", 3, (3, 31))
    rated(3, east, "decision", 4, (3, 15))
    rated(4, west, "visit", 2, (3, 20))
    rated(5, east, "visit", 5, (4, 1))
    k = selectors.kpis(user=users["county"], area_code=HAILING, month=D(2026, 3, 1))
    sat = k["satisfaction"]
    assert sat["overall"] == {
        "count": 4,
        "mean": Decimal("3.50"),
        "satisfied": 2,
        "satisfied_pct": Decimal("50.0"),
    }
    assert sat["stages"]["visit"]["count"] == 3 and sat["stages"]["visit"]["mean"] == Decimal(
        "3.33"
    )
    assert sat["stages"]["decision"]["satisfied_pct"] == Decimal("100.0")
    ranked = {r["area"].code: r for r in sat["children"]}
    assert (ranked[EAST]["count"], ranked[EAST]["mean"]) == (3, Decimal("4.00"))
    assert ranked[EAST]["satisfied_pct"] == Decimal("66.7")
    assert (ranked[WEST]["count"], ranked[WEST]["satisfied_pct"]) == (1, Decimal("0.0"))
    assert [r["area"].code for r in sat["children"]][:2] == [EAST, WEST]  # best mean first
    # a county equals the sum of its streets
    assert sum(r["count"] for r in sat["children"]) == sat["overall"]["count"]
    # a street sees only its own figures and ratings; another street's are not found
    east_k = selectors.kpis(user=users["east"], area_code=EAST, month=D(2026, 3, 1))
    assert east_k["satisfaction"]["overall"]["count"] == 3
    client.force_login(users["east"])
    page = client.get(reverse("stats:ratings"), {"area": EAST, "month": "2026-03"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "SQM0001" in text and "SQM0003" in text and "SQM0004" not in text
    assert "SQM0005" not in text  # April's
    assert "共 3 条" in text
    assert (
        client.get(reverse("stats:ratings"), {"area": WEST, "month": "2026-03"}).status_code == 404
    )
    assert AuditEvent.objects.filter(action="stats.ratings_view").count() == 1
    kpi_page = client.get(
        reverse("stats:kpis"), {"area": EAST, "month": "2026-03"}
    ).content.decode()
    assert "群众满意度" in kpi_page and "66.7" in kpi_page
