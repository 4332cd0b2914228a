"""The nightly job: an incremental run, escalation of overdue alerts, this month's reviews.

Run by the database worker every night at 02:40 (``core.schedule``'s ``monitor_nightly``), by
hand (``jiuzhu monitor nightly``) or queued (``jiuzhu monitor enqueue --nightly``). Each step is its own transaction,
so a failure in one does not undo the others; each is safe to repeat.
"""

from __future__ import annotations

import datetime

from jiuzhu.core import clock


def nightly(*, today: datetime.date | None = None, full: bool = False) -> dict:
    from jiuzhu.monitoring.reviews import review_tasks_generate
    from jiuzhu.monitoring.services import alerts_escalate, monitor_run

    today = today or clock.today()
    run = monitor_run(full=full, trigger="nightly", on=today)
    escalated = alerts_escalate(today=today)
    reviews = review_tasks_generate(month=today.replace(day=1))
    return {
        "run": run.pk,
        "created": run.alerts_created,
        "merged": run.alerts_merged,
        "escalated": escalated,
        "reviews": reviews,
    }
