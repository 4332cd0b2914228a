"""Applications (案件) and everything the process records about them.

The process itself — which state may follow which, who may move it, what each move records — is
in ``jiuzhu.cases.workflow`` (the table) and ``jiuzhu.cases.services`` (the moves). Models here
hold data and invariants only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import Role
from jiuzhu.areas.models import Area
from jiuzhu.registry.models import Household, MoneyField, Person


class _Row(models.Model):
    """A row that names itself by its kind and number (admin, shell, logs)."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Programme(models.TextChoices):
    """The programmes an application may ask for (codes from the glossary)."""

    DIBAO = "dibao", _("最低生活保障")
    TEKUN = "tekun", _("特困人员救助供养")
    TEMPORARY_AID = "temporary_aid", _("临时救助")
    DIBAO_EDGE = "dibao_edge", _("低保边缘家庭")
    RIGID_EXPENSE = "rigid_expense", _("刚性支出困难家庭")


class TempAidKind(models.TextChoices):
    EMERGENCY = "emergency", _("急难型")
    EXPENDITURE = "expenditure", _("支出型")


class Purpose(models.TextChoices):
    """What a case asks for. A change/stop/phase-out case acts on an existing roll entry
    (``Application.target_roll_entry``), whether a case or an import put it on the roll."""

    APPLY = "apply", _("申请救助")
    CHANGE = "change", _("变更救助金额")
    STOP = "stop", _("停发")
    PHASE_OUT = "phase_out", _("渐退")


class State(models.TextChoices):
    SUBMITTED = "submitted", _("已申请待受理")
    REJECTED_INTAKE = "rejected_intake", _("不予受理")
    INVESTIGATING = "investigating", _("调查中")
    COMMUNITY_REVIEW = "community_review", _("民主评议")
    REVIEWING = "reviewing", _("待初审")
    RETURNED = "returned", _("退回补正")
    NOTICE = "notice", _("公示中")
    APPROVING = "approving", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")
    STOPPED = "stopped", _("已停发")


class ApprovalChain(models.Model):
    """Who decides, in which steps and within which limits, for one area subtree and programme.

    Set in the admin, no code. The most specific chain wins (longest area prefix, then a chain for
    the programme over one for all programmes). An application copies its chain when it is
    registered, so a change applies to new applications only.
    """

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    programme = models.CharField(
        _("救助项目"),
        max_length=20,
        choices=Programme.choices,
        blank=True,
        help_text=_("留空=所有项目"),
    )
    review_role = models.CharField(
        _("初审角色"), max_length=24, choices=Role.choices, default=Role.TOWNSHIP_REVIEWER
    )
    approve_role = models.CharField(
        _("审批角色"), max_length=24, choices=Role.choices, default=Role.COUNTY_APPROVER
    )
    review_is_final = models.BooleanField(
        _("初审即终审"),
        default=False,
        help_text=_("低保移交后由乡镇(街道)作出决定：审批角色取初审角色"),
    )
    separate_decider = models.BooleanField(
        _("审核与审批须为不同人员"), default=True, help_text=_("谁审核谁不审批")
    )
    community_review = models.BooleanField(_("须经民主评议"), default=False)
    notice_days = models.PositiveSmallIntegerField(_("公示天数(自然日)"), default=7)
    intake_days = models.PositiveSmallIntegerField(_("受理时限(工作日)"), default=3)
    visit_days = models.PositiveSmallIntegerField(_("入户调查时限(工作日)"), default=3)
    review_days = models.PositiveSmallIntegerField(_("初审时限(工作日，自受理起)"), default=15)
    approve_days = models.PositiveSmallIntegerField(_("审批时限(工作日，自公示结束起)"), default=10)
    total_days = models.PositiveSmallIntegerField(_("办结总时限(工作日)"), default=30)
    refusal_notice_days = models.PositiveSmallIntegerField(
        _("不予批准书面告知时限(工作日)"), default=3
    )
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("审批流程配置")
        verbose_name_plural = _("审批流程配置")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "programme"], name="one_chain_per_area_programme"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area} · {self.get_programme_display() or gettext('所有项目')}"

    def snapshot(self) -> dict:
        approve_role = self.review_role if self.review_is_final else self.approve_role
        return {
            "chain_id": self.pk,
            "review_role": self.review_role,
            "approve_role": approve_role,
            "review_is_final": self.review_is_final,
            "separate_decider": self.separate_decider,
            "community_review": self.community_review,
            "notice_days": self.notice_days,
            "intake_days": self.intake_days,
            "visit_days": self.visit_days,
            "review_days": self.review_days,
            "approve_days": self.approve_days,
            "total_days": self.total_days,
            "refusal_notice_days": self.refusal_notice_days,
        }


