"""The monthly form from the database: snapshot, money against the ledger, a county against its
streets, history that does not move, adjustments, exports and the console command."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.db.models import Sum

from jiuzhu.areas.models import Area
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.models import LedgerEntry
from jiuzhu.registry.models import RollEntry
from jiuzhu.stats import engine, export
from jiuzhu.stats.models import HouseholdTier, Snapshot
from jiuzhu.stats.selectors import monthly_form
from jiuzhu.stats.services import snapshot_take

from .conftest import EAST, HAILING, WEST

MARCH = datetime.date(2026, 3, 1)

pytestmark = pytest.mark.django_db


def rows_of(report):
    return {r["id"]: r for r in report["rows"]}


def test_the_form_from_the_snapshot_matches_hand_computed_figures(roll):
    snapshot_take(month=MARCH)
    report = monthly_form(area=Area.objects.get(code=HAILING), month=MARCH)
    v = report["values"]
    assert report["snapshot"] is not None
    # urban: a 3 × 1200.50 + c 2 × 333.33; rural: b 801.25 (the reversed transfer nets to 0)
    assert v["spend_dibao_urban_benefit"] == 360150 + 66666
    assert v["spend_dibao_rural_benefit"] == 80125
    assert v["people_dibao_urban"] == 3 and v["hh_dibao_urban"] == 1
    assert v["exit_dibao_urban"] == 2  # c's two people left after February
    assert v["people_dibao_rural"] == 2 and v["new_dibao_rural"] == 2
    assert v["level_dibao_rural"] == Decimal("40062.5")  # 801.25 yuan ÷ 2 people, in fen
    r = rows_of(report)
    assert r["level_dibao_rural"]["current"] == Decimal("400.63")
    assert r["spend_dibao"]["current"] == Decimal("0.5")  # 5069.41 yuan = 0.506941 万元
    # 上期 is February's figures (live: February has no snapshot), 环比 against them
    assert r["people_dibao_urban"]["previous"] == 5
    assert r["people_dibao_urban"]["change"] == Decimal("-40.0")


def test_money_equals_the_ledger_to_the_fen(roll):
    snapshot_take(month=MARCH)
    v = monthly_form(area=Area.objects.get(code=HAILING), month=MARCH)["values"]
    ledger = LedgerEntry.objects.filter(
        month__year=2026, month__lte=MARCH, programme="dibao", kind__in=["paid", "reversed"]
    ).aggregate(s=Sum("amount"))["s"]
    assert v["spend_dibao"] == int(ledger * 100)


def test_a_county_equals_the_sum_of_its_streets(roll):
    snapshot_take(month=MARCH)
    county = monthly_form(area=Area.objects.get(code=HAILING), month=MARCH)["values"]
    east = monthly_form(area=Area.objects.get(code=EAST), month=MARCH)["values"]
    west = monthly_form(area=Area.objects.get(code=WEST), month=MARCH)["values"]
    form = engine.load_form()
    for ind in form.indicators:
        if ind.measure:
            assert county[ind.id] == east[ind.id] + west[ind.id], ind.id
    assert west["exit_dibao_urban"] == 2 and east["exit_dibao_urban"] == 0


def test_last_march_reads_the_same_after_a_correction_shown_as_an_adjustment(roll):
    snapshot_take(month=MARCH)
    before = monthly_form(area=Area.objects.get(code=HAILING), month=MARCH)
    # a correction after close: b was really urban and on since February
    RollEntry.objects.filter(household=roll["b"]).update(start_month=datetime.date(2026, 2, 1))
    roll["b"].urban_rural = "urban"
    roll["b"].save()
    again = monthly_form(area=Area.objects.get(code=HAILING), month=MARCH)
    assert again["values"] == before["values"]  # the closed month does not move
    with pytest.raises(ServiceError, match="更正说明"):
        snapshot_take(month=MARCH)
    snap = snapshot_take(month=MARCH, reason="城乡类别登记错误更正")
    assert snap.kind == "adjustment"
    after = monthly_form(area=Area.objects.get(code=HAILING), month=MARCH)
    assert after["values"] == before["values"]
    r = rows_of(after)
    assert after["has_adjustment"]
    assert r["people_dibao_urban"]["adjustment"] == 2
    assert r["people_dibao_rural"]["adjustment"] == -2
    assert AuditEvent.objects.filter(action="stats.snapshot_adjust", subject_id=snap.pk).exists()


def test_tiers_are_stored_per_household(roll):
    snapshot_take(month=MARCH)
    assert dict(HouseholdTier.objects.values_list("household_id", "tier")) == {
        roll["a"].pk: "floor",
        roll["b"].pk: "floor",
    }


def test_a_future_month_is_refused(roll):
    with pytest.raises(ServiceError, match="统计月份"):
        snapshot_take(month=datetime.date(2026, 5, 1))
    assert not Snapshot.objects.exists()


def test_the_xlsx_has_the_form_layout_and_escapes_formulas(roll):
    snapshot_take(month=MARCH)
    report = monthly_form(area=Area.objects.get(code=HAILING), month=MARCH)
    wb = openpyxl.load_workbook(io.BytesIO(export.report_xlsx(report)))
    ws = wb.active
    assert ws["A1"].value == "民政统计月报表（社会救助）"
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "表号：民统月1表" in texts and "制表机关：民政部" in texts
    assert any(t.startswith("编制单位：") and "海陵区" in t for t in texts)
    assert "统计期：2026年3月" in texts
    assert [c.value for c in ws[6]] == ["指标名称", "单位", "代码", "本期", "上期", "环比(%)"]
    assert ws["A7"].value == "社会救助支出" and ws["B7"].value == "万元"
    assert ws["D7"].value == Decimal("0.5") or ws["D7"].value == 0.5
    assert any("四舍五入" in t for t in texts)
    assert export.safe_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert export.safe_text("-1+HYPERLINK(1)") == "'-1+HYPERLINK(1)"
    assert export.safe_text("-1") == "-1"  # a plain number is no formula


def test_the_csv_and_the_console_command(roll, tmp_path):
    snapshot_take(month=MARCH)
    out = io.StringIO()
    path = tmp_path / "m.xlsx"
    call_command(
        "report",
        "monthly",
        "--area",
        HAILING,
        "--month",
        "2026-03",
        "--xlsx",
        str(path),
        stdout=out,
    )
    text = out.getvalue()
    assert "民政统计月报表" in text and "城市低保人数 | 人 | YZH012410000 | 3 | 5 | -40.0" in text
    assert openpyxl.load_workbook(path).active["A1"].value == "民政统计月报表（社会救助）"
    report = monthly_form(area=Area.objects.get(code=HAILING), month=MARCH)
    csv_text = export.report_csv(report)
    assert "城市低保人数,人,YZH012410000,3,5,-40.0" in csv_text


def test_the_command_names_a_bad_month():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--month"):
        call_command("report", "monthly", "--area", HAILING, "--month", "March")


def test_the_scheduled_job_closes_last_month_once(roll):
    from jiuzhu.stats.tasks import snapshot_month_task

    first = snapshot_month_task.call()
    assert first["month"] == "2026-03" and first["rows"] == 3  # the clock says 10 April
    assert snapshot_month_task.call() == {"month": "2026-03", "skipped": True}
    assert Snapshot.objects.filter(month=MARCH, kind="close").count() == 1


def test_the_trend_reads_the_closed_months(roll):
    from jiuzhu.stats.selectors import trend

    snapshot_take(month=datetime.date(2026, 2, 1))
    snapshot_take(month=MARCH)
    t = trend(area=Area.objects.get(code=HAILING), month=MARCH, ids=["people_dibao_urban"])
    assert t["labels"] == ["2026-02", "2026-03"]
    assert t["series"][0]["data"] == [5.0, 3.0]


def test_tekun_centralized_and_dispersed_from_the_registry(roll, users):
    """Hand-computed: 城东 an urban 特困 household of 1 in the 敬老院 and a rural one of 2 (one in
    care, one at home); 城西 a rural 特困 household of 1 at home. The person's support mode in the
    registry decides; a county equals its streets; the drill-down of 分散供养 is scoped."""
    from jiuzhu.stats.selectors import drilldown
    from tests.factories import PersonFactory, RollEntryFactory, first_village, household_with_head

    east, west = first_village(EAST), first_village(WEST)
    u = household_with_head(hukou_area_id=east, urban_rural="urban")
    u.members.update(support_mode="centralized", care_institution="城东街道敬老院")
    r = household_with_head(hukou_area_id=east, urban_rural="rural")
    r.members.update(support_mode="centralized", care_institution="城东街道敬老院")
    PersonFactory(
        household=r,
        relation="spouse",
        sex="F",
        birth_date=datetime.date(1950, 2, 2),
        support_mode="dispersed",
    )
    w = household_with_head(hukou_area_id=west, urban_rural="rural")
    w.members.update(support_mode="dispersed")
    for hh in (u, r, w):
        RollEntryFactory(household=hh, programme="tekun", start_month=datetime.date(2025, 1, 1))
    snapshot_take(month=MARCH)
    county = monthly_form(area=Area.objects.get(code=HAILING), month=MARCH)
    v = county["values"]
    assert (v["people_tekun_urban"], v["people_tekun_urban_central"]) == (1, 1)
    assert v["people_tekun_urban_dispersed"] == 0
    assert (v["people_tekun_rural"], v["people_tekun_rural_central"]) == (3, 1)
    assert v["people_tekun_rural_dispersed"] == 2
    names = [row["name"] for row in county["rows"]]
    assert names.count("集中供养") == 2 and names.count("分散供养") == 2
    east_v = monthly_form(area=Area.objects.get(code=EAST), month=MARCH)["values"]
    west_v = monthly_form(area=Area.objects.get(code=WEST), month=MARCH)["values"]
    for rid in ("people_tekun_rural_central", "people_tekun_rural_dispersed"):
        assert v[rid] == east_v[rid] + west_v[rid]
    assert (east_v["people_tekun_rural_dispersed"], west_v["people_tekun_rural_dispersed"]) == (
        1,
        1,
    )
    d = drilldown(
        user=users["county"],
        area_code=HAILING,
        month=MARCH,
        indicator="people_tekun_rural_dispersed",
    )
    assert sorted(i["household_id"] for i in d["items"]) == sorted([r.pk, w.pk])
    d = drilldown(
        user=users["east"], area_code=EAST, month=MARCH, indicator="people_tekun_rural_dispersed"
    )
    assert [i["household_id"] for i in d["items"]] == [r.pk]
