"""Recurring work of the portal (``core.schedule``): 举报 escalation every night."""

from __future__ import annotations

from django_tasks import task


@task()
def reports_escalate_task(scheduled: str = "") -> dict:
    """Unanswered 举报/投诉 past their working-day deadline go to the level above."""
    from jiuzhu.core.schedule import schedule_chain
    from jiuzhu.portal.services import reports_escalate

    with schedule_chain(scheduled):
        return {"escalated": reports_escalate()}
