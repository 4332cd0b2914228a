"""An incremental run reads only what changed since the last good run; a full run reads all."""

import datetime

import pytest
from django.utils import timezone

from jiuzhu.monitoring.models import Alert, AlertRule
from jiuzhu.monitoring.services import alert_rule_save, monitor_run
from tests.factories import HouseholdFactory, PersonFactory
from tests.monitoring.helpers import import_rows

pytestmark = pytest.mark.django_db


def _certificate(person, key: str, grade: int) -> list:
    day = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    return [key, person.id_number, person.name, "", "physical", str(grade), day]


def _person(village):
    return PersonFactory(household=HouseholdFactory(hukou_area_id=village))


def test_a_lowered_threshold_reaches_old_records_only_in_a_full_run(cast):
    old = _person(cast.village)
    import_rows("disability_federation", [_certificate(old, "D-OLD", 3)])
    first = monitor_run()
    assert first.kind == "full" and not Alert.objects.exists()  # grade 3 is not 重度 (≤ 2)

    rule = AlertRule.objects.get(kind="severe_disability", area_prefix="")
    alert_rule_save(
        actor=cast.admin,
        rule_id=rule.pk,
        kind=rule.kind,
        name=rule.name,
        enabled=True,
        params={"max_grade": 3},
        deadline_days=rule.deadline_days,
    )
    new = _person(cast.village)
    import_rows("disability_federation", [_certificate(new, "D-NEW", 3)])
    inc = monitor_run()
    assert inc.kind == "incremental" and inc.feed_import_upto > first.feed_import_upto
    # The new file (past the watermark) is read with the new threshold; the old one is not read.
    assert list(Alert.objects.values_list("household_id", flat=True)) == [new.household_id]
    assert inc.counts == {"severe_disability": 1}

    again = monitor_run()
    assert again.alerts_created == 0  # nothing new since

    full = monitor_run(full=True)
    assert full.kind == "full" and full.counts == {"severe_disability": 1}
    assert set(Alert.objects.values_list("household_id", flat=True)) == {
        old.household_id,
        new.household_id,
    }
    assert (
        "D-OLD" in Alert.objects.get(household_id=old.household_id).evidence["records"][0]["source"]
    )
