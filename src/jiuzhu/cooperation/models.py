"""Outbound sharing (issue 19): per department, an agreement of which roll fields go out, for
which programmes and how often; every delivery is recorded with its row count."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.areas.models import Area

# The fields an agreement may name (the roll as another department needs it). Nothing else of
# the registry ever leaves: income, assets and phones are not on this list.
SHARABLE_FIELDS = {
    "name": _("姓名"),
    "id_number": _("身份证号"),
    "programme": _("救助项目"),
    "area_code": _("区划代码"),
    "household_number": _("家庭编号"),
    "start_month": _("起始月"),
    "monthly_amount": _("月救助金额(元)"),
}


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    ON_DEMAND = "on_demand", _("按需")


class Channel(models.TextChoices):
    FILE = "file", _("文件")
    API = "api", _("接口拉取")


class SharingAgreement(models.Model):
    """An agreement with one department over one area subtree (e.g. 医保: 低保/特困 roll, monthly)."""

    SCOPE_AREA_FIELD = "area"

    department = models.CharField(_("接收部门"), max_length=32)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    programmes = models.JSONField(_("救助项目"), default=list)
    fields = models.JSONField(_("共享字段"), default=list)
    frequency = models.CharField(_("频次"), max_length=10, choices=Frequency.choices)
    channel = models.CharField(_("方式"), max_length=4, choices=Channel.choices)
    purpose = models.CharField(_("用途"), max_length=200)
    active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("数据共享协议")
        verbose_name_plural = _("数据共享协议")

    def __str__(self) -> str:
        return f"{self.department} {self.area_id}"


class SharingDelivery(models.Model):
    """One delivery under an agreement: when, by whom, how many rows, the file's digest."""

    SCOPE_AREA_FIELD = "agreement__area"

    agreement = models.ForeignKey(
        SharingAgreement, on_delete=models.PROTECT, related_name="deliveries"
    )
    rows = models.PositiveIntegerField(_("行数"))
    sha256 = models.CharField(max_length=64)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    delivered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_at", "-id"]
        verbose_name = _("数据共享记录")
        verbose_name_plural = _("数据共享记录")

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.rows}"


class Grid(models.Model):
    """网格: a part of a village (below the lowest administrative level), with its grid workers."""

    SCOPE_AREA_FIELD = "village"

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("网格名称"), max_length=60)
    active = models.BooleanField(_("有效"), default=True)

    class Meta:
        ordering = ["village_id", "name"]
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="grid_name_per_village")
        ]

    def __str__(self) -> str:
        return self.name


class GridWorker(models.Model):
    """A 网格员 assigned to a grid (from a date; ended by ``until``)."""

    SCOPE_AREA_FIELD = "grid__village"

    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="workers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("起始日期"))
    until = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("网格员")
        verbose_name_plural = _("网格员")

    def __str__(self) -> str:
        return f"{self.grid} {self.user_id}"
