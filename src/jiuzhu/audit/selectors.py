"""Reads of the audit log, scoped like every other list (by the event's ``area_code``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability, user_scope
from jiuzhu.audit.hooks import audit_hooks
from jiuzhu.audit.models import NATIONAL, AuditEvent


@dataclass
class AuditFilters:
    action: str = ""
    actor: str = ""  # username, prefix
    household: str = ""  # household number (H…) or internal id
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _day_start(d: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time.min))


def audit_visible(qs: QuerySet[AuditEvent], user) -> QuerySet[AuditEvent]:
    """The events of ``qs`` the user may audit: those in their areas, and the national ones (for
    anyone who audits somewhere)."""
    if not has_capability(user, Capability.AUDIT_VIEW):
        return qs.none()
    return qs.filter(user_scope(user, Capability.AUDIT_VIEW).q("area_code") | Q(area_code=NATIONAL))


def audit_search(*, user, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Events in the user's audit scope, newest first."""
    qs = audit_visible(AuditEvent.objects.all(), user)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.actor:
        qs = qs.filter(actor_name__startswith=filters.actor.strip())
    ref = filters.household.strip().upper()
    if ref:
        if ref.isdigit():
            qs = qs.filter(household_id=int(ref))
        else:
            hh_id = audit_hooks().household_id(ref)
            qs = qs.filter(household_id=hh_id if hh_id is not None else -1)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    return qs.order_by("-seq")
