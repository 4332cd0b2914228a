"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "sharing.agreement": _("登记数据共享协议"),
    "sharing.export": _("向其他部门推送救助名册"),
    "grid.create": _("设立网格"),
    "grid.assign": _("指定网格员"),
}
