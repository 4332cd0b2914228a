"""Accounts' card on the workbench home: role grants waiting for a second administrator."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.core.home import TODO, HomeCard


def home_cards(*, user, today) -> list[HomeCard]:
    if not has_capability(user, Capability.ACCOUNTS_MANAGE):
        return []
    from jiuzhu.accounts.selectors import pending_grants

    n = pending_grants(manager=user).exclude(granted_by=user).count()
    return [
        HomeCard(
            TODO, _("待复核的角色分配"), n, reverse("accounts:user_list"), tone="warn" if n else ""
        )
    ]
