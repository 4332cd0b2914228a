"""The ledger (资金台账): append-only money movements, hash-chained like the audit log.

Each entry's hash covers the previous entry's hash and the entry's canonical content — including
the bank account the money went to — so editing, deleting or inserting any row breaks the chain
at that row; the chain head (last sequence and hash, one locked row) and the signed anchor
outside the database (``core.hashchain``, the same keyed implementation as the audit log) catch
the removal of the last entries. ``ledger_append`` must run inside
the transaction of the change it records; writers queue on the head row.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.core import clock
from jiuzhu.core.hashchain import (
    ZERO_HASH,
    ChainText,
    chain_anchor,
    chain_verify,
    link_hash,
)
from jiuzhu.funds.models import LedgerChainHead, LedgerEntry

CHAIN = "ledger"
_FIELDS = [
    "seq",
    "created_at",
    "kind",
    "amount",
    "programme",
    "area_code",
    "month",
    "payroll_id",
    "line_id",
    "household_id",
    "reverses_seq",
    "actor_id",
    "note",
    "account_number",
    "prev_hash",
    "hash",
]


def _amount_text(value) -> str:
    return f"{decimal.Decimal(value).quantize(decimal.Decimal('0.01'))}"


def entry_hash(e: dict) -> str:
    """The keyed link hash over the previous hash and the entry's content (Decimal as text)."""
    created = e["created_at"]
    if isinstance(created, datetime.datetime):
        created = created.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    body = [
        e["seq"],
        created,
        e["kind"],
        _amount_text(e["amount"]),
        e["programme"],
        e["area_code"],
        e["month"].isoformat() if hasattr(e["month"], "isoformat") else str(e["month"]),
        e["payroll_id"],
        e["line_id"],
        e["household_id"],
        e["reverses_seq"],
        e["actor_id"],
        e["note"],
    ]
    if e.get("account_number"):  # the payee's account (payroll lines); entries before it had none
        body.append(e["account_number"])
    return link_hash(e["prev_hash"], body)


