"""Shared steps of the funds services: money conversions, row locks, payroll numbering and totals."""

from __future__ import annotations

import datetime
import decimal
import hashlib

import polars as pl
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from jiuzhu.core.errors import ConcurrentEditError
from jiuzhu.funds.generation import area_prefix
from jiuzhu.funds.models import (
    HoldOutcome,
    LineStatus,
    PaymentAccount,
    PaymentHold,
    Payroll,
    PayrollLine,
)

CENT = decimal.Decimal("0.01")


def _yuan(fen: int) -> decimal.Decimal:
    return (decimal.Decimal(int(fen)) / 100).quantize(CENT)


def _fen(value) -> int:
    return int((decimal.Decimal(value) * 100).to_integral_value())


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _flag_hold_id(flag: dict) -> int | None:
    ev = flag.get("evidence", {})
    return ev.get("id") if ev.get("type") == "hold" else None


def _flag_cleared(flag: dict) -> bool:
    """A holding flag from another hold that has since been cleared no longer holds the line."""
    ev = flag.get("evidence", {})
    if ev.get("type") != "hold":
        return False
    return PaymentHold.objects.filter(pk=ev.get("id"), outcome=HoldOutcome.CLEARED).exists()


# ---------------------------------------------------------------- generation


def payroll_number(programme: str, area_code: str, month: datetime.date) -> str:
    return f"FF{month:%Y%m}-{area_prefix(area_code)}-{programme}"


def _digest(rows: pl.DataFrame) -> str:
    key = rows.drop("payroll_id")
    return hashlib.sha256(key.write_csv().encode("utf-8")).hexdigest()


def _totals(payroll: Payroll, lines: pl.DataFrame) -> None:
    held = lines.filter(pl.col("held"))
    payable = lines.filter(~pl.col("held"))
    payroll.line_count = lines.height
    payroll.total_amount = _yuan(lines["amount_fen"].sum() or 0)
    payroll.held_count = held.height
    payroll.held_amount = _yuan(held["amount_fen"].sum() or 0)
    payroll.payable_count = payable.height
    payroll.payable_amount = _yuan(payable["amount_fen"].sum() or 0)


def _refresh_totals(payroll: Payroll) -> None:
    agg = PayrollLine.objects.filter(payroll=payroll).aggregate(
        n=Count("id"),
        total=Sum("amount"),
        held_n=Count("id", filter=Q(status=LineStatus.HELD)),
        held=Sum("amount", filter=Q(status=LineStatus.HELD)),
    )
    payroll.line_count = agg["n"]
    payroll.total_amount = agg["total"] or 0
    payroll.held_count = agg["held_n"]
    payroll.held_amount = agg["held"] or 0
    payroll.payable_count = agg["n"] - agg["held_n"]
    payroll.payable_amount = (agg["total"] or 0) - (agg["held"] or 0)


def flagged_count_update(payroll: Payroll) -> None:
    payroll.flagged_count = PayrollLine.objects.filter(payroll=payroll).exclude(flags=[]).count()


# ---------------------------------------------------------------- approval and release


def _lock(payroll_id: int, version: int | None) -> Payroll:
    payroll = Payroll.objects.select_for_update().select_related("area").get(pk=payroll_id)
    if version is not None and payroll.version != version:
        raise ConcurrentEditError(_("发放批次"))
    return payroll


def _handlers(payroll: Payroll) -> set[int]:
    ids = {payroll.prepared_by_id} | set(payroll.approvals.values_list("approver_id", flat=True))
    return {i for i in ids if i}


def _level_name(area_level: str) -> str:
    return {"city": _("市级"), "province": _("省级"), "county": _("县级")}.get(area_level, "")


def _current_accounts(household_ids: set[int]) -> dict:
    out = {}
    for a in PaymentAccount.objects.filter(household_id__in=household_ids, active=True).order_by(
        "-pk"
    ):
        out.setdefault((a.household_id, a.person_id), a)
    return out
