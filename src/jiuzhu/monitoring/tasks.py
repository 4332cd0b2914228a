"""Background work (django-tasks, database worker): the run after each import, and the nightly job."""

from __future__ import annotations

from django_tasks import task


@task()
def monitor_run_task(trigger: str = "import", full: bool = False) -> dict:
    """Evaluate the alert rules (incremental unless ``full``) and return the run's counts."""
    from jiuzhu.monitoring.services import monitor_run

    run = monitor_run(full=full, trigger=trigger)
    return {"run": run.pk, "created": run.alerts_created, "merged": run.alerts_merged}


@task()
def monitor_nightly_task(scheduled: bool = False) -> dict:
    """The nightly job. ``scheduled``: queued by ``schedule.nightly_schedule`` — Sunday's run is
    full, and the next night's task is queued when this one ends, whether it worked or not."""
    from django.utils import timezone

    from jiuzhu.monitoring.nightly import nightly
    from jiuzhu.monitoring.schedule import FULL_ON_WEEKDAY, nightly_schedule

    try:
        full = scheduled and timezone.localdate().weekday() == FULL_ON_WEEKDAY
        return nightly(full=full)
    finally:
        if scheduled:
            nightly_schedule()
