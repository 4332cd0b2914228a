"""Issue 14 follow-up (item 6): the ledger's and the audit log's anchors (signed head files
outside the database) move when a payroll is released, not only at the daily verify — so cutting
the release off either chain afterwards is caught."""

import pytest
from django.db import connection

from jiuzhu.audit.models import AuditChainHead, AuditEvent
from jiuzhu.audit.services import audit_verify
from jiuzhu.core.hashchain import anchor_read
from jiuzhu.funds.ledger import ledger_anchor, ledger_verify
from jiuzhu.funds.models import LedgerChainHead, LedgerEntry
from tests.funds.conftest import household, on_roll
from tests.funds.helpers import released

pytestmark = pytest.mark.django_db


def test_release_anchors_both_chains_and_cutting_it_off_is_caught(
    officers, django_capture_on_commit_callbacks
):
    hh, _ = household(officers["zijin"])
    on_roll(hh)
    with django_capture_on_commit_callbacks(execute=True):
        payroll = released(officers)
    sent = LedgerEntry.objects.get(payroll_id=payroll.pk, kind="sent")
    anchored = anchor_read("ledger")
    assert anchored is not None and anchored.valid and anchored.seq == sent.seq
    audit_anchor = anchor_read("audit")
    release_event = AuditEvent.objects.get(action="funds.payroll_release")
    assert audit_anchor is not None and audit_anchor.seq >= release_event.seq

    # A database writer removes the release from the ledger and moves the head back.
    keep = LedgerEntry.objects.filter(seq__lt=sent.seq).order_by("-seq").first()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM funds_ledgerentry WHERE seq >= %s", [sent.seq])
    LedgerChainHead.objects.filter(id=1).update(last_seq=keep.seq, last_hash=keep.hash)
    result = ledger_verify()
    assert not result.ok and "末尾记录被删除" in result.message
    assert not ledger_anchor().ok  # the hourly anchoring refuses too, and does not move back
    assert anchor_read("ledger").seq == sent.seq

    # Likewise the release's audit event.
    keep = AuditEvent.objects.filter(seq__lt=release_event.seq).order_by("-seq").first()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE seq >= %s", [release_event.seq])
    AuditChainHead.objects.filter(id=1).update(last_seq=keep.seq, last_hash=keep.hash)
    assert not audit_verify().ok
