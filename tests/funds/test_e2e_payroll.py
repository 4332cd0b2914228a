"""The issue's "done when", in a real browser (Playwright + Debian's Chromium).

zijin generates this month's 低保 payroll for 海陵区 and sees two lines held (a payee reported
dead, a household on the roll twice); zijin2 approves; caiwu releases; the bank file is
downloaded; a return file with three failed accounts is uploaded; the accounts are corrected and
the three lines re-issued; the payroll closes with totals agreeing to the fen; the ledger
verifies — and fails after one row is edited by hand in the database.
"""

import re
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from jiuzhu.accounts.roles import Role
from jiuzhu.demo.funds_synthetic import return_file_for
from jiuzhu.funds.ledger import ledger_verify
from jiuzhu.funds.models import Payroll, PayrollLine, PayrollStatus
from jiuzhu.funds.services import payment_hold_place
from jiuzhu.registry.models import RollEntry
from tests.conftest import HAILING
from tests.e2e.conftest import PASSWORD, chromium  # noqa: F401 - the shared browser fixture
from tests.factories import user_with_role
from tests.funds.conftest import card, household, on_roll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium):  # noqa: F811
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 1400, "height": 1000}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_payroll_done_when(live_server, taizhou, bank_profiles, page):
    zijin = user_with_role(Role.PAYMENTS_OFFICER, HAILING, username="zijin", full_name="周资金")
    user_with_role(Role.PAYMENTS_OFFICER, HAILING, username="zijin2", full_name="郑资金")
    user_with_role(Role.FINANCE, HAILING, username="caiwu", full_name="钱财务")
    month = timezone.localdate().replace(day=1)
    homes = []
    for i in range(8):
        hh, head = household(zijin, name=f"低保户{i}")
        on_roll(hh, amount=f"{600 + i * 10}.50", start=month)
        homes.append((hh, head))
    dead_hh, dead_head = homes[0]
    payment_hold_place(
        person_id=dead_head.pk, household_id=dead_hh.pk, reason="公安死亡报告", source="alert:1"
    )
    twice = RollEntry.objects.get(household=homes[1][0])
    twice.pk = None
    twice.save()
    base = live_server.url

    login(page, base, "zijin")
    page.goto(f"{base}/funds/")
    page.select_option("#area_code", HAILING)
    page.click("#generate")
    page.wait_for_selector(".messages")
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    page.goto(f"{base}/funds/")
    page.click(f"text=FF{month:%Y%m}-321202-dibao")
    assert "2 笔" in page.inner_text("#held-count")
    page.click("#show-held")
    held = page.inner_text("#lines")
    assert "暂停发放" in held and "重复发放" in held and "公安死亡报告" in held
    assert page.locator("#lines a.evidence").count() >= 2
    page.click("#submit")
    page.wait_for_selector("text=已提交复核")
    payroll = Payroll.objects.get(number=f"FF{month:%Y%m}-321202-dibao")
    detail = f"{base}/funds/payrolls/{payroll.pk}/"

    login(page, base, "zijin2")
    page.goto(detail)
    page.click("#approve")
    page.wait_for_selector("text=复核通过")

    login(page, base, "caiwu")
    page.goto(detail)
    page.click("#release")
    page.wait_for_selector("text=已拨付，银行代发文件可下载")
    with page.expect_download() as dl:
        page.click("a.bank-file >> nth=0")
    content = Path(dl.value.path()).read_text(encoding="utf-8")
    assert content.count("\n") == 1 + 7 + 1  # header, 9 lines less 2 held, 合计
    assert "合计" in content

    payroll.refresh_from_db()
    data = return_file_for(payroll, fail=3)  # what `jiuzhu funds demo-return --fail 3` writes
    ret = Path(tempfile.mkdtemp()) / "return.csv"
    ret.write_bytes(data)
    login(page, base, "zijin")
    page.goto(detail)
    page.set_input_files("#return-file", str(ret))
    page.click("#upload-return")
    page.wait_for_selector("text=失败 3 笔")
    failed = list(PayrollLine.objects.filter(payroll=payroll, status="failed").order_by("seq"))
    assert len(failed) == 3
    for n, line in enumerate(failed):
        page.goto(
            f"{base}/funds/households/{line.household_id}/account/?next=/funds/payrolls/{payroll.pk}/"
        )
        page.fill("#account_number", card(f"6228440000000{n:04d}"))
        page.fill("#reason", "原账号错误，银行退回")
        page.click("#save-account")
        page.wait_for_selector("text=须由另一名工作人员")
    # A second officer confirms the changes (maker-checker, issue 14.5).
    login(page, base, "zijin2")
    page.goto(f"{base}/funds/accounts/changes/")
    for _ in failed:
        page.locator("#pending-changes button[value=confirm]").first.click()
        page.wait_for_selector("text=账户变更已确认")
    login(page, base, "zijin")
    page.goto(detail)
    page.click("#reissue")
    page.wait_for_selector("text=已生成补发批次")
    assert re.search(r"-BF1", page.inner_text("h1") + page.inner_text("#summary"))
    page.goto(detail)
    page.click("#close")
    page.wait_for_selector("text=发放批次已结清")
    assert page.inner_text("#agrees") == "相符（到分）"
    assert page.inner_text("#difference") == "0.00"
    payroll.refresh_from_db()
    assert payroll.status == PayrollStatus.CLOSED

    assert ledger_verify().ok
    call_command("ledger", "verify")
    with connection.cursor() as cur:
        cur.execute("UPDATE funds_ledgerentry SET amount = amount + 1 WHERE seq = 2")
    result = ledger_verify()
    assert not result.ok and "第 2 号分录内容被修改" in result.message
