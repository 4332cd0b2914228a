"""Programmes, parameters (maker-checker), batch runs and their determinations.

Programmes are data (the YAML shipped in ``programmes/`` is loaded into ``Programme``); their
expressions are checked when saved. Parameters are keyed by (name, area code, effective date);
only approved values count. A ``PolicyRun`` stores, per household and programme, the eligible or
on-roll determinations compactly (amount + bitmask of failed conditions) — "not eligible and not on
the roll" is the default and is not stored.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.registry.models import MoneyField


class Tier(models.TextChoices):
    BASIC = "basic", _("兜底保障")
    SPECIAL = "special", _("专项救助")
    WATCH = "watch", _("监测预警")


class Programme(models.Model):
    code = models.CharField(_("项目代码"), max_length=40, primary_key=True)
    name = models.CharField(_("项目名称"), max_length=80)
    tier = models.CharField(_("层级"), max_length=8, choices=Tier.choices)
    unit = models.CharField(_("单位"), max_length=10)
    period = models.CharField(_("周期"), max_length=8)
    definition = models.JSONField(_("定义"))
    version = models.PositiveIntegerField(default=1)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("救助项目")
        verbose_name_plural = _("救助项目")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class ParameterStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审核")
    APPROVED = "approved", _("已生效")
    REJECTED = "rejected", _("已驳回")


class ParameterValue(models.Model):
    """A parameter value for an area (``""`` = national) from a date; maker-checker approved."""

    SCOPE_AREA_FIELD = "area_code"

    name = models.CharField(_("参数"), max_length=80)
    area_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    effective_from = models.DateField(_("生效日期"))
    value = models.CharField(_("取值"), max_length=40)
    source = models.CharField(_("依据/来源"), max_length=200, blank=True)
    reason = models.CharField(_("调整理由"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ParameterStatus.choices, default=ParameterStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "area_code", "effective_from", "id"]
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")
        indexes = [models.Index(fields=["status", "name"], name="param_status_name")]

    def __str__(self) -> str:
        return f"{self.name}@{self.area_code or '全国'} {self.effective_from}: {self.value}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    DONE = "done", _("完成")
    FAILED = "failed", _("失败")


class PolicyRun(models.Model):
    """One 政策找人 run over the registry (or a subtree) at a date."""

    on_date = models.DateField(_("评估日期"))
    area_code = models.CharField(_("范围"), max_length=12, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    households = models.PositiveIntegerField(_("家庭数"), default=0)
    programmes = models.JSONField(_("项目及条件"), default=dict)
    summary = models.JSONField(_("汇总"), default=dict)
    timings = models.JSONField(_("耗时"), default=dict)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("政策找人运行")
        verbose_name_plural = _("政策找人运行")

    def __str__(self) -> str:
        return f"政策找人 #{self.pk} {self.on_date}"


class Flag(models.TextChoices):
    NONE = "", _("一致")
    MISSED = "missed", _("应保未保")
    WRONGLY_INCLUDED = "wrongly_included", _("错保")
    AMOUNT_DIFF = "amount_diff", _("金额不符")


class Determination(models.Model):
    """A household × programme result of a run, stored when eligible or on the roll."""

    SCOPE_AREA_FIELD = "area_code"

    run = models.ForeignKey(PolicyRun, on_delete=models.CASCADE, related_name="determinations")
    household_id = models.BigIntegerField(_("家庭"))
    area_code = models.CharField(_("区划代码"), max_length=12)
    programme = models.CharField(_("项目"), max_length=40)
    eligible = models.BooleanField(_("符合"))
    amount = MoneyField(_("测算金额"))
    beneficiaries = models.PositiveSmallIntegerField(_("受益人数"), default=0)
    failed = models.BigIntegerField(_("未通过条件(位掩码)"), default=0)
    on_roll = models.BooleanField(_("在册"), default=False)
    roll_amount = MoneyField(_("名册金额"), null=True, blank=True)
    flag = models.CharField(_("结论"), max_length=20, choices=Flag.choices, blank=True)

    class Meta:
        verbose_name = _("认定结果")
        verbose_name_plural = _("认定结果")
        indexes = [
            models.Index(fields=["run", "flag", "area_code"], name="det_run_flag_area"),
            models.Index(fields=["run", "household_id"], name="det_run_household"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.household_id}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("待复核")
    APPROVED = "approved", _("已生效")
    REJECTED = "rejected", _("已驳回")


class ProgrammeProposal(models.Model):
    """A programme definition written in the application's editor (YAML under the hood),
    maker-checker: it is checked when proposed and takes effect — a new programme becomes
    active, an edit replaces the active definition — only when a second administrator approves
    it. A new programme waits as an inactive ``Programme`` row meanwhile."""

    code = models.CharField(_("项目代码"), max_length=40)
    definition = models.JSONField(_("定义"))
    text = models.TextField(_("定义原文(YAML)"))
    reason = models.CharField(_("理由"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("复核意见"), max_length=200, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("救助项目定义变更")
        verbose_name_plural = _("救助项目定义变更")

    def __str__(self) -> str:
        return f"{self.code} {self.status}"
