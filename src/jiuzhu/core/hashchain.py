"""The one hash-chain implementation (audit log and funds ledger).

Each link is ``HMAC-SHA256(key, prev_hash + canonical_json(body))``. The key lives outside the
database — ``JIUZHU_CHAIN_KEY`` (environment) or the key file ``JIUZHU_CHAIN_KEY_FILE`` (default
``<var>/keys/chain.key``, created with mode 0600 on first use) — so someone who can write the
database but not read the key cannot recompute a chain after rewriting an entry.

Deleting the newest entries and moving the head row back leaves a valid shorter chain; that is
caught by the *anchor*: a signed head file (``<var>/anchors/<chain>.json``: last seq, its hash,
time, HMAC signature) written outside the database by every successful verify (the daily
check, ``jiuzhu audit verify``, ``jiuzhu ledger verify``), and moved forward — after checking
what came since — every hour (``audit_anchor_hourly``, ``ledger_anchor_hourly``) and after each
payroll release (``anchor_advance``). A chain shorter than its anchor, or
whose entry at the anchored seq has another hash, fails verification. See docs/security.md.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ZERO_HASH = "0" * 64


def _default(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def canonical_json(value) -> str:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default
    )


def _key_file() -> Path:
    configured = getattr(settings, "JIUZHU_CHAIN_KEY_FILE", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "keys" / "chain.key"


_cached: tuple[str, tuple | None, bytes] | None = None
_override: list[bytes] = []


@contextlib.contextmanager
def key_override(key: bytes):
    """Hash and sign with ``key`` inside the block (``jiuzhu audit rekey``)."""
    _override.append(key)
    try:
        yield
    finally:
        _override.pop()


def chain_key() -> bytes:
    """The HMAC key: the environment variable, else the key file (created once if missing).
    The file is re-read when it changes (a rekey), so a running process follows it."""
    global _cached
    if _override:
        return _override[-1]
    env = os.environ.get("JIUZHU_CHAIN_KEY", "")
    if env:
        return env.encode("utf-8")
    path = _key_file()
    try:
        st = path.stat()
        mtime = (st.st_mtime_ns, st.st_ino)
    except FileNotFoundError:
        mtime = None
    if _cached is not None and _cached[0] == str(path) and _cached[1] == mtime:
        return _cached[2]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    key = path.read_text().strip().encode("utf-8")
    if len(key) < 32:
        raise RuntimeError(f"hash-chain key in {path} is too short (at least 32 characters)")
    st = path.stat()
    _cached = (str(path), (st.st_mtime_ns, st.st_ino), key)
    return key


def key_fingerprint(key: bytes) -> str:
    """A short public name for a key (in the audit log of a rekey): reveals nothing of it."""
    return hashlib.sha256(b"jiuzhu-chain-key|" + key).hexdigest()[:16]


def key_file_install(new_key: bytes, *, stamp: str) -> Path | None:
    """Make ``new_key`` the key file's content (mode 0600, atomically); the old file is kept
    next to it as ``chain.key.retired-<stamp>`` (returned) for the archive of old exports."""
    path = _key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    retired = None
    if path.exists():
        retired = path.with_name(f"{path.name}.retired-{stamp}")
        os.link(path, retired)
    tmp = path.with_name(f"{path.name}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(new_key.decode("utf-8"))
    os.replace(tmp, path)
    return retired


def link_hash(prev_hash: str, body) -> str:
    """The hash of one link: keyed over the previous hash and the canonical body."""
    text = body if isinstance(body, str) else canonical_json(body)
    return hmac.new(chain_key(), (prev_hash + text).encode("utf-8"), hashlib.sha256).hexdigest()


# --- anchors: the signed head outside the database -------------------------------------------


def _anchor_path(chain: str) -> Path:
    configured = getattr(settings, "JIUZHU_ANCHOR_DIR", "")
    base = Path(configured) if configured else Path(settings.VAR_DIR) / "anchors"
    return base / f"{chain}.json"


def _signature(chain: str, seq: int, digest: str, at: str) -> str:
    msg = f"{chain}|{seq}|{digest}|{at}".encode()
    return hmac.new(chain_key(), msg, hashlib.sha256).hexdigest()


def anchor_write(chain: str, seq: int, digest: str, at: datetime.datetime) -> Path:
    """Record the verified head of ``chain`` outside the database (never moves backwards)."""
    current = anchor_read(chain)
    if current is not None and current.seq > seq:
        return _anchor_path(chain)
    path = _anchor_path(chain)
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = at.astimezone(datetime.UTC).isoformat(timespec="seconds")
    data = {
        "chain": chain,
        "seq": seq,
        "hash": digest,
        "at": stamp,
        "signature": _signature(chain, seq, digest, stamp),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)
    return path


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    valid: bool


def anchor_read(chain: str) -> Anchor | None:
    path = _anchor_path(chain)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        seq, digest, at = int(data["seq"]), str(data["hash"]), str(data["at"])
        valid = hmac.compare_digest(_signature(chain, seq, digest, at), str(data["signature"]))
    except (ValueError, KeyError, TypeError):
        return Anchor(0, "", "", False)
    return Anchor(seq, digest, at, valid)


def anchor_problem(chain: str, hashes_by_seq: dict[int, str], last_seq: int) -> str:
    """A message if the chain contradicts its anchor, else "". ``hashes_by_seq`` needs only the
    anchored seq."""
    anchor = anchor_read(chain)
    if anchor is None:
        return ""
    if not anchor.valid:
        return "链头锚定文件签名无效（被篡改或密钥不符）"
    if last_seq < anchor.seq:
        return (
            f"链尾早于锚定：{anchor.at} 已锚定至第 {anchor.seq} 号，现只有 {last_seq} 号"
            "（末尾记录被删除）"
        )
    if hashes_by_seq.get(anchor.seq) != anchor.hash:
        return f"第 {anchor.seq} 号记录与 {anchor.at} 的锚定不符（被改写后重算）"
    return ""


def anchor_advance(
    chain: str,
    *,
    rows_from: Callable[[int], Iterable[tuple[int, str, str, str]]],
    head: tuple[int, str] | None,
    at: datetime.datetime,
) -> str:
    """Move the anchor of ``chain`` to its current head, checking only what was appended since
    the last anchor (cheap enough to run hourly and after every payroll release; the daily
    verify still recomputes the whole chain).

    ``rows_from(seq)`` yields ``(seq, prev_hash, stored_hash, recomputed_hash)`` for every entry
    from ``seq`` on, in order; ``head`` is the head row's ``(last_seq, last_hash)``. Returns ""
    when the anchor moved (or there is nothing to anchor), else the problem — and the anchor
    stays where it was: a chain cut back below its anchor, an anchored entry rewritten, a link
    broken after it, or a head row that disagrees with the entries."""
    anchor = anchor_read(chain)
    if anchor is not None and not anchor.valid:
        return "链头锚定文件签名无效（被篡改或密钥不符）"
    start = anchor.seq if anchor is not None else 0
    prev = anchor.hash if anchor is not None else ZERO_HASH
    last = start
    rows = iter(rows_from(max(start, 1)))
    if anchor is not None and start > 0:
        first = next(rows, None)
        if first is None or first[0] != start:
            return (
                f"链尾早于锚定：{anchor.at} 已锚定至第 {anchor.seq} 号，现已不存在"
                "（末尾记录被删除）"
            )
        if first[2] != anchor.hash:
            return f"第 {anchor.seq} 号记录与 {anchor.at} 的锚定不符（被改写后重算）"
    for seq, prev_hash, stored, digest in rows:
        if seq != last + 1:
            return f"第 {last + 1} 号记录缺失（被删除或序号被改动）"
        if prev_hash != prev:
            return f"第 {seq} 号记录的前序哈希不符"
        if digest != stored:
            return f"第 {seq} 号记录内容被修改"
        prev, last = stored, seq
    if head is not None and (head[0] != last or head[1] != prev):
        return f"链尾不符：链头记为第 {head[0]} 号，实有至第 {last} 号（末尾记录被删除）"
    if last > start:
        anchor_write(chain, last, prev, at)
    return ""


@dataclass(frozen=True)
class ChainText:
    """How a chain's messages name it: ``title`` the whole (审计链, 资金台账), ``prefix`` before
    an entry's number ("" or 资金台账), ``noun`` one entry (事件, 分录)."""

    title: str
    prefix: str
    noun: str


