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
def monitor_nightly_task() -> dict:
    from jiuzhu.monitoring.nightly import nightly

    return nightly()
