"""发放数据与名册不符, end to end: a real payroll (funds services) whose paid line no longer
agrees with the roll raises exactly one alert, routed to the village's worker."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from jiuzhu.core.clock import CHINA
from jiuzhu.funds.models import PayrollLine
from jiuzhu.monitoring.models import Alert, AlertKey
from jiuzhu.monitoring.services import monitor_run
from tests.funds.conftest import MONTH, bank_profiles, household, officers  # noqa: F401  (fixtures)
from tests.funds.conftest import on_roll as funds_roll
from tests.funds.helpers import released

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_the_payroll_month():
    """The monitoring runs happen in the month the payroll (tests.funds.conftest.MONTH) was paid."""
    day = datetime.datetime.combine(MONTH.replace(day=20), datetime.time(10), tzinfo=CHINA)
    with time_machine.travel(day, tick=True):
        yield


def test_a_paid_line_that_differs_from_the_roll_raises_one_alert_routed_to_the_village(
    cast,
    officers,  # noqa: F811
):
    changed, _head = household(officers["zijin"], name="钱一")
    entry = funds_roll(changed, amount="710.00")
    same, _ = household(officers["zijin"], name="钱二")
    funds_roll(same, amount="650.00")
    payroll = released(officers)
    line = PayrollLine.objects.get(payroll=payroll, household=changed)
    assert line.monthly_amount == Decimal("710.00")
    monitor_run()
    assert not Alert.objects.filter(cause="payment_mismatch").exists()  # paid as on the roll

    entry.monthly_amount = Decimal("600.00")  # the roll changed after the payroll went out
    entry.save()
    run = monitor_run()
    alerts = Alert.objects.filter(cause="payment_mismatch")
    assert alerts.count() == 1 and run.counts.get("payment_mismatch") == 1
    a = alerts.get()
    assert a.household == changed and a.programme == "dibao" and a.roll_entry == entry
    assert a.area_id == changed.hukou_area_id == cast.village
    assert (a.level, a.role, a.assigned_to, a.office) == (
        "village",
        "village_worker",
        cast.worker,
        cast.worker.org_unit.name if cast.worker.org_unit_id else "",
    )
    assert f"发放批次#{payroll.pk}" in a.summary
    assert "实发710.0元" in a.summary and "名册金额600.0元" in a.summary
    assert list(AlertKey.objects.filter(alert=a).values_list("key", flat=True)) == [
        f"pay:{line.pk}"
    ]
    assert a.evidence["records"][0]["source"] == "资金发放"

    monitor_run()
    monitor_run(full=True)
    assert Alert.objects.filter(cause="payment_mismatch").count() == 1  # never raised twice
