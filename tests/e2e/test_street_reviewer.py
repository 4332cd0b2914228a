"""The done-when scenario in a real browser (Playwright driving Debian's Chromium).

A 城东街道 reviewer logs in, finds a household by ID number, corrects a member's disability
grade with a reason, sees the change in the timeline; the change is in the audit log (in the
database and on the audit page, as an auditor, with the chain verified); a 城西街道 household can
neither be found nor opened.
"""

import datetime
import os
import re
import tempfile
from pathlib import Path

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.registry.models import Person
from tests.conftest import CHENGDONG, CHENGXI, HAILING
from tests.e2e.conftest import PASSWORD
from tests.factories import PersonFactory, first_village, household_with_head, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def shots_dir() -> Path:
    """Screenshots for a human to look at; in a temporary directory, never committed."""
    d = Path(os.environ.get("JIUZHU_E2E_SHOTS", tempfile.gettempdir())) / "jiuzhu-e2e"
    d.mkdir(parents=True, exist_ok=True)
    return d


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_street_reviewer_corrects_disability_grade(live_server, taizhou, browser_page):
    # given: a 城东 household whose spouse is 肢体三级, a 城西 household, a reviewer, an auditor
    east = household_with_head(hukou_area_id=first_village(CHENGDONG), head_name="张伟", size=2)
    spouse = PersonFactory(
        household=east,
        relation="spouse",
        name="李芳",
        sex="F",
        birth_date=datetime.date(1972, 3, 9),
        disability_type="physical",
        disability_grade=3,
    )
    west = household_with_head(hukou_area_id=first_village(CHENGXI), head_name="王强")
    west_id = west.members.get().id_number
    reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="城东审核员")
    auditor = user_with_role(Role.AUDITOR, HAILING, full_name="海陵审计员")
    page, base = browser_page, live_server.url

    # when: the reviewer logs in and searches by the spouse's full ID number
    login(page, base, reviewer.username)
    page.click("nav.mainnav >> text=家庭列表")
    page.fill("#id_q", spouse.id_number)
    page.click("form.filters button[type=submit]")
    page.wait_for_selector(f"#results >> text={east.number}")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 1
    assert spouse.id_number not in page.content()  # IDs are masked in the list

    # and opens the household and corrects the spouse's grade with a reason
    with page.expect_navigation(timeout=45_000):  # the profile is a full page (slow under load)
        page.click(f"#results a >> text={east.number}")
    page.wait_for_selector("#members", timeout=45_000)
    assert page.locator(f"#person-{spouse.pk} td.disability").inner_text().startswith("肢体 3级")
    page.click(f"#person-{spouse.pk} >> text=修改")
    page.select_option("#id_disability_grade", "2")
    page.fill("#id_reason", "残联换发残疾证，等级由三级调整为二级")
    page.click("form.card button[type=submit]")

    # then: back on the profile, the member shows 2级 and the timeline shows the change
    page.wait_for_url(re.compile(rf".*/registry/households/{east.pk}/$"))
    assert page.locator(f"#person-{spouse.pk} td.disability").inner_text().startswith("肢体 2级")
    latest = page.locator("#timeline li.tl-item").first
    assert latest.get_attribute("data-action") == "person.update"
    text = latest.inner_text()
    assert "修改成员信息" in text and "城东审核员" in text
    assert "残疾等级：3级 → 2级" in text
    assert "残联换发残疾证，等级由三级调整为二级" in text
    page.screenshot(path=str(shots_dir() / "profile-after-edit.png"), full_page=True)

    # and the change is in the audit log, by this reviewer, with before and after
    event = AuditEvent.objects.filter(action="person.update", subject_id=str(spouse.pk)).get()
    assert (event.actor_id, event.before, event.after) == (
        reviewer.pk,
        {"disability_grade": 3},
        {"disability_grade": 2},
    )
    assert event.reason == "残联换发残疾证，等级由三级调整为二级"
    assert Person.objects.get(pk=spouse.pk).disability_grade == 2

    # when: the reviewer looks for the 城西 household, then: nothing is found, the URL is 404
    page.goto(f"{base}/registry/households/")
    page.fill("#id_q", west_id)
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("#results td.empty")
    assert west.number not in page.content()
    response = page.goto(f"{base}/registry/households/{west.pk}/")
    assert response.status == 404
    assert "王强" not in page.content()

    # when: an auditor of 海陵区 opens the audit log; then: the change is listed; the chain holds
    page.goto(f"{base}/")
    page.click("form[action='/logout/'] button")
    page.wait_for_url(re.compile(r".*/login/.*"))
    login(page, base, auditor.username)
    page.click("nav.mainnav >> text=操作日志")
    page.select_option("#id_action", "person.update")
    page.click("form.filters button[type=submit]")
    row = page.locator("tr[data-action='person.update']")
    assert row.count() == 1
    assert "残疾等级：3级 → 2级" in row.inner_text()
    assert "城东审核员" in row.inner_text()
    page.click("#verify-chain")
    page.wait_for_selector("#verify-result")
    assert "校验通过" in page.locator("#verify-result").inner_text()

    page.screenshot(path=str(shots_dir() / "audit-log.png"), full_page=True)
