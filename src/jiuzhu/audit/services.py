"""Writing and verifying the audit log. Call ``audit_record`` inside the transaction of the change."""

from __future__ import annotations

import datetime
import hmac
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiuzhu.audit.models import (  # noqa: F401 - NATIONAL: for callers
    NATIONAL,
    AuditChainHead,
    AuditEvent,
    AuditReadLog,
)
from jiuzhu.core import clock
from jiuzhu.core.hashchain import (
    ZERO_HASH,
    ChainText,
    chain_anchor,
    chain_verify,
    link_hash,
)
from jiuzhu.core.hashchain import canonical_json as canonical_json

CHAIN = "audit"
logger = logging.getLogger("jiuzhu.audit")
hmac_equal = hmac.compare_digest


def jsonable(value):
    """Round-trip through canonical JSON so what is hashed is exactly what is stored."""
    return None if value is None else json.loads(canonical_json(value))


def event_hash(event: AuditEvent) -> str:
    """The keyed link hash (core.hashchain) over the previous hash and the event's content."""
    body = canonical_json(
        [
            event.seq,
            event.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            event.actor_id,
            event.actor_name,
            event.action,
            event.subject_type,
            str(event.subject_id),
            event.household_id,
            event.area_code,
            event.reason,
            event.before,
            event.after,
            event.extra,
        ]
    )
    return link_hash(event.prev_hash, body)


