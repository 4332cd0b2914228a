"""The demo's funds set-up (called by `jiuzhu demo`): accounts, budgets, cut-over, and exactly two
planted cases for this month's 低保 payroll of 海陵区 — one payee reported dead (a payment hold
as the monitoring's death alert places it) and one household on the roll twice. Idempotent."""

from __future__ import annotations

import decimal

from django.db import transaction
from django.db.models import Sum

from jiuzhu.core import clock
from jiuzhu.demo.funds_synthetic import accounts_synth
from jiuzhu.funds.generation import month_from_index, month_index
from jiuzhu.funds.models import Budget, FundingSource, FundsCutover, PaymentHold
from jiuzhu.funds.services import budget_set, cutover_set, payment_hold_place
from jiuzhu.registry.models import Person, RollEntry

HAILING = "321202000000"
DEMO_SEED = 2026
DEATH_SOURCE = "alert:demo-death"
SHARES = [
    (FundingSource.CENTRAL, decimal.Decimal("0.50")),
    (FundingSource.PROVINCIAL, decimal.Decimal("0.25")),
    (FundingSource.CITY, decimal.Decimal("0.15")),
    (FundingSource.COUNTY, decimal.Decimal("0.10")),
]


def _dibao_entries():
    return RollEntry.objects.filter(
        programme="dibao",
        status="active",
        person__isnull=True,
        end_month__isnull=True,
        household__hukou_area__gte="321202",
        household__hukou_area__lt="321203",
    ).order_by("id")


@transaction.atomic
def funds_demo() -> dict:
    month = clock.today().replace(day=1)
    accounts = accounts_synth(seed=DEMO_SEED, area_code=HAILING)["accounts"]
    if not FundsCutover.objects.filter(area_id=HAILING).exists():
        cutover_set(
            actor=None,
            area_code=HAILING,
            paid_through=month_from_index(month_index(month) - 1),
            note="演示：导入名册在原系统已发放至上月",
        )
    if not Budget.objects.filter(area_id=HAILING, programme="dibao", year=month.year).exists():
        monthly = _dibao_entries().aggregate(s=Sum("monthly_amount"))["s"] or decimal.Decimal("0")
        year_total = (monthly * 12 * decimal.Decimal("1.10")).quantize(decimal.Decimal("1"))
        for source, share in SHARES:
            budget_set(
                actor=None,
                programme="dibao",
                area_code=HAILING,
                year=month.year,
                funding_source=source,
                amount=(year_total * share).quantize(decimal.Decimal("0.01")),
                note="演示预算",
            )
    planted = {}
    if not PaymentHold.objects.filter(source=DEATH_SOURCE).exists():
        entries = list(_dibao_entries()[:2])
        if len(entries) == 2:
            dead_entry, twice_entry = entries
            head = Person.objects.get(household_id=dead_entry.household_id, relation="head")
            hold = payment_hold_place(
                person_id=head.pk,
                household_id=head.household_id,
                reason=f"公安户籍死亡报告：{head.name}（演示）",
                source=DEATH_SOURCE,
            )
            copy = RollEntry.objects.get(pk=twice_entry.pk)
            copy.pk = None
            copy.source = "import"
            copy.save()
            planted = {"hold": hold.pk, "duplicate_entry": copy.pk, "of": twice_entry.pk}
    return {"accounts": accounts, "planted": planted}
