"""Follow-up of issue 14 (item 7): on the public 公示 page, an objection refused by the server
keeps what the citizen typed, opens that household's form again and names the field — at 1440
and 390 px. Then a corrected objection goes through."""

import pytest

from jiuzhu.cases.models import Objection, State
from tests.cases.helpers import advance, make_cast, new_case
from tests.e2e.test_sign_in_security import shots

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TEXT = "该户儿子名下有一辆小汽车，未在申请时申报。"


@pytest.mark.parametrize("width", [1440, 390])
def test_refused_objection_keeps_the_typed_text(live_server, taizhou, chromium, width):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.NOTICE)
    notice = app.notices.get()
    context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{live_server.url}/gongshi/{app.area_id}/")
        page.click(f"#notice-{notice.pk} + tr summary")
        form = page.locator(f"#notice-{notice.pk} + tr form")
        form.locator("input[name=contact_name]").fill("李某")
        form.locator("input[name=contact_phone]").fill("12345")  # not a phone number
        form.locator("textarea[name=content]").fill(TEXT)
        form.locator("button[type=submit]").click()
        page.wait_for_selector(f"#objection-{notice.pk}[open]")
        form = page.locator(f"#objection-{notice.pk} form")
        # What was typed is still there; the refused field is named in Chinese, beside it.
        assert form.locator("input[name=contact_name]").input_value() == "李某"
        assert form.locator("input[name=contact_phone]").input_value() == "12345"
        assert form.locator("textarea[name=content]").input_value() == TEXT
        error = form.locator(".has-error .errorlist").inner_text()
        assert "联系电话" in error
        assert not Objection.objects.exists()
        page.screenshot(path=str(shots() / f"objection-refused-{width}.png"), full_page=True)
        # Corrected, it goes through and the page says so.
        form.locator("input[name=contact_phone]").fill("13912345678")
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".msg-success")
        assert "异议已提交" in page.inner_text("main")
        assert Objection.objects.get().content == TEXT
    finally:
        context.close()
