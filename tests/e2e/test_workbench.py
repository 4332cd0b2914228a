"""The staff workbench in a real browser (issue 15 part A): for every role, the home page and
every entry of the left menu at 1440 px, and at 390 px with the menu as a drawer. Screenshots of
each role's home (both widths), the open drawer and the 系统管理 pages go to docs/img/ for the
user guides (workbench-*.png)."""

from pathlib import Path

import pytest

from jiuzhu.accounts.roles import Role
from tests.cases.helpers import make_cast, new_case
from tests.conftest import HAILING
from tests.e2e.conftest import PASSWORD
from tests.factories import user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
WIDE, PHONE = {"width": 1440, "height": 1000}, {"width": 390, "height": 844}


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _people():
    cast = make_cast()
    new_case(cast)
    clerk = user_with_role(Role.DEPARTMENT_DATA, HAILING, username="police-clerk")
    clerk.role_assignments.update(department="police")
    return {
        "village": cast.worker,
        "township": cast.reviewer,
        "county": cast.approver,
        "payments": cast.payer,
        "finance": user_with_role(Role.FINANCE, HAILING, username="finance-x"),
        "clerk": clerk,
        "auditor": cast.auditor,
        "admin": cast.admin,
    }


def _menu(page) -> list[tuple[str, str]]:
    links = page.locator("nav.sidenav a")
    return [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href"))
            for i in range(links.count())]  # fmt: skip


def test_every_role_home_and_menu_at_both_widths(live_server, taizhou, chromium):
    people = _people()
    base = live_server.url
    IMG.mkdir(parents=True, exist_ok=True)
    for who, user in people.items():
        context = chromium.new_context(locale="zh-CN", viewport=WIDE)
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            # desktop: the menu is a visible left column, grouped, the home highlighted
            _login(page, base, user.username)
            assert page.locator("nav.sidenav").is_visible()
            assert page.locator("nav.sidenav a.current").inner_text().strip() == "首页"
            assert page.locator("button[data-nav-toggle]").is_hidden()
            page.screenshot(path=str(IMG / f"workbench-{who}-1440.png"), full_page=True)
            menu = _menu(page)
            assert len(menu) >= 2, who
            for label, href in menu[1:]:
                assert page.goto(base + href).status == 200, href
                current = page.locator("nav.sidenav a.current")
                assert current.count() == 1 and current.inner_text().strip() == label, href
                assert page.locator("main").is_visible(), href
                crumbs = page.locator("nav.breadcrumbs")
                assert crumbs.count() == 1 and label in crumbs.inner_text(), href
            # phone: the menu is a drawer behind the 菜单 button
            page.set_viewport_size(PHONE)
            page.goto(base + "/")
            toggle = page.locator("button[data-nav-toggle]")
            assert toggle.is_visible()
            box = page.locator("nav.sidenav").bounding_box()
            assert box is None or box["x"] + box["width"] <= 1  # off the screen
            page.screenshot(path=str(IMG / f"workbench-{who}-390.png"), full_page=True)
            for _label, href in menu[1:]:
                assert page.goto(base + href).status == 200, href
                assert page.locator("main").is_visible(), href
                # nothing wider than the phone (the page itself does not scroll sideways)
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390 + 2, (href, width)
            page.goto(base + "/")
            toggle.click()
            page.wait_for_function("document.body.classList.contains('nav-open')")
            page.wait_for_timeout(300)  # the slide-in transition
            assert toggle.get_attribute("aria-expanded") == "true"
            if who in ("village", "admin"):
                page.screenshot(path=str(IMG / f"workbench-{who}-390-drawer.png"))
            label, href = menu[1]
            page.locator("nav.sidenav").get_by_role("link", name=label, exact=True).click()
            page.wait_for_url(base + href)
            assert not page.evaluate("document.body.classList.contains('nav-open')")
        finally:
            context.close()


def test_system_pages_and_error_page_screenshots(live_server, taizhou, chromium):
    people = _people()
    base = live_server.url
    context = chromium.new_context(locale="zh-CN", viewport=WIDE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        _login(page, base, people["admin"].username)
        for name, path in [
            ("roles", "/accounts/roles/"),
            ("dicts", "/system/dicts/"),
            ("dict-checklist", "/system/dicts/visit_checklist/"),
            ("users", "/accounts/users/"),
            ("config", "/cases/config/"),
            ("login-log", "/accounts/logins/"),
            ("audit", "/audit/"),
        ]:
            r = page.goto(base + path)
            assert r.status == 200, path
            page.screenshot(path=str(IMG / f"workbench-admin-{name}.png"), full_page=True)
        # the area picker on the new-user form: search, pick, the code is what is submitted
        page.goto(base + "/accounts/users/new/")
        page.click("[data-field=area] details.area-panel summary")
        page.fill("[data-field=area] input[type=search]", "城东")
        page.wait_for_selector("[data-field=area] .area-results [data-area-pick]")
        page.screenshot(path=str(IMG / "workbench-area-picker.png"))
        first = page.locator("[data-field=area] .area-results [data-area-pick]").first
        code = first.get_attribute("data-area-pick")
        first.click()
        assert page.locator("[data-field=area] input[type=hidden]").input_value() == code
        assert "城东" in page.locator("[data-field=area] [data-area-label]").inner_text()
        # the tree: open the root, expand a street, pick a village
        page.click("[data-field=area] details.area-panel summary")
        page.wait_for_selector("[data-field=area] .area-tree [data-area-toggle]")
        page.locator("[data-field=area] .area-tree [data-area-toggle]").first.click()
        page.wait_for_selector("[data-field=area] .area-tree .area-children [data-area-pick]")
        # a 404 in the site layout
        r = page.goto(base + "/no-such-page/")
        assert r.status == 404
        assert page.locator("h1").inner_text() == "页面不存在"
        page.screenshot(path=str(IMG / "workbench-404.png"))
    finally:
        context.close()
