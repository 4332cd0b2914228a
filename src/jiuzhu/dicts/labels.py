"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "dict.propose": _("提出字典修改"),
    "dict.approve": _("复核通过字典修改"),
    "dict.reject": _("退回字典修改"),
}
