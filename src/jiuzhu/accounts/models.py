import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import Role
from jiuzhu.areas.models import Area, OrgUnit
from jiuzhu.core import clock


class User(AbstractUser):
    """A staff account. What it may do and where comes only from its role assignments."""

    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    # Set by an administrator's create or reset, cleared by the user's own change: until then
    # every page sends the user to 修改密码 (accounts.middleware).
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # TOTP second factor (RFC 6238): the base32 secret, confirmed once the user enters a code.
    totp_secret = models.CharField(max_length=64, blank=True, editable=False)
    totp_confirmed_at = models.DateTimeField(_("动态口令启用时间"), null=True, blank=True)
    # The last accepted TOTP time step (unix time // 30): a code is good once, never replayed
    # within its window (RFC 6238 section 5.2).
    totp_last_step = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        """A password set outside ``accounts.services`` (``jiuzhu changepassword``, a shell) is
        still audited: the services mark their own changes, anything else is recorded here."""
        changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if changed and not getattr(self, "_jiuzhu_password_audited", False):
            from django.db import transaction

            from jiuzhu.audit.models import NATIONAL
            from jiuzhu.audit.services import audit_record

            with transaction.atomic():
                audit_record(
                    actor=None,
                    action="user.password_set",
                    area_code=NATIONAL,
                    subject_type="user",
                    subject_id=self.pk,
                    reason="outside the account pages",
                )
        self._jiuzhu_password_audited = False


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None):
        """Approved, not revoked, and in force on ``on``. A revoked assignment is never active,
        whatever its dates: revocation takes effect at once, not at midnight."""
        on = on or clock.today()
        return self.filter(pending=False, revoked_at__isnull=True, valid_from__lte=on).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=on)
        )

    def live(self):
        """Held or awaiting approval (not revoked): what separation of duties is checked against."""
        return self.filter(revoked_at__isnull=True)


class RoleAssignment(models.Model):
    """A role held by a user over an area subtree, from a date, possibly until a date."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    department = models.CharField(
        _("部门代码"), max_length=32, blank=True, help_text=_("部门数据员所属部门，如 police")
    )
    valid_from = models.DateField(_("生效日期"), default=timezone.localdate)
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Maker-checker: a grant made through ``accounts.services.role_assign`` waits (pending) until
    # a second administrator, neither the granter nor the grantee, approves it.
    pending = models.BooleanField(_("待复核"), default=False)
    approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        indexes = [models.Index(fields=["user", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.area}"


class LoginAttempt(models.Model):
    """One sign-in attempt (登录日志): who (as typed), from where, when, and how it ended.

    Throttling and the temporary lockout count the recent failures per username and per address
    (``accounts.security``); the 登录日志 page lists them.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("成功")
        BAD_PASSWORD = "bad_password", _("用户名或密码错误")
        LOCKED = "locked", _("账号或地址已临时锁定")
        BAD_TOTP = "bad_totp", _("动态口令错误")
        LOGOUT = "logout", _("退出登录")
        IDLE_TIMEOUT = "idle_timeout", _("长时间未操作，自动退出")

    at = models.DateTimeField(_("时间"), db_index=True)
    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.GenericIPAddressField(_("地址"), null=True, blank=True, db_index=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    user_agent = models.CharField(_("浏览器"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("登录日志")
        verbose_name_plural = _("登录日志")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.outcome}"
