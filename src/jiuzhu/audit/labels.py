"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "audit.reveal": _("查看审计记录中的完整证件号/电话/账号"),
    "chain.rekey": _("重新设置审计链与资金台账密钥"),
    "list.export": _("导出列表（已脱敏）"),
    "list.export_reveal": _("导出列表（完整证件号）"),
}
