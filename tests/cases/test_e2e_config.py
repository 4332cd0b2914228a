"""Issue 14.4 in a real browser, at 1440 px and 390 px: an administrator proposes an approval
chain (a 3-day 公示 is refused, the typed input kept), cannot approve it herself, and a second
administrator approves it; new applications then get the chain."""

import os
from pathlib import Path

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.cases.models import ApprovalChain, ConfigChange
from tests.conftest import HAILING
from tests.e2e.conftest import PASSWORD, chromium  # noqa: F401 - the shared browser fixture
from tests.factories import user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("JIUZHU_SHOTS", "/tmp/jiuzhu-shots"))


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("width", [1440, 390])
def test_a_chain_is_proposed_checked_and_approved_by_a_second_admin(
    live_server,
    taizhou,
    chromium,  # noqa: F811 - the shared browser fixture
    width,
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    user_with_role(Role.SYSADMIN, "321200000000", username="admin_a", full_name="管理员甲")
    user_with_role(Role.SYSADMIN, "321200000000", username="admin_b", full_name="管理员乙")
    base = live_server.url
    context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        login(page, base, "admin_a")
        if width < 900:  # on a phone the left menu is a drawer behind the 菜单 button
            page.click("[data-nav-toggle]")
        page.click(".sidenav >> text=审批流程与工作日")
        page.fill("#area_id", HAILING)
        page.select_option("#programme", "dibao")
        page.select_option("#review_role", Role.TOWNSHIP_REVIEWER)
        page.select_option("#approve_role", Role.TOWNSHIP_REVIEWER)
        page.fill("#notice_days", "3")
        page.fill("#chain-reason", "试行简化流程")
        page.click("#propose-chain")
        errors = page.inner_text("#chain-errors")
        assert "不得少于 7 天" in errors and "层级须高于" in errors
        assert page.input_value("#chain-reason") == "试行简化流程"
        assert page.input_value("#notice_days") == "3" and page.input_value("#area_id") == HAILING
        page.screenshot(path=str(SHOTS / f"cases-config-error-{width}.png"), full_page=True)
        page.fill("#notice_days", "10")
        page.select_option("#approve_role", Role.COUNTY_APPROVER)
        page.click("#propose-chain")
        page.wait_for_selector("text=须由另一名管理员复核后生效")
        change = ConfigChange.objects.get()
        assert not ApprovalChain.objects.exists()
        assert "本人提出" in page.inner_text(f"#config-change-{change.pk}")
        assert page.locator(f"#approve-{change.pk}").count() == 0

        login(page, base, "admin_b")
        if width < 900:
            page.click("[data-nav-toggle]")
        page.click(".sidenav >> text=审批流程与工作日")
        pending = page.inner_text(f"#config-change-{change.pk}")
        assert "公示天数" in pending and "10" in pending and "dibao" not in pending
        page.screenshot(path=str(SHOTS / f"cases-config-pending-{width}.png"), full_page=True)
        page.click(f"#approve-{change.pk}")
        page.wait_for_selector("text=变更已复核通过并生效")
        assert ApprovalChain.objects.get(area_id=HAILING, programme="dibao").notice_days == 10
        assert "海陵区" in page.inner_text("#chains")
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    finally:
        context.close()
