"""Budgets per area and programme, the funds cutover month and the budget position of a payroll."""

from __future__ import annotations

import datetime
import decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area
from jiuzhu.audit.services import audit_record
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.generation import (
    area_prefix,
    month_from_index,
    month_index,
)
from jiuzhu.funds.models import (
    Budget,
    FundsCutover,
    Payroll,
    PayrollStatus,
)
from jiuzhu.funds.services._common import CENT, first_of_month


def budget_set(
    *, actor, programme: str, area_code: str, year: int, funding_source: str, amount, note: str = ""
) -> Budget:
    try:
        value = decimal.Decimal(str(amount)).quantize(CENT)
    except (decimal.InvalidOperation, ValueError) as exc:
        raise ServiceError(_("预算金额应为数字（元，两位小数）"), field="amount") from exc
    if value < 0:
        raise ServiceError(_("预算金额不能为负"), field="amount")
    with transaction.atomic():
        if actor is not None:  # None: the system (demo set-up, commands)
            require_area(actor, Capability.BUDGET_MANAGE, area_code)
        budget, created = Budget.objects.select_for_update().get_or_create(
            programme=programme,
            area_id=area_code,
            year=year,
            funding_source=funding_source,
            defaults={"amount": value, "note": note},
        )
        before = None if created else {"amount": budget.amount}
        budget.amount = value
        budget.note = note
        budget.save()
        audit_record(
            actor=actor,
            action="funds.budget_set",
            subject_type="budget",
            subject_id=budget.pk,
            area_code=area_code,
            before=before,
            after={"programme": programme, "year": year, "source": funding_source, "amount": value},
        )
        return budget


def cutover_set(
    *, actor, area_code: str, paid_through: datetime.date, programme: str = "", note: str = ""
) -> FundsCutover:
    with transaction.atomic():
        if actor is not None:
            require_area(actor, Capability.PAYROLL_PREPARE, area_code)
        cut, _created = FundsCutover.objects.update_or_create(
            area_id=area_code,
            programme=programme,
            defaults={"paid_through": first_of_month(paid_through), "note": note},
        )
        audit_record(
            actor=actor,
            action="funds.cutover_set",
            subject_type="funds_cutover",
            subject_id=cut.pk,
            area_code=area_code,
            after={"programme": programme, "paid_through": cut.paid_through, "note": note},
        )
        return cut


def _cutover_ensure(*, actor, programme: str, area_code: str, month: datetime.date) -> None:
    """First payroll of an area with no cut-over: imported rolls count as paid through last month."""
    prefix = area_prefix(area_code)
    for c in FundsCutover.objects.filter(Q(programme="") | Q(programme=programme)):
        cp = area_prefix(c.area_id)
        if prefix.startswith(cp) or cp.startswith(prefix):
            return
    cutover_set(
        actor=None,
        area_code=area_code,
        programme=programme,
        paid_through=month_from_index(month_index(month) - 1),
        note=f"首次生成发放批次时自动设定（操作人 {actor.get_username() if actor else 'system'}）",
    )


def budget_position(*, payroll: Payroll) -> dict:
    """Budget of the payroll's county for its programme and year against what is committed."""
    county = payroll.area_id[:6] + "000000"
    year = payroll.month.year
    budget = Budget.objects.filter(
        programme=payroll.programme, area_id=county, year=year
    ).aggregate(s=Sum("amount"))["s"]
    committed = Payroll.objects.filter(
        programme=payroll.programme,
        area_id__gte=county[:6],
        area_id__lt=str(int(county[:6]) + 1),
        month__year=year,
    ).exclude(status=PayrollStatus.DRAFT).exclude(pk=payroll.pk).aggregate(s=Sum("payable_amount"))[
        "s"
    ] or decimal.Decimal("0")
    after = committed + payroll.payable_amount
    return {
        "budget": budget,
        "committed": committed,
        "after": after,
        "over": budget is not None and after > budget,
        "missing": budget is None,
    }
