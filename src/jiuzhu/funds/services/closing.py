"""Closing a payroll once every line is paid, failed-and-reissued or stopped."""

from __future__ import annotations

import decimal

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area
from jiuzhu.audit.services import audit_record
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.models import (
    LineStatus,
    Payroll,
    PayrollLine,
    PayrollStatus,
    ReissueStatus,
)
from jiuzhu.funds.services._common import _fen, _lock
from jiuzhu.funds.services.bank import SENT_STATUSES


def payroll_close_check(payroll: Payroll) -> dict:
    """Totals for closing: sent = paid + failed-and-reissued, to the fen."""
    agg = PayrollLine.objects.filter(payroll=payroll, status__in=SENT_STATUSES).aggregate(
        sent=Sum("amount"),
        paid=Sum("amount", filter=Q(status=LineStatus.PAID)),
        failed=Sum("amount", filter=Q(status=LineStatus.FAILED)),
        reissued=Sum(
            "amount", filter=Q(status=LineStatus.FAILED, reissue_status=ReissueStatus.REISSUED)
        ),
        unreconciled=Count("id", filter=Q(status=LineStatus.SENT)),
        not_reissued=Count(
            "id", filter=Q(status=LineStatus.FAILED) & ~Q(reissue_status=ReissueStatus.REISSUED)
        ),
    )
    zero = decimal.Decimal("0.00")
    sent = agg["sent"] or zero
    paid = agg["paid"] or zero
    reissued = agg["reissued"] or zero
    return {
        "sent": sent,
        "paid": paid,
        "failed": agg["failed"] or zero,
        "reissued": reissued,
        "unreconciled": agg["unreconciled"],
        "not_reissued": agg["not_reissued"],
        "difference": sent - paid - reissued,
        "agrees": agg["unreconciled"] == 0
        and agg["not_reissued"] == 0
        and _fen(sent) == _fen(paid) + _fen(reissued)
        and _fen(sent) == _fen(payroll.payable_amount),
    }


def payroll_close(*, actor, payroll_id: int, version: int) -> Payroll:
    """结清: only when every sent line is paid or failed-and-reissued and the totals agree to the fen."""
    with transaction.atomic():
        payroll = _lock(payroll_id, version)
        require_area(actor, Capability.PAYROLL_PREPARE, payroll.area_id)
        if payroll.status != PayrollStatus.RELEASED:
            raise ServiceError(_("只有已拨付的发放批次可以结清"), code="wrong_state")
        totals = payroll_close_check(payroll)
        if not totals["agrees"]:
            parts = []
            if totals["unreconciled"]:
                parts.append(_("%(n)s 笔尚未对账") % {"n": totals["unreconciled"]})
            if totals["not_reissued"]:
                parts.append(_("%(n)s 笔发放失败尚未补发") % {"n": totals["not_reissued"]})
            parts.append(
                _(
                    "代发 %(sent)s 元，到账 %(paid)s 元，失败已补发 %(reissued)s 元，"
                    "差额 %(difference)s 元"
                )
                % {
                    "sent": totals["sent"],
                    "paid": totals["paid"],
                    "reissued": totals["reissued"],
                    "difference": totals["difference"],
                }
            )
            raise ServiceError(
                _("不能结清：%(reasons)s")
                % {"reasons": pgettext("list separator", "；").join(parts)},
                code="totals_disagree",
            )
        payroll.status = PayrollStatus.CLOSED
        payroll.closed_by = actor
        payroll.closed_at = timezone.now()
        payroll.version = F("version") + 1
        payroll.save()
        audit_record(
            actor=actor,
            action="funds.payroll_close",
            subject_type="payroll",
            subject_id=payroll.pk,
            area_code=payroll.area_id,
            after={k: v for k, v in totals.items() if k != "agrees"},
        )
        payroll.refresh_from_db()
        return payroll
