"""Issue 21: the registry stores facts, not conclusions — in a real browser at 1440 and 390 px.

A 城东街道 reviewer opens a lone 75-year-old's household, records a self-care assessment (four of
the six items not done unaided), an obligor in prison, then tries a job offer without a member
(refused, typed input kept) and saves it with one. The household page shows each fact in
Chinese, nothing wider than the window.

Set ``JIUZHU_DOC_SHOTS=1`` to write the screenshots used by docs/user-guide-registry.md into
docs/img/ (otherwise they go to the temporary e2e folder).
"""

import datetime
import os
import tempfile
from pathlib import Path

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.registry.models import JobOffer, Obligor, SelfCareAssessment
from tests.conftest import CHENGDONG
from tests.e2e.conftest import PASSWORD
from tests.factories import HouseholdFactory, PersonFactory, first_village, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1440": (1440, 1000), "390": (390, 844)}


def shots_dir() -> Path:
    if os.environ.get("JIUZHU_DOC_SHOTS") == "1":
        d = Path(__file__).resolve().parents[2] / "docs" / "img"
    else:
        d = Path(tempfile.gettempdir()) / "jiuzhu-e2e"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(params=list(WIDTHS))
def page(request, live_server, taizhou, chromium):
    w, h = WIDTHS[request.param]
    context = chromium.new_context(locale="zh-CN", viewport={"width": w, "height": h})
    context.set_default_timeout(20_000)
    context.set_default_navigation_timeout(60_000)
    p = context.new_page()
    p.base = live_server.url
    p.width_name = request.param
    try:
        yield p
    finally:
        context.close()


def no_overflow(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, width


def test_reviewer_records_self_care_obligor_and_job_offer(page):
    hh = HouseholdFactory(hukou_area_id=first_village(CHENGDONG), head_name="王桂兰")
    head = PersonFactory(household=hh, name="王桂兰", sex="F", birth_date=datetime.date(1951, 3, 1))
    reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="城东审核员")
    base = page.base
    page.goto(f"{base}/login/")
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    # self-care: untick four of the six items
    page.goto(f"{base}/registry/households/{hh.pk}/")
    page.click("#selfcare >> text=+ 登记评估")
    page.select_option("#id_person", str(head.pk))
    for item in ("eating", "dressing", "transfer", "toileting"):
        page.uncheck(f"#id_{item}")
    page.fill("#id_assessor", "城东镇卫生院")
    page.fill("#id_reason", "入户评估")
    no_overflow(page)
    page.screenshot(
        path=str(shots_dir() / f"registry-selfcare-{page.width_name}.png"), full_page=True
    )
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{base}/registry/households/{hh.pk}/")
    assert SelfCareAssessment.objects.get(person=head).items_unable == 4

    # obligor: a son in prison, property within the limits
    page.click("#obligors >> text=+ 登记义务人")
    page.select_option("#id_person", str(head.pk))
    page.select_option("#id_kind", "child")
    page.fill("#id_name", "王强")
    page.fill("#id_birth_date", "1976-05-04")
    page.check("#id_in_prison")
    page.select_option("#id_property_within_limits", "true")
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{base}/registry/households/{hh.pk}/")
    assert Obligor.objects.get(person=head).in_prison

    # job offer without a member: refused, the employer typed stays
    page.click("#joboffers >> text=+ 登记推荐")
    page.select_option("#id_kind", "referral")
    page.fill("#id_employer", "城东保洁公司")
    page.check("#id_refused")
    page.click("form.card button[type=submit]")
    assert "“成员”为必填项" in page.content()
    assert page.input_value("#id_employer") == "城东保洁公司"
    assert page.is_checked("#id_refused")
    page.select_option("#id_person", str(head.pk))
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{base}/registry/households/{hh.pk}/")
    assert JobOffer.objects.filter(person=head, refused=True).count() == 1

    # the page shows the facts in Chinese, no codes
    text = page.inner_text("main")
    for shown in ("进食", "上下床", "城东镇卫生院", "王强", "服刑", "城东保洁公司", "拒绝"):
        assert shown in text, shown
    for code in ("in_prison", "referral", "selfcare", "True", "None"):
        assert code not in text, code
    no_overflow(page)
    page.locator("#selfcare").scroll_into_view_if_needed()
    page.screenshot(path=str(shots_dir() / f"registry-facts-{page.width_name}.png"), full_page=True)
