"""The registry's figures on the workbench home: households and persons on file in the areas."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.core.home import AREA, HomeCard


def home_cards(*, user, today) -> list[HomeCard]:
    # a department's data clerk sees the feeds' import status instead (verify.home)
    if not has_capability(user, Capability.REGISTRY_VIEW):
        return []
    from jiuzhu.registry.selectors import dashboard_counts

    stats = dashboard_counts(user=user)
    if not stats.get("households") and not has_capability(user, Capability.STATS_VIEW):
        return []
    url = reverse("registry:household_list")
    cards = [
        HomeCard(AREA, _("在册家庭"), stats["households"], url),
        HomeCard(AREA, _("在册人员"), stats["persons"], url),
    ]
    if stats["by_area"]:
        cards.append(HomeCard(AREA, "", "", template="registry/_home_chart.html", context=stats))
    return cards
