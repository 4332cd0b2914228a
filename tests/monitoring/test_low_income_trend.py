"""低收入人口动态监测, the trend part: 人社 income falling towards the 低保标准 raises one alert per
household and period for households not on a basic roll — and not when it did not fall enough,
is still well above the line, fell only because rows stopped coming, or the household is on 低保."""

import datetime

import pytest
from django.utils import timezone

from jiuzhu.core.errors import ServiceError
from jiuzhu.monitoring import params
from jiuzhu.monitoring.models import Alert, AlertKey, AlertRule
from jiuzhu.monitoring.services import _standard_lookup, alert_rule_save, monitor_run
from tests.factories import HouseholdFactory, PersonFactory
from tests.monitoring.helpers import import_rows, on_roll

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def _months(n: int) -> list[str]:
    """The ``n`` months before this one, oldest first (YYYY-MM)."""
    out, day = [], today().replace(day=1)
    for _ in range(n):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
        out.append(day.strftime("%Y-%m"))
    return out[::-1]


def _wages(person, amounts: list[str], kind: str = "wage") -> list[list]:
    """One 人社 row a month, the last amount in last month."""
    months = _months(len(amounts))
    return [
        [f"{kind[:1]}{person.pk}-{m}", person.id_number, person.name, "", "某厂", kind, m, a]
        for m, a in zip(months, amounts, strict=True)
        if a
    ]


def _household(village, size: int = 1):
    hh = HouseholdFactory(hukou_area_id=village, size=size)
    return hh, [
        PersonFactory(household=hh, name=f"孙{i}", relation="head" if i == 0 else "spouse")
        for i in range(size)
    ]


def causes(hh):
    return sorted(Alert.objects.filter(household=hh).values_list("cause", flat=True))


@pytest.fixture
def standard(cast):
    return _standard_lookup(today())(cast.village)  # 低保标准 (fen) of the village


def test_income_falling_to_near_the_line_raises_one_alert_with_the_figures(cast, standard):
    assert 74_000 <= standard <= 80_000  # the amounts below assume a standard near 750-800 yuan
    falling, (p,) = _household(cast.village)
    # 3000 → 1100 a month: down 63%; 1100 per head ≤ 1.5 × standard
    import_rows("hrss", _wages(p, ["3000", "3000", "2500", "2000", "1500", "1100"]))
    monitor_run()
    a = Alert.objects.get(household=falling)
    first, last = _months(6)[0], _months(6)[-1]
    assert a.cause == "low_income_risk" and a.programme == "" and a.person is None
    assert f"由{first}的3000.0元降至{last}的1100.0元（下降63%）" in a.summary
    assert "按1人计人均月收入1100.0元" in a.summary
    assert f"接近低保标准{standard / 100}元（1.5倍为{int(standard * 1.5) / 100}元）" in a.summary
    assert a.evidence["records"][0]["source"] == "人社 工资、养老金"
    half = "07" if today().month > 6 else "01"
    assert list(AlertKey.objects.filter(alert=a).values_list("key", flat=True)) == [
        f"trend:{today().year}-{half}"
    ]
    monitor_run(full=True)  # the same period: not raised again
    assert Alert.objects.filter(household=falling).count() == 1


def test_per_capita_below_the_standard_says_so(cast, standard):
    family, (p1, _p2) = _household(cast.village, size=2)
    import_rows("hrss", _wages(p1, ["4000", "4000", "4000", "1000"], kind="pension"))
    monitor_run()
    a = Alert.objects.get(household=family)
    assert "按2人计人均月收入500.0元" in a.summary and "已低于低保标准" in a.summary


def test_no_alert_without_a_large_enough_fall_near_the_line(cast, standard):
    still_high, (p1,) = _household(cast.village)
    steady, (p2,) = _household(cast.village)
    small_fall, (p3,) = _household(cast.village)
    on_dibao, (p4,), _ = on_roll(cast.village)
    stopped, (p5, p6) = _household(cast.village, size=2)
    import_rows(
        "hrss",
        _wages(p1, ["6000", "5000", "3000"])  # down 50% but 3000 > 1.5 × standard
        + _wages(p2, ["1100", "1100", "1100"])  # near the line, never fell
        + _wages(p3, ["1400", "1300", "1100"])  # down 21% < 30%
        + _wages(p4, ["3000", "2000", "1000"])  # falling, but on 低保 already
        # p5's wages stop coming (no record that they stopped); p6's pension is steady
        + _wages(p5, ["3000", "3000", ""])
        + _wages(p6, ["1000", "1000", "1000"], kind="pension"),
    )
    monitor_run()
    for hh in (still_high, steady, small_fall, stopped):
        assert causes(hh) == [], hh
    # on 低保 already: no 低收入 trend alert (its current 1000 a month over the 3 covered
    # months is income above the line, which is a different alert)
    assert "low_income_risk" not in causes(on_dibao)


