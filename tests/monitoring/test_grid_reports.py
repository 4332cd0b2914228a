"""The grid (issue 19): a 网格员's report lands on the village's to-do list as an alert of
cause ``manual`` with its SLA, and escalates to the street when overdue."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.cooperation.grid import grid_create, grid_worker_assign
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.monitoring.grid_reports import grid_report_raise
from jiuzhu.monitoring.models import AlertRule, RuleKind
from jiuzhu.monitoring.selectors import todo_source
from jiuzhu.monitoring.services import alerts_escalate
from tests.conftest import CHENGDONG, JIANGYAN_STREET
from tests.factories import UserFactory, first_village, household_with_head, user_with_role

pytestmark = pytest.mark.django_db


def test_a_grid_report_lands_on_the_villages_todo_list_and_escalates(taizhou):
    village = first_village(CHENGDONG)
    street = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    village_worker = user_with_role(Role.VILLAGE_WORKER, village)
    grid = grid_create(actor=street, village_code=village, name="东安第三网格")
    gridman = UserFactory(full_name="网格员周")
    grid_worker_assign(actor=street, grid_id=grid.pk, user=gridman)
    hh = household_with_head(hukou_area_id=village)
    today = clock.today()

    alert = grid_report_raise(
        actor=gridman, household_id=hh.pk, text="独居老人摔伤，行动不便，无人照料"
    )
    assert alert.cause == RuleKind.MANUAL and alert.level == "village"
    rule = AlertRule.objects.get(kind=RuleKind.MANUAL)
    assert alert.due_date == add_working_days(today, rule.deadline_days)  # the SLA
    rows = todo_source(user=village_worker, today=today)
    assert [r.ref_label for r in rows if r.source == "alert"] == [f"预警 #{alert.pk}"]
    assert "网格员上报" in rows[0].kind_label
    assert AuditEvent.objects.filter(action="alert.grid_report").exists()

    # not handled in time: the nightly job escalates it to the street
    late = alert.due_date + datetime.timedelta(days=1)
    assert alerts_escalate(today=late) == 1
    alert.refresh_from_db()
    assert alert.escalations == 1 and alert.level == "township"
    assert any(r.ref_label == f"预警 #{alert.pk}" for r in todo_source(user=street, today=late))
    assert not [r for r in todo_source(user=village_worker, today=late) if r.source == "alert"]


def test_only_the_households_grid_worker_reports_and_a_report_says_something(taizhou):
    village = first_village(CHENGDONG)
    street = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    grid = grid_create(actor=street, village_code=village, name="一网格")
    gridman = UserFactory()
    grid_worker_assign(actor=street, grid_id=grid.pk, user=gridman)
    elsewhere = household_with_head(hukou_area_id=first_village(JIANGYAN_STREET))
    with pytest.raises(PermissionDenied):
        grid_report_raise(actor=gridman, household_id=elsewhere.pk, text="有困难需要帮助")
    hh = household_with_head(hukou_area_id=village)
    with pytest.raises(ServiceError) as e:
        grid_report_raise(actor=gridman, household_id=hh.pk, text="难")
    assert "text" in e.value.errors
    with pytest.raises(ServiceError):  # a grid lies below a village, not a street
        grid_create(actor=street, village_code=CHENGDONG, name="x")
