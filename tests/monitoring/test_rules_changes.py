"""The change rules: school leaving, 户籍迁出 and job loss (fire where they should, and only there)."""

import datetime

import pytest
from django.utils import timezone

from jiuzhu.monitoring.models import Alert
from jiuzhu.monitoring.services import alert_close, monitor_run
from jiuzhu.verify.feeds import parse_feed
from tests.factories import HouseholdFactory, PersonFactory, RollEntryFactory
from tests.monitoring.helpers import HEADERS, import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db

EDU_STATUS = HEADERS["education"] + ",status,left_on"


def today():
    return timezone.localdate()


def causes(hh):
    return sorted(Alert.objects.filter(household=hh).values_list("cause", flat=True))


def _born(age: int, days_after_birthday: int = 60) -> datetime.date:
    day = today() - datetime.timedelta(days=days_after_birthday)
    return day.replace(year=day.year - age)


def _student(village, *, age: int, programme: str = "dibao", stage: str = "senior"):
    hh, _members, _ = on_roll(village, size=2, programme=programme)
    kid = PersonFactory(
        household=hh, relation="child", name="张学生", birth_date=_born(age), school_stage=stage
    )
    return hh, kid


def _edu(kid, key, status, left_on="", stage="senior"):
    return [key, kid.id_number, kid.name, "", "泰州中学", stage, "2024-09-01", "", status, left_on]


# ------------------------------------------------------------------------ 教育 feed format


def test_the_education_feed_accepts_old_files_and_checks_the_new_status_column():
    old = (HEADERS["education"] + "\nE1,,张三,,泰州中学,senior,2024-09-01,\n").encode()
    parsed = parse_feed("education", old, "old.csv")
    assert parsed.ok and "status" not in parsed.rows[0]
    new = (EDU_STATUS + "\nE1,,张三,,泰州中学,senior,2024-09-01,,退学,2026-03-01\n").encode()
    # the Chinese value is accepted (issue 13.12), an unknown one is refused naming the column
    chinese = parse_feed("education", new, "new.csv")
    assert chinese.ok and chinese.rows[0]["status"] == "dropped_out"
    bad = parse_feed("education", new.replace("退学".encode(), "不读了".encode()), "new.csv")
    assert not bad.ok and "status(学籍状态)" in bad.issues[0].text()
    good = parse_feed("education", new.replace("退学".encode(), b"dropped_out"), "new.csv")
    assert good.ok and good.rows[0]["left_on"] == "2026-03-01"


# ------------------------------------------------------------------------ school leaving


def test_a_student_of_16_who_dropped_out_raises_school_leaving_not_school_change(cast):
    hh, kid = _student(cast.village, age=16)
    import_rows(
        "education", [_edu(kid, "E1", "dropped_out", "2026-03-01", stage="junior")], EDU_STATUS
    )
    monitor_run()
    assert causes(hh) == ["school_leaving"]  # a leaving row is not an enrolment
    a = Alert.objects.get(household=hh)
    assert a.person == kid and a.programme == "dibao"
    assert "16岁" in a.summary and "退学" in a.summary and "有劳动能力" in a.summary


def test_an_18_year_old_tekun_child_who_graduated_is_told_to_reduce(cast):
    hh, kid = _student(cast.village, age=18, programme="tekun")
    import_rows("education", [_edu(kid, "E2", "graduated", "2026-07-01")], EDU_STATUS)
    monitor_run()
    a = Alert.objects.get(household=hh, cause="school_leaving")
    assert "未成年人保障条件不再成立" in a.summary


def test_a_young_pupil_leaving_matters_only_where_the_household_gets_education_aid(cast):
    plain, kid = _student(cast.village, age=12, stage="primary")
    aided, kid2 = _student(cast.village, age=12, stage="primary")
    RollEntryFactory(
        household=aided,
        person=kid2,
        programme="education_aid",
        start_month=datetime.date(2024, 1, 1),
    )
    import_rows(
        "education",
        [
            _edu(kid, "E3", "dropped_out", "2026-03-01", stage="primary"),
            _edu(kid2, "E4", "dropped_out", "2026-03-01", stage="primary"),
        ],
        EDU_STATUS,
    )
    monitor_run()
    assert causes(plain) == []
    a = Alert.objects.get(household=aided)
    assert a.cause == "school_leaving" and a.programme == "education_aid"
    assert "教育救助" in a.summary


def test_enrolled_and_transferred_rows_and_off_roll_students_raise_no_leaving(cast):
    hh, kid = _student(cast.village, age=17)
    off = HouseholdFactory(hukou_area_id=cast.village)
    stranger = PersonFactory(household=off, birth_date=_born(17))
    import_rows(
        "education",
        [
            _edu(kid, "E5", "transferred_out", "2026-03-01"),
            _edu(stranger, "E6", "dropped_out", "2026-03-01"),
        ],
        EDU_STATUS,
    )
    monitor_run()
    assert "school_leaving" not in causes(hh)
    assert causes(off) == []


