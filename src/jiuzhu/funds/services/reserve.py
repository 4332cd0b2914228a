"""The township's 临时救助备用金 (issue 19): replenished by finance, drawn by the township for
先行救助 (暂行办法 Art. 47–49: small amounts delegated to the 乡镇). Every movement is a ledger
entry (kind ``reserve`` in, ``advance`` out); the balance is what the ledger says, read under
the ledger's head lock, so a draw can never exceed it."""

from __future__ import annotations

import decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area
from jiuzhu.areas.models import Area, AreaLevel
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.ledger import ledger_append
from jiuzhu.funds.models import LedgerChainHead, LedgerEntry, LedgerKind

PROGRAMME = "temporary_aid"
NO_PAYROLL = 0  # reserve movements belong to no payroll


def _township(code: str) -> Area:
    area = Area.objects.filter(code=code, level=AreaLevel.TOWNSHIP).first()
    if area is None:
        raise ServiceError(
            _("备用金设在乡镇（街道）：区划 %(code)s 不是乡镇") % {"code": code}, field="area_code"
        )
    return area


def _amount(value) -> decimal.Decimal:
    try:
        d = decimal.Decimal(str(value))
    except (decimal.InvalidOperation, TypeError) as exc:
        raise ServiceError(_("金额须为数字"), field="amount") from exc
    if not d.is_finite() or d <= 0 or d != d.quantize(decimal.Decimal("0.01")):
        raise ServiceError(_("金额须大于0，最多保留两位小数（到分）"), field="amount")
    return d


def reserve_balance(area_code: str) -> decimal.Decimal:
    """The reserve's balance from the ledger (in − out, reversals included)."""
    rows = LedgerEntry.objects.filter(area_code=area_code, programme=PROGRAMME).filter(
        Q(kind=LedgerKind.RESERVE) | Q(kind=LedgerKind.ADVANCE)
    )
    sums = {
        k: rows.filter(kind=k).aggregate(s=Sum("amount"))["s"] or decimal.Decimal("0")
        for k in (LedgerKind.RESERVE, LedgerKind.ADVANCE)
    }
    return sums[LedgerKind.RESERVE] - sums[LedgerKind.ADVANCE]


def _entry(kind, area_code, amount, household_id, note, actor):
    ledger_append(
        [
            {
                "kind": kind,
                "amount": amount,
                "programme": PROGRAMME,
                "area_code": area_code,
                "month": clock.today().replace(day=1),
                "payroll_id": NO_PAYROLL,
                "household_id": household_id,
                "note": note[:200],
            }
        ],
        actor=actor,
    )


@transaction.atomic
def reserve_replenish(*, actor, area_code: str, amount, note: str) -> decimal.Decimal:
    """Finance puts money into a township's reserve (拨付/补充). Returns the new balance."""
    _township(area_code)
    require_area(actor, Capability.BUDGET_MANAGE, area_code)
    value = _amount(amount)
    if not (note or "").strip():
        raise ServiceError(_("请写明拨付依据"), field="note")
    LedgerChainHead.objects.select_for_update().get_or_create(id=1)
    _entry(LedgerKind.RESERVE, area_code, value, None, note.strip(), actor)
    balance = reserve_balance(area_code)
    audit_record(
        actor=actor,
        action="reserve.replenish",
        subject_type="reserve",
        subject_id=area_code,
        area_code=area_code,
        reason=note,
        after={"amount": str(value), "balance": str(balance)},
    )
    return balance


@transaction.atomic
def reserve_draw(*, actor, area_code: str, amount, household_id: int, note: str):
    """The township pays 先行救助 from its reserve: refused beyond the balance."""
    _township(area_code)
    require_area(actor, Capability.CASE_REVIEW, area_code)
    value = _amount(amount)
    if not (note or "").strip():
        raise ServiceError(_("请写明先行救助的事由"), field="note")
    LedgerChainHead.objects.select_for_update().get_or_create(id=1)  # serialise the balance
    balance = reserve_balance(area_code)
    if value > balance:
        raise ServiceError(
            _("备用金余额 %(balance)s 元，不足以支付 %(amount)s 元；请先申请补充备用金")
            % {"balance": balance, "amount": value},
            field="amount",
            code="insufficient",
        )
    _entry(LedgerKind.ADVANCE, area_code, value, household_id, note.strip(), actor)
    audit_record(
        actor=actor,
        action="reserve.draw",
        subject_type="reserve",
        subject_id=area_code,
        household_id=household_id,
        area_code=area_code,
        reason=note,
        after={"amount": str(value), "balance": str(balance - value)},
    )
    return balance - value
