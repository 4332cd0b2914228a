"""False-link reports: a 核对 officer marks a link "not this person", and what it caused is undone.

A link the model (or an exact number) accepted can still be wrong — a namesake, a number typed
into someone else's. ``link_report_wrong`` lets the officer who checks it say so, with a reason:

- the pair is remembered as rejected (``ReviewDecision``): no later run links it again, and it is
  a labelled non-match the next trained model learns from (``matching.apply_false_links``; the
  batch run retrains when reports arrived since its model was trained);
- the link is removed, and the findings of the 核对 that came from it are withdrawn (deleted,
  each listed in the audit event);
- the modules that acted on the link are told (the ``core.events.LinkWithdrawn`` event, dispatched
  when the withdrawal commits): monitoring closes the alerts whose only evidence was this record
  and has the payment holds they placed released as "the report was wrong"
  (``funds.services.payment_hold_release``, not confirmed), re-queues the others without it; funds
  stops the withdrawn findings from holding payroll lines (``funds.hold_release``), so a line
  nothing else holds goes back to be paid. Each audits what it did; ``withdrawal_effects`` reads
  those audit events back for the officer's confirmation message.

A rejected review item (``services.review_decide``) goes through the same withdrawal, so that a
link accepted by an earlier run and sent to review by a later one releases what it held.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access
from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.services import audit_record
from jiuzhu.core import events
from jiuzhu.core.errors import ServiceError
from jiuzhu.verify.feeds import DEPARTMENT_LABELS
from jiuzhu.verify.models import Finding, LinkStatus, RecordLink, ReviewDecision

# The audit actions of what the subscribers of ``LinkWithdrawn`` did (``withdrawal_effects``).
ALERT_ACTIONS = ("monitoring.alert_withdraw", "monitoring.alert_requeue")
HOLD_ACTIONS = ("funds.hold_release",)

REASON_MAX = 200


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写理由：为什么这条部门记录不是此人"), field="reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(
            _("理由不能超过%(n)s字") % {"n": REASON_MAX}, field="reason", code="too_long"
        )
    return reason


def withdraw_consequences(*, actor, link: RecordLink, reason: str) -> dict:
    """Undo what a link caused (inside the caller's transaction): its findings and, through
    ``LinkWithdrawn`` once the transaction commits, the alerts and payment holds other modules
    placed from it."""
    findings = list(
        Finding.objects.filter(person_id=link.person_id, detail__record_id=link.record_id)
    )
    withdrawn = [{"id": f.pk, "kind": f.kind, "summary": f.summary} for f in findings]
    if findings:
        Finding.objects.filter(pk__in=[f.pk for f in findings]).delete()
    rec = link.record
    events.publish(
        events.LinkWithdrawn(
            actor_id=getattr(actor, "pk", None),
            person_id=link.person_id,
            household_id=link.person.household_id,
            record_id=link.record_id,
            record_key=rec.record_key,
            department=rec.department,
            department_label=DEPARTMENT_LABELS.get(rec.department, rec.department),
            reason=reason,
            findings_withdrawn=tuple(f.pk for f in findings),
        )
    )
    return {"findings_withdrawn": withdrawn}


def withdrawal_effects(*, household_id: int, after_seq: int) -> dict:
    """What the subscribers of a withdrawal did, read from the audit chain after the
    withdrawal's own event ``after_seq``: ``alerts`` withdrawn or re-queued, ``holds`` released."""
    rows = AuditEvent.objects.filter(
        household_id=household_id, seq__gt=after_seq, action__in=ALERT_ACTIONS + HOLD_ACTIONS
    ).values_list("action", flat=True)
    actions = list(rows)
    return {
        "alerts": sum(a in ALERT_ACTIONS for a in actions),
        "holds": sum(a in HOLD_ACTIONS for a in actions),
    }


def link_report_wrong(*, actor, link_id: int, reason: str) -> dict:
    """报告匹配错误: the officer marks an accepted link as not this person, with a reason.

    Scoped like the review (the person's household must be in the officer's area for
    ``registry.edit``); audited with the link as it was and everything withdrawn. Returns what
    was withdrawn (findings, alerts closed or re-queued, holds released) and the household."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        link = access(
            RecordLink.objects.select_for_update().select_related("person__household", "record"),
            actor,
            Capability.REGISTRY_EDIT,
            pk=link_id,
        )
        if link.status != LinkStatus.ACCEPTED:
            raise ServiceError(
                _("这条匹配尚待人工确认，请在“待人工确认”中作出决定"), code="wrong_state"
            )
        ReviewDecision.objects.update_or_create(
            record_id=link.record_id,
            person_id=link.person_id,
            defaults={
                "decision": ReviewDecision.REJECTED,
                "decided_by": actor,
                "note": reason,
                "link_status": link.status,
                "link_method": link.method,
                "match_probability": link.match_probability,
                "comparison": link.comparison or {},
            },
        )
        before = {
            "status": link.status,
            "method": link.method,
            "probability": link.match_probability,
            "record": link.record_id,
            "person": link.person_id,
        }
        done = withdraw_consequences(actor=actor, link=link, reason=reason)
        household = link.person.household
        link.delete()
        event = audit_record(
            actor=actor,
            action="verify.link_report_wrong",
            subject_type="record_link",
            subject_id=link_id,
            household_id=household.pk,
            area_code=household.hukou_area_id,
            reason=reason,
            before=before,
            after=done,
        )
    return {**done, "household_id": household.pk, "audit_seq": event.seq}