def _save(cast, **changes):
    rule = AlertRule.objects.get(kind="low_income_risk")
    alert_rule_save(
        actor=cast.admin,
        rule_id=rule.pk,
        kind=rule.kind,
        name=rule.name,
        enabled=True,
        params={**params.defaults("low_income_risk"), **changes},
        deadline_days=rule.deadline_days,
    )


def test_the_window_share_margin_and_kinds_are_configurable(cast, standard):
    falling, (p,) = _household(cast.village)
    # 3000 → 1100 over 8 months (-63%), but 2000 → 1100 (-45%) within the last 6
    import_rows("hrss", _wages(p, ["3000", "3000", "2000", "2000", "1800", "1600", "1400", "1100"]))
    _save(cast, fall_share="0.5")
    monitor_run()
    assert causes(falling) == []  # 45% < 50% within 6 months
    _save(cast, fall_share="0.5", fall_months=8, trend_kinds=["pension"])
    monitor_run(full=True)
    assert causes(falling) == []  # wages not counted
    _save(cast, fall_share="0.5", fall_months=8, near_multiplier="1.3")
    monitor_run(full=True)
    assert causes(falling) == []  # 1100 > 1.3 × standard
    _save(cast, fall_share="0.5", fall_months=8, near_multiplier="1.4")
    monitor_run(full=True)
    assert causes(falling) == ["low_income_risk"]  # -63% ≥ 50%, 1100 ≤ 1.4 × standard
    assert "（下降63%）" in Alert.objects.get(household=falling).summary
    assert "1.4倍" in Alert.objects.get(household=falling).summary


def test_incremental_runs_read_new_files_only_and_the_trend_can_be_switched_off(cast, standard):
    old, (p1,) = _household(cast.village)
    import_rows("hrss", _wages(p1, ["3000", "2000", "1000"]))
    _save(cast, trend=False)
    monitor_run()
    assert causes(old) == []  # only the 政策找人 watch list
    _save(cast, trend=True)
    new, (p2,) = _household(cast.village)
    import_rows("hrss", _wages(p2, ["3000", "2000", "1000"]))
    monitor_run()
    assert causes(new) == ["low_income_risk"] and causes(old) == []
    monitor_run(full=True)
    assert causes(old) == ["low_income_risk"]


def test_the_share_must_be_at_most_one():
    with pytest.raises(ServiceError, match=r"收入下降比例\(0至1\)\(fall_share\).*大于0且不大于1"):
        params.parse("low_income_risk", {"fall_share": "1.5"})
    assert params.parse("low_income_risk", {"fall_share": "1"}).fall_share == "1"


def test_the_rule_form_shows_the_trend_thresholds_and_saves_them(cast):
    from django.test import Client

    c = Client()
    c.force_login(cast.admin)
    rule = AlertRule.objects.get(kind="low_income_risk")
    page = c.get(f"/monitoring/rules/{rule.pk}/").content.decode()
    assert 'name="p__fall_share"' in page and "收入下降比例(0至1)" in page
    assert 'name="p__trend_kinds" value="pension" checked' in page
    form = {
        "kind": rule.kind,
        "name": rule.name,
        "enabled": "on",
        "area_prefix": "",
        "programmes": "",
        "deadline_days": "15",
        "params_form": "1",
        "p__repeat_after_months": "6",
        "p__use_watch_list": "on",
        "p__trend": "on",
        "p__trend_kinds": ["wage"],
        "p__fall_months": "4",
        "p__fall_share": "2",
        "p__near_multiplier": "1.5",
    }
    r = c.post(f"/monitoring/rules/{rule.pk}/", form)
    assert "收入下降比例(0至1)(fall_share)" in r.content.decode()
    r = c.post(f"/monitoring/rules/{rule.pk}/", {**form, "p__fall_share": "0.4"})
    assert r.status_code == 302
    rule.refresh_from_db()
    assert rule.params["fall_share"] == "0.4" and rule.params["trend_kinds"] == ["wage"]
    assert rule.params["fall_months"] == 4
