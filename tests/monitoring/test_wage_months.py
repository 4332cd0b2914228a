"""13.9 / 22.5 in monitoring: a department sending only the latest month's wage is judged over
that one month (5,200 a month, not 433), and a steady wage above the line over a year alerts."""

import datetime

import pytest
from django.utils import timezone

from jiuzhu.monitoring.models import Alert
from jiuzhu.monitoring.services import monitor_run
from tests.monitoring.helpers import import_rows, on_roll

pytestmark = pytest.mark.django_db


def _last_months(n: int) -> list[str]:
    out, day = [], timezone.localdate().replace(day=1)
    for _ in range(n):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
        out.append(day.strftime("%Y-%m"))
    return out


def _wage(person, month: str, amount: str) -> list:
    return [
        f"W{person.pk}-{month}",
        person.id_number,
        person.name,
        "",
        "某厂",
        "wage",
        month,
        amount,
    ]


def test_single_month_wage_feed_alerts_at_its_monthly_value(cast):
    family, (head, _spouse), _ = on_roll(cast.village, size=2)
    import_rows("hrss", [_wage(head, _last_months(1)[0], "5200.00")])
    monitor_run()
    alert = Alert.objects.get(household=family, cause="income_above_line")
    # 5,200 over the one covered month, 2 members: 2,600 per person (a twelfth would be 216.67)
    assert "2600.0" in alert.summary


def test_steady_wage_just_above_the_line_over_a_year_alerts(cast):
    worker, (p,), _ = on_roll(cast.village)
    # 1,000 a month for 12 months: the months inside the 365-day window (11 of them) are
    # divided by the 11 covered months (1,000 a month), not by 12 (916.67 before the fix)
    import_rows("hrss", [_wage(p, m, "1000.00") for m in _last_months(12)])
    monitor_run()
    alert = Alert.objects.get(household=worker, cause="income_above_line")
    assert "1000.0" in alert.summary
