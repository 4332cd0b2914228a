"""Funds' card on the workbench home: this month's payrolls of my areas and where they stand."""

from collections import Counter

from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.core.home import AREA, HomeCard


def home_cards(*, user, today) -> list[HomeCard]:
    if not has_capability(user, Capability.FUNDS_VIEW):
        return []
    from jiuzhu.funds.models import PayrollStatus
    from jiuzhu.funds.selectors import payroll_list

    month = today.replace(day=1)
    statuses = Counter(payroll_list(user=user, month=month).values_list("status", flat=True))
    base = reverse("funds:payroll_list")
    labels = dict(PayrollStatus.choices)
    details = tuple(
        (labels[s], n, f"{base}?status={s}", "warn" if s == PayrollStatus.SUBMITTED else "")
        for s, n in sorted(statuses.items(), key=lambda kv: list(labels).index(kv[0]))
    )
    total = sum(statuses.values())
    return [
        HomeCard(
            AREA,
            _("本月发放批次（%(month)s）") % {"month": month.strftime("%Y-%m")},
            total,
            base,
            details,
            note="" if total else _("本月尚未生成发放批次"),
            tone="" if total else "warn",
        )
    ]
