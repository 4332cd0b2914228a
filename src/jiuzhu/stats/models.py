"""Statistics and supervision: month-end snapshots, report runs, 督办, spot checks, data quality.

Every table here is this app's own. Other apps are read through their selectors only; the
snapshot rows keep plain ids (household, area code) rather than foreign keys, so the month's
figures never change when the registry does, and a bulk write needs no per-row key check.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SnapshotKind(models.TextChoices):
    CLOSE = "close", _("月末结账")
    ADJUSTMENT = "adjustment", _("结账后更正")


class Snapshot(models.Model):
    """One month-end picture of the roll and the ledger (月末快照). The first (``close``) is
    what the month's form reports for ever; a later ``adjustment`` retakes the same month after
    a correction and the form shows the difference as an adjustment line."""

    month = models.DateField(_("统计月份"))  # first day of the month
    kind = models.CharField(_("类型"), max_length=12, choices=SnapshotKind.choices)
    taken_at = models.DateTimeField(_("生成时间"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    seconds = models.FloatField(_("耗时(秒)"), default=0)

    class Meta:
        ordering = ["month", "id"]
        verbose_name = _("月末快照")
        verbose_name_plural = _("月末快照")
        constraints = [
            models.UniqueConstraint(
                fields=["month"],
                condition=models.Q(kind="close"),
                name="stats_one_close_per_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind}"


class SnapshotRow(models.Model):
    """One household × programme × month: the columnar body of a snapshot (written in bulk).

    Money is integer fen. ``people``/``households`` are the caseload at month end (0 when the
    row is only there for money paid earlier in the year); ``entered_people`` joined in the
    month; ``exited_people`` were on the roll last month and are not this month;
    ``events`` counts one-off grants starting in the month (临时救助 人次);
    ``centralized_people`` are the row's people in 集中供养 (a care institution) at month end."""

    SCOPE_AREA_FIELD = "area_code"

    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    household_id = models.BigIntegerField()
    area_code = models.CharField(max_length=12)
    urban_rural = models.CharField(max_length=5)
    programme = models.CharField(max_length=40)
    tier = models.CharField(max_length=10, blank=True)
    people = models.IntegerField(default=0)
    households = models.IntegerField(default=0)
    entered_people = models.IntegerField(default=0)
    exited_people = models.IntegerField(default=0)
    events = models.IntegerField(default=0)
    events_ytd = models.IntegerField(default=0)
    centralized_people = models.IntegerField(default=0, db_default=0)
    amount_fen = models.BigIntegerField(default=0)  # monthly amount the decision set
    standard_fen = models.BigIntegerField(default=0)  # 低保标准 in force for the area
    paid_fen = models.BigIntegerField(default=0)  # paid in the month (ledger, net)
    paid_ytd_fen = models.BigIntegerField(default=0)  # paid January … this month (net)

    class Meta:
        indexes = [models.Index(fields=["snapshot", "area_code"], name="stats_row_snap_area")]

    def __str__(self) -> str:
        return f"{self.snapshot_id}:{self.household_id}:{self.programme}"


class Tier(models.TextChoices):
    FLOOR = "floor", _("兜底保障")
    SPECIAL = "special", _("专项救助")
    WATCH = "watch", _("监测预警")


class HouseholdTier(models.Model):
    """Each household's 分层分类 tier, derived at every snapshot and stored (current value)."""

    SCOPE_AREA_FIELD = "area_code"

    household_id = models.BigIntegerField(primary_key=True)
    area_code = models.CharField(max_length=12, db_index=True)
    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices)
    month = models.DateField(_("认定月份"))

    def __str__(self) -> str:
        return f"{self.household_id} {self.tier}"


