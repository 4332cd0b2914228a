"""Background work: the daily check of the audit chain (``core.schedule``'s ``audit_daily``)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger("jiuzhu.audit")


class AuditChainBroken(Exception):
    """The recomputed hash chain does not match: an event was edited, deleted or inserted."""


@task()
def audit_verify_task(scheduled: str = "") -> dict:
    """Recompute the chain; a broken chain fails the task (an error in the worker's log, 失败 in
    ``jiuzhu schedule --list`` and the task list) with the message naming the first bad event."""
    from jiuzhu.audit.services import audit_verify
    from jiuzhu.core.schedule import schedule_chain

    with schedule_chain(scheduled):
        result = audit_verify(anchor=True)
        if not result.ok:
            logger.error("审计链校验失败：%s", result.message)
            raise AuditChainBroken(result.message)
        return {"checked": result.checked, "message": result.message}


@task()
def audit_anchor_task(scheduled: str = "") -> dict:
    """Hourly: move the audit chain's anchor forward after checking the events since the last
    one; a chain cut back below its anchor (or rewritten after it) fails the task."""
    from jiuzhu.audit.services import audit_anchor
    from jiuzhu.core.schedule import schedule_chain

    with schedule_chain(scheduled):
        result = audit_anchor()
        if not result.ok:
            logger.error("审计链锚定失败：%s", result.message)
            raise AuditChainBroken(result.message)
        return {"anchored": result.checked, "message": result.message}


@task()
def export_task(job_id: int) -> dict:
    """A long list export (``audit.exports``): write the file, update the progress as it goes."""
    from jiuzhu.audit.exports import export_run

    job = export_run(job_id)
    return {"job": job.pk, "rows": job.done}
