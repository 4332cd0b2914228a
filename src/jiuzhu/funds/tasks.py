"""Background work: payroll generation and the daily check of the ledger chain (django-tasks,
run by the database worker; ``core.schedule``'s ``ledger_daily``)."""

from __future__ import annotations

import datetime
import logging

from django_tasks import task

logger = logging.getLogger("jiuzhu.funds")


class LedgerChainBroken(Exception):
    """The recomputed ledger chain does not match: an entry was edited, deleted or inserted."""


@task()
def payroll_generate_task(
    programme: str, area_code: str, month: str, actor_id: int | None = None
) -> dict:
    """Generate (or regenerate) the draft payroll; returns its id, line count and digest."""
    from jiuzhu.accounts.models import User
    from jiuzhu.funds.services import payroll_generate

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    payroll = payroll_generate(
        actor=actor,
        programme=programme,
        area_code=area_code,
        month=datetime.date.fromisoformat(month),
    )
    return {"payroll": payroll.pk, "lines": payroll.line_count, "digest": payroll.digest}


@task()
def ledger_verify_task(scheduled: str = "") -> dict:
    """``jiuzhu ledger verify`` on the worker: recompute the ledger chain; a broken chain fails
    the task (an error in the worker's log, 失败 in ``jiuzhu schedule --list``) with the message
    naming the first edited, deleted or inserted entry."""
    from jiuzhu.core.schedule import schedule_chain
    from jiuzhu.funds.ledger import ledger_verify

    with schedule_chain(scheduled):
        result = ledger_verify(anchor=True)
        if not result.ok:
            logger.error("资金台账校验失败：%s", result.message)
            raise LedgerChainBroken(result.message)
        return {"checked": result.checked, "message": result.message}


@task()
def ledger_anchor_task(scheduled: str = "") -> dict:
    """Hourly: move the ledger's anchor forward after checking the entries since the last one;
    a ledger cut back below its anchor (or rewritten after it) fails the task."""
    from jiuzhu.core.schedule import schedule_chain
    from jiuzhu.funds.ledger import ledger_anchor

    with schedule_chain(scheduled):
        result = ledger_anchor()
        if not result.ok:
            logger.error("资金台账锚定失败：%s", result.message)
            raise LedgerChainBroken(result.message)
        return {"anchored": result.checked, "message": result.message}
