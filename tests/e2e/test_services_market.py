"""Issue 18 "done when", in a real browser (Playwright + Debian's Chromium).

The county orders 心理疏导 for a household; the service centre publishes it; provider A claims it
and provider B, who opened it a moment earlier, cannot (already claimed); A's worker completes it
on a phone (390 px: GPS, time, a photo, the household's signature and rating); the bureau and the
centre rate it, A's score updates; the centre accepts it; the payments officer approves and
finance releases the service fee; ``jiuzhu ledger verify`` passes.

Screenshots go to docs/img/market-*.png (JIUZHU_DOC_SHOTS=1) or the temporary directory.
"""

import os
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command

from jiuzhu.funds.models import LedgerEntry, ServicePayment
from jiuzhu.support.models import OrderStatus, Provider, ServiceOrder, ServicePhoto
from tests.e2e.conftest import PASSWORD
from tests.support.helpers import make_market

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WIDE = {"width": 1440, "height": 1000}
PHONE = {"width": 390, "height": 844}


def shots_dir() -> Path:
    if os.environ.get("JIUZHU_DOC_SHOTS") == "1":
        d = Path(__file__).resolve().parents[2] / "docs" / "img"
    else:
        d = Path(tempfile.gettempdir()) / "jiuzhu-e2e"
    d.mkdir(parents=True, exist_ok=True)
    return d


