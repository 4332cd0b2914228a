"""Issue 14 item 10: the keyed hash chain (one implementation for the audit log and the ledger)
and the signed anchor outside the database.

The two attacks of the outside probe must fail verification: (a) delete the newest entries and
move the head row back; (b) rewrite an entry and recompute every hash (which needs the key)."""

import datetime
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from jiuzhu.audit.models import AuditChainHead, AuditEvent
from jiuzhu.audit.services import audit_record, audit_verify, canonical_json, event_hash
from jiuzhu.core import hashchain
from jiuzhu.funds.ledger import ledger_append, ledger_verify
from jiuzhu.funds.models import LedgerChainHead, LedgerEntry

pytestmark = pytest.mark.django_db


def _write(n, start=0):
    with transaction.atomic():
        for i in range(start, start + n):
            audit_record(
                actor=None, action="test.event", subject_type="thing", subject_id=i, after={"i": i}
            )


def _raw(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_link_hash_is_keyed(monkeypatch):
    monkeypatch.setenv("JIUZHU_CHAIN_KEY", "k" * 40)
    a = hashchain.link_hash("0" * 64, ["x"])
    monkeypatch.setenv("JIUZHU_CHAIN_KEY", "z" * 40)
    assert hashchain.link_hash("0" * 64, ["x"]) != a
    plain = hashlib.sha256(("0" * 64 + canonical_json(["x"])).encode()).hexdigest()
    assert a != plain


def test_truncating_the_chain_and_moving_the_head_back_fails_after_an_anchor():
    _write(5)
    assert audit_verify(anchor=True).ok  # the daily check anchors the head outside the database
    last_two = list(AuditEvent.objects.order_by("-seq")[:2])
    keep = AuditEvent.objects.order_by("-seq")[2]
    _raw("DELETE FROM audit_auditevent WHERE seq >= %s", [last_two[-1].seq])
    AuditChainHead.objects.filter(id=1).update(last_seq=keep.seq, last_hash=keep.hash)
    result = audit_verify()
    assert not result.ok
    assert "末尾记录被删除" in result.message
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_rewriting_and_recomputing_with_plain_sha256_fails():
    """The attacker edits an event and recomputes every later hash — without the key."""
    _write(4)
    events = list(AuditEvent.objects.order_by("seq"))
    prev = events[0].prev_hash
    for e in events:
        after = {"i": 999} if e.seq == events[1].seq else e.after
        e.after = after
        e.prev_hash = prev
        body = json.loads(json.dumps(after))
        fake = hashlib.sha256((prev + canonical_json([e.seq, body])).encode("utf-8")).hexdigest()
        _raw(
            "UPDATE audit_auditevent SET after = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [json.dumps(after), prev, fake, e.seq],
        )
        prev = fake
    AuditChainHead.objects.filter(id=1).update(last_seq=events[-1].seq, last_hash=prev)
    result = audit_verify()
    assert not result.ok and result.problem_seq == events[0].seq


def test_rewriting_with_the_key_still_fails_against_the_anchor():
    """Even someone holding the key (not the anchor's history) is caught at the anchored seq."""
    _write(3)
    assert audit_verify(anchor=True).ok
    events = list(AuditEvent.objects.order_by("seq"))
    prev = events[0].prev_hash
    for e in events:
        if e.seq == events[0].seq:
            e.after = {"i": "rewritten"}
        e.prev_hash = prev
        e.hash = event_hash(e)
        _raw(
            "UPDATE audit_auditevent SET after = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [json.dumps(e.after), e.prev_hash, e.hash, e.seq],
        )
        prev = e.hash
    AuditChainHead.objects.filter(id=1).update(last_hash=prev)
    result = audit_verify()
    assert not result.ok and "锚定不符" in result.message


def test_forged_anchor_is_refused(settings):
    _write(2)
    path = Path(audit_verify(anchor=True) and settings.JIUZHU_ANCHOR_DIR) / "audit.json"
    data = json.loads(path.read_text())
    data["seq"] = 1
    path.write_text(json.dumps(data))
    result = audit_verify()
    assert not result.ok and "签名无效" in result.message


def test_anchor_never_moves_backwards():
    _write(3)
    audit_verify(anchor=True)
    hashchain.anchor_write("audit", 1, "f" * 64, datetime.datetime.now(datetime.UTC))
    assert hashchain.anchor_read("audit").seq == AuditEvent.objects.count() > 1


def _ledger(n, account="6228480000000001234"):
    with transaction.atomic():
        ledger_append(
            [
                {
                    "kind": "paid",
                    "amount": Decimal("710.00"),
                    "programme": "dibao",
                    "area_code": "321202001001",
                    "month": datetime.date(2026, 11, 1),
                    "payroll_id": 1,
                    "line_id": i,
                    "household_id": i,
                    "account_number": account,
                }
                for i in range(n)
            ]
        )


def test_ledger_uses_the_same_keyed_chain_and_covers_the_account_number():
    _ledger(3)
    assert ledger_verify(anchor=True).ok
    target = LedgerEntry.objects.order_by("seq")[1]
    assert target.account_number == "6228480000000001234"
    _raw(
        "UPDATE funds_ledgerentry SET account_number = %s WHERE seq = %s",
        ["6222000000000009999", target.seq],
    )
    result = ledger_verify()
    assert not result.ok and result.problem_seq == target.seq


def test_ledger_truncation_fails_against_its_anchor():
    _ledger(4)
    assert ledger_verify(anchor=True).ok
    keep = LedgerEntry.objects.order_by("seq")[1]
    _raw("DELETE FROM funds_ledgerentry WHERE seq > %s", [keep.seq])
    LedgerChainHead.objects.filter(id=1).update(last_seq=keep.seq, last_hash=keep.hash)
    result = ledger_verify()
    assert not result.ok and "末尾记录被删除" in result.message
    with pytest.raises(CommandError):
        call_command("ledger", "verify")


def test_the_hourly_anchor_moves_forward_and_catches_a_cut_after_it():
    """Item 6 of the follow-up: the anchor moves every hour (not only at the daily verify), after
    checking what was appended since; a chain cut back after that is caught."""
    from jiuzhu.audit.services import audit_anchor
    from jiuzhu.audit.tasks import AuditChainBroken, audit_anchor_task

    _write(3)
    n = AuditEvent.objects.count()
    assert audit_anchor_task.call(scheduled="")["anchored"] == n
    assert hashchain.anchor_read("audit").seq == n
    _write(2, start=3)
    assert audit_anchor().ok and hashchain.anchor_read("audit").seq == n + 2
    # An entry appended after the anchor is rewritten without the key: the next hourly run
    # refuses to anchor it.
    _write(1, start=5)
    _raw("UPDATE audit_auditevent SET reason = 'x' WHERE seq = %s", [n + 3])
    result = audit_anchor()
    assert not result.ok and f"第 {n + 3} 号记录内容被修改" in result.message
    assert hashchain.anchor_read("audit").seq == n + 2
    # The newest entries are cut off and the head moved back below the anchor.
    keep = AuditEvent.objects.get(seq=n + 1)
    _raw("DELETE FROM audit_auditevent WHERE seq >= %s", [n + 2])
    AuditChainHead.objects.filter(id=1).update(last_seq=n + 1, last_hash=keep.hash)
    assert "末尾记录被删除" in audit_verify().message
    with pytest.raises(AuditChainBroken):
        audit_anchor_task.call(scheduled="")
    assert hashchain.anchor_read("audit").seq == n + 2
