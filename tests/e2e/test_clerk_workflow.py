"""Issue 13 items 1–7 as a clerk clicks them, at 1440 px (desk) and 390 px (phone).

Each test walks one defect's page sequence and takes screenshots into the e2e shots folder
(``tests/e2e/test_case_flow.shots_dir``); the screenshots were looked at when this was written.
Dates come from the one clock (``jiuzhu.core.clock``), so the tests hold on any day.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.cases import services as s
from jiuzhu.cases.models import Application, Declaration, State
from jiuzhu.core import clock
from jiuzhu.registry.models import IncomeItem, Person, RollEntry
from tests.cases.helpers import PNG, advance, make_cast, new_case
from tests.conftest import HAILING
from tests.e2e.test_case_flow import choose_paper, login, shots_dir
from tests.factories import (
    HouseholdFactory,
    IncomeItemFactory,
    PersonFactory,
    user_with_role,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desk": (1440, 1000), "phone": (390, 844)}


@pytest.fixture(params=list(WIDTHS))
def page(request, live_server, taizhou, settings, tmp_path, chromium):
    settings.MEDIA_ROOT = tmp_path / "media"
    w, h = WIDTHS[request.param]
    context = chromium.new_context(
        locale="zh-CN",
        viewport={"width": w, "height": h},
        geolocation={"latitude": 32.4906, "longitude": 119.9229},
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    # The first page of a session imports the whole project in the live server: on a shared,
    # loaded machine that alone can take longer than an ordinary step.
    context.set_default_navigation_timeout(60_000)
    p = context.new_page()
    p.base = live_server.url
    p.width_name = request.param
    try:
        yield p
    finally:
        context.close()


def shot(page, name):
    page.screenshot(path=str(shots_dir() / f"issue13-{name}-{page.width_name}.png"), full_page=True)


def no_overflow(page):
    """Nothing cut off: the page is no wider than the window (tables scroll inside cards)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, width


def _family_of_three(village):
    hh = HouseholdFactory(hukou_area_id=village, size=3, head_name="张伟")
    head = PersonFactory(household=hh, name="张伟")
    PersonFactory(household=hh, relation="spouse", name="李芳", sex="F")
    PersonFactory(
        household=hh, relation="child", name="张小", sex="F", birth_date=datetime.date(2010, 3, 9)
    )
    this_month = clock.today().replace(day=1)
    last = (this_month - datetime.timedelta(days=1)).replace(day=1)
    start = (last - datetime.timedelta(days=330)).replace(day=1)
    IncomeItemFactory(
        household=hh,
        person=head,
        amount=Decimal("27600.00"),
        period_start=start,
        period_end=last,
        as_of=last,
        source="import",
    )
    return hh


# ---------------------------------------------------------------- items 1, 2 and 4 at intake