def test_the_same_record_first_enrolled_then_dropped_out_raises_each_once(cast):
    hh, kid = _student(cast.village, age=16, stage="junior")
    import_rows("education", [_edu(kid, "E7", "enrolled")], EDU_STATUS)
    monitor_run()
    assert causes(hh) == ["school_change"]
    import_rows("education", [_edu(kid, "E7", "dropped_out", "2026-04-01")], EDU_STATUS)
    monitor_run()
    assert causes(hh) == ["school_change", "school_leaving"]
    monitor_run(full=True)  # a full re-run repeats nothing
    assert Alert.objects.filter(household=hh).count() == 2


# ------------------------------------------------------------------------ 户籍迁出


def _move(person, dest: str, key: str):
    row = police_death(person, today() - datetime.timedelta(days=3), key=key)
    row[5] = dest
    row[7] = "move_out"
    return row


def test_move_out_of_the_county_raises_an_alert_that_closes_with_a_stop_case(cast):
    hh, (head,), entry = on_roll(cast.village)
    import_rows("police", [_move(head, "320106001001", "M1")])  # 南京市鼓楼区
    monitor_run()
    a = Alert.objects.get(household=hh)
    assert a.cause == "hukou_move_out" and a.roll_entry == entry and a.person == head
    assert a.assigned_to == cast.worker and a.level == "village"  # routed like every alert
    assert "迁往县外" in a.summary and "停发" in a.summary
    assert not a.payment_hold
    closed = alert_close(actor=cast.worker, alert_id=a.pk, outcome="stop", reason="已迁往南京")
    assert closed.application.purpose == "stop"


def test_move_within_the_county_is_a_change_of_place_and_can_be_switched_off(cast):
    from jiuzhu.monitoring.models import AlertRule

    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [_move(head, cast.village_xi, "M2")])
    monitor_run()
    assert "迁往县内" in Alert.objects.get(household=hh, cause="hukou_move_out").summary

    AlertRule.objects.filter(kind="hukou_move_out").update(params={"within_county": False})
    hh2, (head2,), _ = on_roll(cast.village)
    import_rows("police", [_move(head2, cast.village_xi, "M3")])
    monitor_run()
    assert causes(hh2) == []


def test_move_out_records_that_say_nothing_new_or_concern_no_roll_raise_nothing(cast):
    hh, (head,), _ = on_roll(cast.village)
    off = HouseholdFactory(hukou_area_id=cast.village)
    stranger = PersonFactory(household=off)
    import_rows(
        "police",
        [_move(head, cast.village, "M4"), _move(stranger, "320106001001", "M5")],
    )
    monitor_run()
    assert causes(hh) == []  # the registry already records that village
    assert causes(off) == []


# ------------------------------------------------------------------------ job loss


def _month(back: int) -> str:
    first = today().replace(day=1)
    index = first.year * 12 + first.month - 1 - back
    return f"{index // 12}-{index % 12 + 1:02d}"


def _hrss(person, key, kind, back, amount="1800"):
    return [key, person.id_number, person.name, "", "泰州某厂", kind, _month(back), amount]


def test_a_member_newly_on_unemployment_benefit_alerts_off_roll_and_roll_households(cast):
    off = HouseholdFactory(hukou_area_id=cast.village)
    worker = PersonFactory(household=off)
    hh, (head,), _ = on_roll(cast.village)
    import_rows(
        "hrss",
        [
            _hrss(worker, "W1", "wage", 4),
            _hrss(worker, "W2", "wage", 3),
            _hrss(worker, "U1", "unemployment", 1, "1500"),
            _hrss(head, "U2", "unemployment", 2, "1500"),
        ],
    )
    monitor_run()
    a = Alert.objects.get(household=off)
    assert a.cause == "job_loss" and a.person == worker and a.programme == ""
    assert a.assigned_to == cast.worker and a.rule.kind == "job_loss"
    assert f"自{_month(1)}起领取失业保险金" in a.summary and f"缴费至{_month(3)}" in a.summary
    assert "低收入风险" in a.summary
    b = Alert.objects.get(household=hh, cause="job_loss")
    assert "复核家庭收入与救助金额" in b.summary and b.programme == "dibao"
    closed = alert_close(actor=cast.worker, alert_id=a.pk, outcome="add", reason="入户核实收入下降")
    assert closed.application.programme == "dibao"


def test_long_term_unemployment_benefit_is_not_a_new_job_loss(cast):
    off = HouseholdFactory(hukou_area_id=cast.village)
    p = PersonFactory(household=off)
    import_rows(
        "hrss",
        [_hrss(p, f"U{i}", "unemployment", i, "1500") for i in range(1, 8)],
    )
    monitor_run()
    assert causes(off) == []  # on benefit for 7 months: started before the 3-month window


def test_job_loss_only_for_roll_households_when_configured(cast):
    from jiuzhu.monitoring.models import AlertRule

    AlertRule.objects.filter(kind="job_loss").update(params={"off_roll_households": False})
    off = HouseholdFactory(hukou_area_id=cast.village)
    p = PersonFactory(household=off)
    import_rows("hrss", [_hrss(p, "U9", "unemployment", 1)])
    monitor_run()
    assert causes(off) == []


def test_deaths_are_still_deaths_and_not_move_outs(cast):
    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [police_death(head, today())])
    monitor_run()
    assert causes(hh) == ["death"]
