"""Item 4 of the issue 14 follow-up: ``jiuzhu audit rekey`` re-keys the audit and ledger hash
chains under a new HMAC key — only after both verify under the old key; audited; anchored."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.services import audit_record, audit_verify
from jiuzhu.core import hashchain
from jiuzhu.funds.ledger import ledger_append, ledger_verify
from jiuzhu.funds.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(tmp_path, settings):
    """A copy of the key in force (events made by the fixtures are linked under it), in a file
    of this test's own, so the rekey does not touch the shared one."""
    current = hashchain.chain_key()
    path = tmp_path / "keys" / "chain.key"
    path.parent.mkdir()
    path.write_bytes(current)
    path.chmod(0o600)
    settings.JIUZHU_CHAIN_KEY_FILE = str(path)
    return path


def _fill():
    with transaction.atomic():
        for i in range(4):
            audit_record(actor=None, action="test.event", subject_type="t", subject_id=i)
        ledger_append(
            [
                {
                    "kind": "payable",
                    "amount": Decimal("710.00"),
                    "programme": "dibao",
                    "area_code": "321202000000",
                    "month": datetime.date(2026, 11, 1),
                    "payroll_id": 1,
                    "account_number": "6228480000000000001",
                }
            ]
            * 3
        )
    assert audit_verify(anchor=True).ok and ledger_verify(anchor=True).ok


def test_rekey_recomputes_both_chains_under_the_new_key_audited_and_anchored(key_file, capsys):
    _fill()
    old_key = key_file.read_bytes().strip()
    old_hashes = list(AuditEvent.objects.order_by("seq").values_list("hash", flat=True))
    old_ledger = list(LedgerEntry.objects.order_by("seq").values_list("hash", flat=True))
    call_command("audit", "rekey", "--reason", "年度密钥轮换")
    new_key = key_file.read_bytes().strip()
    assert new_key != old_key and len(new_key) >= 32
    assert (key_file.stat().st_mode & 0o777) == 0o600
    retired = list(key_file.parent.glob("chain.key.retired-*"))
    assert len(retired) == 1 and retired[0].read_bytes().strip() == old_key
    # Every link changed; content did not; both chains verify under the new key.
    assert audit_verify().ok and ledger_verify().ok
    hashes = list(AuditEvent.objects.order_by("seq").values_list("hash", flat=True))
    assert not set(hashes) & set(old_hashes)
    assert not set(LedgerEntry.objects.values_list("hash", flat=True)) & set(old_ledger)
    event = AuditEvent.objects.get(action="chain.rekey")
    assert event.reason == "年度密钥轮换"
    assert event.before["key"] == hashchain.key_fingerprint(old_key)
    assert event.after["key"] == hashchain.key_fingerprint(new_key)
    assert event.extra == {"audit_events": event.seq - 1, "ledger_entries": 3}
    # Anchors re-signed under the new key, at the new heads.
    assert hashchain.anchor_read("audit").valid and hashchain.anchor_read("audit").seq == event.seq
    assert hashchain.anchor_read("ledger").valid and hashchain.anchor_read("ledger").seq == 3
    # Under the old key the new chain does not verify (the old key is of no use to a forger).
    with hashchain.key_override(old_key):
        assert not audit_verify().ok
    # New writes link under the new key.
    with transaction.atomic():
        audit_record(actor=None, action="test.after", subject_type="t", subject_id=9)
    assert audit_verify().ok
    assert "旧密钥保存在" in capsys.readouterr().out


def test_rekey_refuses_a_chain_that_does_not_verify_under_the_old_key(key_file):
    _fill()
    old_key = key_file.read_bytes()
    with connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET reason = 'forged' WHERE seq = 2")
    with pytest.raises(CommandError, match="旧密钥下校验未通过"):
        call_command("audit", "rekey", "--reason", "轮换")
    assert key_file.read_bytes() == old_key  # nothing changed
    assert not AuditEvent.objects.filter(action="chain.rekey").exists()
    assert not list(key_file.parent.glob("chain.key.retired-*"))


def test_rekey_needs_a_reason_and_a_long_new_key(key_file, tmp_path):
    _fill()
    with pytest.raises(CommandError, match="理由"):
        call_command("audit", "rekey")
    short = tmp_path / "short.key"
    short.write_text("abc")
    with pytest.raises(CommandError, match="太短"):
        call_command("audit", "rekey", "--reason", "轮换", "--new-key-file", str(short))
    given = tmp_path / "given.key"
    given.write_text("n" * 48 + "\n")
    call_command("audit", "rekey", "--reason", "轮换", "--new-key-file", str(given))
    assert hashchain.chain_key() == b"n" * 48
    assert audit_verify().ok and ledger_verify().ok
