"""Each rule kind raises the alert it should (and not the ones it should not), from real imports."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from jiuzhu.monitoring.models import Alert, AlertRule
from jiuzhu.monitoring.services import monitor_run
from jiuzhu.policy.models import Determination, PolicyRun
from jiuzhu.verify.models import DuplicatePair, MatchRun
from tests.factories import AssetFactory, HouseholdFactory, PersonFactory
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def causes(hh):
    return sorted(Alert.objects.filter(household=hh).values_list("cause", flat=True))


def test_death_of_a_person_on_the_roll_raises_one_alert_with_the_police_record(cast):
    hh, (head,), entry = on_roll(cast.village)
    off_roll = HouseholdFactory(hukou_area_id=cast.village)
    stranger = PersonFactory(household=off_roll)
    import_rows("police", [police_death(head, today()), police_death(stranger, today())])
    run = monitor_run()
    alert = Alert.objects.get(household=hh)
    assert alert.cause == "death" and alert.person == head and alert.roll_entry == entry
    assert "公安死亡注销" in alert.summary and alert.evidence["records"][0]["source"].startswith(
        "公安"
    )
    assert not Alert.objects.filter(household=off_roll).exists()  # not on any roll
    assert run.counts == {"death": 1} and run.status == "done"


def test_police_records_other_than_deaths_raise_nothing(cast):
    hh, (head,), _ = on_roll(cast.village)
    row = police_death(head, today())
    row[7] = "move_out"
    import_rows("police", [row])
    monitor_run()
    assert causes(hh) == []


def test_wages_above_the_standard_raise_income_alert_only_for_roll_households(cast):
    hh, (head,), _ = on_roll(cast.village)
    poor, (p2,), _ = on_roll(cast.village)
    month = today().replace(day=1) - datetime.timedelta(days=1)
    rows = []
    for i in range(6):
        m = (month - datetime.timedelta(days=31 * i)).strftime("%Y-%m")
        rows.append([f"W{head.pk}-{i}", head.id_number, head.name, "", "某公司", "wage", m, "3000"])
        rows.append([f"W{p2.pk}-{i}", p2.id_number, p2.name, "", "某公司", "wage", m, "500"])
    import_rows("hrss", rows)
    monitor_run()
    # 6 × 3000 over 12 months for one person = 1500/month > 710 (Taizhou demo standard or
    # the policy default); 6 × 500 = 250/month is not.
    assert causes(hh) == ["income_above_line"]
    assert causes(poor) == []
    assert "高于标准" in Alert.objects.get(household=hh).summary


def test_new_vehicle_company_property_raise_one_asset_alert_and_skip_exempt_and_declared(cast):
    hh, (head,), _ = on_roll(cast.village)
    recent = (today() - datetime.timedelta(days=20)).isoformat()
    import_rows(
        "vehicles",
        [
            ["V1", "苏M12345", head.id_number, head.name, "", "car", "80000", recent, ""],
            ["V2", "苏M00001", head.id_number, head.name, "", "motorcycle", "3000", recent, ""],
        ],
    )
    import_rows(
        "market",
        [
            [
                "M1",
                "91321200MA1X",
                "某商贸公司",
                head.id_number,
                head.name,
                "",
                "legal_rep",
                "100000",
                "active",
                recent,
                "",
            ]
        ],
    )
    declared, (d_head,), _ = on_roll(cast.village)
    AssetFactory(
        household=declared, kind="vehicle", value=Decimal("50000"), registration_no="苏M99999"
    )
    import_rows(
        "vehicles",
        [["V3", "苏M99999", d_head.id_number, d_head.name, "", "car", "50000", recent, ""]],
    )
    monitor_run()
    alert = Alert.objects.get(household=hh)
    assert alert.cause == "new_asset"
    texts = " ".join(r["text"] for r in alert.evidence["records"])
    assert "苏M12345" in texts and "某商贸公司" in texts and "苏M00001" not in texts
    assert causes(declared) == []  # declared with the same plate


def test_medical_spending_over_the_month_line_alerts_any_household(cast):
    hh = HouseholdFactory(hukou_area_id=cast.village)
    p = PersonFactory(household=hh)
    day = (today() - datetime.timedelta(days=3)).isoformat()
    import_rows(
        "medical_insurance",
        [["Y1", p.id_number, p.name, "", "泰州市人民医院", day, "20000", "12000", "8000"]],
    )
    monitor_run()
    alert = Alert.objects.get(household=hh)
    assert alert.cause == "medical_spending" and alert.programme == "medical_aid"
    assert "8000.0" in alert.summary or "8000" in alert.summary


def test_age_16_18_60_crossed_since_the_last_run(cast):
    hh, (head,), _ = on_roll(cast.village, programme="tekun")
    child = PersonFactory(
        household=hh,
        relation="child",
        name="张小",
        birth_date=(today() - datetime.timedelta(days=5)).replace(year=today().year - 18),
    )
    old = on_roll(cast.village, head_birth=datetime.date(1900, 1, 1))[0]
    monitor_run()  # the first run is full: looks back 31 days
    alert = Alert.objects.get(household=hh)
    assert alert.cause == "age_threshold" and alert.person == child
    assert "年满18周岁" in alert.summary
    assert causes(old) == []
    monitor_run()  # nobody crossed an age since
    assert Alert.objects.filter(cause="age_threshold").count() == 1


def test_severe_disability_certificate_unknown_to_the_registry(cast):
    hh = HouseholdFactory(hukou_area_id=cast.village)
    p = PersonFactory(household=hh)
    mild = PersonFactory(household=HouseholdFactory(hukou_area_id=cast.village))
    day = (today() - datetime.timedelta(days=10)).isoformat()
    import_rows(
        "disability_federation",
        [
            ["D1", p.id_number, p.name, "", "physical", "1", day],
            ["D2", mild.id_number, mild.name, "", "physical", "4", day],
        ],
    )
    monitor_run()
    alert = Alert.objects.get(household=hh)
    assert alert.cause == "severe_disability" and alert.programme == "disability_care_subsidy"
    assert causes(mild.household) == []


def test_school_enrolment_the_registry_does_not_know(cast):
    hh, _members, _ = on_roll(cast.village, size=3)
    kid = hh.members.get(relation="child")
    import_rows(
        "education",
        [["E1", kid.id_number, kid.name, "", "泰州中学", "senior", "2026-09-01", ""]],
    )
    monitor_run()
    alert = Alert.objects.get(household=hh)
    assert alert.cause == "school_change" and "普通高中" in alert.summary


def test_duplicate_benefit_excluding_programmes_and_twice(cast):
    hh, (head,), dibao = on_roll(cast.village)
    from tests.factories import RollEntryFactory

    RollEntryFactory(
        household=hh, person=head, programme="tekun", start_month=datetime.date(2024, 1, 1)
    )
    twice, _, entry = on_roll(cast.village)
    RollEntryFactory(household=twice, programme="dibao", start_month=datetime.date(2024, 6, 1))
    fine, _, _ = on_roll(cast.village)
    RollEntryFactory(household=fine, programme="medical_aid", start_month=datetime.date(2024, 1, 1))
    monitor_run()
    a = Alert.objects.get(household=hh)
    assert a.cause == "duplicate_benefit" and "特困" in a.summary
    assert Alert.objects.get(household=twice).cause == "duplicate_benefit"
    assert causes(fine) == []


def test_duplicate_pair_on_two_rolls(cast):
    hh1, (p1,), _ = on_roll(cast.village)
    hh2, (p2,), _ = on_roll(cast.village)
    run = MatchRun.objects.create(kind="registry")
    DuplicatePair.objects.create(
        person_a=p1, person_b=p2, kind="two_households", match_probability=0.99, run=run
    )
    monitor_run()
    assert causes(hh1) == ["duplicate_benefit"]


def _policy_run(rows):
    run = PolicyRun.objects.create(on_date=today(), status="done")
    for hh, programme, flag, eligible in rows:
        Determination.objects.create(
            run=run,
            household_id=hh.pk,
            area_code=hh.hukou_area_id,
            programme=programme,
            eligible=eligible,
            amount=Decimal("300.00"),
            flag=flag,
        )
    return run


def test_eligible_not_enrolled_from_the_latest_policy_run_once(cast):
    missed = HouseholdFactory(hukou_area_id=cast.village)
    other = HouseholdFactory(hukou_area_id=cast.village)
    _policy_run([(missed, "dibao", "missed", True), (other, "medical_aid", "missed", True)])
    monitor_run()
    a = Alert.objects.get(household=missed)
    assert a.cause == "eligible_not_enrolled" and "应保未保" in a.summary
    assert causes(other) == []  # the rule watches dibao/dibao_single/tekun by default
    _policy_run([(missed, "dibao", "missed", True)])
    run = monitor_run()  # a new policy run: the same finding is not raised again
    assert run.alerts_created == 0 and Alert.objects.filter(household=missed).count() == 1


def test_low_income_watch_households_not_on_a_basic_roll(cast):
    watch = HouseholdFactory(hukou_area_id=cast.village)
    on_dibao, _, _ = on_roll(cast.village)
    _policy_run([(watch, "poverty_watch", "", True), (on_dibao, "poverty_watch", "", True)])
    monitor_run()
    assert causes(watch) == ["low_income_risk"]
    assert causes(on_dibao) == []


def test_disabled_rule_raises_nothing(cast):
    hh, (head,), _ = on_roll(cast.village)
    AlertRule.objects.filter(kind="death").update(enabled=False)
    import_rows("police", [police_death(head, today())])
    monitor_run()
    assert causes(hh) == []


def test_income_above_line_also_from_the_policy_runs_wrongly_included_for_income(cast):
    rose, _, _ = on_roll(cast.village)
    car, _, _ = on_roll(cast.village)
    run = _policy_run([])
    run.programmes = {
        "dibao": {
            "conditions": [
                ["has_members", "x"],
                ["income_below_standard", "y"],
                ["vehicles_within_limit", "z"],
            ]
        }
    }
    run.save()
    for hh, failed in ((rose, 0b010), (car, 0b100)):
        Determination.objects.create(
            run=run,
            household_id=hh.pk,
            area_code=hh.hukou_area_id,
            programme="dibao",
            eligible=False,
            amount=Decimal("0"),
            on_roll=True,
            failed=failed,
            flag="wrongly_included",
        )
    monitor_run()
    assert causes(rose) == ["income_above_line"]
    assert "错保" in Alert.objects.get(household=rose).summary
    assert causes(car) == []  # wrongly included for a vehicle, not for income
