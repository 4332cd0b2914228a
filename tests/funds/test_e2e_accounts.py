"""Issue 14.5 in a real browser, at 1440 px and 390 px: one payments officer changes a
household's account (a Luhn-invalid card is refused with the typed input kept), the change waits,
the officer cannot confirm it, a second officer confirms it and the household's notice is made."""

import os
from pathlib import Path

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.funds.models import AccountNotice, PaymentAccount
from tests.conftest import HAILING
from tests.e2e.conftest import PASSWORD, chromium  # noqa: F401 - the shared browser fixture
from tests.factories import user_with_role
from tests.funds.conftest import card, household

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
def test_an_account_change_is_confirmed_by_a_second_officer(
    live_server,
    taizhou,
    bank_profiles,
    chromium,  # noqa: F811 - the shared browser fixture
    width,
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    zijin = user_with_role(Role.PAYMENTS_OFFICER, HAILING, username="zijin", full_name="周资金")
    user_with_role(Role.PAYMENTS_OFFICER, HAILING, username="zijin2", full_name="郑资金")
    hh, _head = household(zijin, name="陈桂芳")
    old = hh.payment_accounts.get(active=True)
    base = live_server.url
    context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        login(page, base, "zijin")
        page.goto(f"{base}/funds/households/{hh.pk}/account/")
        good = card("622848000012345")
        bad = good[:-1] + str((int(good[-1]) + 3) % 10)
        page.fill("#account_number", bad)
        page.fill("#holder_name", "赵某")
        page.fill("#reason", "换卡")
        page.click("#save-account")
        errors = page.inner_text("#account-errors")
        assert "Luhn" in errors and "代领原因" in errors
        assert page.input_value("#account_number") == bad  # typed input kept
        assert page.input_value("#reason") == "换卡"
        page.screenshot(path=str(SHOTS / f"funds-account-error-{width}.png"), full_page=True)
        page.fill("#account_number", good)
        page.fill("#holder_name", "陈桂芳")
        page.click("#save-account")
        page.wait_for_selector("text=须由另一名工作人员")
        new = PaymentAccount.objects.get(household=hh, pending=True)
        assert not new.active and PaymentAccount.objects.get(pk=old.pk).active
        page.goto(f"{base}/funds/accounts/changes/")
        row = page.inner_text(f"#change-{new.pk}")
        assert "本人提交" in row and page.locator(f"#confirm-{new.pk}").count() == 0
        assert good not in row  # the number is masked

        login(page, base, "zijin2")
        page.goto(f"{base}/funds/accounts/changes/")
        page.screenshot(path=str(SHOTS / f"funds-account-changes-{width}.png"), full_page=True)
        page.click(f"#confirm-{new.pk}")
        page.wait_for_selector("text=账户变更已确认")
        new.refresh_from_db()
        assert new.active and not PaymentAccount.objects.get(pk=old.pk).active
        notice = AccountNotice.objects.get(account=new)
        page.click("a.notice-link")
        text = page.inner_text("#account-notice")
        assert "陈桂芳户" in text and good[-4:] in text and notice.text in text
        page.screenshot(path=str(SHOTS / f"funds-account-notice-{width}.png"), full_page=True)
        # Nothing overflows the viewport sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    finally:
        context.close()