@dataclass
class ChainCheck:
    ok: bool
    checked: int
    problem_seq: int | None = None
    message: str = ""


def chain_verify(
    chain: str,
    rows: Iterable[tuple[int, str, str, str]],
    *,
    head: tuple[int, str] | None,
    text: ChainText,
    anchor: bool,
    at: datetime.datetime,
) -> ChainCheck:
    """Recompute a whole chain: ``rows`` yields ``(seq, prev_hash, stored_hash,
    recomputed_hash)`` in order — optionally a fifth item, what is wrong with the entry itself
    (``None`` when nothing) — ``head`` is the head row's ``(last_seq, last_hash)``. An
    edited, deleted or inserted entry breaks it at that entry; a chain shorter than (or
    different from) its signed anchor fails too. With ``anchor`` a passing chain moves the
    anchor to its head."""
    prev, expected, checked = ZERO_HASH, 1, 0
    anchored = anchor_read(chain)
    seen: dict[int, str] = {}
    at_entry = f"{text.prefix}第 {{seq}} 号{text.noun}"
    for seq, prev_hash, stored, digest, *own in rows:
        if seq != expected:
            message = at_entry.format(seq=expected) + "缺失（被删除或序号被改动）"
            return ChainCheck(False, checked, expected, message)
        if prev_hash != prev:
            return ChainCheck(False, checked, seq, at_entry.format(seq=seq) + "的前序哈希不符")
        if digest != stored:
            return ChainCheck(False, checked, seq, at_entry.format(seq=seq) + "内容被修改")
        if own and own[0]:
            return ChainCheck(False, checked, seq, at_entry.format(seq=seq) + own[0])
        if anchored is not None and seq == anchored.seq:
            seen[seq] = stored
        prev = stored
        expected += 1
        checked += 1
    if head is not None and (head[0] != checked or head[1] != prev):
        message = (
            f"{text.prefix}链尾不符：应有 {head[0]} 条，实有 {checked} 条（末尾{text.noun}被删除）"
        )
        return ChainCheck(False, checked, checked + 1, message)
    problem = anchor_problem(chain, seen, checked)
    if problem:
        return ChainCheck(False, checked, None, text.title + problem)
    if anchor and checked:
        anchor_write(chain, checked, prev, at)
    return ChainCheck(True, checked, None, f"{text.title}完整，共 {checked} 条{text.noun}")


