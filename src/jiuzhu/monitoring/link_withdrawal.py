"""Alerts raised from a department record that the 核对 officer found was someone else's.

The ``core.events.LinkWithdrawn`` event (``monitoring.subscribers``) tells this module that the link of a record to a person was
reported wrong (or rejected in review). Every *open* alert of that person whose evidence names the
record is withdrawn:

- evidence from this record only: the alert is closed as 无需处理 with the reason (the report was
  wrong), and the payment hold it placed is released through the funds seam as not confirmed — the
  held payroll lines of submitted payrolls are queued to be paid (a draft payroll picks the release
  up when it is regenerated);
- other evidence too: the record is taken out of the evidence and the alert stays open
  (re-queued with a note), its hold kept — the other records still stand.

Closed alerts are left alone: a person already decided them. Each change is audited here; the
hold release is audited by funds.
"""

from __future__ import annotations

from django.utils import timezone

from jiuzhu.audit.services import audit_record
from jiuzhu.core import events
from jiuzhu.funds.services.holds import payment_hold_release
from jiuzhu.monitoring.models import Alert, AlertStatus, Outcome


def _from_record(source: str, department_label: str, record_key: str) -> bool:
    """Whether an evidence line came from this record (the rules write the department's label
    and the record's own number into ``source``, e.g. ``公安 记录P00012``)."""
    return bool(record_key) and source.startswith(department_label) and source.endswith(record_key)


def alerts_withdraw(event: events.LinkWithdrawn, *, actor) -> dict:
    """Withdraw (close or re-queue) the open alerts raised from the withdrawn link's record;
    returns the alerts closed and re-queued and the holds released."""
    person_id, household_id = event.person_id, event.household_id
    record_key, department_label = event.record_key, event.department_label
    reason = event.reason
    closed, requeued, released = [], [], 0
    alerts = Alert.objects.select_for_update().filter(
        person_id=person_id, household_id=household_id, status=AlertStatus.OPEN
    )
    note = f"部门记录与此人的匹配已被判定为错误（{department_label} {record_key}）：{reason}"
    for alert in alerts:
        records = alert.evidence.get("records", [])
        mine = [
            r for r in records if _from_record(r.get("source", ""), department_label, record_key)
        ]
        if not mine:
            continue
        rest = [r for r in records if r not in mine]
        before = {"status": alert.status, "records": len(records), "hold": alert.payment_hold}
        if rest:
            alert.evidence = {**alert.evidence, "records": rest, "withdrawn": note[:300]}
            alert.version += 1
            alert.save(update_fields=["evidence", "version"])
            requeued.append(alert.pk)
            kept_open = True
        else:
            alert.status = AlertStatus.CLOSED
            alert.outcome = Outcome.NO_ACTION
            alert.outcome_reason = note
            alert.closed_at = timezone.now()
            alert.closed_by = actor if getattr(actor, "pk", None) else None
            alert.evidence = {**alert.evidence, "withdrawn": note[:300]}
            alert.version += 1
            alert.save(
                update_fields=[
                    "status",
                    "outcome",
                    "outcome_reason",
                    "closed_at",
                    "closed_by",
                    "evidence",
                    "version",
                ]
            )
            closed.append(alert.pk)
            kept_open = False
            if alert.payment_hold:
                payment_hold_release(
                    source=f"alert:{alert.pk}", actor=actor, confirmed=False, note=note[:300]
                )
                released += 1
        audit_record(
            actor=actor,
            action="monitoring.alert_requeue" if kept_open else "monitoring.alert_withdraw",
            subject_type="alert",
            subject_id=alert.pk,
            household_id=alert.household_id,
            area_code=alert.area_id,
            reason=reason,
            before=before,
            after={"status": alert.status, "records": len(rest), "note": note[:300]},
        )
    return {"alerts_closed": closed, "alerts_requeued": requeued, "holds_released": released}
