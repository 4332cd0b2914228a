"""系统管理 → 接入系统 in a real browser at 1440 px and 390 px: one administrator registers
another department's system, a second approves it and issues a token (shown once), and the
token then answers the registry API; screenshots in docs/img/ for the guide."""

from pathlib import Path

import pytest

from jiuzhu.accounts.roles import Role
from tests.e2e.conftest import PASSWORD
from tests.factories import user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def _sign_in(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


@pytest.mark.parametrize("width", [1440, 390])
def test_register_approve_and_issue_a_token(live_server, taizhou, chromium, width):
    import httpx

    base = live_server.url
    user_with_role(Role.SYSADMIN, "321200000000", username=f"adm-a{width}")
    user_with_role(Role.SYSADMIN, "321200000000", username=f"adm-b{width}")
    context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        _sign_in(page, base, f"adm-a{width}")
        page.goto(f"{base}/interop/accounts/new/")
        page.fill("#id_name", "市医保局")
        page.fill("#id_sender_id", f"yibao-{width}")
        page.select_option("#id_area", "321200000000")
        page.fill("#id_purpose", "医疗救助对象资助参保")
        page.check("input[name=scopes][value='registry.search']")
        for field in ("name", "id_number", "programmes"):
            page.check(f"input[name=fields][value='{field}']")
        page.select_option("#id_signature_mode", "none")
        page.click("main form button[type=submit]")
        assert "须另一名系统管理员复核" in page.inner_text("main")
        detail = page.url
        page.screenshot(path=str(IMG / f"interop-registered-{width}.png"), full_page=True)
        context.clear_cookies()
        _sign_in(page, base, f"adm-b{width}")
        page.goto(detail)
        page.click("text=复核通过")
        assert "生效" in page.inner_text("main")
        page.fill("#id_days", "30")
        page.click("text=签发新令牌")
        token = page.inner_text("code.token").strip()
        assert token.startswith("jz_")
        page.screenshot(path=str(IMG / f"interop-token-{width}.png"), full_page=True)
        page.reload()
        assert page.locator("code.token").count() == 0  # shown only once
    finally:
        context.close()
    r = httpx.get(
        f"{base}/api/v1/registry/persons",
        params={"area": "321202000000"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200 and "items" in r.json()
