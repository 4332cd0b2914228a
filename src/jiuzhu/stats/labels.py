"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "stats.drilldown_view": _("查看统计明细"),
    "stats.snapshot_close": _("月末统计封账"),
    "stats.snapshot_adjust": _("调整月末统计"),
    "stats.spotcheck_plan": _("制定抽查计划"),
    "stats.spotcheck_result": _("录入抽查结果"),
    "stats.data_quality_refresh": _("刷新数据质量检查"),
    "stats.supervision_open": _("发起督办"),
    "stats.ratings_view": _("查看群众评价明细"),
    "stats.street_map_import": _("导入街道边界"),
}
