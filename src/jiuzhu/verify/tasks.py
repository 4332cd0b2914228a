"""Background work: the batch 核对 of everyone on the roll — on demand (the /verify/ page) and on
the schedule (``core.schedule``: monthly full, nightly incremental)."""

from django_tasks import task


@task()
def batch_check_task(
    reason: str = "定期核对",
    actor_id: int | None = None,
    incremental: bool = False,
    scheduled: str = "",
    area_prefixes: list[str] | None = None,
) -> dict:
    """``incremental``: only what changed since the last batch (``services.batch_check``).
    ``scheduled``: an occurrence queued by ``core.schedule``, which queues the next when it ends.
    ``area_prefixes``: check only the households in these areas (a run started from the page
    covers the starting user's areas; the scheduled runs cover everyone)."""
    from jiuzhu.accounts.models import User
    from jiuzhu.core.schedule import schedule_chain
    from jiuzhu.verify.services import batch_check

    with schedule_chain(scheduled):
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        batch = batch_check(
            actor=actor, reason=reason, incremental=incremental, area_prefixes=area_prefixes
        )
        return {"batch": batch.pk, **batch.stats}


@task()
def duplicates_detect_task(actor_id: int | None = None, scheduled: str = "") -> dict:
    """疑似重复人员检测: from the page's button (the user's scope) or the schedule (everyone)."""
    from jiuzhu.accounts.models import User
    from jiuzhu.core.schedule import schedule_chain
    from jiuzhu.verify.services import duplicates_detect

    with schedule_chain(scheduled):
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        return {"new_pairs": duplicates_detect(actor=actor)}
