"""The citizen side on a phone (390×844), in a real browser (Playwright + Debian's Chromium).

A citizen signs in with the code from the test SMS backend, binds to the registry record,
applies vaguely with a photographed paper and two finger signatures; the township accepts on
the pledge and the village worker sees the home visit on the to-do list; the citizen sees
"入户调查" and its deadline. A 举报 is filed anonymously, answered by the office it was routed to
and read back with its query code. Another citizen gets 404 on the first one's case.

Set ``JIUZHU_DOC_SHOTS=1`` to write the screenshots used by docs/user-guide-citizen.md.
"""

from pathlib import Path

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.cases import services as cases_services
from jiuzhu.cases.models import Application, State
from jiuzhu.portal.models import Report, SignatureEvidence
from tests.conftest import CHENGDONG, HAILING
from tests.e2e.test_case_flow import login, shots_dir
from tests.factories import user_with_role
from tests.funds.conftest import bank_profiles, officers  # noqa: F401
from tests.portal.conftest import last_code, png_bytes, registered

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_context(chromium):
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(30_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def staff_context(chromium):
    """The staff's own browser (signing them in must not sign the citizen out)."""
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    try:
        yield context
    finally:
        context.close()


def sign(page, pad):
    page.locator(pad).scroll_into_view_if_needed()
    box = page.locator(pad).bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 50)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * 22, box["y"] + 50 + (i % 3) * 25)
    page.mouse.up()


def citizen_login(page, base, phone, shots=None):
    page.context.clear_cookies()
    page.goto(f"{base}/m/")
    page.fill("#phone", phone)
    page.click("#send-code")
    page.wait_for_selector("#code-sent")
    assert page.input_value("#phone") == phone  # kept after the round trip
    page.fill("#code", last_code(phone))
    if shots:
        page.screenshot(path=str(shots / "portal-login.png"), full_page=True)
    page.click("#do-login")


