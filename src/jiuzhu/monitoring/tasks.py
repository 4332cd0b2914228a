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
def monitor_nightly_task(full: bool = False, scheduled: str = "") -> dict:
    """The nightly job (a full run when ``full``: the schedule's Sunday occurrence).
    ``scheduled``: queued by ``core.schedule`` — the next night's is queued when this one ends,
    whether it worked or not."""
    from jiuzhu.core.schedule import schedule_chain
    from jiuzhu.monitoring.nightly import nightly

    with schedule_chain(scheduled):
        return nightly(full=full)
