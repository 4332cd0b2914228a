"""Income from every department source, and the 12-month medical line (fires above, not below)."""

import datetime

import pytest
from django.utils import timezone

from jiuzhu.monitoring.models import Alert, AlertKey, AlertRule
from jiuzhu.monitoring.services import _standard_lookup, alert_rule_save, monitor_run
from jiuzhu.verify.models import FeedRecord, MatchRun, RecordLink
from tests.factories import HouseholdFactory, PersonFactory
from tests.monitoring.helpers import import_rows, on_roll

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def causes(hh):
    return sorted(Alert.objects.filter(household=hh).values_list("cause", flat=True))


def _months_back(n: int) -> list[str]:
    """The ``n`` months before this one, as the 人社 file writes them (YYYY-MM)."""
    out, day = [], today().replace(day=1)
    for _ in range(n):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
        out.append(day.strftime("%Y-%m"))
    return out


def _hrss(person, kind: str, amount: str, months: int = 6) -> list[list]:
    return [
        [
            f"{kind[:2].upper()}{person.pk}-{m}",
            person.id_number,
            person.name,
            "",
            "",
            kind,
            m,
            amount,
        ]
        for m in _months_back(months)
    ]


def _tax(person, key: str, kind: str, amount: str, days_ago: int = 60) -> list:
    end = (today() - datetime.timedelta(days=days_ago)).isoformat()
    return [key, person.id_number, person.name, "", kind, amount, end]


def _set_params(actor, kind: str, **changes):
    rule = AlertRule.objects.get(kind=kind, area_prefix="")
    return alert_rule_save(
        actor=actor,
        rule_id=rule.pk,
        kind=kind,
        name=rule.name,
        enabled=True,
        programmes=rule.programmes,
        params={**rule.params, **changes},
        deadline_days=rule.deadline_days,
    )


# ------------------------------------------------------------------ income_above_line sources


def test_pension_and_unemployment_benefit_count_as_income_and_small_amounts_do_not(cast):
    pensioner, (p1,), _ = on_roll(cast.village)
    jobless, (p2,), _ = on_roll(cast.village)
    small, (p3,), _ = on_roll(cast.village)
    # The extract covers 6 months (issue 13.9: judged over the months it covers, not 12):
    # 2000 a month is above the standard; 600 a month is below.
    import_rows(
        "hrss",
        _hrss(p1, "pension", "2000")
        + _hrss(p2, "unemployment", "2000")
        + _hrss(p3, "pension", "600"),
    )
    monitor_run()
    assert causes(pensioner) == ["income_above_line"]
    assert causes(jobless) == ["income_above_line"]
    assert causes(small) == []
    a = Alert.objects.get(household=pensioner)
    line = _standard_lookup(today())(pensioner.hukou_area_id) / 100  # 低保标准 of the area
    assert line < 1000
    assert "12000.0" in a.summary and "2000.0" in a.summary and f"高于标准{line}元" in a.summary
    assert a.programme == "dibao" and a.evidence["records"][0]["source"] == "人社/税务"


def test_a_kind_left_out_of_the_rule_is_not_counted(cast):
    pensioner, (p1,), _ = on_roll(cast.village)
    _set_params(cast.admin, "income_above_line", kinds=["wage", "unemployment"])
    import_rows("hrss", _hrss(p1, "pension", "2000"))
    monitor_run()
    assert causes(pensioner) == []
    _set_params(cast.admin, "income_above_line", kinds=["wage", "pension"])
    monitor_run(full=True)
    assert causes(pensioner) == ["income_above_line"]


def test_tax_business_income_counts_and_tax_wages_do_not(cast):
    trader, (p1,), _ = on_roll(cast.village)
    employee, (p2,), _ = on_roll(cast.village)
    stale, (p3,), _ = on_roll(cast.village)
    # 20000 of business income over 12 months = 1666.67 a month, above the standard.
    import_rows(
        "tax",
        [
            _tax(p1, "T1", "business", "20000"),
            _tax(p2, "T2", "wage", "20000"),  # wages come from 人社, not from the tax file
            _tax(p3, "T3", "business", "20000", days_ago=400),  # outside the 12 months
        ],
    )
    _set_params(cast.admin, "income_above_line", include_business=False)
    monitor_run()
    assert causes(trader) == []  # business income switched off
    _set_params(cast.admin, "income_above_line", include_business=True)
    monitor_run(full=True)
    assert causes(trader) == ["income_above_line"]
    assert "20000.0" in Alert.objects.get(household=trader).summary
    assert causes(employee) == [] and causes(stale) == []


