"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

# The keys of the interop audit events' details, as the audit log shows them.
FIELD_LABELS = {
    "sender_id": _("系统标识"),
    "scopes": _("授权范围"),
    "fields": _("约定字段"),
    "token": _("令牌前缀"),
    "days": _("有效天数"),
    "rows": _("条数"),
    "txn": _("事务号"),
    "subscription": _("订阅编号"),
    "event": _("事件类型"),
    "delivery": _("推送编号"),
    "deaths": _("死亡登记"),
    "births": _("出生登记"),
    "import": _("导入批次"),
    "conditions": _("查询条件"),
}

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
