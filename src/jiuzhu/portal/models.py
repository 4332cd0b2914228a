"""The citizen side's own tables: sign-in codes, bound identities, signature evidence, 举报."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.areas.models import Area


class Citizen(models.Model):
    """A mobile number, bound the first time to one registry person (name + ID + phone match)."""

    phone = models.CharField(_("手机号"), max_length=11, unique=True)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bound_at = models.DateTimeField(_("实名绑定时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("群众用户")
        verbose_name_plural = _("群众用户")

    def __str__(self) -> str:
        return str(self.phone)


class SmsCode(models.Model):
    """One sign-in code sent to a phone. Only its hash is kept."""

    phone = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.phone)


class PhoneLock(models.Model):
    """Wrong codes counted per phone; locked for a while after too many."""

    phone = models.CharField(max_length=11, primary_key=True)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.phone)


class SignatureEvidence(models.Model):
    """A finger signature drawn on the phone for the 诚信承诺书 or 核对授权书 (PNG, hashed)."""

    KIND_CHOICES = [("pledge", _("诚信承诺书")), ("authorisation", _("核对授权书"))]

    application = models.ForeignKey("cases.Application", on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="signatures")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    png = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.kind)


class ReportCategory(models.TextChoices):
    FRAUD = "fraud", _("疑似骗取救助")
    FAVOUR = "favour", _("人情保、关系保")
    MISCONDUCT = "misconduct", _("工作人员违规违纪")
    SERVICE = "service", _("服务态度或办事效率投诉")


class ReportOffice(models.TextChoices):
    TOWNSHIP = "township", _("乡镇（街道）社会救助经办机构")
    COUNTY = "county", _("县级民政部门")
    DISCIPLINE = "discipline", _("纪检监察机构")


class Report(models.Model):
    """举报 / 投诉 from anyone; routed to an office of the area; followed with a query code."""

    SCOPE_AREA_FIELD = "office_area"

    number = models.CharField(_("受理编号"), max_length=20, unique=True)
    query_hash = models.CharField(max_length=64, unique=True)
    category = models.CharField(_("类别"), max_length=12, choices=ReportCategory.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    office = models.CharField(_("承办机构"), max_length=12, choices=ReportOffice.choices)
    office_area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("内容"))
    anonymous = models.BooleanField(_("匿名"), default=True)
    reporter_name = models.CharField(_("举报人姓名"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("举报人电话"), max_length=20, blank=True)
    due_date = models.DateField(_("答复期限"))
    escalations = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    # [{"at": date, "from_office", "from_area", "to_office", "to_area", "due"}], oldest first
    history = models.JSONField(default=list, blank=True)
    reply = models.TextField(_("答复"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("举报投诉")
        verbose_name_plural = _("举报投诉")

    def __str__(self) -> str:
        return str(self.number)


class ReportPhoto(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    content_type = models.CharField(max_length=40)
    data = models.BinaryField()
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return str(self.content_type)


class Rating(models.Model):
    """满意度: one tap (1–5) and a comment after the home visit or the decision."""

    STAGE_CHOICES = [("visit", _("入户调查")), ("decision", _("审批决定"))]

    application = models.ForeignKey("cases.Application", on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="ratings")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=10, choices=STAGE_CHOICES)
    score = models.PositiveSmallIntegerField()
    comment = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "stage"], name="portal_rating_once")
        ]

    def __str__(self) -> str:
        return f"{self.stage}:{self.score}"


class NoticeMoment(models.TextChoices):
    ACCEPTED = "accepted", _("已受理")
    MISSING = "missing", _("需补齐材料")
    NOTICE = "notice", _("公示")
    DECISION = "decision", _("审批决定")
    PAYMENT = "payment", _("救助金发放")


class Notice(models.Model):
    """A message to a household on the portal (and by SMS to its bound phones)."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(
        "cases.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moment = models.CharField(_("事项"), max_length=10, choices=NoticeMoment.choices)
    key = models.CharField(max_length=80)  # what it is about, so a moment is told once
    text = models.CharField(_("内容"), max_length=300)
    sms_to = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "key"], name="portal_notice_once")
        ]

    def __str__(self) -> str:
        return str(self.text)


class ProxyHow(models.TextChoices):
    WINDOW = "window", _("本人到窗口办理，工作人员登记")
    ONLINE = "online", _("本人登录掌上救助授权")


class ProxyGrant(models.Model):
    """代办授权: the registry person ``grantor`` lets the phone ``agent_phone`` act for their
    household on the portal, until ``valid_until`` or revocation."""

    SCOPE_AREA_FIELD = "grantor__household__hukou_area"

    grantor = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    agent_phone = models.CharField(_("代办人手机号"), max_length=11, db_index=True)
    agent_name = models.CharField(_("代办人姓名"), max_length=60)
    relation = models.CharField(_("与被代办人关系"), max_length=30)
    how = models.CharField(_("授权方式"), max_length=8, choices=ProxyHow.choices)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_by_citizen = models.ForeignKey(
        Citizen, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("有效期至"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("代办授权")
        verbose_name_plural = _("代办授权")

    def __str__(self) -> str:
        return f"{self.grantor_id}→{self.agent_phone[-4:]}"


class ObjectionReceipt(models.Model):
    """The receipt of a 公示 objection filed on the portal: its number and the phone given
    look it up (the objection itself is the cases app's)."""

    number = models.CharField(_("回执编号"), max_length=20, unique=True)
    objection = models.OneToOneField("cases.Objection", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.number)