def audit_record(
    *,
    actor,
    action: str,
    subject_type: str,
    subject_id,
    household_id=None,
    area_code: str = "",
    reason: str = "",
    before=None,
    after=None,
    extra=None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the transaction of the change it records."""
    return audit_record_many(
        actor=actor,
        events=[
            {
                "action": action,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "household_id": household_id,
                "area_code": area_code,
                "reason": reason,
                "before": before,
                "after": after,
                "extra": extra,
            }
        ],
    )[0]


def _actor(actor) -> tuple[int | None, str]:
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    # A channel principal (accounts.channels) is recorded with the person it acts for.
    actor_name = (
        (getattr(actor, "audit_name", "") or actor.get_username()) if actor_id else "system"
    )
    return actor_id, actor_name


def audit_record_many(*, actor, events: list[dict]) -> list[AuditEvent]:
    """Append many events in one go (a run that raises thousands of holds, say).

    Each dict takes the keyword arguments of ``audit_record`` other than ``actor``. The chain
    head is locked once, the hashes are chained in memory and the rows inserted in bulk;
    ``audit_record`` is this with one event, so both build the chain the same way.
    """
    if not events:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events must be recorded inside the transaction of the change")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    actor_id, actor_name = _actor(actor)
    created_at = timezone.now()
    seq, prev = head.last_seq, head.last_hash
    rows = []
    for e in events:
        seq += 1
        event = AuditEvent(
            seq=seq,
            created_at=created_at,
            actor_id=actor_id,
            actor_name=actor_name,
            action=e["action"],
            subject_type=e["subject_type"],
            subject_id=str(e["subject_id"]),
            household_id=e.get("household_id"),
            area_code=e.get("area_code", ""),
            reason=e.get("reason", ""),
            before=jsonable(e.get("before")),
            after=jsonable(e.get("after")),
            extra=jsonable(e.get("extra")),
            prev_hash=prev,
        )
        event.hash = prev = event_hash(event)
        rows.append(event)
    AuditEvent.objects.bulk_create(rows, batch_size=2000)
    AuditChainHead.objects.filter(id=1).update(last_seq=seq, last_hash=prev)
    return rows


def audit_read(
    user, action: str, *, subject_type: str, subject_id, household_id=None, area_code: str = ""
) -> None:
    """Record a read of personal data (a page, a PDF, a scan), in its own transaction.

    Call it after the object was fetched through the scoping mechanism; the area defaults to the
    household's, so the event shows in the audit log of that area."""
    if not area_code and household_id:
        from jiuzhu.audit.hooks import audit_hooks

        area_code = audit_hooks().household_area(household_id)
    with transaction.atomic():
        audit_record(
            actor=user,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            household_id=household_id,
            area_code=area_code,
        )


# ---------------------------------------------------------------- the read log


def _read_seal(row: AuditReadLog) -> str:
    """The keyed hash sealing one waiting read (the chain's key, no previous link)."""
    body = canonical_json(
        [
            "read",
            row.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            row.actor_id,
            row.actor_name,
            row.action,
            row.subject_type,
            row.subject_id,
            row.household_id,
            row.area_code,
            row.after,
        ]
    )
    return link_hash(ZERO_HASH, body)


def audit_read_log(
    *,
    actor,
    action: str,
    subject_type: str,
    subject_id,
    household_id=None,
    area_code: str,
    after=None,
) -> AuditReadLog:
    """Record a read of personal data without taking the chain lock: one sealed row in the read
    log (one INSERT), moved into the hash chain by ``audit_reads_chain`` within seconds.

    For pages many people open at once (the citizen portal): every read is still recorded before
    the page is sent, and chained with the time it happened. Outside a transaction the row is
    committed at once; inside one it stands or falls with it, as ``audit_record`` does."""
    actor_id, actor_name = _actor(actor)
    row = AuditReadLog(
        created_at=timezone.now(),
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        household_id=household_id,
        area_code=area_code,
        after=jsonable(after),
    )
    row.mac = _read_seal(row)
    row.save(force_insert=True)
    return row


def audit_reads_chain(*, wait: bool = True, limit: int = 2000) -> int:
    """Move waiting reads into the hash chain: one chain lock, the events hashed in memory and
    inserted in bulk, the read-log rows deleted — one transaction. Returns how many were chained
    (at most ``limit``, so that the lock is held briefly; ``audit_reads_chain_all`` loops).

    ``wait=False`` gives up at once (returns 0) when another writer holds the chain head: the
    web processes call it that way after a response, so a page never waits for the chain. A row
    whose seal does not match its content (edited while it waited) is chained as it is found,
    marked ``"sealed": false`` in the event, and logged as an error."""
    if not AuditReadLog.objects.exists():
        return 0  # nothing waits: no lock taken
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update(skip_locked=not wait).filter(id=1).first()
        if head is None:
            if not wait and AuditChainHead.objects.filter(id=1).exists():
                return 0  # locked by another writer: the next call chains these
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        reads = list(AuditReadLog.objects.order_by("id")[:limit])
        if not reads:
            return 0
        seq, prev, rows = head.last_seq, head.last_hash, []
        for r in reads:
            seq += 1
            sealed = hmac_equal(_read_seal(r), r.mac)
            if not sealed:
                logger.error("审计读取记录 #%s 在入链前被改动", r.id)
            marker = {"read_log": r.id} if sealed else {"read_log": r.id, "sealed": False}
            event = AuditEvent(
                seq=seq,
                created_at=r.created_at,
                actor_id=r.actor_id,
                actor_name=r.actor_name,
                action=r.action,
                subject_type=r.subject_type,
                subject_id=r.subject_id,
                household_id=r.household_id,
                area_code=r.area_code,
                reason="",
                before=None,
                after=r.after,
                extra=marker,
                prev_hash=prev,
            )
            event.hash = prev = event_hash(event)
            rows.append(event)
        AuditEvent.objects.bulk_create(rows, batch_size=2000)
        AuditChainHead.objects.filter(id=1).update(last_seq=seq, last_hash=prev)
        AuditReadLog.objects.filter(id__in=[r.id for r in reads]).delete()
    return len(rows)


def audit_reads_chain_all() -> int:
    """Chain everything waiting, batch after batch (verify, anchor)."""
    total = 0
    while True:
        n = audit_reads_chain()
        total += n
        if n < 2000:
            return total


_last_chained = [0.0]


def chain_after_response(**kwargs) -> None:
    """``request_finished``: at most every ``JIUZHU_AUDIT_READ_CHAIN_SECONDS`` per process, chain
    the waiting reads without waiting for the chain lock (the page has been sent already)."""
    every = getattr(settings, "JIUZHU_AUDIT_READ_CHAIN_SECONDS", 5)
    now = time.monotonic()
    if not every or now - _last_chained[0] < every:
        return
    _last_chained[0] = now
    try:
        audit_reads_chain(wait=False)
    except Exception:  # the response is gone: log it; the next call or the hourly anchor retries
        logger.exception("审计读取记录入链失败")


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem_seq: int | None = None
    message: str = ""


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=5000)


