"""一人一策 and the services market (购买服务).

- ``SupportPlan`` (一户一策/一人一策): a household's needs by domain, goals, measures, a review
  date on the to-do list; ``PlanReview`` records each review with the three outcome ratings
  (满意度, 能力提升度, 社会融入度, 1–5). The six-item self-care assessment is the registry's
  ``SelfCareAssessment`` (written through ``registry.services.fact_add``), not a table here.
- ``ServiceKind`` (the catalogue) and ``ServicePrice`` (unit price per area and year, dated,
  proposed by the service centre and approved by a second person of the bureau).
- ``Provider`` (social organisations) and ``ProviderStaff`` (their people, certificates).
- ``ServiceOrder``: 点单 → 下单 (published) → 抢单 (claimed) → 服务 (done) → 评价 → 验收 (accepted:
  payable through funds). ``ServiceClaim`` keeps every claim; ``ServicePhoto`` the visit photos.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.areas.models import PREFIX_LENGTH, Area, level_for_code
from jiuzhu.registry.models import Household, MoneyField, Person

NEED_DOMAINS = (
    ("living", _("基本生活")),
    ("care", _("照料护理")),
    ("health", _("医疗康复")),
    ("psychology", _("心理健康")),
    ("education", _("教育")),
    ("employment", _("就业")),
    ("housing", _("住房")),
)


# The catalogue of the seeds: code, name, unit (loaded by migration 0002 and
# ``services.catalogue_ensure``; names and units are translated where shown, see labels.py).
CATALOGUE = (
    ("care", "照料护理", "小时"),
    ("meal", "助餐", "餐"),
    ("counselling", "心理疏导", "次"),
    ("rehab", "康复", "次"),
    ("training", "能力提升/就业培训", "课时"),
    ("survey", "家境调查", "户次"),
    ("visit", "探访", "次"),
)


def area_prefix(code: str) -> str:
    """The prefix of an area code's subtree (a county 321202000000 → 321202)."""
    return code[: PREFIX_LENGTH[level_for_code(code)]]


RATING_CHOICES = [(i, str(i)) for i in range(1, 6)]


