"""The dictionaries' card on the workbench home: changes waiting for a second administrator."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.accounts.scoping import has_capability
from jiuzhu.core.home import TODO, HomeCard
from jiuzhu.dicts.models import ChangeStatus, DictChange
from jiuzhu.dicts.services import CONFIGURE


def home_cards(*, user, today) -> list[HomeCard]:
    if not has_capability(user, CONFIGURE):
        return []
    n = DictChange.objects.filter(status=ChangeStatus.PENDING).exclude(proposed_by=user).count()
    return [
        HomeCard(TODO, _("待复核的字典修改"), n, reverse("dicts:list"), tone="warn" if n else "")
    ]
