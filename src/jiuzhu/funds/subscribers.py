"""What funds does when other apps publish events (subscribed in ``FundsConfig.ready``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from jiuzhu.core import events
from jiuzhu.funds.services.holds import payment_hold_release


def settle_hold_of_decided_case(event: events.CaseDecided) -> None:
    """A case opened from a monitoring alert was decided: settle the alert's payment hold —
    confirmed (held lines are never paid) when approved, cleared (held lines re-issued) when
    refused."""
    if not event.origin.startswith("alert:"):
        return
    actor = get_user_model().objects.filter(pk=event.actor_id).first() if event.actor_id else None
    payment_hold_release(
        source=event.origin, actor=actor, confirmed=event.approved, note=event.note
    )


def subscribe() -> None:
    events.subscribe(events.CaseDecided, settle_hold_of_decided_case)
