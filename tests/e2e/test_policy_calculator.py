"""The calculator page in a real browser: the obligors are a fact with three states.

A village worker fills in a 72-year-old living alone without income. Obligors "未核实" (the
default): not 特困 — the page says the obligors were not checked. "无法定义务人": 特困. The
per-capita figure is shown exactly (three members with 2,394.29: 798.09666…, below the national default 798.10).
Screenshots at 1440 px and 390 px wide.
"""

import os
import tempfile
from pathlib import Path

import pytest

from jiuzhu.accounts.roles import Role
from tests.e2e.conftest import PASSWORD
from tests.factories import user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
VILLAGE = "321202001002"


def shots_dir() -> Path:
    d = Path(os.environ.get("JIUZHU_E2E_SHOTS", tempfile.gettempdir())) / "jiuzhu-e2e"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.mark.parametrize("width", [1440, 390])
def test_calculator_obligors_not_checked_is_not_none(live_server, taizhou, chromium, width):
    user = user_with_role(Role.VILLAGE_WORKER, VILLAGE)
    context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        base = live_server.url
        page.goto(f"{base}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/policy/calculator/")
        page.fill("#id_area_code", VILLAGE)
        page.fill("#id_on", "2026-11-01")
        page.fill("#id_m0_age", "72")
        page.click("form.card button[type=submit]")
        page.wait_for_selector("details")
        tekun = page.locator("details", has_text="特困人员救助供养")
        assert "不符合" in tekun.locator("summary").inner_text()
        assert "已核实法定义务人情况" in tekun.inner_text()
        # typed input kept after the calculation
        assert page.input_value("#id_m0_age") == "72"
        page.screenshot(
            path=str(shots_dir() / f"policy-calc-unchecked-{width}.png"), full_page=True
        )
        page.select_option("#id_obligors", "none")
        page.click("form.card button[type=submit]")
        page.wait_for_selector("details")
        tekun = page.locator("details", has_text="特困人员救助供养")
        assert "符合" in tekun.locator("summary").inner_text()
        assert "不符合" not in tekun.locator("summary").inner_text()
        # exact per-capita income: three members, 2,394.29 in all (not rounded up to 798.10)
        page.select_option("#id_obligors", "unknown")
        page.fill("#id_m0_age", "40")
        page.fill("#id_m0_monthly_income", "2394.29")
        page.fill("#id_m1_age", "38")
        page.fill("#id_m2_age", "9")
        page.click("form.card button[type=submit]")
        page.wait_for_selector("details")
        body = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
        assert "798.09666" in body
        dibao = page.locator("details", has_text="最低生活保障")
        assert "不符合" not in dibao.locator("summary").inner_text()
        page.screenshot(path=str(shots_dir() / f"policy-calc-exact-{width}.png"), full_page=True)
    finally:
        context.close()