def test_intake_declarations_signatures_and_kept_input(page):
    cast = make_cast()
    hh = _family_of_three(cast.village)
    base = page.base
    login(page, base, cast.worker.username)

    # -- item 4: an error keeps what was typed and the file chosen
    page.goto(f"{base}/cases/new/{hh.pk}/")
    page.select_option("#programme", "temporary_aid")  # its kind forgotten: refused
    page.fill("#reason", "丈夫失业，孩子上学")
    page.fill("#income_12m", "27600")
    choose_paper(page, "#file_id_card", "身份证.png", "id")
    # item 4: a file over 10 MB is refused in the browser, before any upload
    page.set_input_files(
        "#file_hukou",
        {
            "name": "户口簿.pdf",
            "mimeType": "application/pdf",
            "buffer": b"%PDF-" + b"0" * 11_000_000,
        },
    )
    note = page.locator("#file_hukou ~ .upload-too-large")
    assert "超过 10 MB" in note.inner_text()
    assert page.eval_on_selector("#file_hukou", "e => e.files.length") == 0
    shot(page, "apply-too-large")
    page.click("#submit-application")
    page.wait_for_selector(".messages >> text=临时救助须选择")
    assert page.input_value("#reason") == "丈夫失业，孩子上学"
    assert page.input_value("#income_12m") == "27600"
    assert "身份证.png" in page.inner_text("#kept_id_card")
    shot(page, "apply-kept")
    no_overflow(page)

    # -- submitted without the consents (item 2), with the declared income (item 1)
    page.select_option("#programme", "dibao")
    page.click("#submit-application")
    page.wait_for_selector("#declarations")
    app = Application.objects.get(household=hh)
    assert app.materials.filter(kind="id_card").exists()  # the kept file arrived
    assert IncomeItem.objects.filter(household=hh).count() == 1  # nothing stacked
    row = page.inner_text("#declarations")
    assert "27600.00" in row and "批量导入" in row  # the declaration beside the registry fact
    shot(page, "declarations")
    no_overflow(page)

    # -- item 1: the clerk confirms the registry is right; per-capita income stays 766.67
    page.check("#declarations input[value=confirmed]")
    page.fill("#declarations input[name=reason]", "与人社工资数据一致")
    page.click("#declarations button[type=submit]")
    page.wait_for_selector(".messages >> text=申报已核对")
    assert Declaration.objects.get(application=app).status == "confirmed"
    assert IncomeItem.objects.filter(household=hh).count() == 1

    # -- item 2: the reviewer cannot accept yet; the worker records the signatures on screen
    login(page, base, cast.reviewer.username)
    page.goto(f"{base}/cases/{app.pk}/")
    page.fill("#form-accept textarea[name=reason]", "材料齐全")
    page.click("#do-accept")
    page.wait_for_selector(".messages >> text=尚未签署诚信承诺书")
    login(page, base, cast.worker.username)
    page.goto(f"{base}/cases/{app.pk}/")
    page.check("#sign-pledge")
    page.check("#sign-authorisation")
    shot(page, "sign-later")
    page.click("#do-sign")
    page.wait_for_selector(".messages >> text=已补签")
    assert page.locator("#signatures").count() == 0
    app.refresh_from_db()
    assert app.pledges.filter(kind="truth").exists() and app.authorisations.exists()


# ---------------------------------------------------------------- item 3


def test_future_birth_refused_typed_input_kept_and_a_member_removed(page):
    cast = make_cast()
    base = page.base
    login(page, base, cast.worker.username)
    page.goto(f"{base}/cases/new/")
    future = (clock.today() + datetime.timedelta(days=40)).isoformat()
    page.fill("#name", "赵六")
    page.fill("#phone", "13812345678")
    page.fill("#address", "幸福路8号")
    # the browser's own max= check would stop it first; a pasted date gets the server's word
    page.eval_on_selector("#birth_date", "e => e.removeAttribute('max')")
    page.fill("#birth_date", future)
    page.click("#new-household button[type=submit]")
    page.wait_for_selector(".messages >> text=不能晚于今天")
    assert page.input_value("#name") == "赵六" and page.input_value("#address") == "幸福路8号"
    assert page.input_value("#birth_date") == future
    shot(page, "future-birth")
    no_overflow(page)

    hh = _family_of_three(cast.village)
    child = Person.objects.get(household=hh, relation="child")
    page.goto(f"{base}/registry/households/{hh.pk}/")
    page.click(f"a[href='/registry/persons/{child.pk}/remove/']")
    page.click("#remove-member button[type=submit]")  # without a reason
    page.wait_for_selector("text=为必填项")
    page.fill("#remove-member input[name=reason]", "重复登记")
    shot(page, "remove-member")
    page.click("#remove-member button[type=submit]")
    page.wait_for_selector(".messages >> text=已移除该成员")
    assert not Person.objects.filter(pk=child.pk).exists()
    hh.refresh_from_db()
    assert hh.size == 2


# ---------------------------------------------------------------- item 4 on a phone: the visit


