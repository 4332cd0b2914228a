"""Cases' cards on the workbench home: my to-dos by kind (overdue, due within 2 working days),
and the roll of my areas."""

from collections import OrderedDict

from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.core.home import AREA, TODO, HomeCard

DUE_SOON_WORKING_DAYS = 2  # "due within 2 working days" (working-day calendar: cases.workdays)


def config_cards(*, user, today) -> list[HomeCard]:
    """系统管理: approval-chain and calendar changes waiting for another administrator."""
    if not has_capability(user, Capability.CASE_CONFIGURE):
        return []
    from jiuzhu.cases.models import ConfigChange, ConfigStatus

    n = ConfigChange.objects.filter(status=ConfigStatus.PENDING).exclude(proposed_by=user).count()
    return [
        HomeCard(
            TODO,
            _("待复核的审批流程与工作日修改"),
            n,
            reverse("cases:config"),
            tone="warn" if n else "",
        )
    ]


def home_cards(*, user, today) -> list[HomeCard]:
    if not has_capability(user, Capability.CASE_VIEW):
        return []
    from jiuzhu.cases.selectors import roll_visible, todo_rows
    from jiuzhu.registry.models import RollStatus

    todo_url = reverse("cases:todo")
    kinds: OrderedDict[str, list] = OrderedDict()
    for row in todo_rows(user=user, today=today):
        kinds.setdefault(str(row.kind_label), []).append(row)
    cards = []
    total_overdue = total_soon = 0
    for kind, rows in kinds.items():
        overdue = sum(1 for r in rows if r.days_left is not None and r.days_left < 0)
        soon = sum(
            1 for r in rows if r.days_left is not None and 0 <= r.days_left <= DUE_SOON_WORKING_DAYS
        )
        total_overdue += overdue
        total_soon += soon
        details = []
        if overdue:
            details.append((_("已逾期"), overdue, todo_url, "warn"))
        if soon:
            details.append((_("2个工作日内到期"), soon, todo_url, ""))
        cards.append(
            HomeCard(
                TODO, kind, len(rows), todo_url, tuple(details), tone="warn" if overdue else ""
            )
        )
    total = sum(len(r) for r in kinds.values())
    cards.insert(
        0,
        HomeCard(
            TODO,
            _("待办合计"),
            total,
            todo_url,
            (
                (_("已逾期"), total_overdue, todo_url, "warn" if total_overdue else ""),
                (_("2个工作日内到期"), total_soon, todo_url, ""),
            ),
            tone="warn" if total_overdue else ("ok" if not total else ""),
        ),
    )
    roll = roll_visible(user).filter(status=RollStatus.ACTIVE).count()
    cards.append(HomeCard(AREA, _("救助名册（在保）"), roll, reverse("cases:roll")))
    return cards