def new_page(chromium, viewport):
    context = chromium.new_context(
        locale="zh-CN",
        viewport=viewport,
        geolocation={"latitude": 32.4906, "longitude": 119.9229},
        permissions=["geolocation"],
        has_touch=viewport["width"] < 500,
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_services_market_done_when(live_server, taizhou, chromium):
    m = make_market()
    base, shots = live_server.url, shots_dir()
    wide = new_page(chromium, WIDE)
    other = new_page(chromium, WIDE)
    phone = new_page(chromium, PHONE)
    try:
        # -- the county orders 心理疏导 for the household (点单)
        login(wide, base, m.county_user.username)
        wide.click("nav.mainnav >> text=服务订单")
        wide.fill("#households", m.household.number)
        wide.select_option("#kind", "counselling")
        wide.fill("#quantity", "2")
        wide.fill("#need", "丧偶后情绪低落，需心理疏导两次")
        wide.screenshot(path=str(shots / "market-order.png"), full_page=True)
        wide.click("#order-form button[type=submit]")
        assert "已点单 1 笔" in wide.inner_text(".messages")
        order = ServiceOrder.objects.get(household=m.household)
        assert order.status == OrderStatus.ORDERED and str(order.amount) == "160.00"

        # -- the service centre publishes it (下单) with a deadline and conditions
        login(wide, base, m.centre.username)
        wide.click("nav.mainnav >> text=服务市场")
        wide.click(f"text={order.number}")
        wide.fill("#deadline", "2099-12-31")
        wide.fill("#conditions", "须持社会工作者职业资格证书")
        wide.click("#publish-form button[type=submit]")
        assert "已发布" in wide.inner_text("#order-status")

        # -- provider B opens it; provider A claims it first (抢单)
        login(other, base, m.admins["B"].username)
        other.goto(f"{base}/support/hall/")
        other.click(f"#open-orders >> text={order.number}")
        other.wait_for_selector("#claim-form")
        login(wide, base, m.admins["A"].username)
        wide.click("nav.mainnav >> text=抢单大厅")
        wide.screenshot(path=str(shots / "market-hall.png"), full_page=True)
        wide.click(f"#open-orders >> text={order.number}")
        assert m.household.members.get().id_number not in wide.content()
        wide.click("#claim-form button[type=submit]")
        assert "抢单已提交" in wide.inner_text(".messages")
        other.click("#claim-form button[type=submit]")  # B: too late
        assert "已被其他机构接单" in other.inner_text(".messages")
        assert order.number not in other.inner_text("#open-orders")
        other.screenshot(path=str(shots / "market-claim-refused.png"), full_page=True)
        order.refresh_from_db()
        assert order.provider_id == m.providers["A"].pk and order.status == OrderStatus.CLAIMED

        # -- A's worker serves on a phone (390 px): record, photo, signature, rating
        login(phone, base, m.workers["A"].username)
        phone.goto(f"{base}/support/mine/")
        phone.click(f"#order-{order.pk} >> text=开始服务")
        phone.wait_for_selector("#serve-form")
        assert "13812345678" in phone.inner_text("#household-contact")
        assert m.household.members.get().id_number not in phone.content()
        phone.fill("#record", "入户面谈一次，情绪明显好转，约定下周再访")
        phone.fill("#hours", "1.5")
        phone.set_input_files(
            "#photos", {"name": "现场.png", "mimeType": "image/png", "buffer": PNG}
        )
        box = phone.locator("#sigpad").bounding_box()
        phone.mouse.move(box["x"] + 20, box["y"] + 40)
        phone.mouse.down()
        phone.mouse.move(box["x"] + 120, box["y"] + 90, steps=8)
        phone.mouse.move(box["x"] + 220, box["y"] + 50, steps=8)
        phone.mouse.up()
        phone.check("input[name=rating_household][value='5']")
        phone.wait_for_function("document.getElementById('latitude').value !== ''")
        phone.screenshot(path=str(shots / "market-serve-390.png"), full_page=True)
        phone.click("#submit-serve")
        assert "服务已登记" in phone.inner_text(".messages")
        order.refresh_from_db()
        assert order.status == OrderStatus.DONE and order.rating_household == 5
        assert order.latitude is not None and bytes(order.signature_png).startswith(b"\x89PNG")
        assert ServicePhoto.objects.filter(order=order).count() == 1

        # -- three ratings: the household (above), the bureau and the centre; A's score updates
        login(wide, base, m.county_user.username)
        wide.goto(f"{base}/support/orders/{order.pk}/")
        wide.select_option("#rating", "4")
        wide.click("#rate-form button[type=submit]")
        assert Provider.objects.get(pk=m.providers["A"].pk).score is None  # two of three
        login(wide, base, m.centre.username)
        wide.goto(f"{base}/support/orders/{order.pk}/")
        wide.select_option("#rating", "5")
        wide.click("#rate-form button[type=submit]")
        assert str(Provider.objects.get(pk=m.providers["A"].pk).score) == "4.67"
        assert "4.67" in wide.inner_text("#ratings")
        wide.click("#accept-form button[type=submit]")  # 验收
        assert "已验收" in wide.inner_text(".messages")
        wide.screenshot(path=str(shots / "market-accepted.png"), full_page=True)
        wide.goto(f"{base}/support/providers/")
        assert "4.67" in wide.inner_text("#providers")

        # -- settlement: the payments officer approves, finance releases (three people)
        payment = ServicePayment.objects.get(source=f"order:{order.pk}")
        login(wide, base, m.payer.username)
        wide.click("nav.mainnav >> text=服务费结算")
        wide.click(f"#payment-{payment.pk} button[type=submit]")
        assert "已复核" in wide.inner_text(f"#payment-{payment.pk} .status")
        login(wide, base, m.finance.username)
        wide.click("nav.mainnav >> text=服务费结算")
        wide.click(f"#payment-{payment.pk} button[type=submit]")
        assert "已拨付" in wide.inner_text(f"#payment-{payment.pk} .status")
        assert payment.account_number not in wide.content()  # masked
        wide.screenshot(path=str(shots / "market-settlement.png"), full_page=True)
        kinds = list(
            LedgerEntry.objects.filter(programme="services", line_id=payment.pk)
            .order_by("seq")
            .values_list("kind", flat=True)
        )
        assert kinds == ["payable", "approved", "sent"]
        call_command("ledger", "verify")  # `jiuzhu ledger verify`: raises CommandError if broken

        # -- the statistics at 390 px too
        login(phone, base, m.centre.username)
        phone.goto(f"{base}/support/stats/")
        assert "服务机构评分" in phone.inner_text("main")
        phone.screenshot(path=str(shots / "market-stats-390.png"), full_page=True)
    finally:
        for p in (wide, other, phone):
            p.context.close()
