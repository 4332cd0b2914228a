"""One case from the window to the roll, in a real browser (Playwright + Debian's Chromium).

A 村居经办 registers a 模糊申请 for a new household with a paper missing (容缺); the 城东街道
reviewer accepts it on the applicant's pledge; the worker does the home visit on a phone; the
reviewer recommends it; the public 公示 page shows it masked; an objection from the public pauses
it; the county approver handles the objection, the notice period ends, the approver approves;
the household is on the roll with the decision letter; the audit log holds every step.

Set ``JIUZHU_DOC_SHOTS=1`` to write the screenshots used by docs/cases.md into docs/img/.
"""

import datetime
import functools
import os
import re
import tempfile
from pathlib import Path

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.services import audit_verify
from jiuzhu.cases.models import Application, Programme, PublicNotice, State
from jiuzhu.core import clock
from jiuzhu.core.idcard import make_id_number
from jiuzhu.registry.models import RollEntry
from tests.conftest import CHENGDONG, HAILING
from tests.e2e.conftest import PASSWORD
from tests.factories import first_village, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@functools.cache
def paper_photo(tag: str) -> bytes:
    """A legible photo of a paper, distinct per ``tag``. The intake page checks a chosen photo at
    once and clears one it cannot read (a bare PNG header is refused as 无法读取图片)."""
    from jiuzhu.demo import paper_images as pi

    return pi.png(pi.income("泰州市城东物业公司", tag, "300.00", "2025-12", "2026-10"))


def choose_paper(page, selector: str, name: str, tag: str) -> None:
    """Choose a photo for a material input and wait until the page's quality check passed it."""
    page.set_input_files(
        selector, {"name": name, "mimeType": "image/png", "buffer": paper_photo(tag)}
    )
    page.wait_for_selector(f"{selector} ~ .paper-check .badge.ok")


