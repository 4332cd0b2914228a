"""Background work: payroll generation (django-tasks, run by the database worker)."""

from __future__ import annotations

import datetime

from django_tasks import task


@task()
def payroll_generate_task(
    programme: str, area_code: str, month: str, actor_id: int | None = None
) -> dict:
    """Generate (or regenerate) the draft payroll; returns its id, line count and digest."""
    from jiuzhu.accounts.models import User
    from jiuzhu.funds.services import payroll_generate

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    payroll = payroll_generate(
        actor=actor,
        programme=programme,
        area_code=area_code,
        month=datetime.date.fromisoformat(month),
    )
    return {"payroll": payroll.pk, "lines": payroll.line_count, "digest": payroll.digest}
