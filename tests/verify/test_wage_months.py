"""13.9 / 22.5: wages are judged over the months an extract covers, not always over 12.

One month of 5,200 元 (a department that sends only the latest month) is 5,200 a month, not 433;
a steady wage above the line over twelve covered months alerts too; a job that started two months
ago is judged over those two months. Exact fractions; rounding once, at the end."""

import datetime
from fractions import Fraction

import pytest

from jiuzhu.core import clock
from jiuzhu.verify.models import FeedImport
from jiuzhu.verify.rules import monthly_rates
from jiuzhu.verify.selectors import covered_months
from jiuzhu.verify.services import check_household, feed_import
from tests.clock import travel_to
from tests.conftest import HAILING
from tests.factories import first_village, user_with_role
from tests.verify.helpers import couple_on_roll


@pytest.fixture(autouse=True)
def _written_on():
    """The dates in these tests were written on 2026-12-07: that is today for them."""
    with travel_to(datetime.date(2026, 12, 7)):
        yield


TODAY = datetime.date(2026, 12, 7)
HEADER = "记录编号,身份证号,姓名,出生日期,单位名称,类别,所属月份,金额(元)"


def test_one_covered_month_is_the_monthly_wage_not_a_twelfth():
    rates = monthly_rates([("a", "2026-11", 520_000)], frozenset(["2026-11"]), "2026-12")
    assert rates["a"] == 520_000  # 5,200.00 a month, not 433.33


def test_steady_wage_over_twelve_covered_months_and_a_recent_job():
    covered = frozenset(f"2026-{m:02d}" for m in range(1, 12)) | {"2025-12"}
    steady = [("a", m, 100_001) for m in sorted(covered)]
    recent = [("b", "2026-10", 300_000), ("b", "2026-11", 300_000)]
    rates = monthly_rates(steady + recent, covered, "2026-12")
    assert rates["a"] == 100_001  # exact, no 12 × rounding
    assert rates["b"] == 300_000  # judged from its first month: 2 covered months
    # a job that ended: averaged over every covered month since it began
    ended = monthly_rates([("c", "2025-12", 120_000)], covered, "2026-12")
    assert ended["c"] == Fraction(120_000, 12)


def _hrss(rows: list[str]) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("gbk")


@pytest.mark.django_db
def test_single_month_wage_feed_raises_the_finding_in_check(taizhou, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    approver = user_with_role(Role_county(), HAILING)
    hh, wife, husband, _app, _auth = couple_on_roll(approver, first_village("321202001000"))
    husband.id_number = husband.id_number or ""
    row = f"W1,{husband.id_number},{husband.name},,某厂,工资,2026-11,5200.00"
    imp = feed_import(
        actor=None,
        department="hrss",
        data=_hrss([row]),
        file_name="人社.csv",
        extracted_on=datetime.date(2026, 12, 1),
    ).feed_import
    assert imp.status == "accepted", imp.report
    assert (imp.period_start, imp.period_end) == (datetime.date(2026, 11, 1),) * 2
    assert covered_months(
        department="hrss", since=datetime.date(2025, 12, 1), upto=TODAY
    ) == frozenset(["2026-11"])
    check = check_household(actor=approver, household_id=hh.pk, reason="定期核对")
    finding = check.findings.get(kind="wage_above_line")
    # two members: 5,200 a month is 2,600 per person, above the 710 line (a twelfth would be 217)
    assert "5200.00" in finding.summary and "2600.00" in finding.summary


@pytest.mark.django_db
def test_a_declared_period_spreads_the_same_wage_over_its_months(taizhou, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    approver = user_with_role(Role_county(), HAILING)
    hh, wife, husband, _app, _auth = couple_on_roll(approver, first_village("321202001000"))
    row = f"W1,{husband.id_number},{husband.name},,某厂,工资,2026-01,5200.00"
    feed_import(
        actor=None,
        department="hrss",
        data=_hrss([row]),
        file_name="人社.csv",
        extracted_on=datetime.date(2026, 12, 1),
        period=(datetime.date(2026, 1, 1), datetime.date(2026, 11, 1)),
    )
    assert FeedImport.objects.get().period_end == datetime.date(2026, 11, 1)
    check = check_household(actor=approver, household_id=hh.pk, reason="定期核对")
    # one January wage over 11 covered months: 472.73 a month, 236.36 per person: no finding
    assert not check.findings.filter(kind="wage_above_line").exists()


def Role_county():
    from jiuzhu.accounts.roles import Role

    return Role.COUNTY_APPROVER


@pytest.mark.django_db
def test_cli_records_the_declared_period_and_refuses_a_reversed_one(taizhou, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "人社.csv"
    path.write_bytes(_hrss(["W1,,张三,,某厂,工资,2026-10,5200.00"]))
    call_command(
        "import",
        "feed",
        "hrss",
        str(path),
        "--extracted",
        "2026-11-30",
        "--period",
        "2026-01:2026-10",
    )
    imp = FeedImport.objects.get()
    assert (imp.period_start, imp.period_end) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 10, 1),
    )
    with pytest.raises(CommandError, match="起始月份晚于截止月份"):
        call_command("import", "feed", "hrss", str(path), "--period", "2026-10:2026-01")
