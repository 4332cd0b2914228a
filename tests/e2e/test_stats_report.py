"""The monthly form in a real browser (Playwright + Debian's Chromium), at 1440 and 390 px:
the report page (with the 特困 集中/分散供养 rows), a drill-down to the households behind a
figure, the xlsx export, the KPIs with citizen satisfaction, and the county's streets drawn
as a bar chart until an administrator imports the province's boundaries, then as a map."""

import datetime
import json

import openpyxl
import pytest

from jiuzhu.accounts.roles import Role
from tests.e2e.test_case_flow import browser_context, login, shots_dir  # noqa: F401
from tests.factories import user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1440, 390])
def test_report_drilldown_and_export(live_server, taizhou, chromium, monkeypatch, tmp_path, width):
    from jiuzhu.core import clock
    from jiuzhu.stats.services import snapshot_take
    from tests.stats import conftest as data

    monkeypatch.setattr(clock, "now", lambda: data.NOW)
    households = data.make_roll()  # three households in two streets
    approver = user_with_role(Role.COUNTY_APPROVER, data.HAILING, full_name="陈区县")
    tekun = _tekun_and_ratings(data, approver)
    snapshot_take(month=datetime.date(2026, 2, 1))
    snapshot_take(month=datetime.date(2026, 3, 1))
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": width, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(90_000)  # a loaded shared machine
    page, base, shots = context.new_page(), live_server.url, shots_dir()
    try:
        login(page, base, approver.username)
        page.goto(f"{base}/stats/monthly/?area={data.HAILING}&month=2026-03")
        table = page.inner_text("#report-table")
        assert "城市低保人数" in table
        # the province's codes are shown on a wide screen, left out on a phone
        assert ("YZH012410000" in table) is (width > 600)
        row = page.locator("tr[data-indicator=people_dibao_urban] td")
        assert row.nth(3).inner_text().strip() == "3" and row.nth(4).inner_text().strip() == "5"
        assert "dibao" not in page.inner_text("main").replace("indicator", "")
        central = page.locator("tr[data-indicator=people_tekun_rural_central] td")
        dispersed = page.locator("tr[data-indicator=people_tekun_rural_dispersed] td")
        assert central.nth(0).inner_text().strip() == "集中供养"
        assert central.nth(3).inner_text().strip() == "1"
        assert dispersed.nth(3).inner_text().strip() == "1"
        page.wait_for_selector("#trend-chart canvas")
        page.wait_for_selector("#rank-chart canvas")
        assert "尚未导入本县(区)的街道边界" in page.inner_text("#street-map-note")
        page.screenshot(path=str(shots / f"stats-monthly-{width}.png"), full_page=True)
        # drill down from 当月退出 to the household that left
        page.click("tr[data-indicator=exit_dibao_urban] a.drill")
        page.wait_for_selector("#drill-table")
        drill = page.inner_text("#drill-table")
        assert households["c"].number in drill and households["a"].number not in drill
        assert "最低生活保障" in drill
        page.screenshot(path=str(shots / f"stats-drill-{width}.png"), full_page=True)
        # the export, in the form's layout
        page.go_back()
        with page.expect_download() as info:
            page.click("#export-xlsx")
        assert info.value.suggested_filename == "monthly-321202000000-202603.xlsx"
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        ws = openpyxl.load_workbook(saved).active
        assert ws["A1"].value == "民政统计月报表（社会救助）"
        assert [c.value for c in ws[6]][:4] == ["指标名称", "单位", "代码", "本期"]
        # the KPI page with the streets ranked
        page.goto(f"{base}/stats/kpis/?area={data.HAILING}&month=2026-03")
        assert "城东街道" in page.inner_text("#ranking")
        page.wait_for_selector("#tier-chart canvas")
        assert page.inner_text("#sat-count").strip() == "2"
        assert page.inner_text("#sat-mean").strip() == "4.00"
        assert page.inner_text("#sat-share").strip() == "50.0"
        assert "城东街道" in page.inner_text("#satisfaction-ranking")
        page.screenshot(path=str(shots / f"stats-kpis-{width}.png"), full_page=True)
        page.click("#sat-count a")
        page.wait_for_selector("#ratings-table")
        assert "入户调查" in page.inner_text("#ratings-table")
        assert tekun.number in page.inner_text("#ratings-table")
        page.screenshot(path=str(shots / f"stats-ratings-{width}.png"), full_page=True)
    finally:
        context.close()


