"""Outbound sharing: agreements and deliveries (writes, one transaction, audited)."""

from __future__ import annotations

import hashlib
import io

from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, prefix_end, require_area
from jiuzhu.audit.services import audit_record
from jiuzhu.cooperation.models import (
    SHARABLE_FIELDS,
    Channel,
    Frequency,
    SharingAgreement,
    SharingDelivery,
)
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.spreadsheet import csv_writer
from jiuzhu.registry.models import RollEntry, RollStatus


@transaction.atomic
def agreement_create(
    *,
    actor,
    department: str,
    area_code: str,
    programmes: list[str],
    fields: list[str],
    frequency: str,
    channel: str,
    purpose: str,
) -> SharingAgreement:
    """Record an agreement (by the county that approves cases there)."""
    require_area(actor, Capability.CASE_APPROVE, area_code)
    errors: dict[str, list[str]] = {}
    bad = [f for f in fields if f not in SHARABLE_FIELDS]
    if not fields or bad:
        errors.setdefault("fields", []).append(
            _("共享字段须从可共享字段中选择，不能为空：%(bad)s") % {"bad": "、".join(bad) or "—"}
        )
    if not programmes:
        errors.setdefault("programmes", []).append(_("须至少选择一个救助项目"))
    if frequency not in Frequency.values:
        errors.setdefault("frequency", []).append(_("频次不存在"))
    if channel not in Channel.values:
        errors.setdefault("channel", []).append(_("共享方式不存在"))
    if not department or not (purpose or "").strip():
        errors.setdefault("purpose", []).append(_("须写明接收部门和用途"))
    if errors:
        raise ServiceError(errors=errors)
    agreement = SharingAgreement.objects.create(
        department=department,
        area_id=area_code,
        programmes=list(dict.fromkeys(programmes)),
        fields=list(dict.fromkeys(fields)),
        frequency=frequency,
        channel=channel,
        purpose=purpose.strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="sharing.agreement",
        subject_type="sharing_agreement",
        subject_id=agreement.pk,
        area_code=area_code,
        after={"department": department, "fields": agreement.fields, "programmes": programmes},
    )
    return agreement


def _value(entry: RollEntry, field: str) -> str:
    person = entry.person or _head(entry)
    if field == "name":
        return person.name if person else ""
    if field == "id_number":
        return (person.id_number or "") if person else ""
    if field == "programme":
        return entry.programme
    if field == "area_code":
        return entry.household.hukou_area_id
    if field == "household_number":
        return entry.household.number
    if field == "start_month":
        return entry.start_month.strftime("%Y-%m")
    if field == "monthly_amount":
        return f"{entry.monthly_amount:.2f}"
    raise KeyError(field)


def _head(entry: RollEntry):
    return (
        entry.household.members.filter(relation="head").first() or entry.household.members.first()
    )


@transaction.atomic
def sharing_export(*, actor, agreement_id: int) -> tuple[bytes, SharingDelivery]:
    """The agreed fields of the active roll entries of the agreed programmes in the agreement's
    area, as CSV (UTF-8 with BOM). Nothing but the agreed fields is written; the delivery and
    its row count are recorded and audited."""
    agreement = access(SharingAgreement, actor, Capability.CASE_APPROVE, pk=agreement_id)
    if not agreement.active:
        raise ServiceError(_("该共享协议已停用"), code="inactive")
    today = clock.today()
    entries = (
        RollEntry.objects.filter(
            programme__in=agreement.programmes,
            status=RollStatus.ACTIVE,
            household__hukou_area__gte=agreement.area.prefix,
            household__hukou_area__lt=prefix_end(agreement.area.prefix),
            start_month__lte=today,
        )
        .select_related("household", "person")
        .order_by("household__number", "programme", "id")
    )
    buf = io.StringIO()
    out = csv_writer(buf)
    out.writerow(agreement.fields)
    n = 0
    for e in entries.iterator():
        out.writerow([_value(e, f) for f in agreement.fields])
        n += 1
    data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    delivery = SharingDelivery.objects.create(
        agreement=agreement, rows=n, sha256=hashlib.sha256(data).hexdigest(), delivered_by=actor
    )
    audit_record(
        actor=actor,
        action="sharing.export",
        subject_type="sharing_delivery",
        subject_id=delivery.pk,
        area_code=agreement.area_id,
        after={"department": agreement.department, "rows": n, "fields": agreement.fields},
    )
    return data, delivery