def ledger_append(rows: list[dict], *, actor=None) -> tuple[int, int]:
    """Append ``rows`` (kind, amount, programme, area_code, month, payroll_id and optionally
    line_id, household_id, reverses_seq, note) in order; returns (first_seq, last_seq)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_append must run inside the transaction of the change")
    if not rows:
        return (0, 0)
    head, _ = LedgerChainHead.objects.select_for_update().get_or_create(id=1)
    now = timezone.now()
    created_text = now.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    prev = head.last_hash
    seq = head.last_seq
    out = []
    for r in rows:
        seq += 1
        e = {
            "seq": seq,
            "created_at": created_text,
            "kind": r["kind"],
            "amount": _amount_text(r["amount"]),
            "programme": r["programme"],
            "area_code": r["area_code"],
            "month": r["month"],
            "payroll_id": r["payroll_id"],
            "line_id": r.get("line_id"),
            "household_id": r.get("household_id"),
            "reverses_seq": r.get("reverses_seq"),
            "actor_id": actor_id,
            "note": r.get("note", ""),
            "account_number": r.get("account_number") or "",
            "prev_hash": prev,
        }
        e["hash"] = prev = entry_hash(e)
        out.append(e)
    _insert(out, now)
    if any(r["kind"] == "sent" for r in rows):  # a payroll released: anchor once it commits
        transaction.on_commit(anchor_after_release)
    first = head.last_seq + 1
    LedgerChainHead.objects.filter(id=1).update(last_seq=seq, last_hash=prev)
    return (first, seq)


def _insert(entries: list[dict], now: datetime.datetime) -> None:
    """Bulk insert (the rows are already hashed; the stored timestamp is the hashed one)."""
    if connection.vendor == "sqlite":
        # Store exactly the text Django writes for an aware datetime on SQLite (UTC, no offset).
        created = now.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(sep=" ")
    else:
        created = now
    table = LedgerEntry._meta.db_table
    cols = ", ".join(_FIELDS)
    marks = ", ".join(["%s"] * len(_FIELDS))
    values = [[created if f == "created_at" else e[f] for f in _FIELDS] for e in entries]
    if connection.vendor == "postgresql":  # COPY: one round trip for any number of entries
        with (
            connection.cursor() as cur,
            cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
        ):
            for row in values:
                copy.write_row(row)
        return
    with connection.cursor() as cur:
        for start in range(0, len(values), 50_000):
            cur.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})", values[start : start + 50_000]
            )


@dataclass
class LedgerVerifyResult:
    ok: bool
    checked: int
    problem_seq: int | None = None
    message: str = ""


LEDGER_TEXT = ChainText(title="资金台账", prefix="资金台账", noun="分录")


def _ledger_head() -> tuple[int, str] | None:
    return LedgerChainHead.objects.filter(id=1).values_list("last_seq", "last_hash").first()


def _ledger_rows(qs) -> Iterator[tuple[int, str, str, str]]:
    for e in qs.order_by("seq").values(*_FIELDS).iterator(chunk_size=20_000):
        yield e["seq"], e["prev_hash"], e["hash"], entry_hash(e)


def ledger_verify(*, anchor: bool = False) -> LedgerVerifyResult:
    """Recompute the chain from the stored rows; report the first edited, deleted or inserted
    entry, or a chain that contradicts its signed anchor. ``anchor=True`` moves the anchor."""
    result = chain_verify(
        CHAIN,
        _ledger_rows(LedgerEntry.objects.all()),
        head=_ledger_head(),
        text=LEDGER_TEXT,
        anchor=anchor,
        at=clock.now(),
    )
    return LedgerVerifyResult(result.ok, result.checked, result.problem_seq, result.message)


def ledger_anchor() -> LedgerVerifyResult:
    """Move the ledger's anchor (the signed head file outside the database) to the current head,
    checking the entries since the last anchor (hourly, and after every payroll release)."""
    result = chain_anchor(
        CHAIN,
        rows_from=lambda seq: _ledger_rows(LedgerEntry.objects.filter(seq__gte=seq)),
        head=_ledger_head(),
        text=LEDGER_TEXT,
        at=clock.now(),
    )
    return LedgerVerifyResult(result.ok, result.checked, result.problem_seq, result.message)


def anchor_after_release() -> None:
    """After a payroll release commits: anchor the ledger and the audit log, so the money just
    sent cannot be cut from either chain unnoticed. A failure is logged, never raised (the
    release is done); the hourly and daily checks then fail visibly."""
    import logging

    from jiuzhu.audit.services import audit_anchor

    logger = logging.getLogger("jiuzhu.funds")
    for result in (ledger_anchor(), audit_anchor()):
        if not result.ok:
            logger.error("拨付后锚定失败：%s", result.message)


def ledger_rechain() -> tuple[int, str]:
    """Recompute every link of the ledger under the key in force (``jiuzhu audit rekey``, after
    verifying under the old key). Only ``prev_hash``/``hash`` and the head row change; returns
    (entries, new head hash). Runs in the rekey's transaction with the head row locked."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_rechain must run inside the rekey's transaction")
    LedgerChainHead.objects.select_for_update().get_or_create(id=1)
    prev, n, batch = ZERO_HASH, 0, []

    def flush():
        with connection.cursor() as cur:
            cur.executemany(
                "UPDATE funds_ledgerentry SET prev_hash = %s, hash = %s WHERE seq = %s", batch
            )
        batch.clear()

    qs = LedgerEntry.objects.order_by("seq").values(*_FIELDS).iterator(chunk_size=20_000)
    for e in qs:
        e["prev_hash"] = prev
        prev = entry_hash(e)
        batch.append((e["prev_hash"], prev, e["seq"]))
        n += 1
        if len(batch) >= 20_000:
            flush()
    if batch:
        flush()
    LedgerChainHead.objects.filter(id=1).update(last_seq=n, last_hash=prev)
    return n, prev


def ledger_head() -> list:
    """[last seq, last hash] of the ledger (for ``jiuzhu audit rekey``)."""
    head = LedgerChainHead.objects.filter(id=1).values_list("last_seq", "last_hash").first()
    return list(head) if head else [0, ZERO_HASH]
