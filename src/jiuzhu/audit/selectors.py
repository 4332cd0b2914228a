"""Reads of the audit log, scoped like every other list (by the event's ``area_code``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import scoped
from jiuzhu.audit.models import AuditEvent
from jiuzhu.registry.models import Household


@dataclass
class AuditFilters:
    action: str = ""
    actor: str = ""  # username, prefix
    household: str = ""  # household number (H…) or internal id
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _day_start(d: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time.min))


def audit_search(*, user, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Events in the user's audit scope, newest first."""
    qs = scoped(AuditEvent.objects.all(), user, Capability.AUDIT_VIEW)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.actor:
        qs = qs.filter(actor_name__startswith=filters.actor.strip())
    ref = filters.household.strip().upper()
    if ref:
        if ref.isdigit():
            qs = qs.filter(household_id=int(ref))
        else:
            hh_id = Household.objects.filter(number=ref).values_list("pk", flat=True).first()
            qs = qs.filter(household_id=hh_id if hh_id is not None else -1)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    return qs.order_by("-seq")
