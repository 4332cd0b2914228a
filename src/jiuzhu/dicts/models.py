"""字典管理: code → label lists a site may vary (material types, visit checklist items, …).

``DictEntry`` is the list in force; a kind with no rows reads its registered seed values
(``dicts.kinds``). Every change is a ``DictChange`` proposed by one administrator and approved by
another (maker-checker) before it is applied.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DictEntry(models.Model):
    kind = models.CharField(_("字典"), max_length=32)
    code = models.CharField(_("代码"), max_length=64)
    label = models.CharField(_("名称"), max_length=200)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("字典项")
        verbose_name_plural = _("字典项")
        ordering = ["kind", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="dict_entry_kind_code"),
        ]

    def __str__(self) -> str:
        return self.label


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("待复核")
    APPROVED = "approved", _("已生效")
    REJECTED = "rejected", _("已退回")


class DictChange(models.Model):
    kind = models.CharField(_("字典"), max_length=32)
    code = models.CharField(_("代码"), max_length=64)
    label = models.CharField(_("名称"), max_length=200)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=500)
    status = models.CharField(
        _("状态"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("复核意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("字典修改")
        verbose_name_plural = _("字典修改")
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return self.label
