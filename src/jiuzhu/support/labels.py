"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

AUDIT_ACTIONS = {
    "support.plan_create": _("制定帮扶计划"),
    "support.plan_update": _("修改帮扶计划"),
    "support.plan_review": _("帮扶计划复评"),
    "support.plan_view": _("查看帮扶计划"),
    "support.price_propose": _("提出服务单价"),
    "support.price_approve": _("审核通过服务单价"),
    "support.price_reject": _("驳回服务单价"),
    "support.provider_create": _("登记服务机构"),
    "support.provider_admit": _("服务机构准入"),
    "support.staff_add": _("登记服务人员"),
    "support.order_create": _("点单"),
    "support.order_publish": _("发布服务订单"),
    "support.order_claim": _("抢单"),
    "support.order_pick": _("选定接单机构"),
    "support.order_serve": _("完成服务"),
    "support.order_rate": _("评价服务"),
    "support.order_accept": _("验收服务"),
    "support.order_view": _("查看服务订单"),
    "support.market_setting": _("设置抢单方式"),
}

# The catalogue's names and units are stored in Chinese (migration 0002) and translated where
# shown (``{% translate kind.name %}``); listed here so they are extracted.
CATALOGUE_TEXT = [
    gettext_noop("照料护理"),
    gettext_noop("助餐"),
    gettext_noop("心理疏导"),
    gettext_noop("康复"),
    gettext_noop("能力提升/就业培训"),
    gettext_noop("家境调查"),
    gettext_noop("探访"),
    gettext_noop("小时"),
    gettext_noop("餐"),
    gettext_noop("次"),
    gettext_noop("课时"),
    gettext_noop("户次"),
]
