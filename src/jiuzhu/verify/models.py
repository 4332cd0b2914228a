"""家庭经济状况核对: department feeds, their records, links to persons, checks and findings."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.registry.models import Household, MoneyField, Person


class _Row(models.Model):
    """A row that names itself by its kind and number (admin, shell, logs)."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Department(models.TextChoices):
    POLICE = "police", _("公安")
    HRSS = "hrss", _("人社")
    MARKET = "market", _("市场监管")
    PROPERTY = "property", _("不动产")
    VEHICLES = "vehicles", _("车管")
    BANK = "bank", _("银行")
    TAX = "tax", _("税务")
    MEDICAL_INSURANCE = "medical_insurance", _("医保")
    DISABILITY_FEDERATION = "disability_federation", _("残联")
    EDUCATION = "education", _("教育")


class ImportStatus(models.TextChoices):
    ACCEPTED = "accepted", _("已导入")
    REJECTED = "rejected", _("已拒收")  # the file as a whole: header, encoding, department
    QUARANTINED = "quarantined", _("已隔离")  # rows failed checks: nothing imported, report kept


class FeedImport(models.Model):
    """One file a department handed over, whether it was taken or not."""

    department = models.CharField(_("部门"), max_length=32, choices=Department.choices)
    file_name = models.CharField(_("文件名"), max_length=200)
    file_format = models.CharField(_("格式"), max_length=8)
    encoding = models.CharField(_("编码"), max_length=16, blank=True)
    checksum = models.CharField(_("SHA-256"), max_length=64)
    extracted_on = models.DateField(_("数据提取日期"))
    # The months the extract covers (monthly feeds: 人社). Income is judged over these months, not
    # over a fixed 12: a file with only the latest month's wage covers one month. Default: from the
    # earliest to the latest month in the file; empty for feeds that are not monthly.
    period_start = models.DateField(_("覆盖起始月份"), null=True, blank=True)
    period_end = models.DateField(_("覆盖截止月份"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ImportStatus.choices)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_created = models.PositiveIntegerField(_("新增"), default=0)
    rows_updated = models.PositiveIntegerField(_("更新"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("未变"), default=0)
    rows_rejected = models.PositiveIntegerField(_("有错行数"), default=0)
    report = models.JSONField(_("检查报告"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("部门数据导入")
        verbose_name_plural = _("部门数据导入")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "checksum"],
                condition=models.Q(status="accepted"),
                name="feed_import_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_department_display()} {self.file_name}"


class FeedRecord(models.Model):
    """One row of a department's data, keyed by the department's own record number."""

    department = models.CharField(_("部门"), max_length=32, choices=Department.choices)
    record_key = models.CharField(_("记录编号"), max_length=64)
    feed_import = models.ForeignKey(FeedImport, on_delete=models.PROTECT, related_name="records")
    row_no = models.PositiveIntegerField(_("行号"))
    kind = models.CharField(_("类别"), max_length=32, blank=True)
    id_number = models.CharField(_("身份证号(原样)"), max_length=18, blank=True)
    name = models.CharField(_("姓名"), max_length=60, blank=True)
    sex = models.CharField(_("性别"), max_length=1, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    area_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    event_date = models.DateField(_("数据日期"), null=True, blank=True)
    amount = MoneyField(_("金额(元)"), null=True, blank=True)
    data = models.JSONField(_("原始字段"))

    class Meta:
        verbose_name = _("部门数据记录")
        verbose_name_plural = _("部门数据记录")
        constraints = [
            models.UniqueConstraint(fields=["department", "record_key"], name="feed_record_key")
        ]
        # the per-household check looks records up by number, birth date and name
        indexes = [
            models.Index(fields=["id_number"], name="feedrec_id"),
            models.Index(fields=["birth_date"], name="feedrec_birth"),
            models.Index(fields=["name"], name="feedrec_name"),
        ]

    def __str__(self) -> str:
        return f"{self.department}:{self.record_key}"


class MatchRun(_Row):
    """One run of the matching engine, with the trained model it used (Splink JSON)."""

    KIND_FEEDS = "feeds"
    KIND_REGISTRY = "registry"
    kind = models.CharField(_("类型"), max_length=12, default=KIND_FEEDS)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    model = models.JSONField(_("训练参数"), null=True, blank=True)
    stats = models.JSONField(_("统计"), default=dict)
    accept_probability = models.FloatField(default=0.99)
    review_probability = models.FloatField(default=0.6)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("比对批次")
        verbose_name_plural = _("比对批次")
        constraints = [
            # one duplicate detection at a time (services.duplicates_detect)
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="registry", finished_at__isnull=True),
                name="one_running_duplicate_run",
            )
        ]


class LinkMethod(models.TextChoices):
    EXACT = "exact", _("身份证号一致")
    ID15 = "id15", _("15位旧证号升位后一致")
    PROBABILISTIC = "probabilistic", _("概率匹配")
    CONFIRMED = "confirmed", _("人工确认")


class LinkStatus(models.TextChoices):
    ACCEPTED = "accepted", _("已匹配")
    REVIEW = "review", _("待人工确认")


class RecordLink(_Row):
    """A department record linked to a registry person (the current view: one per record)."""

    SCOPE_AREA_FIELD = "person__household__hukou_area"

    record = models.OneToOneField(FeedRecord, on_delete=models.CASCADE, related_name="link")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="record_links")
    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT, related_name="links")
    method = models.CharField(_("方式"), max_length=16, choices=LinkMethod.choices)
    status = models.CharField(_("状态"), max_length=10, choices=LinkStatus.choices)
    match_weight = models.FloatField(_("匹配权重"), null=True, blank=True)
    match_probability = models.FloatField(_("匹配概率"))
    comparison = models.JSONField(_("比较向量"), default=dict)

    class Meta:
        verbose_name = _("匹配结果")
        verbose_name_plural = _("匹配结果")
        indexes = [models.Index(fields=["status"], name="reclink_status")]


