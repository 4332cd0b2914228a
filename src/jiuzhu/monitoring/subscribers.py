"""What monitoring does when other apps publish events (subscribed in ``MonitoringConfig.ready``)."""

from __future__ import annotations

from jiuzhu.core import events


def run_after_import(event: events.FeedImported) -> None:
    """A department's file changed records: queue an incremental monitoring run (background)."""
    from jiuzhu.monitoring.tasks import monitor_run_task

    monitor_run_task.enqueue(trigger="import")


def subscribe() -> None:
    events.subscribe(events.FeedImported, run_after_import)
