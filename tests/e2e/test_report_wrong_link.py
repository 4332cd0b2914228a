"""报告匹配错误 in a real browser at 1440 and 390 px (issue 22): from the 核对 report the officer
opens an accepted probabilistic link that held a payment, reads the evidence side by side (labels,
masked numbers), reports it with a reason; the alert is withdrawn and the hold released."""

import datetime

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.funds.models import PaymentHold
from jiuzhu.monitoring.models import Alert
from jiuzhu.monitoring.services import monitor_run
from jiuzhu.verify import matching
from jiuzhu.verify.models import FeedRecord, LinkStatus, MatchRun, RecordLink
from tests.conftest import CHENGDONG, HAILING
from tests.e2e.test_case_flow import browser_context, login, shots_dir  # noqa: F401
from tests.factories import first_village, user_with_role
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DAY = datetime.date(2026, 11, 2)


def _held_link(head):
    from jiuzhu.monitoring.defaults import ensure_defaults
    from jiuzhu.monitoring.models import AlertRule, RiskClass

    ensure_defaults(AlertRule, RiskClass)  # an earlier transactional test flushed the seed
    row = police_death(head, DAY, key="GA-E2E-W")
    row[1] = ""  # no ID number: linked on name, birth date, sex and village
    import_rows("police", [row])
    link = RecordLink.objects.create(
        record=FeedRecord.objects.get(record_key="GA-E2E-W"),
        person=head,
        run=MatchRun.objects.create(kind=MatchRun.KIND_FEEDS),
        method=matching.METHOD_PROBABILISTIC,
        status=LinkStatus.ACCEPTED,
        match_probability=0.9996,
        match_weight=15.2,
        comparison={
            "id_number": {"level": None, "weight": 0.0},
            "name": {"level": "name_exact", "weight": 10.5},
            "birth_date": {"level": "birth_exact", "weight": 11.0},
            "sex": {"level": "sex_same", "weight": 1.0},
            "area": {"level": "area_village", "weight": 3.9},
        },
    )
    monitor_run(on=DAY)
    return link


@pytest.mark.parametrize("width", [1440, 390])
def test_report_a_link_as_wrong(live_server, taizhou, browser_context, width):  # noqa: F811
    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    link = _held_link(head)
    alert = Alert.objects.get(household=hh, cause="death")
    assert alert.payment_hold
    officer = user_with_role(Role.COUNTY_APPROVER, HAILING, full_name="陈核对")
    page, base, shots = browser_context.new_page(), live_server.url, shots_dir()
    page.set_viewport_size({"width": width, "height": 900})
    page.set_default_timeout(90_000)
    login(page, base, officer.username)

    page.goto(f"{base}/verify/households/{hh.pk}/report/")
    page.click(f"a[href='/verify/links/{link.pk}/']")
    page.wait_for_url(f"{base}/verify/links/{link.pk}/")
    text = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
    assert "报告匹配错误" in text and "概率匹配" in text and "已达到自动暂停发放的门槛" in text
    assert "姓名相同" in text and "出生日期相同" in text
    assert head.id_number not in page.content()
    for code in ("probabilistic", "name_exact", "area_village", "accepted"):
        assert code not in text
    # nothing typed: the browser asks for the reason and nothing is sent
    page.click("#report-wrong button[type=submit]")
    assert RecordLink.objects.filter(pk=link.pk).exists()
    page.fill("#report-wrong textarea[name=reason]", "同名同姓，本人健在，已入户核实")
    page.screenshot(path=str(shots / f"linkage-report-wrong-{width}.png"), full_page=True)
    page.click("#report-wrong button[type=submit]")
    page.wait_for_url(f"{base}/verify/households/{hh.pk}/report/")
    body = page.inner_text("body")
    assert "已记录为匹配错误" in body and "撤回预警 1 条" in body and "解除暂停发放 1 项" in body
    page.screenshot(path=str(shots / f"linkage-report-wrong-done-{width}.png"), full_page=True)
    assert not RecordLink.objects.filter(pk=link.pk).exists()
    alert.refresh_from_db()
    assert alert.status == "closed"
    assert PaymentHold.objects.get(source=f"alert:{alert.pk}").released_at is not None

    page.goto(f"{base}/verify/quality/")
    assert "同名同姓，本人健在" in page.inner_text("body")