def test_home_visit_keeps_photo_and_signature_after_an_error(page):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.INVESTIGATING)
    base = page.base
    login(page, base, cast.worker.username)
    page.goto(f"{base}/cases/{app.pk}/visit/")
    page.check("input[value=housing_poor]")
    page.fill("#second_visitor", "张网格")
    page.set_input_files(
        "input[name=photos]", {"name": "现场.png", "mimeType": "image/png", "buffer": PNG + b"v"}
    )
    page.locator("#sigpad").scroll_into_view_if_needed()
    box = page.locator("#sigpad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 60)
    page.mouse.down()
    for i in range(1, 10):
        page.mouse.move(box["x"] + 20 + i * 25, box["y"] + 60 + (i % 3) * 30)
    page.mouse.up()
    page.eval_on_selector("#findings", "e => e.removeAttribute('required')")
    page.click("#submit-visit")  # 调查情况 forgotten
    page.wait_for_selector(".messages >> text=请填写调查情况")
    assert page.input_value("#second_visitor") == "张网格"
    assert page.is_checked("input[value=housing_poor]")
    assert "现场.png" in page.inner_text("#kept-photos")
    assert page.input_value("#signature").startswith("data:image/png;base64,")
    shot(page, "visit-kept")
    no_overflow(page)
    page.fill("#findings", "住房简陋，与申报一致")
    page.click("#submit-visit")
    page.wait_for_selector("#state >> text=待初审")
    assert app.materials.filter(kind="visit_photo").count() == 1
    assert app.visits.get().signature_id


# ---------------------------------------------------------------- item 5


def test_review_and_approval_show_the_figures_and_need_confirmation(page):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.REVIEWING)
    base = page.base
    login(page, base, cast.reviewer.username)
    page.goto(f"{base}/cases/{app.pk}/")
    assert page.is_visible("#support") and page.is_visible("#income-compare")
    calculated = page.get_attribute("#amount-review", "data-calculated")
    if calculated:  # the calculator answered: its amount is proposed
        assert page.input_value("#amount-review") == calculated
    page.fill("#amount-review", "")
    page.fill("#form-review textarea[name=reason]", "符合条件")
    page.check("#confirm-review")
    page.click("#do-review")
    page.wait_for_selector(".messages >> text=请填写金额")
    assert page.input_value("#form-review textarea[name=reason]") == "符合条件"
    shot(page, "review-empty-amount")
    no_overflow(page)
    page.fill("#amount-review", "700.00")
    page.fill("#amount_reason-review", "入户核实有零星收入")
    page.check("#confirm-review")
    page.click("#do-review")
    page.wait_for_selector("#state >> text=公示中")

    app = advance(cast, Application.objects.get(pk=app.pk), State.APPROVING)
    login(page, base, cast.approver.username)
    page.goto(f"{base}/cases/{app.pk}/")
    assert page.input_value("#amount-approve") == "700.00"  # 初审 and 公示's amount
    page.fill("#form-approve textarea[name=reason]", "同意")
    page.click("#do-approve")  # not confirmed: the browser holds the form
    assert Application.objects.get(pk=app.pk).state == State.APPROVING
    page.fill("#amount-approve", "750.00")
    page.check("#confirm-approve")
    page.click("#do-approve")
    page.wait_for_selector(".messages >> text=须填写理由")
    assert page.input_value("#amount-approve") == "750.00"
    shot(page, "approve-needs-reason")
    page.fill("#amount_reason-approve", "公示期间核实医疗支出增加")
    page.check("#confirm-approve")
    page.click("#do-approve")
    page.wait_for_selector("#state >> text=已批准")
    app.refresh_from_db()
    assert app.monthly_amount == Decimal("750.00")
    shot(page, "approved")


# ---------------------------------------------------------------- item 6


def test_a_death_alert_defaults_to_stop_and_refuses_a_new_application(page):
    from jiuzhu.funds.models import PaymentHold
    from jiuzhu.monitoring.defaults import ensure_defaults
    from jiuzhu.monitoring.models import Alert, AlertRule, RiskClass
    from jiuzhu.monitoring.services import monitor_run
    from tests.monitoring.helpers import Cast, import_rows, on_roll, police_death

    ensure_defaults(AlertRule, RiskClass)
    cast = Cast()
    hh, (head,), entry = on_roll(cast.village)
    import_rows("police", [police_death(head, clock.today() - datetime.timedelta(days=3))])
    monitor_run()
    alert = Alert.objects.get(household=hh)
    base = page.base
    login(page, base, cast.worker.username)
    page.goto(f"{base}/monitoring/alerts/{alert.pk}/")
    assert page.is_checked("#form-close input[value=stop]")  # the cause decides the default
    shot(page, "death-alert")
    no_overflow(page)
    page.check("#form-close input[value=add]")
    page.fill("#form-close textarea[name=reason]", "保留默认")
    page.click("#do-close")
    page.wait_for_selector(".messages >> text=处理结果应为停发")
    page.check("#form-close input[value=add]")
    page.check("#override")
    page.fill("#override_reason", "为其配偶申请")
    page.fill("#form-close textarea[name=reason]", "核增")
    page.click("#do-close")
    page.wait_for_selector(".messages >> text=不能为其登记申请")  # the head is dead
    assert not Application.objects.filter(household=hh).exists()
    page.check("#form-close input[value=stop]")
    page.fill("#form-close textarea[name=reason]", "入户核实已死亡")
    page.click("#do-close")
    page.wait_for_selector("#purpose")
    app = Application.objects.get(origin=f"alert:{alert.pk}")
    assert app.purpose == "stop" and app.target_roll_entry_id == entry.pk
    hold = PaymentHold.objects.get(source=f"alert:{alert.pk}")
    assert hold.released_at is None  # until the stop is approved
    head.refresh_from_db()
    assert head.death_date is not None
    with pytest.raises(Exception, match="死亡"):
        s.application_create(actor=cast.worker, household_id=hh.pk, programme="dibao")