@pytest.fixture
def browser_context(chromium):
    context = chromium.new_context(
        locale="zh-CN",
        viewport={"width": 1280, "height": 1000},
        geolocation={"latitude": 32.4906, "longitude": 119.9229},
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def shots_dir() -> Path:
    if os.environ.get("JIUZHU_DOC_SHOTS") == "1":
        d = Path(__file__).resolve().parents[2] / "docs" / "img"
    else:
        d = Path(tempfile.gettempdir()) / "jiuzhu-e2e"
    d.mkdir(parents=True, exist_ok=True)
    return d


class Clicks:
    """Counts what a worker does on the intake screens (for docs/cases.md)."""

    def __init__(self, page):
        self.page, self.n, self.screens = page, 0, 1

    def click(self, sel):
        self.n += 1
        self.page.click(sel)

    def fill(self, sel, value):
        self.n += 1
        self.page.fill(sel, value)

    def check(self, sel):
        self.n += 1
        self.page.check(sel)

    def file(self, sel, payload):
        self.n += 1
        self.page.set_input_files(sel, payload)


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_case_from_window_to_roll(live_server, taizhou, browser_context):
    village = first_village(CHENGDONG)
    worker = user_with_role(Role.VILLAGE_WORKER, village, full_name="李村居")
    reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="王街道")
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING, full_name="陈区县")
    auditor = user_with_role(Role.AUDITOR, HAILING, full_name="孙审计")
    id_number = make_id_number("321202", datetime.date(1958, 3, 9), 37, "F")
    page, base, shots = browser_context.new_page(), live_server.url, shots_dir()

    # -- 村居经办: 模糊申请 for a new household, ID card only (户口簿 and 收入证明 missing)
    login(page, base, worker.username)
    w = Clicks(page)
    w.click("nav.mainnav >> text=受理申请")
    w.fill("#q", id_number)
    w.click("form.filters button[type=submit]")
    page.wait_for_selector("#found")
    assert "没有找到" in page.inner_text("#found")
    w.fill("#name", "王秀英")
    w.fill("#id_number", id_number)  # fills 出生日期 and 性别 by itself
    w.fill("#phone", "13812345678")
    w.fill("#address", "城东街道幸福小区3栋2单元101")
    page.screenshot(path=str(shots / "cases-intake-1.png"), full_page=True)
    w.click("#new-household button[type=submit]")
    page.wait_for_selector("#apply-form")
    w.screens += 1
    w.fill("#reason", "丈夫去世，本人患慢性病，无固定收入")
    w.fill("#income_12m", "3600")
    w.file(
        "#file_id_card",
        {"name": "身份证.png", "mimeType": "image/png", "buffer": paper_photo("王秀英")},
    )
    page.wait_for_selector("#file_id_card ~ .paper-check .badge.ok")  # the photo is readable
    w.check("#pledge")
    w.check("#authorisation")
    page.screenshot(path=str(shots / "cases-intake-2.png"), full_page=True)
    w.click("#submit-application")
    page.wait_for_selector("#proposals")
    w.screens += 1
    assert "模糊申请" in page.inner_text("#programme")
    # the policy calculator proposes: for a 68-year-old living alone with no income, 特困
    proposed = Application.objects.get(applicant__id_number=id_number).proposed_programmes
    assert proposed and proposed[0]["programme"] in ("tekun", "dibao")
    label = str(Programme(proposed[0]["programme"]).label)
    assert label in page.inner_text("#proposals")
    w.click("#form-set_programme button[type=submit]")  # take the system's first proposal
    page.wait_for_selector(f"#programme >> text={label}")
    page.screenshot(path=str(shots / "cases-intake-3.png"), full_page=True)
    app = Application.objects.get(applicant__id_number=id_number)
    assert app.vague and app.programme == proposed[0]["programme"]
    assert app.state == State.SUBMITTED
    intake_clicks, intake_screens = w.n, w.screens
    print(f"\nINTAKE: {intake_screens} screens, {intake_clicks} actions")

    # -- 街道审核: 容缺受理 on the pledge; the missing papers are listed with a deadline
    login(page, base, reviewer.username)
    page.click("nav.mainnav >> text=待办")
    page.click(f"#todo >> text={app.number}")
    assert page.is_checked("#form-accept_with_pledge input[value=hukou]")
    assert page.is_checked("#form-accept_with_pledge input[value=income_proof]")
    page.fill(
        "#form-accept_with_pledge textarea[name=reason]",
        "缺户口簿和收入证明，申请人承诺10个工作日内补齐",
    )
    page.click("#do-accept_with_pledge")
    page.wait_for_selector("#state >> text=调查中")
    assert "前补齐" in page.inner_text("#outstanding")
    # the 家庭经济状况核对 ran after the acceptance committed (pledge and authorisation on file)
    app.refresh_from_db()
    assert app.check_requested_at is not None
    assert app.check_reference.startswith("check:"), app.check_reference

    # -- 村居经办 on a phone: the home visit with checklist, photo, signature, GPS and time
    login(page, base, worker.username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/cases/{app.pk}/")
    page.click("#go-visit")
    page.wait_for_selector("#visit-form")
    page.wait_for_selector("#gps-status >> text=已定位")
    page.check("input[value=housing_poor]")
    page.check("input[value=matches_declaration]")
    page.fill("#findings", "独居，房屋老旧，无大件家电，与申报一致")
    page.fill("#second_visitor", "张网格")
    page.set_input_files(
        "input[name=photos]", {"name": "现场.png", "mimeType": "image/png", "buffer": PNG + b"p"}
    )
    page.locator("#sigpad").scroll_into_view_if_needed()
    box = page.locator("#sigpad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 60)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * 25, box["y"] + 60 + (i % 3) * 30)
    page.mouse.up()
    page.screenshot(path=str(shots / "cases-visit-phone.png"), full_page=True)
    page.click("#submit-visit")
    page.wait_for_selector("#state >> text=待初审")
    page.set_viewport_size({"width": 1280, "height": 1000})
    visit = app.visits.get()
    assert visit.latitude is not None and visit.signature_id and visit.visited_at

    # -- 街道审核: 初审, recommend with the amount → 公示
    login(page, base, reviewer.username)
    page.goto(f"{base}/cases/{app.pk}/")
    page.fill("#form-review input[name=amount]", "680.00")
    page.fill("#form-review input[name=amount_reason]", "入户核实：有少量零工收入")
    page.fill("#form-review textarea[name=reason]", "入户调查属实，人均收入低于低保标准，建议批准")
    page.check("#confirm-review")
    page.click("#do-review")
    page.wait_for_selector("#state >> text=公示中")

    # -- the public page (no login) shows the household masked; a neighbour objects
    page.context.clear_cookies()
    page.goto(f"{base}/gongshi/{app.area_id}/")
    table = page.inner_text("#notices")
    assert "王*英" in table and "王秀英" not in table
    assert id_number not in table and id_number[:4] + "**********" + id_number[-4:] in table
    assert "680.00" in table and label in table
    page.screenshot(path=str(shots / "cases-gongshi.png"), full_page=True)
    page.click("summary >> text=对该户有异议")
    page.fill("input[name=contact_name]", "赵邻居")
    page.fill("input[name=contact_phone]", "13900001111")
    page.fill("textarea[name=content]", "她儿子在城里开饭店，应有赡养能力")
    page.click("form button[type=submit] >> text=提交异议")
    page.wait_for_selector("text=您的异议已提交")
    app.refresh_from_db()
    assert app.paused

    # -- the reviewer cannot close the notice while it is paused
    login(page, base, reviewer.username)
    page.goto(f"{base}/cases/{app.pk}/")
    assert page.is_visible("#paused")
    assert page.locator("#form-close_notice").count() == 0

    # -- the county approver handles the objection from the to-do list
    login(page, base, approver.username)
    page.click("nav.mainnav >> text=待办")
    page.click(f"#todo >> text={app.number}")
    page.fill(
        "#form-resolve_objection textarea[name=reason]",
        "经核实其子已另立户，收入微薄，无赡养能力，异议不成立",
    )
    page.click("#do-resolve_objection")
    page.wait_for_selector("#objections >> text=异议不成立")
    assert page.locator("#paused").count() == 0

    # -- seven days later the notice period is over (time moves on in the database)
    PublicNotice.objects.filter(application=app).update(
        start_date=clock.today() - datetime.timedelta(days=8),
        end_date=clock.today() - datetime.timedelta(days=1),
    )
    login(page, base, reviewer.username)
    page.goto(f"{base}/cases/{app.pk}/")
    page.click("#do-close_notice")
    page.wait_for_selector("#state >> text=待审批")
    # the reviewer may not approve what they reviewed
    assert page.locator("#form-approve").count() == 0

    # -- the county approver approves; the decision letter and the roll entry follow
    login(page, base, approver.username)
    page.goto(f"{base}/cases/{app.pk}/")
    assert page.input_value("#form-approve input[name=amount]") == "680.00"  # 初审's amount
    page.fill("#form-approve textarea[name=reason]", f"经审核确认，符合{label}条件")
    page.check("#confirm-approve")
    page.click("#do-approve")
    page.wait_for_selector("#state >> text=已批准")
    assert "陈区县" in page.inner_text("#decided-by")
    page.screenshot(path=str(shots / "cases-approved.png"), full_page=True)
    href = page.get_attribute("a.letter", "href")
    pdf = page.request.get(f"{base}{href}")
    assert pdf.ok and pdf.body()[:5] == b"%PDF-"
    page.click("nav.mainnav >> text=救助名册")
    assert app.household.number in page.inner_text("#list-table")  # the shared list page
    entry = RollEntry.objects.get(household=app.household)
    today = clock.today()
    assert entry.start_month == (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    assert str(entry.monthly_amount) == "680.00" and entry.programme == app.programme

    # -- the audit log shows each step, and the chain is intact
    actions = list(
        AuditEvent.objects.filter(subject_type="application", subject_id=str(app.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    for step in [
        "case.submit",
        "case.set_programme",
        "case.accept_with_pledge",
        "case.submit_visit",
        "case.review",
        "case.objection",
        "case.resolve_objection",
        "case.close_notice",
        "case.approve",
    ]:
        assert step in actions, (step, actions)
    assert AuditEvent.objects.filter(action="roll.add", household_id=app.household_id).exists()
    assert audit_verify().ok
    login(page, base, auditor.username)
    page.click("nav.mainnav >> text=操作日志")
    assert re.search(r"case\.approve|批准", page.content())
    page.goto(f"{base}/cases/{app.pk}/")
    timeline = page.inner_text("#timeline")
    for who, what in [
        ("李村居", "申请登记"),
        ("王街道", "容缺受理"),
        ("李村居", "提交入户调查"),
        ("王街道", "初审"),
        ("公众", "公示异议"),
        ("陈区县", "处理异议"),
        ("王街道", "公示期满"),
        ("陈区县", "批准"),
    ]:
        assert who in timeline and what in timeline
    page.screenshot(path=str(shots / "cases-timeline.png"), full_page=True)