class ReportRun(models.Model):
    """A report produced (page, xlsx, CSV, command): who asked for which area and month."""

    SCOPE_AREA_FIELD = "area_code"

    area_code = models.CharField(_("区划代码"), max_length=12)
    month = models.DateField(_("统计月份"))
    fmt = models.CharField(_("格式"), max_length=6)
    snapshot = models.ForeignKey(Snapshot, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # ---------------------------------------------------------------- supervision

    def __str__(self) -> str:
        return f"{self.area_code} {self.month:%Y-%m} {self.fmt}"


class ItemStatus(models.TextChoices):
    OPEN = "open", _("督办中")
    CLOSED = "closed", _("已办结")


class SupervisionItem(models.Model):
    """督办: an overdue case escalated to the level above, with its own deadline."""

    SCOPE_AREA_FIELD = "supervisor_area"

    application_id = models.BigIntegerField(_("申请"))
    application_number = models.CharField(_("申请编号"), max_length=24)
    programme = models.CharField(_("救助项目"), max_length=40)
    area_code = models.CharField(_("办理地区"), max_length=12)
    supervisor_area = models.CharField(_("督办单位区划"), max_length=12, db_index=True)
    decision_due = models.DateField(_("原办结期限"))
    due_date = models.DateField(_("督办期限"))
    status = models.CharField(
        _("状态"), max_length=8, choices=ItemStatus.choices, default=ItemStatus.OPEN
    )
    created_at = models.DateTimeField(_("督办时间"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application_id"],
                condition=models.Q(status="open"),
                name="stats_one_open_supervision_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"督办 {self.application_number}"


class SpotCheckPlan(models.Model):
    """抽查计划: which decisions of a county and a period to review, at what share, with a seed."""

    SCOPE_AREA_FIELD = "area_code"

    name = models.CharField(_("计划名称"), max_length=80)
    area_code = models.CharField(_("抽查地区"), max_length=12)
    period_start = models.DateField(_("决定日期自"))
    period_end = models.DateField(_("决定日期至"))
    shares = models.JSONField(_("抽查比例"), default=dict)  # stratum → percent (Decimal text)
    seed = models.BigIntegerField(_("随机种子"))
    population = models.JSONField(_("总体"), default=dict)  # stratum → count
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class SpotResult(models.TextChoices):
    PENDING = "", _("待复查")
    CORRECT = "correct", _("认定准确")
    PROBLEM = "problem", _("存在问题")


class SpotCheckSample(models.Model):
    """One sampled decision, a county review task; its result once reviewed."""

    SCOPE_AREA_FIELD = "area_code"

    plan = models.ForeignKey(SpotCheckPlan, on_delete=models.CASCADE, related_name="samples")
    stratum = models.CharField(_("抽查类别"), max_length=24)
    application_id = models.BigIntegerField(_("申请"))
    application_number = models.CharField(_("申请编号"), max_length=24)
    area_code = models.CharField(_("地区"), max_length=12)
    result = models.CharField(
        _("复查结论"), max_length=8, choices=SpotResult.choices, blank=True, default=""
    )
    note = models.CharField(_("复查意见"), max_length=300, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["plan", "stratum", "application_id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "application_id"], name="stats_sample_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.application_number}"


class QualityKind(models.TextChoices):
    NO_ID = "no_id", _("成员缺身份证号")
    STALE_PHONE = "stale_phone", _("联系电话一年未更新")
    BAD_ADDRESS = "bad_address", _("住址无法解析")
    NO_CHECK = "no_check", _("12个月内未核对")


class DataQualityItem(models.Model):
    """数据质量待办: one problem found in the registry (rebuilt by ``data_quality_refresh``)."""

    SCOPE_AREA_FIELD = "area_code"

    kind = models.CharField(_("问题类型"), max_length=12, choices=QualityKind.choices)
    household_id = models.BigIntegerField(_("家庭"))
    person_id = models.BigIntegerField(_("成员"), null=True, blank=True)
    area_code = models.CharField(_("区划代码"), max_length=12)
    found_on = models.DateField(_("发现日期"))

    class Meta:
        ordering = ["kind", "area_code", "household_id"]
        indexes = [models.Index(fields=["area_code", "kind"], name="stats_dq_area_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.household_id}"


class StreetMap(models.Model):
    """A county's street (乡镇/街道) boundaries, imported from the GeoJSON the province supplies
    (no package carries them). Validated on import: every feature a township of the county in
    the area table, each once, all of them present; stored normalised (``code`` and ``name``
    from the area table) for the county's choropleth."""

    SCOPE_AREA_FIELD = "county_code"

    county_code = models.CharField(_("县(区)代码"), max_length=12, unique=True)
    geojson = models.TextField()
    features = models.PositiveIntegerField(_("街道数"), default=0)
    sha256 = models.CharField(max_length=64)
    source_name = models.CharField(_("文件名"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("导入时间"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("街道边界")
        verbose_name_plural = _("街道边界")

    def __str__(self) -> str:
        return self.county_code
