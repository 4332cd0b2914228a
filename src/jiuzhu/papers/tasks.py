"""Background work (django-tasks, database worker): reading a paper takes 1-3 s of CPU, never
inside a request."""

from __future__ import annotations

from django_tasks import task


@task()
def paper_read_task(reading_id: int) -> dict:
    from jiuzhu.papers.services import reading_run

    r = reading_run(reading_id)
    return {"reading": r.pk, "status": r.status, "kind": r.kind}
