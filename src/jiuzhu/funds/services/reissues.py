"""Re-issue of failed payments after a bank return."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area
from jiuzhu.audit.services import audit_record
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.models import (
    LineStatus,
    Payroll,
    PayrollKind,
    PayrollLine,
    PayrollStatus,
    ReissueStatus,
)
from jiuzhu.funds.services._common import (
    _current_accounts,
    _lock,
    _refresh_totals,
    flagged_count_update,
)

# ---------------------------------------------------------------- re-issue and close


def payroll_reissue(*, actor, payroll_id: int, line_ids: list[int] | None = None) -> Payroll:
    """补发: the queued lines (failed at the bank, or a hold cleared) into a supplementary batch,
    paid into the household's current account. A line whose account was the reason it failed
    is refused until the account has been corrected."""
    with transaction.atomic():
        parent = _lock(payroll_id, None)
        require_area(actor, Capability.PAYROLL_PREPARE, parent.area_id)
        if parent.status not in (
            PayrollStatus.RELEASED,
            PayrollStatus.CLOSED,
            PayrollStatus.APPROVED,
            PayrollStatus.SUBMITTED,
        ):
            raise ServiceError(_("该批次没有可补发的明细"), code="wrong_state")
        queued = PayrollLine.objects.select_for_update().filter(
            payroll=parent, reissue_status=ReissueStatus.QUEUED
        )
        if line_ids:
            queued = queued.filter(pk__in=line_ids)
        queued = list(queued.order_by("seq"))
        if not queued:
            raise ServiceError(_("没有待补发的明细"), code="empty")
        accounts = _current_accounts({ln.household_id for ln in queued})
        problems = _reissue_problems(queued, accounts)
        if problems:
            raise ServiceError(errors={"lines": problems}, code="account_not_fixed")
        n = parent.supplements.count() + 1
        supp = Payroll.objects.create(
            number=f"{parent.number}-BF{n}",
            kind=PayrollKind.SUPPLEMENTARY,
            parent=parent,
            programme=parent.programme,
            area=parent.area,
            month=parent.month,
            generated_at=timezone.now(),
            generated_by=actor,
            inputs={"reissue_of": parent.number, "lines": [ln.seq for ln in queued]},
        )
        new = [_reissue_line(supp, i, ln, accounts) for i, ln in enumerate(queued, start=1)]
        PayrollLine.objects.bulk_create(new)
        PayrollLine.objects.filter(pk__in=[ln.pk for ln in queued]).update(
            reissue_status=ReissueStatus.REISSUED
        )
        _refresh_totals(supp)
        flagged_count_update(supp)
        supp.digest = hashlib.sha256(
            "|".join(f"{ln.reissue_of_id}:{ln.amount}:{ln.account_number}" for ln in new).encode()
        ).hexdigest()
        supp.save()
        audit_record(
            actor=actor,
            action="funds.payroll_reissue",
            subject_type="payroll",
            subject_id=supp.pk,
            area_code=parent.area_id,
            after={"parent": parent.number, "lines": len(new), "amount": supp.total_amount},
        )
        return supp


def _account_of(accounts: dict, ln: PayrollLine):
    """The payee's current account: the line's person's, else the household's."""
    return accounts.get((ln.household_id, ln.person_id)) or accounts.get((ln.household_id, None))


def _reissue_problems(queued: list[PayrollLine], accounts: dict) -> list[str]:
    """Why some queued lines cannot be re-issued (no account, or the account that failed)."""
    problems = []
    for ln in queued:
        acct = _account_of(accounts, ln)
        if acct is None:
            problems.append(_("第 %(seq)s 笔：该户没有有效发放账户") % {"seq": ln.seq})
        elif (
            ln.status == LineStatus.FAILED
            and ln.failure_reason != "other"
            and (acct.account_number == ln.account_number and acct.holder_name == ln.holder_name)
        ):
            problems.append(
                _("第 %(seq)s 笔：发放失败原因为“%(reason)s”，请先更正发放账户再补发")
                % {"seq": ln.seq, "reason": ln.get_failure_reason_display()}
            )
    return problems


def _reissue_line(supp: Payroll, seq: int, ln: PayrollLine, accounts: dict) -> PayrollLine:
    """The supplementary batch's line ``seq`` re-issuing ``ln`` into the current account."""
    parent = supp.parent
    acct = _account_of(accounts, ln)
    reason = ln.get_failure_reason_display() if ln.status == LineStatus.FAILED else "暂停解除"
    return PayrollLine(
        payroll=supp,
        seq=seq,
        roll_entry_id=ln.roll_entry_id,
        household_id=ln.household_id,
        person_id=ln.person_id,
        programme=ln.programme,
        decision_ref=ln.decision_ref,
        months_from=ln.months_from,
        months_to=ln.months_to,
        months=ln.months,
        monthly_amount=ln.monthly_amount,
        amount=ln.amount,
        status=LineStatus.PAYABLE,
        flags=[
            {
                "code": "reissue",
                "label": gettext_noop("补发"),
                "held": False,
                "reason": f"原批次 {parent.number} 第 {ln.seq} 笔（{reason}）补发",
                "evidence": {
                    "type": "line",
                    "id": ln.pk,
                    "household_id": ln.household_id,
                },
            }
        ],
        account=acct,
        bank_name=acct.bank_name,
        account_number=acct.account_number,
        holder_name=acct.holder_name,
        reissue_of=ln,
    )
