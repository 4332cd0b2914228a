"""The citizen side on a phone (390×844), in a real browser (Playwright + Debian's Chromium).

A citizen signs in with the code from the test SMS backend, binds to the registry record,
applies vaguely with a photographed paper and two finger signatures; the township accepts on
the pledge and the village worker sees the home visit on the to-do list; the citizen sees
"入户调查" and its deadline. A 举报 is filed anonymously, answered by the office it was routed to
and read back with its query code. Another citizen gets 404 on the first one's case.

Set ``JIUZHU_DOC_SHOTS=1`` to write the screenshots used by docs/user-guide-citizen.md.
"""

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.cases import services as cases_services
from jiuzhu.cases.models import Application, State
from jiuzhu.portal.models import Report, SignatureEvidence
from tests.conftest import CHENGDONG, HAILING
from tests.e2e.test_case_flow import login, shots_dir
from tests.factories import user_with_role
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


def test_citizen_applies_follows_and_reports(live_server, taizhou, phone_context, staff_context):
    hh, person = registered("13812345678", "王秀英")
    registered("13900001111", "李四")
    reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="王街道")
    worker = user_with_role(Role.VILLAGE_WORKER, hh.hukou_area_id, full_name="李村居")
    user_with_role(Role.COUNTY_APPROVER, HAILING, full_name="陈区县")
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
