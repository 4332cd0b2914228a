"""Prepare → approve → release → bank file → return file → re-issue → close, with the ledger."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.ledger import ledger_verify
from jiuzhu.funds.models import (
    LedgerEntry,
    LineStatus,
    Payroll,
    PayrollKind,
    PayrollLine,
    PayrollStatus,
    Recovery,
    ReissueStatus,
)
from jiuzhu.funds.services import (
    bank_return_import,
    payroll_approve,
    payroll_close,
    payroll_generate,
    payroll_reissue,
    payroll_release,
    payroll_submit,
)
from tests.conftest import HAILING
from tests.funds.conftest import MONTH, change_account, household, on_roll
from tests.funds.helpers import released, return_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(officers):
    out = []
    for i in range(5):
        hh, head = household(officers["zijin"], name=f"户{i}")
        on_roll(hh, amount=f"{500 + i}.25")
        out.append((hh, head))
    return out


def test_whole_cycle_closes_with_totals_agreeing_and_ledger_intact(officers, roll):
    p = released(officers)
    assert p.status == PayrollStatus.RELEASED
    assert set(PayrollLine.objects.filter(payroll=p).values_list("status", flat=True)) == {"sent"}
    data = return_file(p, officers, fail={2: "账号错误", 4: "户名不符"})
    summary = bank_return_import(
        actor=officers["zijin"], payroll_id=p.pk, data=data, file_name="back.csv"
    )
    assert (summary["paid"], summary["failed"]) == (3, 2)
    assert summary["failed_amount"] == Decimal("501.25") + Decimal("503.25")
    failed = PayrollLine.objects.filter(payroll=p, status=LineStatus.FAILED).order_by("seq")
    assert [ln.reissue_status for ln in failed] == ["queued", "queued"]
    assert failed[0].failure_reason == "wrong_account"
    with pytest.raises(ServiceError, match="尚未补发"):
        payroll_close(
            actor=officers["zijin"], payroll_id=p.pk, version=Payroll.objects.get(pk=p.pk).version
        )
    # The account must be fixed before a line that failed on its account is re-issued.
    with pytest.raises(ServiceError, match="请先更正发放账户"):
        payroll_reissue(actor=officers["zijin"], payroll_id=p.pk)
    for ln in failed:
        change_account(
            officers,
            ln.household_id,
            bank_name="农商行",
            account_number="62220299999" + str(ln.seq),
            holder_name=ln.holder_name,
            kind="passbook",
        )
    supp = payroll_reissue(actor=officers["zijin"], payroll_id=p.pk)
    assert supp.kind == PayrollKind.SUPPLEMENTARY and supp.parent_id == p.pk
    assert supp.payable_amount == Decimal("1004.50") and supp.line_count == 2
    assert {ln.account_number for ln in supp.lines.all()} == {"622202999992", "622202999994"}
    closed = payroll_close(
        actor=officers["zijin"], payroll_id=p.pk, version=Payroll.objects.get(pk=p.pk).version
    )
    assert closed.status == PayrollStatus.CLOSED
    # The supplementary batch goes through the same approval and release.
    supp = payroll_submit(actor=officers["zijin"], payroll_id=supp.pk, version=supp.version)
    supp = payroll_approve(actor=officers["zijin2"], payroll_id=supp.pk, version=supp.version)
    supp = payroll_release(actor=officers["caiwu"], payroll_id=supp.pk, version=supp.version)
    assert supp.status == PayrollStatus.RELEASED
    kinds = list(LedgerEntry.objects.filter(payroll_id=p.pk).values_list("kind", flat=True))
    assert kinds.count("payable") == 5 and kinds.count("paid") == 3 and kinds.count("failed") == 2
    assert kinds.count("approved") == 1 and kinds.count("sent") == 1
    assert ledger_verify().ok
    call_command("ledger", "verify")


def test_close_refused_while_lines_are_unreconciled(officers, roll):
    p = released(officers)
    with pytest.raises(ServiceError, match="5 笔尚未对账"):
        payroll_close(actor=officers["zijin"], payroll_id=p.pk, version=p.version)


def _raw(sql, params=()):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE funds_ledgerentry SET amount = 999 WHERE seq = 3",
        "UPDATE funds_ledgerentry SET note = 'x' WHERE seq = 2",
        "DELETE FROM funds_ledgerentry WHERE seq = 2",
        "DELETE FROM funds_ledgerentry WHERE seq = (SELECT MAX(seq) FROM funds_ledgerentry)",
    ],
)
def test_ledger_verify_detects_any_hand_edit(officers, roll, tamper):
    released(officers)
    assert ledger_verify().ok
    _raw(tamper)
    result = ledger_verify()
    assert not result.ok and "资金台账" in result.message
    with pytest.raises(CommandError, match="资金台账"):
        call_command("ledger", "verify")


def test_ledger_rows_cannot_be_changed_through_the_orm(officers, roll):
    released(officers)
    e = LedgerEntry.objects.first()
    with pytest.raises(RuntimeError):
        e.save()
    with pytest.raises(RuntimeError):
        e.delete()


def test_return_to_draft_reverses_the_payable_entries(officers, roll):
    from jiuzhu.funds.services import payroll_return

    p = payroll_generate(actor=officers["zijin"], programme="dibao", area_code=HAILING, month=MONTH)
    p = payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    p = payroll_return(
        actor=officers["zijin2"], payroll_id=p.pk, version=p.version, reason="金额待核"
    )
    assert p.status == PayrollStatus.DRAFT
    entries = LedgerEntry.objects.filter(payroll_id=p.pk)
    assert sum(e.amount for e in entries) == Decimal("0.00")
    assert entries.filter(kind="reversed").count() == 5
    assert ledger_verify().ok


def test_payment_after_death_becomes_a_recovery(officers, roll):
    hh, head = roll[0]
    p = released(officers, month=MONTH)
    head.death_date = datetime.date(2026, 10, 15)
    head.save()
    data = return_file(p, officers)
    bank_return_import(actor=officers["zijin"], payroll_id=p.pk, data=data, file_name="back.csv")
    rec = Recovery.objects.get()
    assert rec.household_id == hh.pk and rec.amount == Decimal("500.25") and rec.status == "open"
    from jiuzhu.funds.services import recovery_record

    rec = recovery_record(
        actor=officers["zijin"], recovery_id=rec.pk, version=rec.version, amount="500.25"
    )
    assert rec.status == "recovered"
    assert LedgerEntry.objects.filter(kind="recovered", amount=Decimal("500.25")).exists()


def test_reissue_status_recorded(officers, roll):
    p = released(officers)
    data = return_file(p, officers, fail={1: "其他"})
    bank_return_import(actor=officers["zijin"], payroll_id=p.pk, data=data, file_name="b.csv")
    supp = payroll_reissue(actor=officers["zijin"], payroll_id=p.pk)
    assert PayrollLine.objects.get(payroll=p, seq=1).reissue_status == ReissueStatus.REISSUED
    assert supp.lines.get().reissue_of.seq == 1
