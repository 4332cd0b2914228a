"""Service accounts (other systems calling Jiuzhu), their tokens, and the SPDCI registry's
transactions, subscriptions and outgoing deliveries.

A service account is a technical user (``accounts.User`` with an unusable password and no
sign-in) whose role assignments — approved by a second administrator like any other — decide
what it may see (the area) and do (the capabilities), through the same scoping as staff. The
token adds what the calling system may ask for (its scopes) and why (its purpose)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.areas.models import Area


class Scope(models.TextChoices):
    REGISTRY_SEARCH = "registry.search", _("查询救助对象")
    REGISTRY_SUBSCRIBE = "registry.subscribe", _("订阅在册变化")
    FEED_UPLOAD = "feed.upload", _("上传本部门数据")
    PARAMS_READ = "params.read", _("读取救助标准")
    CRVS_NOTIFY = "crvs.notify", _("推送出生死亡登记")


# The person fields an agreement may name (``ServiceAccount.fields``), with their labels.
AGREEABLE_FIELDS = {
    "name": _("姓名"),
    "sex": _("性别"),
    "birth_date": _("出生日期"),
    "id_number": _("身份证号"),
    "phone": _("联系电话"),
    "area": _("户籍地"),
    "household_number": _("家庭编号"),
    "household_size": _("家庭人数"),
    "relation": _("与户主关系"),
    "programmes": _("在册救助项目"),
    "death_date": _("死亡日期"),
}


class ServiceAccount(models.Model):
    """Another system's identity. ``fields`` is the agreement: which person fields it may
    receive (anything else is never sent); ``reveal`` lists the agreed fields sent unmasked."""

    SCOPE_AREA_FIELD = "area"

    name = models.CharField(_("接入系统名称"), max_length=80)
    sender_id = models.CharField(
        _("系统标识（sender_id）"),
        max_length=64,
        unique=True,
        help_text=_("对方报文头中的 sender_id"),
    )
    department = models.CharField(_("所属部门"), max_length=32, blank=True)
    purpose = models.CharField(_("用途"), max_length=200)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("地区")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_account"
    )
    scopes = models.JSONField(_("授权范围"), default=list)
    fields = models.JSONField(_("约定字段"), default=list)
    reveal = models.JSONField(_("明文字段"), default=list)
    public_key = models.TextField(_("验签公钥（JWK）"), blank=True)
    signature_mode = models.CharField(
        _("报文签名"),
        max_length=12,
        default="message",
        choices=[
            ("message", _("逐条报文签名")),
            ("sender", _("发送方声明签名")),
            ("none", _("不验签")),
        ],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("接入系统")
        verbose_name_plural = _("接入系统")

    def __str__(self):
        return self.name

    @property
    def active(self) -> bool:
        return self.approved_at is not None and self.disabled_at is None

    @property
    def status_label(self):
        if self.disabled_at is not None:
            return _("已停用")
        return _("生效") if self.approved_at is not None else _("待复核")

    @property
    def department_label(self) -> str:
        from jiuzhu.core.labels import DEPARTMENT, label

        return label(DEPARTMENT, self.department) if self.department else ""

    @property
    def scope_labels(self) -> list:
        return [Scope(s).label for s in self.scopes if s in Scope.values]

    @property
    def field_labels(self) -> list:
        return [AGREEABLE_FIELDS[f] for f in self.fields if f in AGREEABLE_FIELDS]

    @property
    def reveal_labels(self) -> list:
        return [AGREEABLE_FIELDS[f] for f in self.reveal if f in AGREEABLE_FIELDS]


class AccessToken(models.Model):
    """A bearer token: only its SHA-256 is stored; the secret is shown once at issue."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="tokens")
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"jz_{self.prefix}_…"


class Transaction(models.Model):
    """One SPDCI request (search, subscribe, unsubscribe, txn-status), kept for txn/status."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="+")
    transaction_id = models.CharField(max_length=99)
    message_id = models.CharField(max_length=99)
    correlation_id = models.CharField(max_length=40, unique=True)
    action = models.CharField(max_length=24)
    status = models.CharField(max_length=8, default="pdng")  # rcvd / pdng / succ / rjct
    sender_uri = models.CharField(max_length=300, blank=True)
    request = models.JSONField(default=dict)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["account", "transaction_id"])]

    def __str__(self):
        return f"{self.action} {self.transaction_id}"


class Subscription(models.Model):
    """A subscriber's wish to hear of enrolments, exits and deaths on the roll."""

    account = models.ForeignKey(
        ServiceAccount, on_delete=models.PROTECT, related_name="subscriptions"
    )
    code = models.CharField(max_length=40, unique=True)
    event_types = models.JSONField(default=list)
    notify_uri = models.CharField(max_length=300)
    area_code = models.CharField(max_length=12, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.code


class Delivery(models.Model):
    """A message going out (a callback or a notify), sent by the task worker with retries."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="+")
    url = models.CharField(max_length=400)
    body = models.JSONField()
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.url