class WorkingDayOverride(models.Model):
    """An admin's correction to the holiday calendar (a new 调休 not yet in the package)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")

    def __str__(self) -> str:
        return f"{self.date} {gettext('工作日') if self.is_working_day else gettext('休息日')}"


class ConfigKind(models.TextChoices):
    CHAIN = "chain", _("审批流程")
    WORKDAY = "workday", _("工作日调整")


class ConfigStatus(models.TextChoices):
    PENDING = "pending", _("待复核")
    APPROVED = "approved", _("已生效")
    REJECTED = "rejected", _("已退回")


class ConfigChange(models.Model):
    """A proposed change of an approval chain or of the working-day calendar (maker-checker).

    Proposed by one administrator, validated against the national rules, and applied only when a
    second administrator approves it (never the proposer). Both steps are in the audit chain."""

    kind = models.CharField(_("类型"), max_length=8, choices=ConfigKind.choices)
    target_id = models.PositiveIntegerField(_("对象"), null=True, blank=True)
    delete = models.BooleanField(_("删除"), default=False)
    data = models.JSONField(_("内容"), default=dict)
    before = models.JSONField(_("原内容"), default=dict, blank=True)
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=8, choices=ConfigStatus.choices, default=ConfigStatus.PENDING
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
        verbose_name = _("配置变更")
        verbose_name_plural = _("配置变更")
        ordering = ["-proposed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_id or '+'} {self.status}"


def client_office_for(area_code: str) -> str:
    """The accepting office (township, 12-digit code) of an application in ``area_code``."""
    return area_code[:9] + "000" if len(area_code) == 12 else area_code


class Application(models.Model):
    """One application (案件) by one household, from 申请 to the roll."""

    SCOPE_AREA_FIELD = "area"

    number = models.CharField(_("申请编号"), max_length=24, unique=True)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="applications", verbose_name=_("家庭")
    )
    applicant = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("受理村/社区")
    )
    programme = models.CharField(
        _("救助项目"), max_length=20, choices=Programme.choices, blank=True
    )
    vague = models.BooleanField(_("模糊申请"), default=False)
    proposed_programmes = models.JSONField(_("系统建议项目"), default=list, blank=True)
    temp_aid_kind = models.CharField(
        _("临时救助类型"), max_length=12, choices=TempAidKind.choices, blank=True
    )
    reason = models.TextField(_("申请理由"), blank=True)
    channel = models.CharField(_("渠道"), max_length=12, default="window")
    client_ref = models.CharField(
        _("外部请求编号"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("在线渠道的幂等键：同一受理机构内同一编号重复提交只登记一次"),
    )
    # The office whose reference ``client_ref`` is: the accepting township (乡镇/街道, 受理机构),
    # 12-digit code. A ref is unique per office, so one office can neither see nor block
    # another's refs (issue 14.21).
    client_office = models.CharField(
        _("受理机构"), max_length=12, blank=True, default="", db_default=""
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    paused = models.BooleanField(_("因异议暂停"), default=False)
    chain = models.JSONField(_("审批流程(登记时确定)"), default=dict)
    monthly_amount = MoneyField(_("月救助金额(元)"), null=True, blank=True)
    one_off_amount = MoneyField(_("一次性救助金额(元)"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    intake_due = models.DateField(_("受理期限"), null=True, blank=True)
    visit_due = models.DateField(_("入户期限"), null=True, blank=True)
    review_due = models.DateField(_("初审期限"), null=True, blank=True)
    decision_due = models.DateField(_("办结期限"), null=True, blank=True)
    outstanding_due = models.DateField(_("补齐材料期限"), null=True, blank=True)
    check_requested_at = models.DateTimeField(_("核对申请时间"), null=True, blank=True)
    check_reference = models.CharField(_("核对编号"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("初审人"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    roll_entry = models.ForeignKey(
        "registry.RollEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(
        _("办理事项"), max_length=10, choices=Purpose.choices, default=Purpose.APPLY
    )
    target_roll_entry = models.ForeignKey(
        "registry.RollEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("变更/停发的名册记录"),
    )
    phase_out_months = models.PositiveSmallIntegerField(_("渐退月数"), null=True, blank=True)
    origin = models.CharField(
        _("来源"),
        max_length=40,
        blank=True,
        help_text=_("由预警或复核发起时：alert:<编号> / review:<编号>"),
    )
    evidence = models.JSONField(_("依据材料(预警证据)"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        indexes = [models.Index(fields=["area", "state"], name="app_area_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["client_office", "client_ref"],
                condition=models.Q(client_ref__isnull=False),
                name="app_client_ref_per_office",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def programme_label(self) -> str:
        if not self.programme:
            return gettext("模糊申请(待定)")
        from jiuzhu.core.programmes import programme_label

        return programme_label(self.programme)

    @property
    def proposals(self) -> list[dict]:
        """The stored proposals of a 模糊申请 with each programme's name in the reader's
        language (the stored ``label`` is Chinese; the reasons stay as stored)."""
        out = []
        for p in self.proposed_programmes or []:
            code, label = p.get("programme"), p.get("label") or ""
            if code in Programme.values:
                label = str(Programme(code).label)
            elif label:
                label = gettext(label)
            out.append({**p, "label": label})
        return out

    @property
    def is_adjustment(self) -> bool:
        return self.purpose != Purpose.APPLY

    @property
    def chain_text(self) -> str:
        c = self.chain or {}

        def label(role):
            return str(Role(role).label) if role in Role.values else role

        steps = [gettext("村居受理 → %(role)s初审") % {"role": label(c.get("review_role"))}]
        if c.get("community_review"):
            steps.append(gettext("民主评议"))
        steps.append(gettext("公示%(days)s天") % {"days": c.get("notice_days", 7)})
        steps.append(
            gettext("初审即终审") if c.get("review_is_final") else f"{label(c.get('approve_role'))}"
        )
        return " → ".join(steps)

    @property
    def emergency(self) -> bool:
        return (
            self.programme == Programme.TEMPORARY_AID
            and self.temp_aid_kind == TempAidKind.EMERGENCY
        )


class CaseEvent(_Row):
    """One step of one case: who moved it, from where to where, when and why. Never changed."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("操作"), max_length=32)
    action_label = models.CharField(_("操作名称"), max_length=32)
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("经办人"), max_length=150)
    actor_role = models.CharField(_("角色"), max_length=24, blank=True)
    reason = models.TextField(_("理由/意见"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("办理记录只能追加，不能修改")
        super().save(*args, **kwargs)

    @property
    def action_display(self) -> str:
        """The step's name in the reader's language (``action_label`` is stored in Chinese, and
        every stored label is a msgid: the workflow's ``Transition.label`` and the services'
        fixed labels are marked with ``gettext_noop``)."""
        return gettext(self.action_label) if self.action_label else ""

    @property
    def from_label(self) -> str:
        return str(State(self.from_state).label) if self.from_state else ""

    @property
    def to_label(self) -> str:
        return str(State(self.to_state).label)

    @property
    def role_label(self) -> str:
        return str(Role(self.actor_role).label) if self.actor_role in Role.values else ""


class MaterialKind(models.TextChoices):
    ID_CARD = "id_card", _("身份证")
    HUKOU = "hukou", _("户口簿")
    INCOME_PROOF = "income_proof", _("收入证明")
    DISABILITY_CERT = "disability_cert", _("残疾证")
    MEDICAL_RECORD = "medical_record", _("病历/医疗票据")
    MARRIAGE = "marriage", _("婚姻状况证明")
    TRUTH_PLEDGE = "truth_pledge", _("诚信承诺书")
    CHECK_AUTH = "check_auth", _("核对授权书")
    MISSING_PLEDGE = "missing_pledge", _("容缺承诺书")
    VISIT_PHOTO = "visit_photo", _("入户照片")
    SIGNATURE = "signature", _("签名")
    OTHER = "other", _("其他")


# Papers without which no application can be accepted (容缺受理 may not waive these).
CORE_MATERIALS = (MaterialKind.ID_CARD,)
# Papers the window asks for; all but the core ones may be pledged (容缺).
REQUIRED_MATERIALS = {
    Programme.DIBAO: (MaterialKind.ID_CARD, MaterialKind.HUKOU, MaterialKind.INCOME_PROOF),
    Programme.TEKUN: (MaterialKind.ID_CARD, MaterialKind.HUKOU, MaterialKind.INCOME_PROOF),
    Programme.TEMPORARY_AID: (MaterialKind.ID_CARD, MaterialKind.MEDICAL_RECORD),
    Programme.DIBAO_EDGE: (MaterialKind.ID_CARD, MaterialKind.HUKOU, MaterialKind.INCOME_PROOF),
    Programme.RIGID_EXPENSE: (
        MaterialKind.ID_CARD,
        MaterialKind.INCOME_PROOF,
        MaterialKind.MEDICAL_RECORD,
    ),
    "": (MaterialKind.ID_CARD, MaterialKind.HUKOU),
}


def material_path(instance, filename: str) -> str:
    return f"materials/{instance.household_id}/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


class Material(_Row):
    """A scanned or photographed paper, given once and kept with the household for every case."""

    SCOPE_AREA_FIELD = "household__hukou_area"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="materials")
    application = models.ForeignKey(
        Application,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="materials",
        help_text=_("交来时所属的申请；材料属于家庭，后续申请可直接使用"),
    )
    kind = models.CharField(_("材料类型"), max_length=20, choices=MaterialKind.choices)
    file = models.FileField(_("文件"), upload_to=material_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=40)
    extension = models.CharField(max_length=6)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "uploaded_at"]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "sha256"], name="material_once_per_household"
            )
        ]


