"""The nightly job on the task worker's own clock: no cron needed.

django-tasks has no periodic tasks, but the database backend runs a task no earlier than its
``run_after``. So the nightly task is queued for the next 02:40 and, when it has run (or failed),
queues the next night's. ``nightly_schedule`` makes sure exactly one such task is waiting; it is
idempotent and is called by ``jiuzhu monitor schedule`` (before each worker start: that mends the
chain if a worker was killed in the middle of a nightly run), by ``jiuzhu demo`` and after each
nightly run. A worker that was down at 02:40 runs the waiting task when it starts, then goes back
to 02:40. Sunday's run is full. A site that prefers cron runs ``jiuzhu monitor schedule --cancel``.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils import timezone

NIGHTLY_AT = datetime.time(2, 40)
FULL_ON_WEEKDAY = 6  # Sunday: a full run (incremental on other nights)
TASK_PATH = "jiuzhu.monitoring.tasks.monitor_nightly_task"


def next_nightly(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next 02:40 (local time) after ``now``."""
    local = timezone.localtime(now or timezone.now())
    day = local.date()
    if local.time() >= NIGHTLY_AT:
        day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, NIGHTLY_AT))


def _backend_defers() -> bool:
    from jiuzhu.monitoring.tasks import monitor_nightly_task

    return bool(getattr(monitor_nightly_task.get_backend(), "supports_defer", False))


def nightly_waiting():
    """The queued, not yet started scheduled nightly task (``DBTaskResult``), if any."""
    if not _backend_defers():
        return None
    from django_tasks_db.models import DBTaskResult

    return (
        DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY")
        .filter(args_kwargs__kwargs__scheduled=True)
        .order_by("run_after")
        .first()
    )


def nightly_schedule(now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Queue the next nightly run unless one is waiting; when it will run (None: this task
    backend cannot run tasks later — use cron, ``jiuzhu monitor cron``)."""
    if not _backend_defers():
        return None
    from jiuzhu.monitoring.tasks import monitor_nightly_task

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [461_2027])
        waiting = nightly_waiting()
        if waiting is not None:
            return waiting.run_after
        when = next_nightly(now)
        monitor_nightly_task.using(run_after=when).enqueue(scheduled=True)
        return when


def nightly_unschedule() -> int:
    """Remove the waiting scheduled nightly task (a site that runs the nightly job from cron)."""
    if not _backend_defers():
        return 0
    from django_tasks_db.models import DBTaskResult

    deleted, _ = (
        DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY")
        .filter(args_kwargs__kwargs__scheduled=True)
        .delete()
    )
    return deleted
