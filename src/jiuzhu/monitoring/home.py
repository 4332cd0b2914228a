"""Monitoring's card on the workbench home: open alerts of my areas, and how many are overdue."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.core.home import AREA, HomeCard


def home_cards(*, user, today) -> list[HomeCard]:
    if not has_capability(user, Capability.ALERT_HANDLE):
        return []
    from jiuzhu.monitoring.selectors import alert_list

    base = reverse("monitoring:alerts")
    open_n = alert_list(user=user, status="open").count()
    overdue = alert_list(user=user, status="open", overdue=True).count()
    details = ((_("已逾期"), overdue, f"{base}?status=open&overdue=1", "warn" if overdue else ""),)
    return [
        HomeCard(
            AREA,
            _("待处理预警"),
            open_n,
            f"{base}?status=open",
            details,
            tone="warn" if overdue else "",
        )
    ]