def chain_anchor(
    chain: str,
    *,
    rows_from: Callable[[int], Iterable[tuple[int, str, str, str]]],
    head: tuple[int, str] | None,
    text: ChainText,
    at: datetime.datetime,
) -> ChainCheck:
    """``anchor_advance`` with the chain's own words: where the anchor now stands, or why not."""
    problem = anchor_advance(chain, rows_from=rows_from, head=head, at=at)
    if problem:
        return ChainCheck(False, 0, None, text.title + problem)
    anchored = anchor_read(chain)
    seq = anchored.seq if anchored else 0
    return ChainCheck(True, seq, None, f"{text.title}已锚定至第 {seq} 号{text.noun}")


@dataclass(frozen=True)
class Chain:
    """A hash chain that ``jiuzhu audit rekey`` re-keys: registered by the app owning it (the
    kernel never imports a domain app). ``verify(anchor=...)`` returns a result with ``ok``,
    ``message`` and ``checked``; ``rechain()`` recomputes every link under the key in force
    inside the rekey's transaction and returns (links, new head hash); ``head()`` is
    [last seq, last hash]; ``count_key`` names the link count in the ``chain.rekey`` event."""

    name: str
    verify: Callable
    rechain: Callable[[], tuple[int, str]]
    head: Callable[[], list]
    count_key: str
    order: int = 50


_CHAINS: dict[str, Chain] = {}


def chain_register(
    name: str,
    *,
    verify: Callable,
    rechain: Callable[[], tuple[int, str]],
    head: Callable[[], list],
    count_key: str,
    order: int = 50,
) -> None:
    """Register a chain for re-keying (from the owning app's ``AppConfig.ready``). Chains are
    verified in ``order`` and re-chained in reverse order (the audit log, order 0, last: the
    ``chain.rekey`` event goes into it)."""
    _CHAINS[name] = Chain(name, verify, rechain, head, count_key, order)


def chains_registered() -> list[Chain]:
    return sorted(_CHAINS.values(), key=lambda c: (c.order, c.name))
