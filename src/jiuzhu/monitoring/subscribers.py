"""What monitoring does when other apps publish events (subscribed in ``MonitoringConfig.ready``)."""

from __future__ import annotations

from jiuzhu.core import events


def run_after_import(event: events.FeedImported) -> None:
    """A department's file changed records: queue an incremental monitoring run (background)."""
    from jiuzhu.monitoring.tasks import monitor_run_task

    monitor_run_task.enqueue(trigger="import")


def withdraw_alerts_of_withdrawn_link(event: events.LinkWithdrawn) -> None:
    """A 核对 link was reported wrong: the open alerts raised from the record are closed (their
    holds released as not confirmed) or re-queued without it (``monitoring.link_withdrawal``)."""
    from django.db import transaction

    from jiuzhu.monitoring.link_withdrawal import alerts_withdraw

    with transaction.atomic():
        alerts_withdraw(event, actor=events.event_actor(event.actor_id))


def subscribe() -> None:
    events.subscribe(events.FeedImported, run_after_import)
    events.subscribe(events.LinkWithdrawn, withdraw_alerts_of_withdrawn_link)
