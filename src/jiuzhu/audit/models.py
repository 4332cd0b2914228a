"""The append-only, hash-chained audit log (审计日志).

Each event carries the hash of the one before it; ``jiuzhu audit verify`` recomputes the chain
and reports the first event that was edited, deleted or inserted out of order. The chain head
(last sequence number and hash) lives in one row that every writer locks, so concurrent writers
append one after another on PostgreSQL as on SQLite.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditChainHead(models.Model):
    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain head #{self.last_seq}"


# The area code of an event about no one place (a programme's rules, the area table, a nightly
# run over every area): shown to every auditor, whatever their areas. Every audit call passes an
# area or this marker (tests/test_audit_calls.py).
NATIONAL = "000000000000"


class AuditEvent(models.Model):
    SCOPE_AREA_FIELD = "area_code"

    seq = models.BigIntegerField(_("序号"), primary_key=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    subject_type = models.CharField(_("对象类型"), max_length=40)
    subject_id = models.CharField(_("对象编号"), max_length=40)
    household_id = models.BigIntegerField(_("家庭编号"), null=True, blank=True, db_index=True)
    area_code = models.CharField(_("区划代码"), max_length=12, blank=True, db_index=True)
    reason = models.TextField(_("理由"), blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    extra = models.JSONField(_("附加信息"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.subject_type}:{self.subject_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("审计日志只能追加，不能删除")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导出中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ExportJob(models.Model):
    """A list export too long to stream in the request: run by the task worker, its progress
    polled by the page, its file downloaded by the one who asked (``audit.exports``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    list_name = models.CharField(_("列表"), max_length=40)
    query = models.TextField(_("查询条件"), blank=True)  # the list's query string
    fmt = models.CharField(_("格式"), max_length=8, default="xlsx")
    reveal = models.BooleanField(_("显示完整证件号"), default=False)
    status = models.CharField(
        _("状态"), max_length=12, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.BigIntegerField(_("总条数"), default=0)
    done = models.BigIntegerField(_("已导出"), default=0)
    file = models.CharField(max_length=255, blank=True)  # path under MEDIA_ROOT
    filename = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")

    def __str__(self) -> str:
        return f"export #{self.pk} {self.list_name}"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(99, int(self.done * 100 / self.total)) if self.total else 0


class AuditReadLog(models.Model):
    """Reads of personal data waiting to be chained (the read log, docs/security.md).

    A page that reads personal data appends one row here — one plain INSERT, no lock — instead of
    taking the chain head's row lock on every page view. Each row is sealed on its own with the
    chain's keyed hash (``mac``), so a row edited while it waits is caught when it is chained.
    ``audit.services.audit_reads_chain`` moves the rows into the hash chain in batches (one chain
    lock per batch), keeping each read's own time, and deletes them here in the same transaction:
    every few seconds from the web processes, before every verify and anchor, and whenever the
    audit log page is opened. Append-only like the chain itself.
    """

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=40)
    household_id = models.BigIntegerField(null=True, blank=True)
    area_code = models.CharField(max_length=12, blank=True)
    after = models.JSONField(null=True, blank=True)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"read #{self.id} {self.action} {self.subject_type}:{self.subject_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("审计日志只能追加，不能删除")
