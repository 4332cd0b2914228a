"""What was read from a paper, what disagreed, and images seen for two households.

Papers sits below cases in the layers: it keeps the id of cases' ``Material`` (and application)
as plain numbers, never a foreign key upward, and reads the registry (below it) directly."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.areas.models import Area
from jiuzhu.registry.models import Household


class ReadingStatus(models.TextChoices):
    QUEUED = "queued", _("排队识别中")
    RUNNING = "running", _("正在识别")
    DONE = "done", _("识别完成")
    FAILED = "failed", _("无法识别")


class Purpose(models.TextChoices):
    MATERIAL = "material", _("申请材料")
    PREFILL = "prefill", _("拍照填表")


class Reading(models.Model):
    """One image read by OCR: a household's uploaded paper, or a photo taken to fill a form."""

    SCOPE_AREA_FIELD = "area"

    purpose = models.CharField(_("用途"), max_length=10, choices=Purpose.choices)
    # the household's place; for a photo taken to fill a form, the clerk's intake area (a
    # citizen's photo on the portal before the identity is bound has none)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    citizen_id = models.PositiveIntegerField(null=True, blank=True)  # the portal's citizen
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    material_id = models.PositiveIntegerField(_("申请材料"), null=True, blank=True)
    application_id = models.PositiveIntegerField(_("申请"), null=True, blank=True)
    kind_asked = models.CharField(_("所选材料类型"), max_length=20, blank=True)
    kind = models.CharField(_("识别出的证件类型"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReadingStatus.choices, default=ReadingStatus.QUEUED
    )
    image = models.CharField(max_length=200, blank=True)  # storage name; "" once a scan is read
    sha256 = models.CharField(max_length=64)
    phash = models.CharField(max_length=16, blank=True)
    fields = models.JSONField(default=dict, blank=True)
    text = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    declared = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)  # image quality, at upload
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("证件识别")
        verbose_name_plural = _("证件识别")
        indexes = [
            models.Index(fields=["material_id"], name="papers_reading_material"),
            models.Index(fields=["phash"], name="papers_reading_phash"),
        ]

    def __str__(self) -> str:
        return f"reading {self.pk}"


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACCEPTED = "accepted", _("已采用识别值")
    KEPT = "kept", _("保留原值")


class Finding(models.Model):
    """One thing the paper says that is wrong on its face or disagrees with what was entered."""

    SCOPE_AREA_FIELD = "reading__area"

    reading = models.ForeignKey(Reading, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(max_length=32)
    field = models.CharField(max_length=20, blank=True)
    params = models.JSONField(default=dict, blank=True)
    person_id = models.PositiveIntegerField(null=True, blank=True)  # the registry member meant
    status = models.CharField(
        max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"finding {self.pk}"


class SignalStatus(models.TextChoices):
    OPEN = "open", _("待核实")
    CLEARED = "cleared", _("核实无异常")
    CONFIRMED = "confirmed", _("确认冒领嫌疑")


class DuplicateImage(models.Model):
    """The same image, or a near copy (perceptual hash), handed in for two households: a possible
    冒领 (one person's papers used for another household), for the 核对 officer."""

    SCOPE_AREA_FIELD = "area"
    SCOPE_AREA_FIELD_B = "other_area"

    reading = models.ForeignKey(Reading, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Reading, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    other_area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    distance = models.PositiveSmallIntegerField(_("差异位数"))
    status = models.CharField(
        _("状态"), max_length=10, choices=SignalStatus.choices, default=SignalStatus.OPEN
    )
    note = models.CharField(_("核实说明"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["reading", "other"], name="papers_duplicate_once")
        ]

    def __str__(self) -> str:
        return f"duplicate {self.pk}"
