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


# --- the workbench list (core.pagination.ListSpec; registered in apps.ready) -----------------


def _audit_rows(user, query):
    from jiuzhu.core.labels import AUDIT_ACTION, is_registered

    action = query.extra.get("action", "")
    filters = AuditFilters(
        action=action if is_registered(AUDIT_ACTION, action) else "",
        actor=query.extra.get("actor", ""),
        household=query.extra.get("household", ""),
        date_from=query.date_from,
        date_to=query.date_to,
    )
    return audit_search(user=user, filters=filters)


def _audit_prepare(rows) -> None:
    from jiuzhu.accounts.scoping import area_name  # noqa: F401 - the same lookup, in bulk
    from jiuzhu.areas.models import Area

    codes = {e.area_code for e in rows if e.area_code}
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    for e in rows:
        e.area_label = names.get(e.area_code, "")


def _audit_list_spec():
    from django.utils.translation import gettext_lazy

    from jiuzhu.core import clock
    from jiuzhu.core.labels import AUDIT_ACTION, label
    from jiuzhu.core.pagination import Column, ListSpec, cached_label

    action_label = cached_label(lambda code: label(AUDIT_ACTION, code))

    return ListSpec(
        name="audit",
        title=gettext_lazy("审计日志"),
        capability=Capability.AUDIT_VIEW,
        rows=_audit_rows,
        columns=(
            Column("seq", gettext_lazy("序号"), lambda e: e.seq, sort="seq", number=True),
            Column(
                "time",
                gettext_lazy("时间"),
                lambda e: clock.local(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            ),
            Column("actor", gettext_lazy("操作人"), lambda e: e.actor_name),
            Column("action", gettext_lazy("操作"), lambda e: action_label(e.action)),
            Column("household", gettext_lazy("家庭"), lambda e: e.household_id or ""),
            Column("area", gettext_lazy("区域"), lambda e: getattr(e, "area_label", "")),
            Column("reason", gettext_lazy("理由"), lambda e: e.reason),
        ),
        sorts={"seq": ("-seq",)},
        default_sort="seq",
        filters=("date_from",),
        extras=("action", "actor", "household"),
        prepare=_audit_prepare,
        date_label=gettext_lazy("日期"),
        url_name="audit:event_list",
    )
