"""预算执行: the chart's monthly sent/paid numbers for known payrolls, spending by funding source
(attributed through the area's budget lines, to the fen), the CSV export, and their scope."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.accounts.roles import Role
from jiuzhu.funds.selectors import _allocate, budget_report, spending_by_source
from jiuzhu.funds.services import (
    bank_return_import,
    budget_set,
    payroll_approve,
    payroll_generate,
    payroll_release,
    payroll_submit,
)
from tests.conftest import CHENGDONG, HAILING, JIANGYAN
from tests.factories import user_with_role
from tests.funds.conftest import household, on_roll
from tests.funds.helpers import released, return_file

pytestmark = pytest.mark.django_db

OCT = datetime.date(2026, 10, 1)
NOV = datetime.date(2026, 11, 1)


def _release_township(officers, month):
    p = payroll_generate(
        actor=officers["zijin"], programme="dibao", area_code=CHENGDONG, month=month
    )
    p = payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    p = payroll_approve(actor=officers["zijin2"], payroll_id=p.pk, version=p.version)
    return payroll_release(actor=officers["caiwu"], payroll_id=p.pk, version=p.version)


@pytest.fixture
def year(officers):
    """October: a county payroll of three lines, all paid. November: the township's payroll of
    the same three lines, the second failed at the bank."""
    for i in range(3):
        hh, _ = household(officers["zijin"], name=f"户{i}")
        on_roll(hh, amount=f"{500 + i}.25", start=OCT)
    oct_ = released(officers, month=OCT)
    bank_return_import(
        actor=officers["zijin"],
        payroll_id=oct_.pk,
        data=return_file(oct_, officers),
        file_name="oct.csv",
    )
    nov = _release_township(officers, NOV)
    bank_return_import(
        actor=officers["zijin"],
        payroll_id=nov.pk,
        data=return_file(nov, officers, fail={2: "账号错误"}),
        file_name="nov.csv",
    )
    return oct_, nov


def _budget(officers, source, amount, area=HAILING):
    budget_set(
        actor=officers["caiwu"],
        programme="dibao",
        area_code=area,
        year=2026,
        funding_source=source,
        amount=amount,
    )


def _chart(client, user, query="?year=2026&programme=dibao") -> dict:
    client.force_login(user)
    page = client.get(reverse("funds:budget") + query)
    assert page.status_code == 200
    raw = re.search(
        r'<script id="budget-data" type="application/json">(.*?)</script>',
        page.content.decode(),
        re.S,
    )
    return json.loads(raw.group(1))


def test_the_chart_has_the_months_sent_and_paid(client, officers, year):
    _budget(officers, "central", "10000")
    d = _chart(client, officers["caiwu"])
    zero = ["0.00"] * 9
    assert d["months"][9:11] == ["10月", "11月"] and len(d["months"]) == 12
    assert d["sent"] == [*zero, "1503.75", "1503.75", "0.00"]
    assert d["paid"] == [*zero, "1503.75", "1002.50", "0.00"]  # 501.25 failed in November
    assert d["cumulative"][9:] == ["1503.75", "3007.50", "3007.50"]
    assert d["budget"] == "10000.00"
    assert d["sources"] == [{"label": "中央财政", "sent": [*zero, "1503.75", "1503.75", "0.00"]}]
    report = budget_report(user=officers["caiwu"], year=2026)
    assert report["spent"] == Decimal("3007.50") and report["remaining"] == Decimal("6992.50")


def test_spending_is_split_by_the_budget_lines_to_the_fen(officers, year):
    _budget(officers, "central", "60000")
    _budget(officers, "provincial", "30000")
    _budget(officers, "county", "10000")
    rows = {
        r["source"]: r for r in spending_by_source(user=officers["caiwu"], year=2026)["sources"]
    }
    assert list(rows) == ["central", "provincial", "county"]
    # 1503.75 × 6:3:1 = 902.25, 451.125, 150.375: the one fen left goes to the first of the tie.
    assert [rows[s]["sent"][9] for s in rows] == [
        Decimal("902.25"),
        Decimal("451.13"),
        Decimal("150.37"),
    ]
    # November's payroll is a township's: its county's budget lines pay it.
    assert sum(rows[s]["sent"][10] for s in rows) == Decimal("1503.75")
    # 1002.50 × 6:3:1 = 601.50, 300.75, 100.25 (exact).
    assert [rows[s]["paid"][10] for s in rows] == [
        Decimal("601.50"),
        Decimal("300.75"),
        Decimal("100.25"),
    ]
    assert sum(r["sent_total"] for r in rows.values()) == Decimal("3007.50")
    assert sum(r["paid_total"] for r in rows.values()) == Decimal("2506.25")
    report = budget_report(user=officers["caiwu"], year=2026)
    by = {r["source"]: r for r in report["by_source"]}
    assert by["provincial"]["budget"] == Decimal("30000.00")
    assert by["provincial"]["sent"] == rows["provincial"]["sent_total"]
    assert by["provincial"]["remaining"] == Decimal("30000.00") - rows["provincial"]["sent_total"]
    assert "city" not in by  # no budget line, no spending


def test_spending_without_a_budget_line_is_reported_as_unbudgeted(client, officers, year):
    rows = spending_by_source(user=officers["caiwu"], year=2026)["sources"]
    assert [(r["source"], r["label"], r["sent_total"]) for r in rows] == [
        ("unbudgeted", "未设预算", Decimal("3007.50"))
    ]
    # A budget line of another year does not pay 2026.
    budget_set(
        actor=officers["caiwu"],
        programme="dibao",
        area_code=HAILING,
        year=2027,
        funding_source="central",
        amount="50000",
    )
    assert spending_by_source(user=officers["caiwu"], year=2026)["sources"][0]["source"] == (
        "unbudgeted"
    )
    page = client.get(reverse("funds:budget") + "?year=2026")  # signed out
    assert page.status_code == 302


def test_the_page_and_the_export_show_spending_by_source(client, officers, year):
    _budget(officers, "central", "60000")
    _budget(officers, "provincial", "30000")
    _budget(officers, "county", "10000")
    client.force_login(officers["caiwu"])
    page = client.get(reverse("funds:budget") + "?year=2026").content.decode()
    row = re.search(r'<tr data-source="provincial">(.*?)</tr>', page, re.S).group(1)
    assert "省级财政" in row and "30,000.00" in row and "902.26" in row  # 451.13 + 451.13
    assert 'id="by-source-months"' in page and "funds/budget/export.csv?year=2026" in page

    response = client.get(reverse("funds:budget_export") + "?year=2026&programme=dibao")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="budget-dibao-2026.csv"' in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == ["年度", "救助项目", "资金来源", "月份", "预算(元)", "拨付(元)", "到账(元)"]
    data = {(r[2], r[3]): r[4:] for r in rows[1:]}
    assert data[("中央财政", "2026-10")] == ["", "902.25", "902.25"]
    assert data[("县级财政", "2026-11")] == ["", "150.37", "100.25"]
    assert data[("省级财政", "全年")] == ["30000.00", "902.26", "751.88"]
    assert data[("合计", "全年")] == ["100000.00", "3007.50", "2506.25"]
    year_rows = [r for r in rows[1:] if r[3] == "全年" and r[2] != "合计"]
    assert sum(Decimal(r[5]) for r in year_rows) == Decimal("3007.50")
    assert len(rows) == 1 + 3 * 13 + 1


def test_spending_and_export_are_scoped(client, officers, year):
    _budget(officers, "central", "60000")
    other = user_with_role(Role.FINANCE, JIANGYAN, username="jiangyan")
    assert spending_by_source(user=other, year=2026)["sources"] == []
    report = budget_report(user=other, year=2026)
    assert report["spent"] == 0 and report["by_source"] == []
    client.force_login(other)
    body = client.get(reverse("funds:budget_export") + "?year=2026").content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[1:] == [["2026", "最低生活保障", "合计", "全年", "0.00", "0.00", "0.00"]]
    # A city auditor sees the county's spending, split the same way.
    auditor = user_with_role(Role.AUDITOR, "321200000000", username="shenji")
    rows = spending_by_source(user=auditor, year=2026)["sources"]
    assert [(r["source"], r["sent_total"]) for r in rows] == [("central", Decimal("3007.50"))]
    # Without funds.view: refused.
    worker = user_with_role(Role.VILLAGE_WORKER, CHENGDONG, username="cunwei")
    client.force_login(worker)
    assert client.get(reverse("funds:budget_export") + "?year=2026").status_code == 403


@given(
    fen=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=1, max_value=10**11), min_size=1, max_size=4),
)
def test_allocation_adds_up_and_each_part_is_within_a_fen(fen, weights):
    parts = _allocate(fen, weights)
    assert sum(parts) == fen
    total = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        assert abs(part * total - fen * w) < total  # |part − exact share| < 1 fen
