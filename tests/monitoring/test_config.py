"""Rule configuration: thresholds checked, area overrides, a new rule from an existing kind."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.monitoring import params
from jiuzhu.monitoring.models import Alert, AlertRule
from jiuzhu.monitoring.services import alert_rule_save, monitor_run
from tests.factories import HouseholdFactory, PersonFactory
from tests.monitoring.helpers import import_rows

pytestmark = pytest.mark.django_db


def _medical(cast, village, amount):
    hh = HouseholdFactory(hukou_area_id=village)
    p = PersonFactory(household=hh)
    day = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    import_rows(
        "medical_insurance",
        [[f"Y{p.pk}", p.id_number, p.name, "", "医院", day, "9000", "1000", amount]],
    )
    return hh


def test_params_are_typed_and_errors_name_the_field():
    assert params.parse("severe_disability", {"max_grade": 3}).max_grade == 3
    with pytest.raises(ServiceError, match="不认识的项：grade"):
        params.parse("severe_disability", {"grade": 3})
    with pytest.raises(ServiceError, match="max_grade"):
        params.parse("severe_disability", {"max_grade": "两级"})
    with pytest.raises(ServiceError, match="multiplier"):
        params.parse("income_above_line", {"multiplier": "-1"})


def test_only_the_sysadmin_configures_and_every_change_is_audited(cast):
    rule = AlertRule.objects.get(kind="medical_spending")
    with pytest.raises(PermissionDenied):
        alert_rule_save(
            actor=cast.worker, rule_id=rule.pk, kind=rule.kind, name=rule.name, enabled=False
        )
    alert_rule_save(
        actor=cast.admin,
        rule_id=rule.pk,
        kind=rule.kind,
        name=rule.name,
        enabled=True,
        params={"monthly_line_fen": 300_000},
    )
    rule.refresh_from_db()
    assert (
        rule.params["monthly_line_fen"] == 300_000 and rule.params["yearly_line_fen"] == 1_000_000
    )
    ev = AuditEvent.objects.filter(action="alert_rule.save", subject_id=str(rule.pk)).get()
    assert ev.before["params"]["monthly_line_fen"] == 500_000


def test_an_area_rule_overrides_the_general_one_for_its_area(cast):
    # 城西街道 sets its own, higher line; 城东 keeps the general 5,000 yuan.
    alert_rule_save(
        actor=cast.admin,
        kind="medical_spending",
        name="城西街道医疗预警线",
        enabled=True,
        area_prefix="321202002",
        params={"monthly_line_fen": 900_000},
    )
    east = _medical(cast, cast.village, "6000")
    west = _medical(cast, cast.village_xi, "6000")
    monitor_run()
    assert Alert.objects.filter(household=east, cause="medical_spending").exists()
    assert not Alert.objects.filter(household=west).exists()


def test_a_disabled_area_rule_switches_the_kind_off_there(cast):
    alert_rule_save(
        actor=cast.admin,
        kind="medical_spending",
        name="城东不预警",
        enabled=False,
        area_prefix="321202001",
    )
    east = _medical(cast, cast.village, "6000")
    west = _medical(cast, cast.village_xi, "6000")
    monitor_run()
    assert not Alert.objects.filter(household=east).exists()
    assert Alert.objects.filter(household=west).exists()


def test_a_second_rule_of_a_kind_with_other_thresholds_and_programmes(cast):
    alert_rule_save(
        actor=cast.admin,
        kind="severe_disability",
        name="三级残疾也预警",
        enabled=True,
        params={"max_grade": 3},
        deadline_days=20,
    )
    hh = HouseholdFactory(hukou_area_id=cast.village)
    p = PersonFactory(household=hh)
    import_rows(
        "disability_federation",
        [["D7", p.id_number, p.name, "", "intellectual", "3", timezone.localdate().isoformat()]],
    )
    monitor_run()
    a = Alert.objects.get(household=hh)
    assert a.rule.name == "三级残疾也预警" and a.cause == "severe_disability"
    with pytest.raises(ServiceError, match="同名规则"):
        alert_rule_save(
            actor=cast.admin, kind="severe_disability", name="三级残疾也预警", enabled=True
        )
