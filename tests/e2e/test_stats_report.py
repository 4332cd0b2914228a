"""The monthly form in a real browser (Playwright + Debian's Chromium), at 1440 and 390 px:
the report page, a drill-down to the households behind a figure, and the xlsx export."""

import datetime

import openpyxl
import pytest

from jiuzhu.accounts.roles import Role
from tests.e2e.test_case_flow import browser_context, login, shots_dir  # noqa: F401
from tests.factories import user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1440, 390])
def test_report_drilldown_and_export(live_server, taizhou, chromium, monkeypatch, tmp_path, width):
    from jiuzhu.core import clock
    from jiuzhu.stats.services import snapshot_take
    from tests.stats import conftest as data

    monkeypatch.setattr(clock, "now", lambda: data.NOW)
    households = data.make_roll()  # three households in two streets
    snapshot_take(month=datetime.date(2026, 2, 1))
    snapshot_take(month=datetime.date(2026, 3, 1))
    approver = user_with_role(Role.COUNTY_APPROVER, data.HAILING, full_name="陈区县")
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": width, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(90_000)  # a loaded shared machine
    page, base, shots = context.new_page(), live_server.url, shots_dir()
    try:
        login(page, base, approver.username)
        page.goto(f"{base}/stats/monthly/?area={data.HAILING}&month=2026-03")
        table = page.inner_text("#report-table")
        assert "城市低保人数" in table
        # the province's codes are shown on a wide screen, left out on a phone
        assert ("YZH012410000" in table) is (width > 600)
        row = page.locator("tr[data-indicator=people_dibao_urban] td")
        assert row.nth(3).inner_text().strip() == "3" and row.nth(4).inner_text().strip() == "5"
        assert "dibao" not in page.inner_text("main").replace("indicator", "")
        page.wait_for_selector("#trend-chart canvas")
        page.wait_for_selector("#rank-chart canvas")
        page.screenshot(path=str(shots / f"stats-monthly-{width}.png"), full_page=True)
        # drill down from 当月退出 to the household that left
        page.click("tr[data-indicator=exit_dibao_urban] a.drill")
        page.wait_for_selector("#drill-table")
        drill = page.inner_text("#drill-table")
        assert households["c"].number in drill and households["a"].number not in drill
        assert "最低生活保障" in drill
        page.screenshot(path=str(shots / f"stats-drill-{width}.png"), full_page=True)
        # the export, in the form's layout
        page.go_back()
        with page.expect_download() as info:
            page.click("#export-xlsx")
        assert info.value.suggested_filename == "monthly-321202000000-202603.xlsx"
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        ws = openpyxl.load_workbook(saved).active
        assert ws["A1"].value == "民政统计月报表（社会救助）"
        assert [c.value for c in ws[6]][:4] == ["指标名称", "单位", "代码", "本期"]
        # the KPI page with the streets ranked
        page.goto(f"{base}/stats/kpis/?area={data.HAILING}&month=2026-03")
        assert "城东街道" in page.inner_text("#ranking")
        page.wait_for_selector("#tier-chart canvas")
        page.screenshot(path=str(shots / f"stats-kpis-{width}.png"), full_page=True)
    finally:
        context.close()