class OutstandingItem(_Row):
    """容缺受理: a paper accepted as missing on a signed pledge, due by ``due_date``."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="outstanding"
    )
    kind = models.CharField(_("缺少材料"), max_length=20, choices=MaterialKind.choices)
    due_date = models.DateField(_("补齐期限"))
    received = models.ForeignKey(
        Material, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("补齐时间"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("容缺材料")
        verbose_name_plural = _("容缺材料")


class SignMethod(models.TextChoices):
    ON_SCREEN = "on_screen", _("屏幕确认")
    UPLOAD = "upload", _("上传签字件")


class TruthPledge(_Row):
    """诚信承诺书 (kind=truth) or 容缺承诺书 (kind=missing_papers), signed before any check."""

    KIND_CHOICES = [("truth", _("诚信承诺书")), ("missing_papers", _("容缺承诺书"))]

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="pledges")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES, default="truth")
    signer_name = models.CharField(_("签署人"), max_length=60)
    method = models.CharField(_("签署方式"), max_length=10, choices=SignMethod.choices)
    material = models.ForeignKey(
        Material, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("承诺内容"))
    signed_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("承诺书")
        verbose_name_plural = _("承诺书")


class CheckAuthorisation(_Row):
    """核对授权书: the household (and, for 特困, the obligors) authorise the data check."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="authorisations"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="check_authorisations"
    )
    signer_name = models.CharField(_("授权人"), max_length=60)
    signer_role = models.CharField(
        _("授权人身份"),
        max_length=12,
        default="applicant",
        choices=[
            ("applicant", _("申请人")),
            ("member", _("家庭成员")),
            ("obligor", _("法定义务人")),
        ],
    )
    method = models.CharField(_("签署方式"), max_length=10, choices=SignMethod.choices)
    material = models.ForeignKey(
        Material, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("核对授权书")
        verbose_name_plural = _("核对授权书")


class HomeVisit(_Row):
    """入户调查: a task for a named worker, done on a phone at the household's door."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="visits")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("调查人"),
    )
    due_date = models.DateField(_("调查期限"))
    done = models.BooleanField(default=False)
    checklist = models.JSONField(_("生活状况"), default=dict, blank=True)
    findings = models.TextField(_("调查情况"), blank=True)
    second_visitor = models.CharField(_("同行调查人"), max_length=60, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    visited_at = models.DateTimeField(_("调查时间"), null=True, blank=True)
    signature = models.ForeignKey(
        Material, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("入户调查")
        verbose_name_plural = _("入户调查")


VISIT_CHECKLIST = [
    ("housing_poor", _("住房简陋/危房")),
    ("no_appliances", _("无大件家电或家电陈旧")),
    ("no_vehicle", _("未见机动车辆")),
    ("sick_or_disabled", _("有重病或残疾成员")),
    ("no_work", _("有劳动能力成员无稳定工作")),
    ("matches_declaration", _("实际情况与申报一致")),
    ("neighbours_confirm", _("邻里走访情况属实")),
]


class CommunityReview(_Row):
    """民主评议 (optional, per area)."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="community_reviews"
    )
    held_on = models.DateField(_("评议日期"))
    participants = models.PositiveSmallIntegerField(_("参加人数"))
    votes_for = models.PositiveSmallIntegerField(_("同意票"))
    votes_against = models.PositiveSmallIntegerField(_("反对票"))
    opinion = models.TextField(_("评议意见"))

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")


