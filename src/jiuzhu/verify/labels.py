"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "check_report.view": _("查看核对报告"),
    "check_report_pdf.view": _("下载核对报告 PDF"),
    "verify.feed_imported": _("导入部门数据"),
    "verify.feed_rejected": _("拒收部门数据文件"),
    "verify.feed_quarantined": _("隔离部门数据文件"),
    "verify.match_run": _("运行数据比对"),
    "verify.link_confirmed": _("确认比对结果"),
    "verify.link_rejected": _("否定比对结果"),
    "verify.check_household": _("核对家庭经济状况"),
    "verify.batch_check": _("批量核对"),
    "verify.duplicates_requested": _("申请疑似重复人员检测"),
    "verify.duplicates_detect": _("检测疑似重复人员"),
    "verify.duplicate_merge": _("合并重复人员"),
    "verify.duplicate_distinct": _("确认不是同一人"),
    "verify.review_view": _("查看待复核比对"),
    "verify.link_report_wrong": _("报告匹配错误"),
    "verify.link_view": _("查看核对匹配证据"),
}