def test_income_of_records_linked_by_the_matching_engine_counts_once(cast):
    """A wage file whose ID number has one wrong digit is the member's income once the matching
    engine accepted the link (not while the link waits for review); a record that also has the
    exact ID number is counted once."""
    dirty, (p1,), _ = on_roll(cast.village)
    exact, (p2,), _ = on_roll(cast.village)
    wrong = p1.id_number[:9] + str((int(p1.id_number[9]) + 3) % 10) + p1.id_number[10:]
    rows = _hrss(p1, "wage", "2000")
    rows = [[r[0], wrong, *r[2:]] for r in rows] + _hrss(p2, "wage", "2000")
    import_rows("hrss", rows)
    monitor_run()
    assert causes(dirty) == [] and causes(exact) == ["income_above_line"]
    run = MatchRun.objects.create()
    links = []
    for record in FeedRecord.objects.filter(department="hrss"):
        person = p1 if record.id_number == wrong else p2
        links.append(
            RecordLink.objects.create(
                record=record,
                person=person,
                run=run,
                method="probabilistic" if person == p1 else "exact",
                status="review" if person == p1 else "accepted",
                match_probability=0.97 if person == p1 else 1.0,
            )
        )
    monitor_run(full=True)
    assert causes(dirty) == []  # waiting for review: not yet this person's
    RecordLink.objects.filter(person=p1).update(status="accepted")
    monitor_run(full=True)
    assert causes(dirty) == ["income_above_line"]
    for hh in (dirty, exact):  # 6 × 2000 in 12 months, not twice that
        assert "合计12000.0元" in Alert.objects.get(household=hh).summary


def test_income_is_per_counted_member_of_the_household(cast):
    couple, (head, spouse), _ = on_roll(cast.village, size=2)
    # 1000 a month (over the 6 months the extract covers) for the household, 500 per member:
    # below the standard.
    import_rows("hrss", _hrss(head, "pension", "1000"))
    monitor_run()
    assert causes(couple) == []
    import_rows("hrss", _hrss(spouse, "pension", "650"))  # (6000 + 3900) / 6 / 2 = 825
    monitor_run()
    assert causes(couple) == ["income_above_line"]
    assert "人均月收入约825.0元" in Alert.objects.get(household=couple).summary


# ------------------------------------------------------------------ medical: the 12-month line


def _med(person, key: str, out_of_pocket: str, days_ago: int) -> list:
    day = (today() - datetime.timedelta(days=days_ago)).isoformat()
    total = str(int(out_of_pocket) * 2)
    return [
        key,
        person.id_number,
        person.name,
        "",
        "泰州市人民医院",
        day,
        total,
        out_of_pocket,
        out_of_pocket,
    ]


def test_twelve_months_of_spending_over_the_yearly_line_fires_though_no_month_does(cast):
    sick = HouseholdFactory(hukou_area_id=cast.village)
    p1 = PersonFactory(household=sick)
    below = HouseholdFactory(hukou_area_id=cast.village)
    p2 = PersonFactory(household=below)
    old = HouseholdFactory(hukou_area_id=cast.village)
    p3 = PersonFactory(household=old)
    # Monthly line 5000 yuan, yearly 10000 (defaults): 4 months × 3000 = 12000 ≥ 10000.
    rows = [_med(p1, f"S{i}", "3000", 5 + 35 * i) for i in range(4)]
    rows += [_med(p2, f"B{i}", "2000", 5 + 35 * i) for i in range(4)]  # 8000 < 10000
    # 3 × 3000 in the last 12 months + 3000 settled 400 days ago: 9000 counted.
    rows += [_med(p3, f"O{i}", "3000", 5 + 35 * i) for i in range(3)] + [
        _med(p3, "O9", "3000", 400)
    ]
    import_rows("medical_insurance", rows)
    monitor_run()
    a = Alert.objects.get(household=sick)
    assert a.cause == "medical_spending" and a.programme == "medical_aid"
    assert "近12个月个人自付医疗费用12000.0元" in a.summary and "年度预警线10000.00元" in a.summary
    assert list(AlertKey.objects.filter(alert=a).values_list("key", flat=True)) == [
        f"med-year:{today():%Y-%m}"
    ]
    assert causes(below) == [] and causes(old) == []


def test_the_yearly_line_is_configurable(cast):
    hh = HouseholdFactory(hukou_area_id=cast.village)
    p = PersonFactory(household=hh)
    import_rows("medical_insurance", [_med(p, f"C{i}", "2000", 5 + 35 * i) for i in range(4)])
    monitor_run()
    assert causes(hh) == []  # 8000 < 10000
    _set_params(cast.admin, "medical_spending", yearly_line_fen=800_000)
    monitor_run(full=True)
    assert causes(hh) == ["medical_spending"]
    assert "年度预警线8000.00元" in Alert.objects.get(household=hh).summary