class ServiceKind(models.Model):
    """One service of the catalogue (照料护理, 助餐, 心理疏导 …) and its unit."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("服务项目"), max_length=40)
    unit = models.CharField(_("计量单位"), max_length=10)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")

    def __str__(self) -> str:
        return self.name


class PriceStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审核")
    APPROVED = "approved", _("已生效")
    REJECTED = "rejected", _("已驳回")


class ServicePrice(models.Model):
    """A unit price for one service in an area subtree for a year, in force from a date once a
    second person approved it (maker-checker, like policy parameters)."""

    SCOPE_AREA_FIELD = "area"

    kind = models.ForeignKey(ServiceKind, on_delete=models.PROTECT, related_name="prices")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    effective_from = models.DateField(_("生效日期"))
    unit_price = MoneyField(_("单价(元)"))
    reason = models.CharField(_("依据/理由"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=PriceStatus.choices, default=PriceStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind__order", "area_id", "-effective_from", "-id"]
        verbose_name = _("服务单价")
        verbose_name_plural = _("服务单价")

    def __str__(self) -> str:
        return f"{self.kind_id}@{self.area_id} {self.effective_from}: {self.unit_price}"


class Admission(models.TextChoices):
    APPLIED = "applied", _("申请入驻")
    ADMITTED = "admitted", _("已准入")
    SUSPENDED = "suspended", _("暂停接单")


class Provider(models.Model):
    """服务机构: a social organisation admitted to the market of an area (its county)."""

    SCOPE_AREA_FIELD = "area"

    name = models.CharField(_("机构名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    served_areas = models.JSONField(_("服务区域"), default=list)  # area codes (subtrees)
    kinds = models.ManyToManyField(ServiceKind, related_name="providers", blank=True)
    admission = models.CharField(
        _("准入状态"), max_length=10, choices=Admission.choices, default=Admission.APPLIED
    )
    contact = models.CharField(_("联系人"), max_length=40, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    account_number = models.CharField(_("账号"), max_length=32, blank=True)
    score = models.DecimalField(
        _("综合评分"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    rated_count = models.PositiveIntegerField(_("评价次数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("服务机构")
        verbose_name_plural = _("服务机构")

    def __str__(self) -> str:
        return self.name

    def serves(self, area_code: str) -> bool:
        return any(area_code.startswith(area_prefix(c)) for c in self.served_areas)


class ProviderStaff(models.Model):
    """A person of a provider: its administrator or a worker, with a certificate (持证上岗)."""

    SCOPE_AREA_FIELD = "provider__area"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="staff")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provider_staff",
    )
    name = models.CharField(_("姓名"), max_length=60)
    is_admin = models.BooleanField(_("机构管理员"), default=False)
    certificate = models.CharField(_("资格证书"), max_length=60, blank=True)
    certificate_no = models.CharField(_("证书编号"), max_length=40, blank=True)
    certificate_expiry = models.DateField(_("证书有效期至"), null=True, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        ordering = ["provider_id", "name"]
        verbose_name = _("服务人员")
        verbose_name_plural = _("服务人员")

    def __str__(self) -> str:
        return self.name


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("实施中")
    CLOSED = "closed", _("已结束")


class SupportPlan(models.Model):
    """一户一策: the needs, goals and measures for one household (and optionally one member)."""

    SCOPE_AREA_FIELD = "area"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    needs = models.JSONField(_("需求"), default=dict)  # domain code -> text
    goals = models.TextField(_("帮扶目标"), blank=True)
    measures = models.TextField(_("帮扶措施（转介等）"), blank=True)
    review_date = models.DateField(_("复评日期"))
    status = models.CharField(
        _("状态"), max_length=8, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["review_date", "id"]
        verbose_name = _("帮扶计划")
        verbose_name_plural = _("帮扶计划")
        indexes = [models.Index(fields=["status", "review_date"], name="plan_status_review")]

    def __str__(self) -> str:
        return f"#{self.pk}"


class PlanReview(models.Model):
    """One review of a plan: the three outcome ratings on a 1–5 scale (docs/support.md)."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField(_("复评日期"))
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), choices=RATING_CHOICES)
    capability = models.PositiveSmallIntegerField(_("能力提升度"), choices=RATING_CHOICES)
    integration = models.PositiveSmallIntegerField(_("社会融入度"), choices=RATING_CHOICES)
    note = models.CharField(_("复评意见"), max_length=300, blank=True)
    next_review_date = models.DateField(_("下次复评日期"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-reviewed_on", "-id"]
        verbose_name = _("计划复评")
        verbose_name_plural = _("计划复评")

    def __str__(self) -> str:
        return f"{self.plan_id} {self.reviewed_on}"


class PickMode(models.TextChoices):
    FIRST = "first", _("先到先得（首个有效抢单中标）")
    CHOOSE = "choose", _("服务中心择优选定")


class MarketSetting(models.Model):
    """How claims are settled in an area subtree (the nearest setting applies)."""

    SCOPE_AREA_FIELD = "area"

    area = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="+")
    pick_mode = models.CharField(_("抢单方式"), max_length=8, choices=PickMode.choices)

    class Meta:
        verbose_name = _("抢单方式")
        verbose_name_plural = _("抢单方式")

    def __str__(self) -> str:
        return f"{self.area_id} {self.pick_mode}"


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", _("已点单")
    PUBLISHED = "published", _("已发布待抢单")
    CLAIMED = "claimed", _("已接单")
    DONE = "done", _("已服务待验收")
    ACCEPTED = "accepted", _("已验收待支付")
    CANCELLED = "cancelled", _("已取消")


class ServiceOrder(models.Model):
    """One bought service for one household, from 点单 to 验收."""

    SCOPE_AREA_FIELD = "area"

    number = models.CharField(_("订单号"), max_length=24, unique=True)
    plan = models.ForeignKey(
        SupportPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    kind = models.ForeignKey(ServiceKind, on_delete=models.PROTECT, related_name="orders")
    quantity = models.DecimalField(_("数量"), max_digits=8, decimal_places=1)
    unit_price = MoneyField(_("单价(元)"))
    amount = MoneyField(_("金额(元)"))
    need = models.CharField(_("服务需求"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.ORDERED
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField(_("点单时间"), auto_now_add=True)
    deadline = models.DateField(_("完成期限"), null=True, blank=True)
    conditions = models.CharField(_("接单条件"), max_length=300, blank=True)
    pick_mode = models.CharField(
        _("抢单方式"), max_length=8, choices=PickMode.choices, default=PickMode.FIRST
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    worker = models.ForeignKey(
        ProviderStaff, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    claimed_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    served_at = models.DateTimeField(_("服务时间"), null=True, blank=True)
    hours = models.DecimalField(_("服务时长(小时)"), max_digits=6, decimal_places=1, default=0)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    record = models.TextField(_("服务记录"), blank=True)
    signature_png = models.BinaryField(_("服务对象签名"), blank=True, default=b"")
    rating_bureau = models.PositiveSmallIntegerField(
        _("民政部门评价"), choices=RATING_CHOICES, null=True, blank=True
    )
    rating_centre = models.PositiveSmallIntegerField(
        _("服务中心评价"), choices=RATING_CHOICES, null=True, blank=True
    )
    rating_household = models.PositiveSmallIntegerField(
        _("服务对象评价"), choices=RATING_CHOICES, null=True, blank=True
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        indexes = [models.Index(fields=["status", "area"], name="order_status_area")]

    def __str__(self) -> str:
        return self.number

    @property
    def ratings_complete(self) -> bool:
        return None not in (self.rating_bureau, self.rating_centre, self.rating_household)


class ClaimStatus(models.TextChoices):
    WAITING = "waiting", _("待选定")
    WON = "won", _("中标")
    LOST = "lost", _("未中标")


class ServiceClaim(models.Model):
    SCOPE_AREA_FIELD = "order__area"

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="claims")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="claims")
    worker = models.ForeignKey(ProviderStaff, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("结果"), max_length=8, choices=ClaimStatus.choices)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(_("抢单时间"), auto_now_add=True)

    class Meta:
        ordering = ["claimed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "provider"], name="claim_once_per_provider")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.provider_id} {self.status}"


class ServicePhoto(models.Model):
    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="photos")
    content_type = models.CharField(max_length=40)
    data = models.BinaryField()
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.order_id} {self.size}"
