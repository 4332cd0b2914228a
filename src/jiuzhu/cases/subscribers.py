"""What cases does when other apps publish events (subscribed in ``CasesConfig.ready``)."""

from __future__ import annotations

from jiuzhu.core import events


def paper_read(event: events.PaperRead) -> None:
    """A paper was read with findings: a review flag (办理记录) on the application."""
    from jiuzhu.cases.papers_link import paper_flags_record

    paper_flags_record(event)


def subscribe() -> None:
    events.subscribe(events.PaperRead, paper_read)
