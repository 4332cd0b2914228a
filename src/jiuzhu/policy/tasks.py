"""Background work: the nightly / on-demand 政策找人 run (django-tasks, database worker)."""

from __future__ import annotations

import datetime

from django_tasks import task

from jiuzhu.core import clock


@task()
def policy_run_task(
    on: str | None = None, area_code: str = "", user_id: int | None = None, scheduled: str = ""
) -> int:
    """Run 政策找人 at ``on`` (default: today) and return the run id. ``scheduled``: the nightly
    occurrence queued by ``core.schedule``, which queues the next night's when it ends."""
    from jiuzhu.accounts.models import User
    from jiuzhu.core.schedule import schedule_chain
    from jiuzhu.policy.services import policy_run
    from jiuzhu.registry.services import members_recount

    with schedule_chain(scheduled):
        day = datetime.date.fromisoformat(on) if on else clock.today()
        actor = User.objects.filter(pk=user_id).first() if user_id else None
        if scheduled:
            # The night's first step: children who turned 18 recounted (registry.counting).
            members_recount(on=day)
        return policy_run(on=day, area_code=area_code, actor=actor).pk
