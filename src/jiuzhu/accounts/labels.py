"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "user.create": _("创建用户"),
    "role.assign": _("分配角色"),
    "role.revoke": _("撤销角色"),
    "role.approve": _("复核角色分配"),
    "role.reject": _("驳回角色分配"),
    "user.password_change": _("本人修改密码"),
    "user.password_reset": _("管理员重置密码"),
    "user.password_set": _("在账号页面以外设置密码"),
    "user.activate": _("启用账号"),
    "user.deactivate": _("停用账号"),
    "user.totp_enrol": _("绑定动态口令"),
    "user.totp_reset": _("重置动态口令"),
    "login_log.view": _("查看登录记录"),
}
