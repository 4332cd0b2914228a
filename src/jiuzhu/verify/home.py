"""The data clerk's cards on the workbench home: each of their department's feeds, the last file
handed over and how it went (instead of household counts they may not see)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability, user_departments
from jiuzhu.core import clock
from jiuzhu.core.home import FEEDS, HomeCard
from jiuzhu.core.labels import DEPARTMENT, label


def home_cards(*, user, today) -> list[HomeCard]:
    if not has_capability(user, Capability.FEED_UPLOAD):
        return []
    from jiuzhu.verify.models import FeedImport, ImportStatus

    url = reverse("verify:feed_upload")
    cards = []
    for dept in sorted(user_departments(user)):
        imports = FeedImport.objects.filter(department=dept).order_by("-created_at")
        last = imports.first()
        name = label(DEPARTMENT, dept)
        if last is None:
            cards.append(
                HomeCard(FEEDS, name, _("尚未上传"), url, note=_("请上传本部门的数据"), tone="warn")
            )
            continue
        month_start = today.replace(day=1)
        this_month = imports.filter(created_at__date__gte=month_start).count()
        details = (
            (_("上次上传"), clock.local(last.created_at).strftime("%Y-%m-%d %H:%M"), "", ""),
            (_("数据提取日期"), last.extracted_on.isoformat(), "", ""),
            (_("总行数"), last.rows_total, "", ""),
            (_("有错行数"), last.rows_rejected, "", "warn" if last.rows_rejected else ""),
            (_("本月上传次数"), this_month, "", ""),
        )
        cards.append(
            HomeCard(
                FEEDS,
                name,
                last.get_status_display(),
                url,
                details,
                tone="ok" if last.status == ImportStatus.ACCEPTED else "warn",
            )
        )
    return cards