AUDIT_TEXT = ChainText(title="审计链", prefix="", noun="事件")


def _audit_head() -> tuple[int, str] | None:
    return AuditChainHead.objects.filter(id=1).values_list("last_seq", "last_hash").first()


def _unsealed(e: AuditEvent) -> str | None:
    """A read chained from the read log whose seal did not match (edited while it waited)."""
    if isinstance(e.extra, dict) and e.extra.get("sealed") is False:
        return "（读取记录）在入链前被改动"
    return None


def audit_verify(*, anchor: bool = False) -> VerifyResult:
    """Recompute the keyed chain: an edited, deleted or inserted event breaks it at that event;
    a chain shorter than (or different from) its signed anchor outside the database fails too.
    With ``anchor=True`` a passing chain moves the anchor to the current head."""
    audit_reads_chain_all()  # the reads still waiting in the read log first
    rows = ((e.seq, e.prev_hash, e.hash, event_hash(e), _unsealed(e)) for e in _events())
    result = chain_verify(
        CHAIN, rows, head=_audit_head(), text=AUDIT_TEXT, anchor=anchor, at=clock.now()
    )
    return VerifyResult(result.ok, result.checked, result.problem_seq, result.message)


def audit_anchor() -> VerifyResult:
    """Move the audit chain's anchor (the signed head file outside the database) to the current
    head, checking the events since the last anchor. Run hourly and after a payroll release, so
    that cutting the newest events off is caught even between two daily verifies."""

    def rows_from(seq):
        for e in AuditEvent.objects.filter(seq__gte=seq).order_by("seq").iterator(chunk_size=2000):
            yield e.seq, e.prev_hash, e.hash, event_hash(e)

    audit_reads_chain_all()  # the reads still waiting in the read log first
    result = chain_anchor(
        CHAIN, rows_from=rows_from, head=_audit_head(), text=AUDIT_TEXT, at=clock.now()
    )
    return VerifyResult(result.ok, result.checked, result.problem_seq, result.message)


def audit_rechain() -> tuple[int, str]:
    """Recompute every link of the audit chain under the key in force (``jiuzhu audit rekey``
    runs this under the new key, after verifying under the old one). Content is not touched;
    only ``prev_hash``/``hash`` and the head row. Returns (events, new head hash). Must run in
    the rekey's transaction: the head row is locked, so no event is appended meanwhile."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_rechain must run inside the rekey's transaction")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    if AuditReadLog.objects.exists():  # sealed under the old key; verify chained the rest
        raise RuntimeError("换密钥期间又有读取记录写入：请先停止网站服务和后台任务，再换密钥")
    prev, n, batch = ZERO_HASH, 0, []
    from django.db import connection

    def flush():
        with connection.cursor() as cur:
            cur.executemany(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s", batch
            )
        batch.clear()

    for e in AuditEvent.objects.order_by("seq").iterator(chunk_size=5000):
        e.prev_hash = prev
        prev = event_hash(e)
        batch.append((e.prev_hash, prev, e.seq))
        n += 1
        if len(batch) >= 5000:
            flush()
    if batch:
        flush()
    AuditChainHead.objects.filter(id=1).update(last_seq=n, last_hash=prev)
    return n, prev
