"""A crash in the middle of generation or reconciliation leaves the previous state, and the next
attempt succeeds. The crash is simulated by making an inner step raise after rows were written
(the real database, the real services: only the step after the write fails)."""

import datetime
from decimal import Decimal

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.funds import services
from jiuzhu.funds.ledger import ledger_verify
from jiuzhu.funds.models import (
    BankFile,
    BankFileKind,
    FundsCutover,
    LedgerChainHead,
    LedgerEntry,
    LineStatus,
    Payroll,
    PayrollLine,
    PayrollStatus,
    Recovery,
)
from jiuzhu.funds.services import bank, payrolls, recoveries
from tests.conftest import HAILING
from tests.funds.conftest import MONTH, household, on_roll
from tests.funds.helpers import released, return_file

pytestmark = pytest.mark.django_db


class Crash(Exception):
    pass


def _after(real, calls: list):
    """``real``, then a crash: the step's rows are written when the exception is raised."""

    def step(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result)
        raise Crash("断电")

    return step


def _gen(officers):
    return services.payroll_generate(
        actor=officers["zijin"], programme="dibao", area_code=HAILING, month=MONTH
    )


def _lines(payroll_id):
    return list(
        PayrollLine.objects.filter(payroll_id=payroll_id)
        .order_by("seq")
        .values_list("roll_entry_id", "amount", "status")
    )


def test_a_crash_while_regenerating_leaves_the_previous_draft(officers, monkeypatch):
    z = officers["zijin"]
    for i in range(3):
        hh, _ = household(z, name=f"户{i}")
        on_roll(hh, amount=f"{600 + i}.00")
    draft = _gen(officers)
    before = _lines(draft.pk)
    # The roll changed: a fourth household, so the regeneration writes four lines.
    hh, _ = household(z, name="新户")
    on_roll(hh, amount="710.00")
    events = AuditEvent.objects.count()

    calls: list = []
    monkeypatch.setattr(payrolls, "write_frame", _after(payrolls.write_frame, calls))
    with pytest.raises(Crash):
        _gen(officers)
    assert calls  # the new lines were written before the crash …
    # … and rolled back with everything else: the old draft, its lines, totals and version.
    after = Payroll.objects.get(pk=draft.pk)
    assert _lines(draft.pk) == before and len(before) == 3
    assert (after.line_count, after.total_amount, after.digest, after.version) == (
        draft.line_count,
        draft.total_amount,
        draft.digest,
        draft.version,
    )
    assert after.status == PayrollStatus.DRAFT
    assert AuditEvent.objects.count() == events

    monkeypatch.undo()
    again = _gen(officers)
    assert again.pk == draft.pk and again.line_count == 4
    assert again.total_amount == Decimal("2513.00")  # 600 + 601 + 602 + 710
    assert len(_lines(draft.pk)) == 4


def test_a_crash_during_the_first_generation_leaves_no_payroll(officers, monkeypatch):
    hh, _ = household(officers["zijin"])
    on_roll(hh)
    monkeypatch.setattr(payrolls, "write_frame", _after(payrolls.write_frame, []))
    with pytest.raises(Crash):
        _gen(officers)
    assert not Payroll.objects.exists() and not PayrollLine.objects.exists()
    assert not AuditEvent.objects.filter(action="funds.payroll_generate").exists()
    # The cut-over a first generation records (its own audited step, before the payroll's
    # transaction) stays; the retry reads it and records no second one.
    cutover = FundsCutover.objects.get()
    assert cutover.paid_through == datetime.date(2026, 10, 1)
    monkeypatch.undo()
    assert _gen(officers).line_count == 1
    assert FundsCutover.objects.get() == cutover


def test_a_crash_during_reconciliation_leaves_the_payroll_unreconciled(officers, monkeypatch):
    z = officers["zijin"]
    dead = None
    for i in range(4):
        hh, head = household(z, name=f"户{i}")
        on_roll(hh, amount=f"{500 + i}.25")
        dead = dead or head
    p = released(officers)
    # Paid for a month after the payee's death: reconciliation also books a recovery.
    dead.death_date = datetime.date(2026, 10, 2)
    dead.save()
    data = return_file(p, officers, fail={2: "账号错误"})
    entries = LedgerEntry.objects.count()
    head = LedgerChainHead.objects.values_list("last_seq", "last_hash").get()
    events = AuditEvent.objects.count()

    calls: list = []
    crash = _after(bank.ledger_append, calls)
    monkeypatch.setattr(bank, "ledger_append", crash)  # the reconciliation's entries …
    monkeypatch.setattr(recoveries, "ledger_append", crash)  # … and a recovery it books
    with pytest.raises(Crash):
        services.bank_return_import(actor=z, payroll_id=p.pk, data=data, file_name="back.csv")
    first_seq, last_seq = calls[0]
    assert last_seq - first_seq + 1 == 4  # four paid/failed entries were appended, then the crash
    # Nothing of it is left: lines still sent, no ledger entries, head as before, no file kept.
    assert set(PayrollLine.objects.filter(payroll=p).values_list("status", flat=True)) == {
        LineStatus.SENT
    }
    assert not PayrollLine.objects.filter(payroll=p).exclude(reissue_status="").exists()
    assert LedgerEntry.objects.count() == entries
    assert LedgerChainHead.objects.values_list("last_seq", "last_hash").get() == head
    assert not BankFile.objects.filter(payroll=p, kind=BankFileKind.RETURN).exists()
    assert not Recovery.objects.exists()
    assert AuditEvent.objects.count() == events
    assert Payroll.objects.get(pk=p.pk).status == PayrollStatus.RELEASED
    assert ledger_verify().ok

    monkeypatch.undo()
    summary = services.bank_return_import(actor=z, payroll_id=p.pk, data=data, file_name="back.csv")
    assert (summary["paid"], summary["failed"]) == (3, 1)
    assert LedgerEntry.objects.count() == entries + 4
    assert Recovery.objects.get().amount == Decimal("500.25")
    assert ledger_verify().ok
