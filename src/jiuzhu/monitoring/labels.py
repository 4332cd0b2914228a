"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "monitor.run": _("运行监测预警"),
    "alert.view": _("查看预警"),
    "alert.close": _("办结预警"),
    "alert.assign": _("分派预警"),
    "alert.escalate": _("预警升级"),
    "alert.grid_report": _("网格员上报"),
    "alert_rule.save": _("保存预警规则"),
    "risk_class.save": _("保存风险分类"),
    "risk_class.delete": _("删除风险分类"),
    "programme_route.save": _("保存预警分派规则"),
    "programme_route.delete": _("删除预警分派规则"),
    "review.generate": _("生成定期复核任务"),
    "review.complete": _("完成定期复核"),
    "monitoring.alert_requeue": _("匹配撤销后预警保留待办"),
    "monitoring.alert_withdraw": _("匹配撤销后关闭预警"),
    "alert.self_report": _("群众主动申报变化"),
}
