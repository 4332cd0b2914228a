"""The monitoring 'done when', in a real browser (Playwright + Debian's Chromium).

The 公安 data user uploads a death file; the import queues the monitoring run and the database
worker runs it; the death alert is on the village worker's 待办 and the dead person's payments
are held; the worker closes it as 核减, which opens the stop case; the street reviewer and the
county approver take it through 初审 and 审批; the roll entry is stopped and the hold confirmed.
"""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiuzhu.accounts.models import RoleAssignment
from jiuzhu.accounts.roles import Role
from jiuzhu.cases.models import Application
from jiuzhu.funds.models import PaymentHold
from jiuzhu.monitoring.defaults import ensure_defaults
from jiuzhu.monitoring.models import Alert, AlertRule, RiskClass
from jiuzhu.verify.models import FeedImport
from tests.e2e.test_case_flow import browser_context, login, shots_dir  # noqa: F401
from tests.factories import user_with_role
from tests.monitoring.helpers import HEADERS, Cast, on_roll, police_death

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_death_file_to_todo_to_reduce_to_stop_case(live_server, taizhou, browser_context, tmp_path):  # noqa: F811
    ensure_defaults(AlertRule, RiskClass)  # an earlier transactional test flushed the seed
    cast = Cast()
    bumen = user_with_role(Role.DEPARTMENT_DATA, "321200000000", full_name="吴部门")
    RoleAssignment.objects.filter(user=bumen).update(department="police")
    hh, (head,), entry = on_roll(cast.village)
    csv = tmp_path / "公安死亡注销.csv"
    csv.write_text(
        HEADERS["police"]
        + "\n"
        + ",".join(police_death(head, timezone.localdate() - datetime.timedelta(days=2)))
        + "\n",
        encoding="utf-8",
    )
    page, base, shots = browser_context.new_page(), live_server.url, shots_dir()

    # -- 公安数据员 uploads the death file
    login(page, base, bumen.username)
    page.goto(f"{base}/verify/feeds/upload/")
    page.select_option("select[name=department]", "police")
    page.set_input_files("input[name=file]", str(csv))
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    assert FeedImport.objects.get().status == "accepted"
    # -- the database worker runs what the import queued
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    alert = Alert.objects.get(household=hh)
    assert alert.cause == "death" and alert.assigned_to == cast.worker
    hold = PaymentHold.objects.get(source=f"alert:{alert.pk}")
    assert hold.person_id == head.pk and hold.released_at is None

    # -- 村居经办: the alert is on the 待办; close it as 核减
    login(page, base, cast.worker.username)
    page.click("nav.mainnav >> text=待办")
    page.click(f"#todo >> text=预警 #{alert.pk}")
    assert "公安死亡注销" in page.inner_text("#evidence")
    assert page.is_visible("#hold")
    page.screenshot(path=str(shots / "monitoring-alert.png"), full_page=True)
    page.check("#form-close input[value=reduce]")
    page.fill("#form-close textarea[name=reason]", "入户核实：户主已于近日死亡，单人户，停止发放")
    page.click("#do-close")
    page.wait_for_selector("#purpose")
    assert "停发" in page.inner_text("#purpose")
    app = Application.objects.get(origin=f"alert:{alert.pk}")
    assert app.purpose == "stop" and app.target_roll_entry_id == entry.pk
    hold.refresh_from_db()
    assert hold.released_at is None  # the roll has not changed yet (issue 13, item 6)

    # -- 街道审核 初审, 区县 审批
    login(page, base, cast.reviewer.username)
    page.click("nav.mainnav >> text=待办")
    page.click(f"#todo >> text={app.number}")
    page.fill("#form-review textarea[name=reason]", "死亡属实，同意停发")
    page.check("#confirm-review")
    page.click("#do-review")
    page.wait_for_selector("#state >> text=待审批")
    login(page, base, cast.approver.username)
    page.click("nav.mainnav >> text=待办")
    page.click(f"#todo >> text={app.number}")
    page.fill("#form-approve textarea[name=reason]", "同意停发")
    page.check("#confirm-approve")
    page.click("#do-approve")
    page.wait_for_selector("#state >> text=已批准")
    entry.refresh_from_db()
    hold.refresh_from_db()
    alert.refresh_from_db()
    assert entry.status == "stopped" and entry.end_month == timezone.localdate().replace(day=1)
    assert hold.outcome == "confirmed" and alert.status == "closed" and alert.outcome == "reduce"