def test_citizen_applies_follows_and_reports(
    live_server,
    taizhou,
    officers,  # noqa: F811
    phone_context,
    staff_context,
):
    hh, person = registered("13812345678", "王秀英")
    registered("13900001111", "李四")
    reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="王街道")
    worker = user_with_role(Role.VILLAGE_WORKER, hh.hukou_area_id, full_name="李村居")
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING, full_name="陈区县")
    page, base, shots = phone_context.new_page(), live_server.url, shots_dir()

    # -- sign in with the SMS code; first time: bind to the registry record
    citizen_login(page, base, "13812345678", shots)
    page.wait_for_selector("#bind-form")
    page.fill("#name", "王秀英")
    page.fill("#id_number", "110101199001011234")
    page.click("#do-bind")
    assert "不一致" in page.inner_text("#form-error")
    assert page.input_value("#name") == "王秀英"  # typed input kept after the error
    page.fill("#id_number", person.id_number)
    page.click("#do-bind")
    page.wait_for_selector("#tile-apply")
    page.screenshot(path=str(shots / "portal-home.png"), full_page=True)

    # -- 模糊申请 with a photographed paper (compressed in the page) and two signatures
    page.click("#tile-apply")
    page.fill("#reason", "丈夫去世，本人患慢性病，无固定收入")
    page.fill("#income", "3600")
    page.fill("#members", "1")
    page.check("input[name=illness][value=yes]")
    page.set_input_files(
        "#photos",
        {"name": "身份证.png", "mimeType": "image/png", "buffer": png_bytes(800, 500, noise=True)},
    )
    page.wait_for_selector("#photos-status >> text=KB")
    sign(page, "#pledge-pad")
    sign(page, "#authorisation-pad")
    page.screenshot(path=str(shots / "portal-apply.png"), full_page=True)
    page.click("#submit-apply")
    page.wait_for_selector("#stage")
    app = Application.objects.get(household=hh)
    assert app.channel == "online" and app.state == State.SUBMITTED
    assert "受理" in page.inner_text("#stage") and "城东街道" in page.inner_text("#stage")
    assert SignatureEvidence.objects.filter(application=app).count() == 2
    material = app.materials.get()
    assert material.content_type == "image/jpeg"  # compressed by the page before upload
    page.screenshot(path=str(shots / "portal-progress-submitted.png"), full_page=True)

    # -- the township accepts on the pledge (容缺: 户口簿 and 收入证明 to follow)
    cases_services.application_set_programme(
        actor=reviewer, application_id=app.pk, version=app.version, programme="dibao"
    )
    app.refresh_from_db()
    cases_services.application_accept_with_pledge(
        actor=reviewer,
        application_id=app.pk,
        version=app.version,
        missing=["hukou", "income_proof"],
        reason="缺户口簿和收入证明，申请人承诺补齐",
    )
    app.refresh_from_db()

    # -- the village worker sees the home visit on the to-do list
    worker_page = staff_context.new_page()
    login(worker_page, base, worker.username)
    worker_page.click("nav.mainnav >> text=待办")
    todo = worker_page.inner_text("#todo")
    assert app.number in todo and "入户调查" in todo
    worker_page.close()

    # -- the citizen sees 入户调查 with its deadline and uploads a missing paper
    page.goto(f"{base}/m/case/{app.pk}/")
    stage = page.inner_text("#stage")
    assert "入户调查" in stage
    assert f"期限 {app.visit_due:%Y-%m-%d}" in page.inner_text("#deadline")
    assert "户口簿" in page.inner_text("#outstanding")
    page.screenshot(path=str(shots / "portal-progress.png"), full_page=True)
    form = page.locator("#outstanding li", has_text="户口簿").locator("form")
    form.locator("input[type=file]").set_input_files(
        {"name": "户口簿.png", "mimeType": "image/png", "buffer": png_bytes(600, 400, (9, 90, 9))}
    )
    page.wait_for_timeout(500)
    form.locator("button").click()
    page.wait_for_selector("text=材料已上传")
    assert "户口簿" not in page.inner_text("#outstanding")

    # -- another citizen gets 404 on this case
    citizen_login(page, base, "13900001111")
    page.wait_for_selector("#bind-form")
    page.fill("#name", "李四")
    page.fill("#id_number", _id_of("13900001111"))
    page.click("#do-bind")
    page.wait_for_selector("#tile-apply")
    response = page.goto(f"{base}/m/case/{app.pk}/")
    assert response.status == 404

    # -- the case goes on: visit, review, 公示, approval; then the first payment is released
    from types import SimpleNamespace

    from jiuzhu.funds.services import payment_account_set
    from jiuzhu.portal import services as portal_services
    from jiuzhu.portal.models import Citizen, Notice
    from tests.cases.helpers import advance
    from tests.funds.conftest import card
    from tests.funds.helpers import released

    portal_services.upload_missing(
        citizen=Citizen.objects.get(phone="13812345678"),
        application_id=app.pk,
        kind="income_proof",
        uploaded=png_bytes(30, 30, (90, 9, 9)),
    )
    cast = SimpleNamespace(
        worker=worker, reviewer=reviewer, approver=approver, village=hh.hukou_area_id
    )
    app.refresh_from_db()
    app = advance(cast, app, State.APPROVED)
    payment_account_set(
        actor=officers["zijin"],
        household_id=hh.pk,
        bank_name="江苏泰州农村商业银行",
        account_number=(account := card(622202000000777)),
        holder_name="王秀英",
    )
    hh.payment_accounts.update(review_first_payment=False)
    released(officers, month=app.roll_entry.start_month)
    assert set(Notice.objects.filter(household=hh).values_list("moment", flat=True)) >= {
        "accepted",
        "missing",
        "notice",
        "decision",
        "payment",
    }

    # -- the citizen reads the news, downloads the decision letter, sees the first payment
    from jiuzhu.portal.models import SmsCode

    SmsCode.objects.filter(phone="13812345678").delete()  # the one-a-minute limit is tested apart
    citizen_login(page, base, "13812345678")
    page.wait_for_selector("#notices")
    notices = page.inner_text("#notices")
    assert "已批准" in notices and "已拨付" in notices
    page.screenshot(path=str(shots / "portal-notices.png"), full_page=True)
    page.goto(f"{base}/m/case/{app.pk}/")
    with page.expect_download() as dl:
        page.click("#letters a.letter")
    letter = dl.value
    assert letter.suggested_filename.endswith(".pdf")
    assert Path(letter.path()).read_bytes()[:5] == b"%PDF-"
    page.screenshot(path=str(shots / "portal-decided.png"), full_page=True)
    page.goto(f"{base}/m/assistance/")
    payments = page.inner_text("#payments")
    assert "710.00" in payments and "江苏泰州农村商业银行" in payments
    assert account[-4:] in payments and account[4:-4] not in payments  # masked
    page.screenshot(path=str(shots / "portal-assistance.png"), full_page=True)

    # -- 主动申报: a change becomes a task for the village worker with a deadline
    page.goto(f"{base}/m/change/")
    page.select_option("#change", "income_up")
    page.fill("#text", "女儿在城里找到工作，每月工资3000元")
    page.fill("#amount", "3000")
    page.click("#submit-change")
    page.wait_for_selector("#my-changes")
    assert "期限" in page.inner_text("#my-changes")
    page.screenshot(path=str(shots / "portal-change.png"), full_page=True)
    from jiuzhu.monitoring.models import Alert

    alert = Alert.objects.get(household=hh, cause="self_report")
    assert alert.assigned_to == worker

    # -- a 举报 filed anonymously, answered by the office it was routed to, read back
    page.context.clear_cookies()
    page.goto(f"{base}/m/report/")
    page.select_option("#category", "service")
    page.select_option("#area", CHENGDONG)
    page.fill("#text", "社区窗口工作人员多次推诿，材料交了三次仍说不全")
    page.check("#anon-yes")
    page.screenshot(path=str(shots / "portal-report.png"), full_page=True)
    page.click("#submit-report")
    code = page.inner_text("#query-code").strip()
    assert len(code) == 10
    report = Report.objects.get()
    assert report.office == "township" and report.office_area_id == CHENGDONG
    assert report.anonymous and not report.reporter_name
    page.screenshot(path=str(shots / "portal-report-done.png"), full_page=True)

    staff = staff_context.new_page()
    login(staff, base, reviewer.username)
    staff.goto(f"{base}/m/staff/reports/")
    staff.click(f"#reports >> text={report.number}")
    assert "匿名" in staff.inner_text("#reporter")
    staff.fill("#reply", "经核查，已对窗口工作人员批评教育，并安排专人一次性告知所需材料。")
    staff.click("#do-reply")
    staff.wait_for_selector("text=已答复")
    staff.close()

    page.goto(f"{base}/m/report/query/")
    page.fill("#code", code.lower())
    page.click("#query-form button")
    assert "批评教育" in page.inner_text("#reply")
    page.screenshot(path=str(shots / "portal-report-reply.png"), full_page=True)
    page.goto(f"{base}/m/report/query/?code=ABCDEFGHJK")
    assert "没有找到" in page.inner_text("#query-result")

    # -- public pages: the self-check (仅供参考, nothing stored) and the local standards
    page.goto(f"{base}/m/self-check/")
    page.select_option("#area", CHENGDONG)
    page.fill("#age0", "68")
    page.fill("#income", "0")
    page.click("#do-check")
    page.wait_for_selector("#results")
    assert "仅供参考" in page.inner_text("#for-reference")
    page.screenshot(path=str(shots / "portal-self-check.png"), full_page=True)
    page.goto(f"{base}/m/standards/?area={CHENGDONG}")
    assert "低保" in page.inner_text("#standards")
    page.screenshot(path=str(shots / "portal-standards.png"), full_page=True)