class PublicNotice(_Row):
    """公示: what the public page shows, masked when it is posted."""

    SCOPE_AREA_FIELD = "area"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="notices")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    masked_name = models.CharField(max_length=60)
    masked_id = models.CharField(max_length=18)
    household_size = models.PositiveSmallIntegerField()
    programme = models.CharField(max_length=20)
    amount = MoneyField(_("金额(元)"))
    amount_is_monthly = models.BooleanField(default=True)
    period = models.CharField(_("救助期间"), max_length=60)
    start_date = models.DateField(_("公示开始"))
    end_date = models.DateField(_("公示结束"))
    closed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-start_date", "id"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")

    @property
    def programme_label(self) -> str:
        from jiuzhu.core.programmes import programme_label

        return programme_label(self.programme)


class Objection(_Row):
    """异议: submitted on the public page; pauses the case until the deciding office handles it."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="objections")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="objections"
    )
    contact_name = models.CharField(_("联系人"), max_length=60)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    content = models.TextField(_("异议内容"))
    submitted_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)
    outcome = models.CharField(
        _("处理结果"),
        max_length=12,
        blank=True,
        choices=[
            ("dismissed", _("异议不成立")),
            ("upheld", _("异议成立，重新调查")),
            ("abusive", _("恶意或滥用异议")),
        ],
    )
    # Where it came from, for the rate limit: a keyed hash of the address, never the address.
    client_hash = models.CharField(max_length=64, blank=True, default="", db_default="")
    resolution = models.TextField(_("处理说明"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")


class DecisionLetter(_Row):
    """决定书 / 不予批准通知书 / 不予受理通知书, kept as the PDF that was issued."""

    KIND_CHOICES = [
        ("approval", _("救助决定书")),
        ("refusal", _("不予批准通知书")),
        ("intake_refusal", _("不予受理通知书")),
        ("adjustment", _("变更/停发/渐退决定书")),
    ]

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    number = models.CharField(_("文号"), max_length=40, unique=True)
    pdf = models.BinaryField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("决定书")
        verbose_name_plural = _("决定书")


class TaskKind(models.TextChoices):
    ACCEPT = "accept", _("受理")
    HOME_VISIT = "home_visit", _("入户调查")
    COMMUNITY_REVIEW = "community_review", _("民主评议")
    REVIEW = "review", _("初审")
    CORRECT = "correct", _("补正")
    NOTICE = "notice", _("公示期满处理")
    OBJECTION = "objection", _("处理异议")
    APPROVE = "approve", _("审批")
    OUTSTANDING = "outstanding", _("补齐容缺材料")
    FOLLOW_UP = "follow_up", _("先行救助后补办手续")


class Task(_Row):
    """待办: something waiting on a role in an area (or on one named worker), with a due date."""

    SCOPE_AREA_FIELD = "area"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("事项"), max_length=20, choices=TaskKind.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("办理角色"), max_length=24, choices=Role.choices)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("期限"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "created_at"]
        verbose_name = _("待办")
        verbose_name_plural = _("待办")
        indexes = [models.Index(fields=["role", "done_at", "area"], name="task_role_open")]


class DeclarationStatus(models.TextChoices):
    PENDING = "pending", _("待核对")
    REPLACED = "replaced", _("以申报替换信息库记录")
    CONFIRMED = "confirmed", _("信息库记录无误，申报不入库")
    BOTH = "both", _("申报与信息库记录并存")
    WITHDRAWN = "withdrawn", _("随申请撤回")


class Declaration(_Row):
    """What the household declared at intake (收入、存款、医疗支出), tied to its application.

    A declaration is not a registry fact: it is shown beside the registry's facts of the same
    kind and the clerk reconciles it (``declaration_reconcile``): replace the registry's facts of
    that kind with it, confirm the registry and keep it out, or keep both. Only then does it
    enter the registry (``fact_id``); a withdrawn application withdraws its declarations and the
    facts they created.
    """

    FACT_CHOICES = [("income", _("收入")), ("asset", _("财产")), ("expense", _("刚性支出"))]

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="declarations"
    )
    fact = models.CharField(_("申报类别"), max_length=8, choices=FACT_CHOICES)
    kind = models.CharField(_("类型"), max_length=20)
    amount = MoneyField(_("金额(元)"))
    period_start = models.DateField(_("起始月"), null=True, blank=True)
    period_end = models.DateField(_("截止月"), null=True, blank=True)
    as_of = models.DateField(_("申报日期"))
    status = models.CharField(
        _("核对结果"),
        max_length=12,
        choices=DeclarationStatus.choices,
        default=DeclarationStatus.PENDING,
    )
    fact_id = models.PositiveIntegerField(_("入库记录"), null=True, blank=True)
    # Snapshots of the registry facts a "replace" removed, restored if the application is withdrawn.
    replaced = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("核对说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("家庭申报")
        verbose_name_plural = _("家庭申报")

    @property
    def kind_label(self) -> str:
        from jiuzhu.registry.models import AssetKind, ExpenseKind, IncomeKind

        choices = {"income": IncomeKind, "asset": AssetKind, "expense": ExpenseKind}[self.fact]
        return str(dict(choices.choices).get(self.kind, self.kind))


class TrackHandling(models.TextChoices):
    DECIDE = "decide", _("民政决定")
    REFER = "refer", _("转办")


class TrackStatus(models.TextChoices):
    MAIN = "main", _("随本案办理")
    PENDING = "pending", _("待民政决定")
    REFERRED = "referred", _("已转办")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")


TRACK_OPEN = (TrackStatus.PENDING, TrackStatus.REFERRED)


class CaseTrack(_Row):
    """One programme of one application (一门受理、协同办理): the papers are the case's, given once;
    each track is decided by the programme's owner. The track of the case's own programme
    (``main``) follows the case's chain; another civil-affairs programme is decided by the
    case's approver (``pending`` → approved/refused); another department's programme is referred
    to that department's office with a due date in working days (``referred``), where a
    部门经办 records the outcome. ``owner`` and ``handling`` are copied from the programme
    register (``policy.register``) when the track is opened."""

    SCOPE_AREA_FIELD = "area"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="tracks")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(_("救助项目"), max_length=40)
    main = models.BooleanField(_("本案项目"), default=False)
    owner = models.CharField(_("主管部门"), max_length=32)
    handling = models.CharField(_("办理方式"), max_length=8, choices=TrackHandling.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=TrackStatus.choices, default=TrackStatus.PENDING
    )
    linked_from = models.CharField(
        _("联动来源"),
        max_length=40,
        blank=True,
        help_text=_("联动保障：批准低保、特困后自动转办时，记录来源项目"),
    )
    office = models.ForeignKey(
        "areas.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    office_name = models.CharField(_("承办机构"), max_length=120, blank=True)
    referred_on = models.DateField(_("转办日期"), null=True, blank=True)
    due_date = models.DateField(_("办理期限"), null=True, blank=True)
    decided_on = models.DateField(_("办结日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_note = models.CharField(_("办理结果说明"), max_length=300, blank=True)
    amount = MoneyField(_("救助金额(元)"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application_id", "-main", "id"]
        verbose_name = _("办理事项")
        verbose_name_plural = _("办理事项")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "programme"], name="track_once_per_application"
            )
        ]
        indexes = [models.Index(fields=["owner", "status", "area"], name="track_owner_open")]

    @property
    def programme_label(self) -> str:
        from jiuzhu.core.programmes import programme_label

        return programme_label(self.programme)

    @property
    def owner_label(self) -> str:
        from jiuzhu.core.labels import DEPARTMENT, label

        return label(DEPARTMENT, self.owner)

    @property
    def is_open(self) -> bool:
        return self.status in TRACK_OPEN

    @property
    def status_display(self) -> str:
        """The track's state in the reader's language; the main track shows the case's."""
        if self.main:
            return str(State(self.application.state).label)
        return str(TrackStatus(self.status).label)


class CasePanel(_Row):
    """疑难案例会商 (一事一议): a panel convened on a hard case in any chain — its members, each
    member's opinion, and the decision recorded. While a panel is open the case cannot be
    decided (批准/不予批准 wait for the panel's decision)."""

    SCOPE_AREA_FIELD = "application__area"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="panels")
    topic = models.CharField(_("会商事项"), max_length=300)
    members = models.JSONField(_("会商成员"), default=list)
    opinions = models.JSONField(_("成员意见"), default=list)
    decision = models.TextField(_("会商结论"), blank=True)
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    convened_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["convened_at", "id"]
        verbose_name = _("疑难案例会商")
        verbose_name_plural = _("疑难案例会商")

    @property
    def is_open(self) -> bool:
        return self.decided_at is None
