"""The citizen portal in English: every page's own text is translated (names and stored
texts, data in Chinese by design, are cut out)."""

import datetime

import pytest

from jiuzhu.cases.models import State
from jiuzhu.core import clock
from jiuzhu.portal import services
from tests.cases.helpers import advance, make_cast, new_case
from tests.conftest import CHENGDONG
from tests.factories import first_village, user_with_role
from tests.i18n import area_names, chinese_lines, english_client, main_text
from tests.portal.test_apply_and_progress import bound, do_apply
from tests.portal.test_pages_helpers import sign_in

pytestmark = pytest.mark.django_db


def check(client, url, data, method="get", form=None):
    r = getattr(client, method)(url, form or {})
    page = main_text(r, data=data)
    assert chinese_lines(page) == [], (url, chinese_lines(page))
    return page


def test_citizen_pages_in_english(taizhou):
    from jiuzhu.accounts.roles import Role

    citizen = bound()
    app = do_apply(citizen)
    son = bound("13900001111", "李强")
    services.proxy_grant_online(
        citizen=citizen,
        agent_phone=son.phone,
        agent_name="李强",
        relation="子女",
        valid_until=(clock.today() + datetime.timedelta(days=30)).isoformat(),
    )
    services.change_report(citizen=citizen, change="income_up", text="儿子找到工作了")
    data = [*area_names(), citizen.person.name, "李强", "子女", app.number, "儿子找到工作了"]
    # the calculator's proposals are stored with the case (labels and reasons as computed)
    data += [app.reason, *[str(p.get("label", "")) for p in app.proposed_programmes]]
    data += [str(p.get("why", "")) for p in app.proposed_programmes]
    # the local standards' names and units come from the policy catalogue, as the policy shows
    from jiuzhu.policy import selectors as policy_selectors

    specs, _defaults = policy_selectors.param_catalogue()
    data += [str(x) for spec in specs.values() for x in (spec.label, spec.unit)]
    c = english_client()
    sign_in(c, citizen)
    page = check(c, "/m/", data)
    assert "Report a change" in page and "Acting for family" in page
    check(c, "/m/apply/", data)  # one open application: the form still reads in English
    page = check(c, f"/m/case/{app.pk}/", data)
    assert "Progress" in page or "Current step" in page
    check(c, "/m/assistance/", data)
    page = check(c, "/m/change/", data)
    assert "Household income went up" in page
    check(c, "/m/proxy/", data)
    page = check(c, "/m/change/", data, method="post", form={"change": "", "text": ""})
    assert "Kind of change: choose" in page
    # the public pages, signed out
    c = english_client()
    village = first_village(CHENGDONG)
    check(c, "/m/login/", data)
    check(c, "/m/report/", data)
    check(c, "/m/report/query/?code=ABCDEFGHJK", data)
    check(c, f"/m/standards/?area={CHENGDONG}", data)
    check(c, "/m/self-check/", data)
    check(c, f"/m/roll/{village}/", data)
    page = check(c, f"/m/v/{village}/", data)
    assert "Public notices of this village" in page
    check(c, f"/m/v/{village}/notices/", data)
    check(c, "/m/objection/query/?number=YY1&phone=13900000000", data)
    # staff pages of the portal
    worker = user_with_role(Role.VILLAGE_WORKER, village)
    c = english_client(worker)
    check(c, "/m/staff/posters/", data)
    check(c, "/m/staff/proxy/", data)
    check(c, "/m/staff/reports/", data)


def test_notices_and_objection_receipt_in_english(taizhou):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.NOTICE)
    from jiuzhu.cases.models import PublicNotice

    notice = PublicNotice.objects.get(application=app, closed=False)
    data = [*area_names(), notice.masked_name, notice.masked_id, notice.period]
    c = english_client()
    page = check(c, f"/m/v/{notice.area_id}/notices/", data)
    assert "Notice period" in page
    r = c.post(
        f"/m/v/{notice.area_id}/notices/{notice.pk}/objection/",
        {"contact_name": "张三", "contact_phone": "13911112222", "content": "该户儿子开公司"},
    )
    page = main_text(r, data=data)
    assert "Receipt number" in page and chinese_lines(page) == [], chinese_lines(page)
