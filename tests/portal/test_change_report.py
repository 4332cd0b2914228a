"""主动申报: a household's own report of a change becomes a routed monitoring alert."""

import datetime

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.monitoring import outcomes as outcome_rules
from jiuzhu.monitoring import services as monitoring_services
from jiuzhu.monitoring.models import Alert, AlertRule, Outcome
from jiuzhu.monitoring.self_reports import CHANGE_OUTCOMES
from jiuzhu.portal import services
from jiuzhu.portal.sms import MemoryBackend
from tests.factories import PersonFactory, user_with_role
from tests.portal.test_apply_and_progress import bound

pytestmark = pytest.mark.django_db


def test_a_change_becomes_an_alert_for_the_village_worker_with_a_deadline(
    taizhou, django_capture_on_commit_callbacks
):
    citizen = bound()
    village = citizen.household.hukou_area_id
    worker = user_with_role(Role.VILLAGE_WORKER, village)
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.change_report(
            citizen=citizen, change="income_up", text="儿子找到工作，每月工资3000元", amount="3000"
        )
    rule = AlertRule.objects.get(kind="self_report", area_prefix="")
    assert alert.cause == "self_report" and alert.get_cause_display() == "群众主动申报变化"
    assert alert.area_id == village and alert.assigned_to == worker and alert.level == "village"
    assert alert.due_date == add_working_days(clock.today(), rule.deadline_days)
    assert alert.run is None and alert.household_id == citizen.household_id
    assert alert.evidence["allowed_outcomes"] == list(CHANGE_OUTCOMES["income_up"])
    assert outcome_rules.RULES["self_report"].default == Outcome.REDUCE
    assert any("期限" in t for p, t in MemoryBackend.outbox if p == citizen.phone)


def test_no_worker_in_the_village_goes_to_the_township(taizhou):
    citizen = bound()
    township = citizen.household.hukou_area.parent_id
    reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, township)
    alert = services.change_report(citizen=citizen, change="address", text="搬到城里女儿家住")
    assert alert.level == "township" and alert.assigned_to == reviewer


def test_a_second_report_joins_the_open_alert(taizhou):
    citizen = bound()
    a = services.change_report(citizen=citizen, change="income_up", text="找到工作了每月3000")
    b = services.change_report(citizen=citizen, change="member_in", text="孙子出生，户口已报")
    assert a.pk == b.pk and Alert.objects.filter(cause="self_report").count() == 1
    b.refresh_from_db()
    assert len(b.evidence["records"]) == 2 and set(b.evidence["changes"]) == {
        "income_up",
        "member_in",
    }


def test_a_death_names_a_member_of_the_household_only(taizhou):
    citizen = bound()
    stranger = PersonFactory()
    with pytest.raises(ServiceError) as e:
        services.change_report(citizen=citizen, change="death", text="老人去世了")
    assert "person" in e.value.errors
    with pytest.raises(ServiceError) as e:
        services.change_report(
            citizen=citizen, change="death", text="老人去世了", person_id=stranger.pk
        )
    assert "person" in e.value.errors
    member = PersonFactory(household=citizen.household, name="王大爷", relation="parent")
    alert = services.change_report(
        citizen=citizen, change="death", text="老人去世了", person_id=member.pk
    )
    assert alert.person == member


def test_bad_input_names_every_field_and_writes_nothing(taizhou):
    citizen = bound()
    tomorrow = clock.today() + datetime.timedelta(days=1)
    with pytest.raises(ServiceError) as e:
        services.change_report(
            citizen=citizen,
            change="x",
            text="",
            event_date=tomorrow.isoformat(),
            amount="三千",
        )
    assert {"change", "text", "event_date", "amount"} <= set(e.value.errors)
    with pytest.raises(ServiceError) as e:
        services.change_report(
            citizen=citizen, change="income_up", text="收入涨了不少", event_date="2026-13-01"
        )
    assert "event_date" in e.value.errors
    assert not Alert.objects.exists()


def test_overdue_self_report_escalates_like_any_alert(taizhou):
    citizen = bound()
    village = citizen.household.hukou_area_id
    user_with_role(Role.VILLAGE_WORKER, village)
    reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, village[:9] + "000")
    alert = services.change_report(citizen=citizen, change="member_out", text="女儿出嫁迁出")
    later = alert.due_date + datetime.timedelta(days=1)
    assert monitoring_services.alerts_escalate(today=later) == 1
    alert.refresh_from_db()
    assert alert.level == "township" and alert.assigned_to == reviewer


def test_page_lists_my_reports_with_state_and_deadline(taizhou, client):
    from tests.portal.test_pages_helpers import sign_in

    citizen = bound()
    sign_in(client, citizen)
    r = client.post("/m/change/", {"change": "income_down", "text": "厂里停工，没有收入了"})
    assert r.status_code == 302
    page = client.get("/m/change/").content.decode()
    assert "家庭收入减少" in page and "厂里停工" in page and "期限" in page
    r = client.post("/m/change/", {"change": "", "text": "我家情况变了"})
    page = r.content.decode()
    assert "变化类型：请选择" in page and "我家情况变了" in page
