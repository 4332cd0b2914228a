"""Monitoring (主动发现): alert rules as configuration, alerts as work, runs, risk classes, reviews.

Rule *kinds* are a fixed set implemented in code (``jiuzhu.monitoring.rules``); an
``AlertRule`` is one configured use of a kind: switched on or off, with typed thresholds
(``params``, checked against the kind's parameter class when saved), an area it applies to
(``area_prefix``; a rule for a narrower area overrides the wider one of the same kind) and the
programmes it watches. An ``Alert`` is one piece of work for one household and cause, routed to a
named worker with a deadline; the database keeps at most one *open* alert per household and cause.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import Role
from jiuzhu.areas.models import Area
from jiuzhu.registry.models import Household, Person


class RuleKind(models.TextChoices):
    DEATH = "death", _("在册人员死亡")
    INCOME_ABOVE_LINE = "income_above_line", _("收入超过标准")
    NEW_ASSET = "new_asset", _("新增车辆/企业/房产")
    MEDICAL_SPENDING = "medical_spending", _("自付医疗费用超预警线")
    AGE_THRESHOLD = "age_threshold", _("年满16/18/60周岁")
    SEVERE_DISABILITY = "severe_disability", _("新办重度残疾证")
    SCHOOL_CHANGE = "school_change", _("入学/学段变化")
    SCHOOL_LEAVING = "school_leaving", _("离校（毕业/退学/休学）")
    HUKOU_MOVE_OUT = "hukou_move_out", _("户籍迁出")
    JOB_LOSS = "job_loss", _("家庭成员失业（新领失业金）")
    DUPLICATE_BENEFIT = "duplicate_benefit", _("重复救助/互斥项目")
    PAYMENT_MISMATCH = "payment_mismatch", _("发放数据与名册不符")
    ELIGIBLE_NOT_ENROLLED = "eligible_not_enrolled", _("应保未保(政策找人)")
    LOW_INCOME_RISK = "low_income_risk", _("低收入家庭返贫致贫风险")
    SELF_REPORT = "self_report", _("群众主动申报变化")
    MANUAL = "manual", _("网格员上报")  # a grid worker's report from a visit (issue 19)


class AlertRule(models.Model):
    """One configured alert rule: a kind from code, thresholds from the admin."""

    kind = models.CharField(_("规则类型"), max_length=24, choices=RuleKind.choices)
    name = models.CharField(_("规则名称"), max_length=80)
    enabled = models.BooleanField(_("启用"), default=True)
    area_prefix = models.CharField(
        _("适用区域(区划代码前缀)"),
        max_length=12,
        blank=True,
        help_text=_("留空=全部区域；同类型规则中区域最具体者优先（如 321202 覆盖海陵区）"),
    )
    programmes = models.JSONField(
        _("关注的救助项目"), default=list, blank=True, help_text=_("留空=所有项目")
    )
    params = models.JSONField(_("阈值参数"), default=dict, blank=True)
    deadline_days = models.PositiveSmallIntegerField(_("处理时限(工作日)"), default=10)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "area_prefix", "id"]
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        constraints = [
            models.UniqueConstraint(fields=["kind", "area_prefix", "name"], name="alert_rule_once")
        ]

    def __str__(self) -> str:
        return gettext("%(name)s（%(kind)s）") % {
            "name": self.name,
            "kind": self.get_kind_display(),
        }


class MonitorRunKind(models.TextChoices):
    INCREMENTAL = "incremental", _("增量")
    FULL = "full", _("全量")


class MonitorRunStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    DONE = "done", _("完成")
    FAILED = "failed", _("失败(已回滚)")


class MonitorRun(models.Model):
    """One evaluation of the rules. A run's alerts and its watermarks commit together or not at all.

    The watermarks say what the run has seen: department imports up to ``feed_import_upto``,
    findings up to ``finding_upto``, the policy run ``policy_run_id``, roll changes up to
    ``roll_changed_upto`` and ages up to ``as_of``. An incremental run starts from the last *done*
    run's watermarks, so a run that failed is simply done again.
    """

    kind = models.CharField(_("类型"), max_length=12, choices=MonitorRunKind.choices)
    trigger = models.CharField(_("触发"), max_length=20, default="manual")
    status = models.CharField(
        _("状态"), max_length=8, choices=MonitorRunStatus.choices, default=MonitorRunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("开始"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束"), null=True, blank=True)
    as_of = models.DateField(_("评估日期"))
    feed_import_upto = models.BigIntegerField(default=0)
    finding_upto = models.BigIntegerField(default=0)
    policy_run_id = models.BigIntegerField(null=True, blank=True)
    roll_changed_upto = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(_("各规则预警数"), default=dict)
    timings = models.JSONField(_("耗时(秒)"), default=dict)
    alerts_created = models.PositiveIntegerField(_("新增预警"), default=0)
    alerts_merged = models.PositiveIntegerField(_("并入已有预警"), default=0)
    error = models.TextField(_("错误"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("预警运行")
        verbose_name_plural = _("预警运行")

    def __str__(self) -> str:
        return gettext("预警运行 #%(n)s %(kind)s %(status)s") % {
            "n": self.pk,
            "kind": self.get_kind_display(),
            "status": self.get_status_display(),
        }


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    CLOSED = "closed", _("已办结")


class Outcome(models.TextChoices):
    ADD = "add", _("核增")
    REDUCE = "reduce", _("核减")
    STOP = "stop", _("停发")
    NO_ACTION = "no_action", _("无需处理")


class Level(models.TextChoices):
    VILLAGE = "village", _("村(社区)")
    TOWNSHIP = "township", _("乡镇(街道)")
    COUNTY = "county", _("县(区)")


LEVEL_ROLE = {
    Level.VILLAGE: Role.VILLAGE_WORKER,
    Level.TOWNSHIP: Role.TOWNSHIP_REVIEWER,
    Level.COUNTY: Role.COUNTY_APPROVER,
}


class ProgrammeRoute(models.Model):
    """Which level handles a programme's alerts and reviews first (absent: the village).

    The Router starts at ``level`` for alerts about ``programme`` in villages under
    ``area_prefix`` (blank = everywhere; the longest matching prefix wins) and, as for every
    alert, goes up when nobody holds the role there: e.g. 特困/孤儿 to the county's handler,
    临时救助 to the street."""

    programme = models.CharField(_("救助项目"), max_length=40)
    area_prefix = models.CharField(
        _("适用区域(区划代码前缀)"), max_length=12, blank=True, help_text=_("留空=全部区域")
    )
    level = models.CharField(_("首先办理层级"), max_length=8, choices=Level.choices)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["programme", "area_prefix"]
        verbose_name = _("按项目分派")
        verbose_name_plural = _("按项目分派")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "area_prefix"], name="programme_route_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.area_prefix or '*'} → {self.get_level_display()}"


class Alert(models.Model):
    """预警: one household, one cause, routed to a named worker with a deadline."""

    SCOPE_AREA_FIELD = "area"

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("家庭")
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cause = models.CharField(_("预警原因"), max_length=24, choices=RuleKind.choices)
    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    # Blank for an alert raised outside a run (a citizen's 主动申报).
    run = models.ForeignKey(
        MonitorRun, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    programme = models.CharField(_("相关救助项目"), max_length=40, blank=True)
    roll_entry = models.ForeignKey(
        "registry.RollEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区")
    )
    summary = models.CharField(_("预警说明"), max_length=300)
    evidence = models.JSONField(_("证据"), default=dict)
    level = models.CharField(_("办理层级"), max_length=8, choices=Level.choices)
    role = models.CharField(_("办理角色"), max_length=24, choices=Role.choices)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人"),
    )
    office = models.CharField(_("责任单位"), max_length=100, blank=True)
    due_date = models.DateField(_("办理期限"))
    escalations = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    status = models.CharField(
        _("状态"), max_length=8, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    outcome = models.CharField(_("处理结果"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("处理说明"), blank=True)
    application = models.ForeignKey(
        "cases.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_hold = models.BooleanField(_("已暂停发放"), default=False)
    raised_at = models.DateTimeField(_("预警时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "cause"],
                condition=models.Q(status="open"),
                name="one_open_alert_per_household_cause",
            )
        ]
        indexes = [
            models.Index(fields=["status", "area"], name="alert_status_area"),
            models.Index(fields=["assigned_to", "status"], name="alert_assignee_status"),
        ]

    def __str__(self) -> str:
        return gettext("预警 #%(n)s %(cause)s") % {"n": self.pk, "cause": self.get_cause_display()}


class Criterion(models.TextChoices):
    OPEN_ALERT = "open_alert", _("有未办结预警")
    ABLE_TO_WORK = "able_to_work", _("有劳动年龄且有劳动能力的成员(收入不稳定)")
    STABLE = "stable", _("特困供养或家庭成员均无劳动能力(收入稳定)")
    OTHER = "other", _("其他在保家庭")


class RiskClass(models.Model):
    """风险分类: a class, how often it is reviewed, and the test that puts a household in it.

    Households on assistance are graded in ``order``: the first class whose criterion holds wins.
    Defaults (seed 004 and 低保审核确认办法第二十九条): A monthly (an open alert), B quarterly
    (members able to work: irregular income), 年审 yearly (特困 and stable households), C
    half-yearly (the rest).
    """

    code = models.CharField(_("类别"), max_length=4, unique=True)
    label = models.CharField(_("名称"), max_length=40)
    criterion = models.CharField(_("判定条件"), max_length=16, choices=Criterion.choices)
    interval_months = models.PositiveSmallIntegerField(_("复核周期(月)"))
    order = models.PositiveSmallIntegerField(_("判定顺序"), default=10)
    deadline_days = models.PositiveSmallIntegerField(_("复核时限(工作日)"), default=15)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("风险分类")
        verbose_name_plural = _("风险分类")

    def __str__(self) -> str:
        return gettext("%(code)s %(label)s（每%(n)s个月）") % {
            "code": self.code,
            "label": self.label,
            "n": self.interval_months,
        }


class ReviewOutcome(models.TextChoices):
    CONFIRM = "confirm", _("维持")
    CHANGE = "change", _("变更金额")
    PHASE_OUT = "phase_out", _("渐退")
    STOP = "stop", _("停发退出")


class ReviewTask(models.Model):
    """动态复核: one household's review due in one month, on a named worker's 待办."""

    SCOPE_AREA_FIELD = "area"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(_("复核月份"))
    risk_class = models.CharField(_("风险分类"), max_length=4)
    programmes = models.JSONField(_("在保项目"), default=list)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("办理角色"), max_length=24, choices=Role.choices)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("办理期限"))
    done = models.BooleanField(default=False)
    outcome = models.CharField(
        _("复核结论"), max_length=10, choices=ReviewOutcome.choices, blank=True
    )
    note = models.TextField(_("复核情况"), blank=True)
    application = models.ForeignKey(
        "cases.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("动态复核")
        verbose_name_plural = _("动态复核")
        constraints = [
            models.UniqueConstraint(fields=["household", "period"], name="review_once_per_month")
        ]
        indexes = [models.Index(fields=["done", "area"], name="review_open_area")]

    def __str__(self) -> str:
        return gettext("复核 %(household)s %(month)s") % {
            "household": self.household_id,
            "month": f"{self.period:%Y-%m}",
        }


class AlertKey(models.Model):
    """The evidence an alert was raised on: (household, cause, key) is never raised twice."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="keys")
    household_id = models.BigIntegerField()
    cause = models.CharField(max_length=24)
    key = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household_id", "cause", "key"], name="alert_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.cause}:{self.key}"
