"""Payroll lines held on 核对 findings that have been withdrawn (a link reported wrong).

A payroll line is held by its flags: a payment hold (``PaymentHold``, released through
``services.payment_hold_release``) or a finding of the 核对 itself (a death reported by 公安,
``evidence.type == "finding"``). When the 核对 officer reports the link behind such a finding as
someone else's record, verify withdraws the finding and says so (the ``core.events.LinkWithdrawn`` event); this module then stops the finding's flags from holding the household's lines
of submitted payrolls, and a line that nothing else holds any more (no other flag, or only holds
that were cleared as wrong reports) goes to the re-issue queue — paid in the supplementary batch,
as a cleared hold is. A draft payroll picks the change up when it is regenerated (the finding is
gone). Each line changed is audited.
"""

from __future__ import annotations

from django.db import transaction

from jiuzhu.audit.services import audit_record
from jiuzhu.funds.models import (
    HoldOutcome,
    LineStatus,
    PaymentHold,
    PayrollLine,
    PayrollStatus,
    ReissueStatus,
)
from jiuzhu.registry.models import Household

NOTE = "核对结果已撤回（匹配错误），待补发"


def _finding_id(flag: dict) -> int | None:
    ev = flag.get("evidence") or {}
    return ev.get("id") if ev.get("type") == "finding" else None


def _still_holds(flag: dict, cleared_holds: set[int]) -> bool:
    if not flag.get("held"):
        return False
    ev = flag.get("evidence") or {}
    return not (ev.get("type") == "hold" and ev.get("id") in cleared_holds)


def lines_release_withdrawn_findings(
    *, actor, household_id: int, finding_ids: list[int], note: str = ""
) -> int:
    """Stop withdrawn findings from holding this household's lines; queue the lines nothing else
    holds for re-issue. Returns the number of lines queued."""
    wanted = set(finding_ids)
    if not wanted:
        return 0
    queued = 0
    with transaction.atomic():
        lines = list(
            PayrollLine.objects.select_for_update()
            .filter(household_id=household_id, status=LineStatus.HELD)
            .exclude(payroll__status=PayrollStatus.DRAFT)
        )
        hold_ids = {
            (f.get("evidence") or {}).get("id")
            for line in lines
            for f in line.flags
            if (f.get("evidence") or {}).get("type") == "hold"
        }
        cleared = set(
            PaymentHold.objects.filter(
                pk__in=[h for h in hold_ids if h], outcome=HoldOutcome.CLEARED
            ).values_list("pk", flat=True)
        )
        area = (
            Household.objects.filter(pk=household_id)
            .values_list("hukou_area_id", flat=True)
            .first()
            or ""
        )
        for line in lines:
            mine = [f for f in line.flags if _finding_id(f) in wanted and f.get("held")]
            if not mine:
                continue
            for f in mine:
                f["held"] = False
                f["withdrawn"] = (note or NOTE)[:200]
            fields = ["flags"]
            if not any(_still_holds(f, cleared) for f in line.flags):
                line.reissue_status = ReissueStatus.QUEUED
                line.failure_note = NOTE
                fields += ["reissue_status", "failure_note"]
                queued += 1
            line.save(update_fields=fields)
            audit_record(
                actor=actor,
                action="funds.line_finding_withdrawn",
                subject_type="payroll_line",
                subject_id=line.pk,
                household_id=household_id,
                area_code=area,
                reason=note,
                after={
                    "findings": sorted(_finding_id(f) for f in mine),
                    "reissue": line.reissue_status,
                },
            )
    return queued
