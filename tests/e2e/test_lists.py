"""Issue 15 part B in a browser: on each list one query, page 2 (where there are more than 20
rows), and an Excel export whose header names the user and the filter; at 1440 px and 390 px.

Screenshots go to ``docs/img/lists-<list>-<desk|phone>.png`` with ``JIUZHU_DOC_SHOTS=1``.
"""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from jiuzhu.accounts.roles import Role
from jiuzhu.registry.models import RollEntry
from tests.conftest import CHENGDONG, HAILING
from tests.e2e.test_case_flow import login, shots_dir
from tests.factories import first_village, household_with_head, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desk": (1440, 1000), "phone": (390, 844)}


@pytest.fixture(params=list(WIDTHS))
def page(request, live_server, taizhou, settings, tmp_path, chromium):
    settings.MEDIA_ROOT = tmp_path / "media"
    w, h = WIDTHS[request.param]
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": w, "height": h}, accept_downloads=True
    )
    context.set_default_timeout(20_000)
    context.set_default_navigation_timeout(60_000)
    p = context.new_page()
    p.base = live_server.url
    p.width_name = request.param
    try:
        yield p
    finally:
        context.close()


def _world():
    from jiuzhu.monitoring.defaults import ensure_defaults
    from jiuzhu.monitoring.models import AlertRule, RiskClass
    from jiuzhu.monitoring.services import monitor_run
    from tests.monitoring.helpers import import_rows, on_roll, police_death

    ensure_defaults(AlertRule, RiskClass)
    village = first_village(CHENGDONG)
    homes = [household_with_head(hukou_area_id=village, head_name=f"刘{i:02d}") for i in range(25)]
    RollEntry.objects.bulk_create(
        RollEntry(
            household=h,
            programme="dibao",
            monthly_amount=Decimal("710.00"),
            start_month=datetime.date(2026, 1, 1),
            decision_ref=f"R{i:04d}",
        )
        for i, h in enumerate(homes)
    )
    hh, (head,), _entry = on_roll(village)
    import_rows("police", [police_death(head, timezone.localdate())])
    monitor_run()
    return {
        "auditor": user_with_role(Role.AUDITOR, HAILING, full_name="孙审计"),
        "approver": user_with_role(Role.COUNTY_APPROVER, HAILING, full_name="陈区县"),
        "dept": user_with_role(Role.DEPARTMENT_DATA, HAILING, full_name="部门数据员"),
        "admin": user_with_role(Role.SYSADMIN, HAILING, full_name="管理员"),
        "homes": homes,
    }


def _shot(page, name):
    page.screenshot(path=str(shots_dir() / f"lists-{name}-{page.width_name}.png"), full_page=True)


def _no_overflow(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, width


def _count(page) -> int:
    text = page.locator(".pager-count").first.inner_text()
    return int(text.split("共", 1)[1].split("条", 1)[0].strip())


def _export(page, who: str) -> list[tuple]:
    with page.expect_download() as info:
        page.click("#export-xlsx")
    with open(info.value.path(), "rb") as f:
        data = f.read()
    rows = [
        tuple(r)
        for r in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
    ]
    assert who in rows[1][0] and rows[2][0].startswith("查询条件")
    return rows


# (user, path, the query: a field and a value, or None; more than 20 rows expected after it)
LISTS = [
    ("auditor", "households", "/registry/households/", ("#id_q", "刘"), True),
    ("auditor", "persons", "/registry/persons/", ("#lq-q", "刘"), True),
    ("auditor", "roll", "/cases/roll/", ("#lq-programme", "dibao"), True),
    ("auditor", "applications", "/cases/applications/", ("#lq-state", "submitted"), False),
    ("auditor", "payrolls", "/funds/", ("#lq-state", "draft"), False),
    ("auditor", "payroll-lines", "/funds/lines/", ("#lq-q", "刘"), False),
    ("auditor", "findings", "/verify/findings/", ("#lq-kind", "death"), False),
    ("auditor", "duplicates", "/verify/duplicates/", ("#lq-q", "刘"), False),
    ("auditor", "audit", "/audit/", ("#id_actor", "sys"), False),
    ("approver", "alerts", "/monitoring/alerts/", ("#lq-state", "open"), False),
    ("approver", "reviews", "/monitoring/reviews/", ("#lq-state", "open"), False),
    ("approver", "todo", "/cases/", ("#lq-kind", "alert"), False),
    ("dept", "feeds", "/verify/feeds/", ("#lq-state", "accepted"), False),
    ("admin", "users", "/accounts/users/", ("#lq-state", "active"), False),
]


def test_every_list_queries_pages_and_exports(page):
    world = _world()
    base = page.base
    current = None
    for who, name, path, (field, value), paged in LISTS:
        user = world[who]
        if current != who:
            login(page, base, user.username)
            current = who
        page.goto(f"{base}{path}")
        before = _count(page)
        # one query: the form's field, 搜索, and the count follows the filter
        box = page.locator(field)
        if box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)
        param = field.split("-")[-1].removeprefix("#id_") + "="
        page.locator("#list-search").click()
        page.wait_for_function(f"() => location.search.includes({param!r})")
        page.wait_for_load_state("domcontentloaded")
        after = _count(page)
        assert after <= before or name == "audit", (name, before, after)
        if paged:
            assert after > 20, (name, after)
            assert page.locator("#list-table tbody tr").count() == 20
            page.locator(".pager a[rel=next]").first.click()
            page.wait_for_selector(".pager-current >> text=2")
            assert page.locator("#list-table tbody tr").count() == after - 20
            assert "page=2" in page.url and param in page.url
        _shot(page, name)
        _no_overflow(page)
        rows = _export(page, user.full_name)
        assert len(rows) - 6 == after, (name, len(rows) - 6, after)
    # a household list sorted by a header, the order kept in the link
    login(page, base, world["auditor"].username)
    page.goto(f"{base}/registry/households/")
    page.locator("a.sort[data-sort=number]").click()
    page.wait_for_url("**sort=-number**")
    first = page.locator("#list-table tbody tr td").first.inner_text()
    from jiuzhu.registry.models import Household

    assert first == Household.objects.order_by("-hukou_area_id", "-number").first().number
    assert first != world["homes"][0].number
