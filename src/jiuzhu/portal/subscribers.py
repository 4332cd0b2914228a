"""What the portal does when other apps change things: drop this process's cached public pages
(the standing recipient list, the village's 公示) as soon as it sees the change; the other
processes follow within ``JIUZHU_PORTAL_PUBLIC_CACHE_SECONDS`` (selectors.public_cached)."""

from __future__ import annotations

from django.conf import settings

from jiuzhu.core import events


def _caching() -> bool:
    return getattr(settings, "JIUZHU_PORTAL_PUBLIC_CACHE_SECONDS", 0) > 0


def roll_changed(event: events.RollChanged) -> None:
    """A payment added to or ended on the roll: the village's recipient list."""
    if not _caching():
        return
    from jiuzhu.portal.selectors import public_forget
    from jiuzhu.registry.selectors import household_area_code

    public_forget("roll", household_area_code(event.household_id))


def case_event_saved(sender, instance, created, **kwargs) -> None:
    """A case step (entering or leaving 公示 among them): the village's notices."""
    if not created or not _caching():
        return
    from jiuzhu.portal.selectors import public_forget

    public_forget("notices", instance.application.area_id)


def connect() -> None:
    from django.db.models.signals import post_save

    from jiuzhu.cases.models import CaseEvent

    events.subscribe(events.RollChanged, roll_changed)
    post_save.connect(case_event_saved, sender=CaseEvent, dispatch_uid="portal.public.case")
