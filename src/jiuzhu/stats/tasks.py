"""Recurring work (``core.schedule``): the month-end snapshot on the 1st, 督办 and the
data-quality worklist every night."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger("jiuzhu.stats")


@task()
def snapshot_month_task(scheduled: str = "", month: str = "") -> dict:
    """Close the previous month (or ``month`` YYYY-MM): its month-end snapshot."""
    import datetime

    from jiuzhu.core import clock
    from jiuzhu.core.schedule import schedule_chain
    from jiuzhu.stats import engine
    from jiuzhu.stats.models import Snapshot, SnapshotKind
    from jiuzhu.stats.services import snapshot_take

    with schedule_chain(scheduled):
        if month:
            m = datetime.datetime.strptime(month, "%Y-%m").date()
        else:
            m = engine.add_months(engine.month_start(clock.today()), -1)
        if Snapshot.objects.filter(month=m, kind=SnapshotKind.CLOSE).exists():
            return {"month": f"{m:%Y-%m}", "skipped": True}
        snap = snapshot_take(month=m, reason="月末结账（定时）")
        logger.info("snapshot %s: %s rows in %.1fs", f"{m:%Y-%m}", snap.rows, snap.seconds)
        return {"month": f"{m:%Y-%m}", "rows": snap.rows, "seconds": snap.seconds}


@task()
def supervision_nightly_task(scheduled: str = "") -> dict:
    """Escalate overdue cases (督办) and rebuild the data-quality worklist."""
    from jiuzhu.core.schedule import schedule_chain
    from jiuzhu.stats.services import data_quality_refresh, supervision_escalate

    with schedule_chain(scheduled):
        new = supervision_escalate()
        counts = data_quality_refresh()
        return {"supervision_new": new, "quality": counts}
