"""What cases does when other apps publish events (subscribed in ``CasesConfig.ready``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from jiuzhu.core import events


def paper_read(event: events.PaperRead) -> None:
    """A paper was read with findings: a review flag (办理记录) on the application."""
    from jiuzhu.cases.papers_link import paper_flags_record

    paper_flags_record(event)


def link_assistance(event: events.CaseDecided) -> None:
    """联动保障: an approved 低保 or 特困 refers the household for the linked programmes."""
    from jiuzhu.cases.services.tracks import LINKED, tracks_link

    if not event.approved or event.purpose != "apply" or event.programme not in LINKED:
        return
    actor = get_user_model().objects.filter(pk=event.actor_id).first() if event.actor_id else None
    tracks_link(application_id=event.application_id, actor=actor)


def subscribe() -> None:
    events.subscribe(events.PaperRead, paper_read)
    events.subscribe(events.CaseDecided, link_assistance)
