"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "application.view": _("查看申请"),
    "letter.view": _("查看决定书"),
    "material.view": _("查看申请材料（证件扫描件等）"),
    "material.upload": _("上传申请材料"),
    "case.authorisation": _("录入核对授权书"),
    "case.declaration.reconcile": _("核对申报与核对结果"),
    "case.pledge.truth": _("签署诚信承诺书"),
    "case.pledge.missing_papers": _("签署容缺承诺书"),
    "case.submit": _("申请登记"),
    "case.set_programme": _("确定救助项目"),
    "case.refer": _("转办其他部门"),
    "case.panel_convene": _("发起疑难案例会商"),
    "case.panel_opinion": _("录入会商成员意见"),
    "case.panel_decide": _("会商形成结论"),
    "case.link": _("联动保障转办"),
    "case.track_outcome": _("录入转办事项办理结果"),
    "case.track_decide": _("决定并办事项"),
    "track.view": _("查看转办事项"),
    "case.objection": _("公示异议"),
    "case.submit_adjustment": _("发起变更/停发/渐退"),
    "roll.add": _("纳入救助名册"),
    "roll.change": _("变更名册救助金额"),
    "roll.stop": _("名册停发"),
    "roll.apply": _("批准后纳入救助名册"),
    "roll.phase_out": _("名册渐退"),
    "cases.chain_propose": _("提出审批流程配置变更"),
    "cases.chain_change": _("生效审批流程配置"),
    "cases.workday_propose": _("提出工作日历变更"),
    "cases.workday_change": _("生效工作日历变更"),
    "cases.config_reject": _("驳回流程配置变更"),
    "pending.sweep": _("清理暂存上传文件"),
    "case.paper_check": _("证件识别核对发现不一致"),
}


def _transitions() -> dict:
    from jiuzhu.cases.workflow import TRANSITIONS

    # The workflow's steps (``case.<step>``), labelled as the case history labels them.
    return {f"case.{name}": _(t.label) for name, t in TRANSITIONS.items()}  # noqa: INT001


AUDIT_ACTIONS.update(_transitions())


# Field names in the records of a case (its events' data, audited as they are).
FIELD_LABELS = {
    "programme": _("救助项目"),
    "proposed": _("拟申请项目"),
    "programmes": _("救助项目"),
    "vague": _("未明确申请项目"),
    "channel": _("申请渠道"),
    "declared": _("申报情况"),
    "pledge": _("诚信承诺书"),
    "authorisation": _("核对授权书"),
    "signer": _("签署人"),
    "method": _("签署方式"),
    "text": _("承诺内容"),
    "state": _("办理状态"),
    "from_state": _("原状态"),
    "to_state": _("新状态"),
    "fact": _("申报事项"),
    "kind": _("类别"),
    "amount": _("金额"),
    "application": _("申请"),
    "note": _("备注"),
}
CHANNEL_LABELS = {
    "window": _("窗口受理"),
    "visit": _("入户代办"),
    "online": _("网上申请"),
    "api": _("系统对接"),
}