class ReviewDecision(_Row):
    """A person's decision on a proposed pair; remembered by every later run."""

    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    record = models.ForeignKey(FeedRecord, on_delete=models.CASCADE, related_name="decisions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(
        _("决定"),
        max_length=10,
        choices=[(CONFIRMED, _("确认是同一人")), (REJECTED, _("不是同一人"))],
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # the link as the reviewer saw it: a rejected link is a false-link report, counted into the
    # next trained model's review and listed on the linkage quality page
    link_status = models.CharField(_("原状态"), max_length=10, blank=True)
    link_method = models.CharField(_("原匹配方式"), max_length=16, blank=True)
    match_probability = models.FloatField(_("匹配概率"), null=True, blank=True)
    comparison = models.JSONField(_("比较向量"), default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "person"], name="review_decision_once")
        ]


class CheckBatch(_Row):
    """A batch 核对 of everyone on the roll (on demand or scheduled)."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("事由"), max_length=200)
    run = models.ForeignKey(MatchRun, null=True, blank=True, on_delete=models.PROTECT)
    stats = models.JSONField(default=dict)


class Check(_Row):
    """One household checked: the 核对报告 is built from it and its findings."""

    SCOPE_AREA_FIELD = "household__hukou_area"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="checks")
    batch = models.ForeignKey(
        CheckBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="checks"
    )
    authorisation = models.ForeignKey(
        "cases.CheckAuthorisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checks",
    )
    application_id = models.PositiveBigIntegerField(_("申请编号"), null=True, blank=True)
    run = models.ForeignKey(MatchRun, null=True, blank=True, on_delete=models.PROTECT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("事由"), max_length=200)
    checked_at = models.DateTimeField(auto_now_add=True)
    finding_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("家庭经济状况核对")
        verbose_name_plural = _("家庭经济状况核对")
        indexes = [models.Index(fields=["household", "checked_at"], name="check_hh_time")]


class FindingKind(models.TextChoices):
    DEATH = "death", _("死亡未注销")
    VEHICLE = "vehicle", _("未申报车辆")
    BUSINESS = "business", _("工商登记")
    PROPERTY = "property", _("未申报房产")
    WAGE_ABOVE_LINE = "wage_above_line", _("工资收入超标准")
    DEPOSIT = "deposit", _("存款/金融资产")
    TAXABLE_INCOME = "taxable_income", _("应税收入")
    PENSION = "pension", _("养老金/失业金")
    DUPLICATE_ROLL = "duplicate_roll", _("重复救助/重复户籍")
    DISABILITY_UNKNOWN = "disability_unknown", _("残疾信息未登记")
    LARGE_MEDICAL = "large_medical", _("大额医疗支出")
    STUDENT = "student", _("在校学生")


class Finding(_Row):
    """比对结果: a difference that matters for eligibility, with its source and date."""

    SCOPE_AREA_FIELD = "household__hukou_area"

    check_run = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="findings")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="findings")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="findings"
    )
    kind = models.CharField(_("类型"), max_length=24, choices=FindingKind.choices)
    department = models.CharField(_("部门"), max_length=32, choices=Department.choices, blank=True)
    source = models.CharField(_("来源"), max_length=40)
    as_of = models.DateField(_("数据日期"), null=True, blank=True)
    summary = models.CharField(_("说明"), max_length=300)
    amount = MoneyField(_("金额(元)"), null=True, blank=True)
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("比对结果")
        verbose_name_plural = _("比对结果")
        indexes = [models.Index(fields=["kind", "household"], name="finding_kind_hh")]


class DuplicatePair(_Row):
    """Two registry persons who are probably one (two households, or twice in one programme)."""

    SCOPE_AREA_FIELD = "person_a__household__hukou_area"

    # a pair is visible and actionable only where the user's scope holds BOTH households
    # (selectors.duplicate_queue, services.duplicate_resolve); this field is the first of two
    SCOPE_AREA_FIELD_B = "person_b__household__hukou_area"

    OPEN, MERGED, DISTINCT = "open", "merged", "distinct"
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=24)  # two_households / same_household / two_rolls
    match_probability = models.FloatField(_("匹配概率"))
    match_weight = models.FloatField(_("匹配权重"), null=True)
    comparison = models.JSONField(default=dict)
    status = models.CharField(
        _("状态"),
        max_length=10,
        default=OPEN,
        choices=[(OPEN, _("待处理")), (MERGED, _("已合并")), (DISTINCT, _("确认为不同人"))],
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="duplicate_pair_once")
        ]
