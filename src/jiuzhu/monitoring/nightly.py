"""The nightly job: an incremental run, escalation of overdue alerts, this month's reviews.

The night's documented order is import → 核对 → monitoring (``core.schedule``: the incremental
核对 at 02:25 links the day's dirty-ID rows, monitoring runs at 02:40). The incremental run reads
the records of imports it has not seen *and* the records linked (by a matching run) or confirmed
(by a reviewer) since its previous run, so a record 核对 linked tonight alerts tonight — for a
death, with the payment hold; and it reads last month's paid payroll lines as well as this
month's. The run right after an import alerts at once on the exact-ID rows only.

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
