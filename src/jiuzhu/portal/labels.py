"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "portal.apply": _("群众在线申请"),
    "portal.bind": _("群众绑定家庭"),
    "portal.bind.fail": _("群众绑定家庭失败"),
    "portal.code.send": _("发送短信验证码"),
    "portal.login": _("群众登录"),
    "portal.login.fail": _("群众登录失败"),
    "portal.rate": _("群众评价"),
    "portal.report.submit": _("群众举报"),
    "portal.report.reply": _("答复群众举报"),
    "portal.upload": _("群众上传材料"),
    "portal.view.home": _("群众查看家庭信息"),
    "portal.view.case": _("群众查看申请进度"),
    "portal.view.assistance": _("群众查看救助情况"),
    "portal.view.letter": _("群众查看决定书"),
    "portal.view.self_reports": _("群众查看主动申报记录"),
    "portal.view.proxy": _("群众查看代办授权"),
    "portal.view.proxy.act": _("群众开始代办"),
    "portal.proxy.grant": _("登记代办授权"),
    "portal.proxy.revoke": _("撤销代办授权"),
    "portal.report.escalate": _("举报投诉逾期升级"),
    "portal.objection": _("提交公示异议（群众端）"),
    "portal.poster": _("下载一码通办海报"),
}
