"""What funds does when other apps publish events (subscribed in ``FundsConfig.ready``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

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


def release_lines_of_withdrawn_link(event: events.LinkWithdrawn) -> None:
    """A 核对 link was reported wrong: the payroll lines its withdrawn findings held go back to
    be paid (``funds.hold_release``)."""
    from jiuzhu.funds.hold_release import lines_release_withdrawn_findings

    with transaction.atomic():
        lines_release_withdrawn_findings(
            actor=events.event_actor(event.actor_id),
            household_id=event.household_id,
            finding_ids=list(event.findings_withdrawn),
            note=f"部门记录与此人的匹配已被判定为错误：{event.reason}",
        )


def subscribe() -> None:
    events.subscribe(events.CaseDecided, settle_hold_of_decided_case)
    events.subscribe(events.LinkWithdrawn, release_lines_of_withdrawn_link)