def _tekun_and_ratings(data, approver):
    """A rural 特困 household of two in 城东 (one in the 敬老院, one at home), on the roll since
    2025; two ratings in March: 5 after the visit, 3 after the decision."""
    from django.utils import timezone

    from jiuzhu.cases.models import Application
    from jiuzhu.portal.models import Citizen, Rating
    from tests.factories import PersonFactory, RollEntryFactory, first_village, household_with_head

    east = first_village(data.EAST)
    hh = household_with_head(hukou_area_id=east, urban_rural="rural", size=2)
    hh.members.update(support_mode="centralized", care_institution="城东街道敬老院")
    PersonFactory(
        household=hh,
        relation="spouse",
        sex="F",
        birth_date=datetime.date(1948, 1, 1),
        support_mode="dispersed",
    )
    RollEntryFactory(household=hh, programme="tekun", start_month=datetime.date(2025, 1, 1))
    app = Application.objects.create(
        number="SQE2E0001",
        household=hh,
        applicant=hh.members.first(),
        area_id=east,
        programme="tekun",
        created_by=approver,
        state="approved",
    )
    citizen = Citizen.objects.create(phone="13900009999", household=hh)
    for stage, score in (("visit", 5), ("decision", 3)):
        r = Rating.objects.create(
            application=app, citizen=citizen, area_id=east, stage=stage, score=score
        )
        at = timezone.make_aware(datetime.datetime(2026, 3, 20, 9, 0))
        Rating.objects.filter(pk=r.pk).update(created_at=at)
    return app


@pytest.mark.parametrize("width", [1440, 390])
def test_an_administrator_imports_street_boundaries_and_the_county_draws_them(
    live_server, taizhou, chromium, monkeypatch, tmp_path, width
):
    from jiuzhu.areas.models import Area
    from jiuzhu.core import clock
    from jiuzhu.stats.services import snapshot_take
    from tests.stats import conftest as data

    monkeypatch.setattr(clock, "now", lambda: data.NOW)
    data.make_roll()
    snapshot_take(month=datetime.date(2026, 3, 1))
    admin = user_with_role(Role.SYSADMIN, data.HAILING, full_name="系统管理员")
    codes = list(
        Area.objects.filter(parent_id=data.HAILING).order_by("code").values_list("code", flat=True)
    )

    def square(n):  # a row of small squares east of 泰州 (a stand-in for the province's file)
        x, y = 119.88 + 0.03 * (n % 4), 32.42 + 0.03 * (n // 4)
        ring = [[x, y], [x + 0.03, y], [x + 0.03, y + 0.03], [x, y + 0.03], [x, y]]
        return {"type": "Polygon", "coordinates": [ring]}

    def file(cs, name):
        path = tmp_path / name
        features = [
            {"type": "Feature", "properties": {"XZQDM": c}, "geometry": square(n)}
            for n, c in enumerate(cs)
        ]
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        return path

    context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    context.set_default_timeout(90_000)
    page, base, shots = context.new_page(), live_server.url, shots_dir()
    try:
        login(page, base, admin.username)
        page.goto(f"{base}/stats/street-maps/")
        page.select_option("select[name=county]", data.HAILING)
        page.set_input_files("input[name=file]", str(file(codes[:-1], "short.geojson")))
        page.click("#street-map-import button[type=submit]")
        assert "文件缺少以下街道的边界" in page.inner_text("#street-map-error")
        page.screenshot(path=str(shots / f"stats-street-map-error-{width}.png"), full_page=True)
        page.set_input_files("input[name=file]", str(file(codes, "hailing.geojson")))
        page.click("#street-map-import button[type=submit]")
        page.wait_for_selector("#street-map-list")
        assert "hailing.geojson" in page.inner_text("#street-map-list")
        page.goto(f"{base}/stats/monthly/?area={data.HAILING}&month=2026-03")
        page.wait_for_selector("#rank-chart canvas")
        assert page.locator("#street-map-note").count() == 0
        page.screenshot(path=str(shots / f"stats-street-map-{width}.png"), full_page=True)
    finally:
        context.close()
