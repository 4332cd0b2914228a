"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "reserve.replenish": _("补充临时救助备用金"),
    "funds.donation": _("登记社会捐赠"),
    "reserve.draw": _("备用金先行救助支取"),
    "funds.hold_place": _("暂停发放"),
    "funds.hold_release": _("解除暂停发放"),
    "funds.account_set": _("登记发放账户"),
    "funds.account_change_request": _("提出发放账户变更"),
    "funds.account_change_confirm": _("确认发放账户变更"),
    "funds.account_change_reject": _("驳回发放账户变更"),
    "funds.account_reveal": _("查看完整发放账号"),
    "funds.budget_set": _("设置预算"),
    "funds.cutover_set": _("设置资金系统切换月份"),
    "funds.payroll_generate": _("生成发放名册"),
    "funds.payroll_submit": _("提交发放名册"),
    "funds.payroll_approve": _("审批发放名册"),
    "funds.payroll_return": _("退回发放名册"),
    "funds.payroll_release": _("拨付发放名册"),
    "funds.bank_file_export": _("导出银行代发文件"),
    "funds.bank_return_import": _("导入银行回盘文件"),
    "funds.payroll_reissue": _("补发"),
    "funds.payroll_close": _("关闭发放名册"),
    "funds.recoveries_detect": _("检测应追缴款项"),
    "funds.recovery_record": _("登记追缴"),
    "funds.accounts_synth": _("生成演示发放账户"),
    "funds.service_payable": _("登记应付服务费"),
    "funds.service_payment_approve": _("复核服务费"),
    "funds.service_payment_release": _("拨付服务费"),
    "funds.line_finding_withdrawn": _("撤销错误匹配对应的发放暂停"),
}