def _id_of(phone):
    from jiuzhu.registry.models import Person

    return Person.objects.get(phone=phone).id_number


@pytest.mark.parametrize("width,height", [(390, 844), (1440, 900)])
def test_village_qr_page_notices_and_objection_receipt(
    live_server, taizhou, chromium, width, height
):
    """Scanning the village's code opens its page; its 公示 takes an objection and gives a
    receipt number that reads the state back."""
    from jiuzhu.cases.models import PublicNotice
    from tests.cases.helpers import advance, make_cast, new_case

    cast = make_cast()
    app = advance(cast, new_case(cast), State.NOTICE)
    notice = PublicNotice.objects.get(application=app, closed=False)
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": width, "height": height}, is_mobile=width < 500
    )
    context.set_default_timeout(30_000)
    page, base, shots = context.new_page(), live_server.url, shots_dir()
    try:
        page.goto(f"{base}/m/v/{notice.area_id}/")
        assert "一码通办" in page.inner_text("main")
        if width < 500:
            page.screenshot(path=str(shots / "portal-village.png"), full_page=True)
        page.click("#tile-notices")
        row = page.locator(f"#notice-{notice.pk}")
        assert notice.masked_name in row.inner_text()
        row.locator("summary").click()
        row.locator("input[name=contact_name]").fill("张三")
        row.locator("input[name=contact_phone]").fill("13911112222")
        row.locator("textarea").fill("该户儿子开公司，家里有两辆车")
        if width < 500:
            page.screenshot(path=str(shots / "portal-notices-village.png"), full_page=True)
        row.locator("button").click()
        number = page.inner_text("#receipt-number").strip()
        assert number.startswith("YY")
        page.click("text=查询处理结果")
        page.fill("#phone", "13911112222")
        page.click("#objection-query-form button")
        assert "核查中" in page.inner_text("#objection-outcome")
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    finally:
        context.close()
