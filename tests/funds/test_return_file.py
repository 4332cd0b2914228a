"""Bad return files are refused whole, with a row-level report, and nothing is written."""

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.models import BankFile, BankProfile, LedgerEntry, PayrollLine
from jiuzhu.funds.services import bank_return_import
from tests.funds.conftest import household, on_roll
from tests.funds.helpers import released, return_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def payroll(officers):
    for i in range(3):
        hh, _ = household(officers["zijin"], name=f"户{i}")
        on_roll(hh, amount=f"{600 + i}.10")
    return released(officers)


def _refused(officers, payroll, data, match, file_name="back.csv", profile=None):
    before = (
        LedgerEntry.objects.count(),
        AuditEvent.objects.count(),
        BankFile.objects.filter(kind="return").count(),
    )
    statuses = list(PayrollLine.objects.filter(payroll=payroll).values_list("status", flat=True))
    with pytest.raises(ServiceError) as exc:
        bank_return_import(
            actor=officers["zijin"],
            payroll_id=payroll.pk,
            data=data,
            file_name=file_name,
            profile_id=profile.pk if profile else None,
        )
    report = exc.value.errors["file"]
    assert any(match in p for p in report), report
    after = (
        LedgerEntry.objects.count(),
        AuditEvent.objects.count(),
        BankFile.objects.filter(kind="return").count(),
    )
    assert after == before
    assert (
        list(PayrollLine.objects.filter(payroll=payroll).values_list("status", flat=True))
        == statuses
    )
    return report


def test_unknown_line_is_refused_naming_the_row(officers, payroll):
    def add_row(rows):
        extra = list(rows[1])
        extra[0] = payroll.number + "-000099"
        return rows[:-1] + [extra] + rows[-1:]

    data = return_file(payroll, officers, mutate=add_row)
    report = _refused(officers, payroll, data, "不在本批次的代发明细中")
    assert any(p.startswith("第 5 行") for p in report)


def test_wrong_total_is_refused(officers, payroll):
    def bad_total(rows):
        rows[-1][4] = "1.00"
        return rows

    _refused(
        officers,
        payroll,
        return_file(payroll, officers, mutate=bad_total),
        "合计金额 1.00 元与明细金额之和",
    )


def test_changed_amount_is_refused(officers, payroll):
    def change(rows):
        rows[1][4] = "1.00"
        return rows

    _refused(
        officers, payroll, return_file(payroll, officers, mutate=change), "与代发金额 600.10 不符"
    )


def test_other_encoding_is_refused(officers, payroll):
    data = return_file(payroll, officers, encoding="gbk")  # the profile says UTF-8
    _refused(officers, payroll, data, "GBK，与银行配置的 UTF-8 不符")


def test_utf8_file_for_a_gbk_profile_is_refused(officers, payroll):
    gbk = BankProfile.objects.get(encoding="gbk")
    data = return_file(payroll, officers, profile=gbk, encoding="utf-8")
    _refused(officers, payroll, data, "UTF-8，与银行配置的 GBK 不符", profile=gbk)


def test_file_for_another_payroll_is_refused(officers, payroll):
    def other(rows):
        for r in rows[1:-1]:
            r[1] = "FF202610-321202-dibao"
            r[0] = "FF202610-321202-dibao-" + r[0].rsplit("-", 1)[1]
        return rows

    _refused(officers, payroll, return_file(payroll, officers, mutate=other), "不是本批次")


def test_unknown_failure_reason_and_missing_total_are_reported(officers, payroll):
    def bad(rows):
        return rows[:-1]

    data = return_file(payroll, officers, fail={1: "余额不足"}, mutate=bad)
    report = _refused(officers, payroll, data, "失败原因“余额不足”无法识别")
    assert any("缺少“合计”行" in p for p in report)


def test_gbk_profile_in_fen_round_trips(officers, payroll):
    gbk = BankProfile.objects.get(encoding="gbk")
    data = return_file(payroll, officers, profile=gbk, fail={3: "账户已销户"})
    assert "收款户名".encode("gbk") in data
    summary = bank_return_import(
        actor=officers["zijin"],
        payroll_id=payroll.pk,
        data=data,
        file_name="r.txt",
        profile_id=gbk.pk,
    )
    assert (summary["paid"], summary["failed"]) == (2, 1)
    assert PayrollLine.objects.get(payroll=payroll, seq=3).failure_reason == "closed_account"


def test_a_line_cannot_be_reconciled_twice(officers, payroll):
    data = return_file(payroll, officers)
    bank_return_import(actor=officers["zijin"], payroll_id=payroll.pk, data=data, file_name="a.csv")
    with pytest.raises(ServiceError, match="已对账"):
        bank_return_import(
            actor=officers["zijin"], payroll_id=payroll.pk, data=data, file_name="a.csv"
        )
