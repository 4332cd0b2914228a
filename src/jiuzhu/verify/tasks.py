"""Background work: the batch 核对 of everyone on the roll (on demand; a scheduler may enqueue it)."""

from django_tasks import task


@task()
def batch_check_task(reason: str = "定期核对", actor_id: int | None = None) -> dict:
    from jiuzhu.accounts.models import User
    from jiuzhu.verify.services import batch_check

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    batch = batch_check(actor=actor, reason=reason)
    return {"batch": batch.pk, **batch.stats}
