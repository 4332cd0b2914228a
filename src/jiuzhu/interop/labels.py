"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "interop.account.create": _("登记接入系统"),
    "interop.account.approve": _("复核接入系统"),
    "interop.account.disable": _("停用接入系统"),
    "interop.token.issue": _("签发接口令牌"),
    "interop.token.revoke": _("吊销接口令牌"),
    "interop.dci.search": _("接入系统查询救助对象"),
    "interop.dci.subscribe": _("接入系统订阅在册变化"),
    "interop.dci.unsubscribe": _("接入系统取消订阅"),
    "interop.dci.txn_status": _("接入系统查询事务状态"),
    "interop.dci.notify": _("向订阅方推送在册变化"),
    "interop.crvs.notify": _("接收出生死亡登记通知"),
    "interop.api.search": _("接口查询人员"),
    "interop.api.params": _("接口读取救助标准"),
    "interop.api.feed": _("接口上传部门数据"),
}
