"""举报 escalation: a working-day deadline (across the National Day holiday), then the level above."""

import datetime

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.portal import selectors, services
from tests.clock import travel_to
from tests.conftest import CHENGDONG, HAILING
from tests.factories import first_village, user_with_role

pytestmark = pytest.mark.django_db
FILED = datetime.date(2026, 9, 29)  # a Tuesday; 1–7 October are holidays
TEXT = "社区窗口工作人员多次推诿，材料交了三次仍说不全"


def file_service_report():
    with travel_to(FILED):
        return services.report_submit(
            category="service",
            area_code=first_village(CHENGDONG),
            text=TEXT,
            anonymous=True,
        )


def test_the_deadline_counts_working_days_across_the_holiday(taizhou):
    report, code = file_service_report()
    assert report.due_date == add_working_days(FILED, 5) == datetime.date(2026, 10, 12)
    # six calendar days later it is still in time: nothing moves during the holiday
    assert services.reports_escalate(today=datetime.date(2026, 10, 5)) == 0
    assert services.reports_escalate(today=datetime.date(2026, 10, 12)) == 0
    report.refresh_from_db()
    assert report.office == "township" and report.escalations == 0


def test_overdue_goes_to_the_county_and_the_reporter_sees_it(taizhou, client):
    report, code = file_service_report()
    reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    assert report in services.reports_for(reviewer)
    assert report not in services.reports_for(approver)
    day = datetime.date(2026, 10, 13)  # the working day after the deadline
    assert services.reports_escalate(today=day) == 1
    report.refresh_from_db()
    assert report.office == "county" and report.office_area_id == HAILING
    assert report.escalations == 1 and report.due_date == add_working_days(day, 5)
    assert report.history[0]["from_area"] == CHENGDONG
    assert report in services.reports_for(approver)
    assert report not in services.reports_for(reviewer)
    assert AuditEvent.objects.filter(action="portal.report.escalate", subject_id=str(report.pk))
    # the reporter reads the state with the query code
    assert selectors.report_by_code(code).escalations == 1
    with travel_to(day):
        page = client.get("/m/report/query/", {"code": code}).content.decode()
    assert "已升级至上一级办理" in page and "海陵区" in page
    # the county answers; an answered report is never escalated again
    services.report_reply(actor=approver, report_id=report.pk, reply="已责成街道整改并通报批评")
    assert services.reports_escalate(today=day + datetime.timedelta(days=30)) == 0
    with travel_to(day):
        page = client.get("/m/report/query/", {"code": code}).content.decode()
    assert "已答复" in page and "整改" in page


def test_overdue_before_escalation_is_shown_to_the_reporter(taizhou, client):
    report, code = file_service_report()
    with travel_to(datetime.date(2026, 10, 13)):
        page = client.get("/m/report/query/", {"code": code}).content.decode()
    assert "已逾期" in page


def test_the_scheduler_runs_the_escalation_every_night():
    from jiuzhu.core.schedule import job_get

    job = job_get("reports_escalate")
    assert job.task_path == "jiuzhu.portal.tasks.reports_escalate_task"
    assert job.when.at == datetime.time(3, 45)
