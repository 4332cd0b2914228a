"""Re-keying the hash chains (``jiuzhu audit rekey``): every chain registered with
``hashchain.chain_register`` (the audit log by the audit app, the funds ledger by the funds app) is
recomputed under a new HMAC key — after both verify under the old one, in one transaction,
audited, and anchored under the new key. See docs/operations.md ("Rotating the chain key").

Order (each step only if the previous one held):
1. both chains verify in full under the current key, anchors included (a chain that is already
   broken is never "laundered" into a valid one under a new key);
2. in one transaction, with both head rows locked: every link recomputed under the new key
   (content untouched), a ``chain.rekey`` event appended (old and new key fingerprints, the old
   and new heads), the key file replaced (the old one kept as ``chain.key.retired-<time>``);
3. after commit: both anchors rewritten under the new key (the old anchor files kept as
   ``*.retired-<time>``), then both chains verified in full again.
Stop the web server and the worker first: a process that appends between the commit and its
next key read would link under the old key (each process re-reads the key file when it changes).
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass

from django.db import transaction

from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock, hashchain


class RekeyRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RekeyResult:
    counts: dict[str, int]  # links verified under the new key, by chain name
    old_fingerprint: str
    new_fingerprint: str
    retired_key: str
    message: str

    @property
    def audit_events(self) -> int:
        return self.counts.get("audit", 0)

    @property
    def ledger_entries(self) -> int:
        return self.counts.get("ledger", 0)


def chains_rekey(*, reason: str, new_key: bytes | None = None) -> RekeyResult:
    """Re-key every chain registered with ``hashchain.chain_register`` (the audit log by the
    audit app, the funds ledger by the funds app)."""
    if not (reason or "").strip():
        raise RekeyRefused("须填写重新设置密钥的理由（--reason）")
    if os.environ.get("JIUZHU_CHAIN_KEY"):
        raise RekeyRefused(
            "密钥来自环境变量 JIUZHU_CHAIN_KEY：请先改用密钥文件（JIUZHU_CHAIN_KEY_FILE）再重新设置"
        )
    chains = hashchain.chains_registered()
    old_key = hashchain.chain_key()
    checks = [c.verify() for c in chains]
    broken = [c.message for c in checks if not c.ok]
    if broken:
        raise RekeyRefused("旧密钥下校验未通过，拒绝重新设置密钥：" + "；".join(broken))
    new_key = (new_key or secrets.token_hex(32).encode("ascii")).strip()
    if len(new_key) < 32:
        raise RekeyRefused("新密钥太短（至少 32 个字符）")
    if new_key == old_key:
        raise RekeyRefused("新密钥与现用密钥相同")
    old_fp, new_fp = hashchain.key_fingerprint(old_key), hashchain.key_fingerprint(new_key)
    stamp = clock.now().strftime("%Y%m%d%H%M%S")
    old_heads = {f"{c.name}_head": c.head() for c in chains}
    retired = None
    installed = False
    try:
        with transaction.atomic(), hashchain.key_override(new_key):
            rechained = {c.name: c.rechain() for c in reversed(chains)}
            audit_record(
                actor=None,
                action="chain.rekey",
                subject_type="chain",
                subject_id="+".join(c.name for c in chains),
                area_code=NATIONAL,
                reason=reason.strip(),
                before={"key": old_fp, **old_heads},
                after={"key": new_fp}
                | {f"{c.name}_head": list(rechained[c.name]) for c in chains if c.name != "audit"},
                extra={c.count_key: rechained[c.name][0] for c in chains},
            )
            retired = hashchain.key_file_install(new_key, stamp=stamp)
            installed = True
    except Exception:
        if installed:  # the transaction did not commit: the old key goes back
            hashchain.key_file_install(old_key, stamp=f"{stamp}-failed")
        raise
    # After commit, under the new key: new anchors (the old ones were signed with the old key).
    for c in chains:
        head = c.head()
        old_anchor = hashchain._anchor_path(c.name)
        if old_anchor.exists():
            shutil.copy2(old_anchor, old_anchor.with_name(f"{old_anchor.name}.retired-{stamp}"))
            old_anchor.unlink()
        if head[0]:
            hashchain.anchor_write(c.name, head[0], head[1], clock.now())
    after = [c.verify(anchor=True) for c in chains]
    if not all(r.ok for r in after):
        raise RekeyRefused("新密钥下校验未通过：" + "；".join(r.message for r in after))
    return RekeyResult(
        counts={c.name: r.checked for c, r in zip(chains, after, strict=True)},
        old_fingerprint=old_fp,
        new_fingerprint=new_fp,
        retired_key=str(retired or ""),
        message=f"已用新密钥（指纹 {new_fp}）重算并锚定：" + "；".join(r.message for r in after),
    )


def audit_head() -> list:
    from jiuzhu.audit.models import AuditChainHead

    head = AuditChainHead.objects.filter(id=1).values_list("last_seq", "last_hash").first()
    return list(head) if head else [0, hashchain.ZERO_HASH]