def test_a_move_out_alert_follows_its_evidence(page):
    """Item 6, the class: a non-death alert (户籍迁出 of one of two members) selects 核减, says
    why, refuses 核增 without an override, and 核减 to a typed amount opens the change case."""
    from jiuzhu.monitoring.defaults import ensure_defaults
    from jiuzhu.monitoring.models import Alert, AlertRule, RiskClass
    from jiuzhu.monitoring.services import monitor_run
    from tests.monitoring.helpers import Cast, import_rows, on_roll

    ensure_defaults(AlertRule, RiskClass)
    cast = Cast()
    hh, (head, spouse), entry = on_roll(cast.village, size=2, amount="1420.00")
    day = (clock.today() - datetime.timedelta(days=5)).isoformat()
    row = [
        "MV1",
        spouse.id_number,
        spouse.name,
        spouse.sex,
        spouse.birth_date.isoformat(),
        "320102001001",
        "南京市玄武区",
        "move_out",
        day,
    ]
    import_rows("police", [row])
    monitor_run()
    alert = Alert.objects.get(household=hh, cause="hukou_move_out")
    base = page.base
    login(page, base, cast.worker.username)
    page.goto(f"{base}/monitoring/alerts/{alert.pk}/")
    assert page.is_checked("#form-close input[value=reduce]")  # the evidence's default
    assert "户籍迁出" in page.inner_text("#outcome-rule")
    no_overflow(page)
    page.check("#form-close input[value=add]")
    page.fill("#form-close textarea[name=reason]", "按默认处理")
    page.click("#do-close")
    page.wait_for_selector(".messages >> text=处理结果应为核减、停发")
    assert Alert.objects.get(pk=alert.pk).status == "open"
    page.check("#form-close input[value=reduce]")
    page.fill("#form-close input[name=amount]", "710.00")
    page.fill("#form-close textarea[name=reason]", "配偶户籍已迁往南京，按一人重新核定")
    shot(page, "moveout-alert")
    page.click("#do-close")
    page.wait_for_selector("#purpose")
    app = Application.objects.get(origin=f"alert:{alert.pk}")
    assert app.purpose == "change" and app.monthly_amount == Decimal("710.00")
    assert app.target_roll_entry_id == entry.pk
    shot(page, "moveout-case")


# ---------------------------------------------------------------- item 7


def test_the_roll_pages_through_every_entry(page):
    auditor = user_with_role(Role.AUDITOR, HAILING, full_name="孙审计")
    cast_village = make_cast().village
    hh = HouseholdFactory(hukou_area_id=cast_village)
    RollEntry.objects.bulk_create(
        [
            RollEntry(
                household=hh,
                programme="dibao",
                monthly_amount=Decimal("710.00"),
                start_month=datetime.date(2026, 1, 1),
                decision_ref=f"R{i:04d}",
            )
            for i in range(230)
        ]
    )
    base = page.base
    login(page, base, auditor.username)
    page.goto(f"{base}/cases/roll/")
    assert "共 230 条" in page.inner_text(".pager-count")
    assert page.locator("#list-table tbody tr").count() == 20
    shot(page, "roll-page1")
    no_overflow(page)
    page.locator(".pager a >> text=12").first.click()
    page.wait_for_selector(".pager-current >> text=12")
    assert page.locator("#list-table tbody tr").count() == 10
    page.locator(".pager-size select").first.select_option("100")
    page.wait_for_selector(".pager-current >> text=1")
    assert page.locator("#list-table tbody tr").count() == 100
    assert "第 1–100 条" in page.inner_text(".pager-count")
