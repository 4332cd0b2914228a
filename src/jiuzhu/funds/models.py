"""Funds (资金发放): payrolls from the roll, payment accounts, holds, bank files, the ledger.

A ``Payroll`` (发放批次) is one programme, one area (county or township) and one month. Its
``PayrollLine`` rows say, for each roll entry due that month, which months they cover (back pay
included), the amount, the account paid into, and the checks' flags. Lines are *held* (never
sent to the bank until the hold is released) or *payable* (possibly with warning flags).

Money is Decimal yuan (2 places) in the database and integer fen in columnar work.
The ``LedgerEntry`` table is append-only and hash-chained like the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.areas.models import Area
from jiuzhu.registry.models import Household, MoneyField, Person, RollEntry

# ---------------------------------------------------------------- set-up: cut-over, accounts, budget


class FundsCutover(models.Model):
    """切换: the month through which a site's imported roll was paid by its previous system.

    The first payroll of an area never back-pays months up to ``paid_through``. When no cut-over
    covers an area, the first generation records one at the month before the payroll month.
    """

    SCOPE_AREA_FIELD = "area"

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(
        _("救助项目"), max_length=40, blank=True, help_text=_("留空=所有项目")
    )
    paid_through = models.DateField(_("原系统已发放至(月)"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("发放切换月")
        verbose_name_plural = _("发放切换月")
        constraints = [
            models.UniqueConstraint(fields=["area", "programme"], name="one_cutover_per_area")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.programme or '*'} ≤ {self.paid_through:%Y-%m}"


class AccountKind(models.TextChoices):
    CARD = "card", _("银行卡")
    PASSBOOK = "passbook", _("存折")


class PaymentAccount(models.Model):
    """社会化发放账户: the bank account a household (or, for per-person programmes, a member) is paid into."""

    SCOPE_AREA_FIELD = "household__hukou_area"

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="payment_accounts"
    )
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_accounts",
        help_text=_("按人发放时的收款成员；留空=全户账户（户主或代领人）"),
    )
    bank_name = models.CharField(_("开户银行"), max_length=60)
    account_number = models.CharField(_("账号"), max_length=32, db_index=True)
    holder_name = models.CharField(_("户名"), max_length=60)
    kind = models.CharField(
        _("账户类型"),
        max_length=8,
        choices=AccountKind.choices,
        default=AccountKind.CARD,
        db_default=AccountKind.CARD,
    )
    proxy_reason = models.CharField(
        _("代领原因"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("户名不是本户成员（或不是收款成员本人）时必填"),
    )
    active = models.BooleanField(_("有效"), default=True)
    # Maker-checker: a change of an existing account is *pending* (not paid into) until a second
    # person confirms it; the first account of a household is active at once. Either way the
    # first payroll that pays into an account registered in the application flags it.
    pending = models.BooleanField(_("待确认"), default=False, db_default=False)
    review_first_payment = models.BooleanField(_("首次发放核对"), default=False, db_default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("变更原因"), max_length=200, blank=True, default="", db_default="")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    rejected_reason = models.CharField(
        _("退回原因"), max_length=200, blank=True, default="", db_default=""
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("发放账户")
        verbose_name_plural = _("发放账户")
        indexes = [models.Index(fields=["household", "active"], name="acct_hh_active")]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.holder_name}"


class AccountNotice(models.Model):
    """告知: the letter that tells a household its payment account was changed (or a change was
    refused). Recorded when the second person confirms; printed from the account-changes page."""

    SCOPE_AREA_FIELD = "household__hukou_area"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(PaymentAccount, on_delete=models.PROTECT, related_name="notices")
    text = models.TextField(_("告知内容"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("账户变更告知")
        verbose_name_plural = _("账户变更告知")

    def __str__(self) -> str:
        return f"{self.household_id} {self.created_at:%Y-%m-%d}"


class FundingSource(models.TextChoices):
    CENTRAL = "central", _("中央财政")
    PROVINCIAL = "provincial", _("省级财政")
    CITY = "city", _("市级财政")
    COUNTY = "county", _("县级财政")
    # Social donations earmarked to a programme and area (issue 19: 社会力量参与).
    DONATION = "donation", _("社会捐赠")


class Budget(models.Model):
    """专款专用: the money one funding source gives one programme in one area for one year."""

    SCOPE_AREA_FIELD = "area"

    programme = models.CharField(_("救助项目"), max_length=40)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    funding_source = models.CharField(_("资金来源"), max_length=12, choices=FundingSource.choices)
    amount = MoneyField(_("预算金额(元)"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("预算")
        verbose_name_plural = _("预算")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "area", "year", "funding_source"], name="one_budget_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.area_id} {self.year} {self.funding_source}"


class ApprovalThreshold(models.Model):
    """Multi-level approval: a payroll above ``above_total`` needs one more approval level."""

    SCOPE_AREA_FIELD = "area"

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    programme = models.CharField(
        _("救助项目"), max_length=40, blank=True, help_text=_("留空=所有项目")
    )
    above_total = MoneyField(_("批次金额超过(元)"))
    label = models.CharField(_("复核级别名称"), max_length=40, default="市级复核")
    approver_area_level = models.CharField(
        _("复核人所在层级"),
        max_length=10,
        default="city",
        help_text=_("复核人的资金发放角色须设在该层级（city=市级，province=省级）"),
    )

    class Meta:
        verbose_name = _("多级复核金额")
        verbose_name_plural = _("多级复核金额")
        ordering = ["above_total"]

    def __str__(self) -> str:
        return f"{self.label} > {self.above_total}"


# ---------------------------------------------------------------- holds (the seam for monitoring)


class HoldOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("情况属实(不发放)")
    CLEARED = "cleared", _("误报(恢复发放)")


class PaymentHold(models.Model):
    """暂停发放: while open, every payroll line for this person (or their household's lines) is held."""

    SCOPE_AREA_FIELD = "household__hukou_area"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="payment_holds")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="payment_holds")
    programme = models.CharField(_("救助项目"), max_length=40, blank=True)
    reason = models.CharField(_("暂停原因"), max_length=300)
    source = models.CharField(
        _("来源"), max_length=80, help_text=_("alert:<编号> 或 finding:<编号>")
    )
    placed_at = models.DateTimeField(_("暂停时间"), auto_now_add=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("结论"), max_length=10, choices=HoldOutcome.choices, blank=True)
    note = models.CharField(_("处理说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("暂停发放")
        verbose_name_plural = _("暂停发放")
        constraints = [
            models.UniqueConstraint(fields=["person", "source"], name="one_hold_per_person_source")
        ]
        indexes = [models.Index(fields=["released_at", "household"], name="hold_open_hh")]

    def __str__(self) -> str:
        return f"hold {self.source} person {self.person_id}"


# ---------------------------------------------------------------- payrolls


class PayrollStatus(models.TextChoices):
    DRAFT = "draft", _("草稿(可重新生成)")
    SUBMITTED = "submitted", _("待复核")
    APPROVED = "approved", _("已复核待拨付")
    RELEASED = "released", _("已拨付(已送银行)")
    CLOSED = "closed", _("已结清")


class PayrollKind(models.TextChoices):
    REGULAR = "regular", _("月度发放")
    SUPPLEMENTARY = "supplementary", _("补发批次")


class Payroll(models.Model):
    """发放批次: one programme, one area, one month."""

    SCOPE_AREA_FIELD = "area"

    number = models.CharField(_("批次号"), max_length=40, unique=True)
    kind = models.CharField(
        _("类型"), max_length=14, choices=PayrollKind.choices, default=PayrollKind.REGULAR
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supplements"
    )
    programme = models.CharField(_("救助项目"), max_length=40)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    month = models.DateField(_("发放月份"))
    status = models.CharField(
        _("状态"), max_length=10, choices=PayrollStatus.choices, default=PayrollStatus.DRAFT
    )
    line_count = models.PositiveIntegerField(_("笔数"), default=0)
    total_amount = MoneyField(_("总金额(元)"), default=0)
    payable_count = models.PositiveIntegerField(_("可发放笔数"), default=0)
    payable_amount = MoneyField(_("可发放金额(元)"), default=0)
    held_count = models.PositiveIntegerField(_("暂停笔数"), default=0)
    held_amount = MoneyField(_("暂停金额(元)"), default=0)
    flagged_count = models.PositiveIntegerField(_("提示笔数"), default=0)
    inputs = models.JSONField(_("生成依据"), default=dict)
    digest = models.CharField(_("内容摘要"), max_length=64, blank=True)
    required_levels = models.JSONField(_("复核级别"), default=list)
    budget_override_reason = models.CharField(_("超预算理由"), max_length=300, blank=True)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(_("拨付时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("结清时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "area", "month"],
                condition=models.Q(kind="regular"),
                name="one_regular_payroll",
            )
        ]
        indexes = [models.Index(fields=["area", "month"], name="payroll_area_month")]

    def __str__(self) -> str:
        return self.number


class PayrollApproval(models.Model):
    payroll = models.ForeignKey(Payroll, on_delete=models.PROTECT, related_name="approvals")
    level = models.PositiveSmallIntegerField(_("级别"))
    label = models.CharField(_("复核级别"), max_length=40)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("复核时间"), auto_now_add=True)
    note = models.CharField(_("意见"), max_length=300, blank=True)

    class Meta:
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(fields=["payroll", "level"], name="one_approval_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.payroll_id} L{self.level}"


class LineStatus(models.TextChoices):
    PAYABLE = "payable", _("待发放")
    HELD = "held", _("暂停发放")
    SENT = "sent", _("已送银行")
    PAID = "paid", _("已到账")
    FAILED = "failed", _("发放失败")
    WITHHELD = "withheld", _("不予发放")


class FailureReason(models.TextChoices):
    WRONG_ACCOUNT = "wrong_account", _("账号错误")
    CLOSED_ACCOUNT = "closed_account", _("账户已销户")
    NAME_MISMATCH = "name_mismatch", _("户名不符")
    OTHER = "other", _("其他")


class ReissueStatus(models.TextChoices):
    NONE = "", _("—")
    QUEUED = "queued", _("待补发")
    REISSUED = "reissued", _("已补发")


class PayrollLine(models.Model):
    SCOPE_AREA_FIELD = "payroll__area"

    # Indexes are few on purpose: a county payroll inserts hundreds of thousands of lines, and
    # each index is paid per line. (payroll, seq) and (roll_entry, months_to) cover their FKs;
    # reissue_of keeps its index (SQLite checks it for every line a regeneration deletes).
    payroll = models.ForeignKey(
        Payroll, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    seq = models.PositiveIntegerField(_("序号"))
    roll_entry = models.ForeignKey(
        RollEntry, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    programme = models.CharField(_("救助项目"), max_length=40)
    decision_ref = models.CharField(_("决定文号"), max_length=64, blank=True)
    months_from = models.DateField(_("起始月"))
    months_to = models.DateField(_("截止月"))
    months = models.PositiveSmallIntegerField(_("月数"), default=1)
    monthly_amount = MoneyField(_("月金额(元)"))
    amount = MoneyField(_("金额(元)"))
    status = models.CharField(_("状态"), max_length=10, choices=LineStatus.choices)
    flags = models.JSONField(_("核查提示"), default=list)
    account = models.ForeignKey(
        PaymentAccount,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    account_number = models.CharField(_("账号"), max_length=32, blank=True)
    holder_name = models.CharField(_("户名"), max_length=60, blank=True)
    failure_reason = models.CharField(
        _("失败原因"), max_length=16, choices=FailureReason.choices, blank=True
    )
    failure_note = models.CharField(_("银行说明"), max_length=200, blank=True)
    reissue_status = models.CharField(
        _("补发"), max_length=10, choices=ReissueStatus.choices, blank=True, default=""
    )
    reissue_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissues",
    )

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        constraints = [models.UniqueConstraint(fields=["payroll", "seq"], name="line_seq_unique")]
        indexes = [
            models.Index(fields=["roll_entry", "months_to"], name="line_entry_month"),
            models.Index(fields=["payroll", "status"], name="line_payroll_status"),
        ]

    def __str__(self) -> str:
        return f"{self.payroll_id}#{self.seq}"

    @property
    def ref(self) -> str:
        """The line's reference in bank files: batch number and sequence."""
        return f"{self.payroll.number}-{self.seq:06d}"


# ---------------------------------------------------------------- bank files


class BankFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (xlsx)"


class AmountUnit(models.TextChoices):
    YUAN = "yuan", _("元(两位小数)")
    FEN = "fen", _("分(整数)")


class BankProfile(models.Model):
    """One bank's file layout (代发文件格式): columns, header names, encoding, amount unit."""

    name = models.CharField(_("配置名称"), max_length=60, unique=True)
    bank_name = models.CharField(_("银行"), max_length=60)
    file_format = models.CharField(
        _("文件格式"), max_length=4, choices=BankFormat.choices, default=BankFormat.CSV
    )
    encoding = models.CharField(
        _("字符编码"), max_length=8, choices=[("utf-8", "UTF-8"), ("gbk", "GBK")], default="utf-8"
    )
    delimiter = models.CharField(_("分隔符"), max_length=1, default=",")
    amount_unit = models.CharField(
        _("金额单位"), max_length=4, choices=AmountUnit.choices, default=AmountUnit.YUAN
    )
    columns = models.JSONField(
        _("列"),
        default=list,
        help_text=_(
            "[[字段, 表头], …]；字段取 ref, batch, account_number, holder_name, amount, bank_name, id_number, programme, month"
        ),
    )
    result_header = models.CharField(_("回盘结果列表头"), max_length=20, default="处理结果")
    reason_header = models.CharField(_("回盘原因列表头"), max_length=20, default="失败原因")
    is_default = models.BooleanField(_("默认"), default=False)

    class Meta:
        verbose_name = _("银行文件格式")
        verbose_name_plural = _("银行文件格式")

    def __str__(self) -> str:
        return self.name


class BankFileKind(models.TextChoices):
    EXPORT = "export", _("代发文件")
    RETURN = "return", _("回盘文件")


class BankFile(models.Model):
    SCOPE_AREA_FIELD = "payroll__area"

    payroll = models.ForeignKey(Payroll, on_delete=models.PROTECT, related_name="bank_files")
    profile = models.ForeignKey(BankProfile, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=6, choices=BankFileKind.choices)
    file_name = models.CharField(_("文件名"), max_length=120)
    content = models.BinaryField(_("内容"))
    sha256 = models.CharField(max_length=64)
    line_count = models.PositiveIntegerField(_("笔数"))
    total_amount = MoneyField(_("金额(元)"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("银行文件")
        verbose_name_plural = _("银行文件")

    def __str__(self) -> str:
        return self.file_name


# ---------------------------------------------------------------- ledger and recoveries


class LedgerKind(models.TextChoices):
    PAYABLE = "payable", _("应付")
    APPROVED = "approved", _("复核通过")
    SENT = "sent", _("已送银行")
    PAID = "paid", _("已到账")
    FAILED = "failed", _("发放失败")
    REVERSED = "reversed", _("冲正")
    RECOVERED = "recovered", _("追回")
    # The township's 临时救助备用金 (issue 19): money put into the reserve, and 先行救助 paid from it.
    RESERVE = "reserve", _("备用金补充")
    ADVANCE = "advance", _("备用金先行救助")


class LedgerChainHead(models.Model):
    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"ledger head #{self.last_seq}"


class LedgerEntry(models.Model):
    """资金台账: one money movement. Append-only; a correction is a reversing entry."""

    SCOPE_AREA_FIELD = "area_code"

    seq = models.BigIntegerField(_("序号"), primary_key=True)
    created_at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("类型"), max_length=10, choices=LedgerKind.choices)
    amount = MoneyField(_("金额(元)"))
    programme = models.CharField(_("救助项目"), max_length=40)
    area_code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    month = models.DateField(_("发放月份"))
    payroll_id = models.BigIntegerField(_("批次"), db_index=True)
    line_id = models.BigIntegerField(_("明细"), null=True, blank=True, db_index=True)
    household_id = models.BigIntegerField(_("家庭"), null=True, blank=True, db_index=True)
    reverses_seq = models.BigIntegerField(_("冲正的序号"), null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # The account paid (payroll lines), covered by the hash: a redirected payment shows.
    account_number = models.CharField(_("账号"), max_length=32, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("资金台账")
        verbose_name_plural = _("资金台账")

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("资金台账只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("资金台账只能追加，不能删除；更正请记冲正分录")


class RecoveryStatus(models.TextChoices):
    OPEN = "open", _("待追缴")
    PARTIAL = "partial", _("部分追回")
    RECOVERED = "recovered", _("已追回")
    WAIVED = "waived", _("核销")


class Recovery(models.Model):
    """追缴: money paid that should not have been (e.g. for months after a death)."""

    SCOPE_AREA_FIELD = "household__hukou_area"

    line = models.ForeignKey(PayrollLine, on_delete=models.PROTECT, related_name="recoveries")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = MoneyField(_("应追缴(元)"))
    recovered_amount = MoneyField(_("已追回(元)"), default=0)
    reason = models.CharField(_("原因"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=10, choices=RecoveryStatus.choices, default=RecoveryStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("追缴")
        verbose_name_plural = _("追缴")
        constraints = [models.UniqueConstraint(fields=["line"], name="one_recovery_per_line")]

    def __str__(self) -> str:
        return f"recovery {self.line_id}"


# ---------------------------------------------------------------- service payments (购买服务)


class ServicePaymentStatus(models.TextChoices):
    PAYABLE = "payable", _("应付待复核")
    APPROVED = "approved", _("已复核待拨付")
    RELEASED = "released", _("已拨付(已送银行)")


class ServicePayment(models.Model):
    """服务费: one accepted bought service, payable to its provider (a social organisation).

    Created by ``funds.services.service_payable_add`` when the service centre accepts a
    finished service (jiuzhu.support); approved by a payments officer and released by finance,
    three different people, each step on the hash-chained ledger (programme ``services``,
    ``payroll_id`` 0, ``line_id`` this row). ``source`` names the order (``order:N``)."""

    SCOPE_AREA_FIELD = "area"

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("结算月份"))
    source = models.CharField(_("来源"), max_length=40, unique=True)
    description = models.CharField(_("服务内容"), max_length=200)
    payee_name = models.CharField(_("收款单位"), max_length=100)
    payee_code = models.CharField(_("统一社会信用代码"), max_length=18)
    bank_name = models.CharField(_("开户银行"), max_length=60)
    account_number = models.CharField(_("账号"), max_length=32)
    amount = MoneyField(_("金额(元)"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ServicePaymentStatus.choices,
        default=ServicePaymentStatus.PAYABLE,
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(_("验收时间"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(_("拨付时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("服务费支付")
        verbose_name_plural = _("服务费支付")

    def __str__(self) -> str:
        return f"{self.source} {self.amount}"


class DonorKind(models.TextChoices):
    CHARITY = "charity", _("慈善组织")
    ENTERPRISE = "enterprise", _("企业")
    PERSON = "person", _("个人")


class DonationKind(models.TextChoices):
    CASH = "cash", _("现金")
    IN_KIND = "in_kind", _("实物")


class Donation(models.Model):
    """A donation earmarked by programme and area. Cash becomes the ``donation`` funding
    source of that programme's budget in that area and year; goods are recorded at their value
    and distributed outside the payroll."""

    SCOPE_AREA_FIELD = "area"

    donor_name = models.CharField(_("捐赠方"), max_length=120)
    donor_kind = models.CharField(_("捐赠方类型"), max_length=12, choices=DonorKind.choices)
    kind = models.CharField(_("捐赠形式"), max_length=8, choices=DonationKind.choices)
    amount = MoneyField(_("金额或折价(元)"))
    goods = models.CharField(_("物资"), max_length=200, blank=True)
    programme = models.CharField(_("定向救助项目"), max_length=40)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    received_on = models.DateField(_("接收日期"))
    budget = models.ForeignKey(Budget, null=True, blank=True, on_delete=models.PROTECT)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("社会捐赠")
        verbose_name_plural = _("社会捐赠")

    def __str__(self) -> str:
        return f"{self.donor_name} {self.amount}"
