"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "policy_calculator.view": _("对在册家庭运行政策计算器"),
    "policy.programme.save": _("保存救助项目规则"),
    "policy.programme.propose": _("提出救助项目定义变更"),
    "policy.programme.approve": _("批准救助项目定义变更"),
    "policy.programme.reject": _("驳回救助项目定义变更"),
    "policy.parameter.propose": _("提出政策参数变更"),
    "policy.parameter.approve": _("批准政策参数变更"),
    "policy.parameter.reject": _("驳回政策参数变更"),
    "policy.parameter.load_demo": _("载入演示政策参数"),
    "policy.run": _("运行政策找人"),
}
