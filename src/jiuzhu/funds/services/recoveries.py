"""Recoveries of overpayments (paid after death, move or stop) and their repayment."""

from __future__ import annotations

import decimal

import polars as pl
from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.core.frames import date_sql, fen_sql, read_frame
from jiuzhu.funds.generation import (
    month_from_index,
    month_index,
)
from jiuzhu.funds.ledger import ledger_append
from jiuzhu.funds.models import (
    LedgerKind,
    Payroll,
    Recovery,
    RecoveryStatus,
)
from jiuzhu.funds.services._common import CENT, _yuan
from jiuzhu.registry import frames as registry_frames

# ---------------------------------------------------------------- recoveries (追缴)


def recoveries_detect(*, payroll_id: int | None = None, actor=None) -> int:
    """Paid lines covering months after the payee's death become recovery records (set-based)."""
    params: list = []
    where = ""
    if payroll_id is not None:
        where = "AND l.payroll_id = %s"
        params.append(payroll_id)
    # Driven from the (few) dead persons to their households' paid lines.
    sql = (
        f"SELECT l.id, l.household_id, p.id, {fen_sql('l.monthly_amount')}, "
        f"{date_sql('l.months_from')}, {date_sql('l.months_to')}, {date_sql('p.death_date')}, p.name "
        f"FROM {registry_frames.person_table('p')} "
        "JOIN funds_payrollline l ON l.household_id = p.household_id "
        "LEFT JOIN funds_paymentaccount a ON a.id = l.account_id "
        "WHERE p.death_date IS NOT NULL AND l.status = 'paid' AND p.death_date < l.months_to "
        "AND (l.person_id = p.id OR (l.person_id IS NULL AND a.person_id = p.id) "
        "OR (l.person_id IS NULL AND a.person_id IS NULL AND p.relation = 'head')) "
        f"{where} AND NOT EXISTS (SELECT 1 FROM funds_recovery r WHERE r.line_id = l.id)"
    )
    df = read_frame(
        sql,
        params,
        {
            "line_id": pl.Int64,
            "household_id": pl.Int64,
            "person_id": pl.Int64,
            "monthly_fen": pl.Int64,
            "months_from": pl.Date,
            "months_to": pl.Date,
            "death_date": pl.Date,
            "name": pl.Utf8,
        },
    )
    made = []
    for line_id, hh, pid, monthly, mfrom, mto, death, name in df.iter_rows():
        first_unowed = max(month_index(death) + 1, month_index(mfrom))
        months = month_index(mto) - first_unowed + 1
        if months <= 0:
            continue
        made.append(
            Recovery(
                line_id=line_id,
                household_id=hh,
                person_id=pid,
                amount=_yuan(monthly * months),
                reason=f"{name}于{death:%Y-%m-%d}死亡，{month_from_index(first_unowed):%Y-%m}起 {months} 个月不应发放",
            )
        )
    if not made:
        return 0
    with transaction.atomic():
        Recovery.objects.bulk_create(made)
        audit_record(
            actor=actor,
            action="funds.recoveries_detect",
            subject_type="payroll",
            subject_id=payroll_id or "",
            # a payroll's run is filed under its county; a run over every payroll is national
            area_code=(
                Payroll.objects.filter(pk=payroll_id).values_list("area_id", flat=True).first()
                if payroll_id is not None
                else None
            )
            or NATIONAL,
            after={"recoveries": len(made)},
        )
    return len(made)


def recovery_record(*, actor, recovery_id: int, version: int, amount, note: str = "") -> Recovery:
    """追回: money recovered (in part or in full); a ledger ``recovered`` entry."""
    try:
        value = decimal.Decimal(str(amount)).quantize(CENT)
    except (decimal.InvalidOperation, ValueError) as exc:
        raise ServiceError(_("追回金额应为数字（元）"), field="amount") from exc
    with transaction.atomic():
        rec = (
            Recovery.objects.select_for_update()
            .select_related("line__payroll", "household")
            .get(pk=recovery_id)
        )
        require_area(actor, Capability.PAYROLL_PREPARE, rec.household.hukou_area_id)
        if rec.version != version:
            raise ConcurrentEditError(_("追缴记录"))
        if value <= 0 or rec.recovered_amount + value > rec.amount:
            raise ServiceError(
                _("追回金额应大于 0 且累计不超过应追缴金额 %(amount)s 元") % {"amount": rec.amount},
                field="amount",
            )
        rec.recovered_amount += value
        rec.status = (
            RecoveryStatus.RECOVERED
            if rec.recovered_amount == rec.amount
            else RecoveryStatus.PARTIAL
        )
        rec.version += 1
        rec.save()
        p = rec.line.payroll
        ledger_append(
            [
                {
                    "kind": LedgerKind.RECOVERED,
                    "amount": value,
                    "programme": p.programme,
                    "area_code": p.area_id,
                    "month": p.month,
                    "payroll_id": p.pk,
                    "line_id": rec.line_id,
                    "household_id": rec.household_id,
                    "note": note[:200],
                }
            ],
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="funds.recovery_record",
            subject_type="recovery",
            subject_id=rec.pk,
            household_id=rec.household_id,
            area_code=rec.household.hukou_area_id,
            reason=note,
            after={"recovered": rec.recovered_amount, "status": rec.status},
        )
        return rec
