"""The registry (一人一档, 一户一策): households, their members, and facts with a source.

Money is stored as Decimal yuan with 2 places (``MoneyField``); whole-registry work reads it as
integer fen. A fact (income, asset, expense) always keeps where it came from (``source``) and the
date the source describes (``as_of``), so later steps can say why they decided what they did.
"""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiuzhu.areas.models import Area


def MoneyField(verbose_name, **kwargs):  # noqa: N802 - reads like a field class
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class UrbanRural(models.TextChoices):
    URBAN = "urban", _("城市")
    RURAL = "rural", _("农村")


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    CLOSED = "closed", _("已注销")


class Household(models.Model):
    SCOPE_AREA_FIELD = "hukou_area"

    number = models.CharField(_("家庭编号"), max_length=24, unique=True)
    # Not indexed alone: hh_area_number leads with it. Every index on this table is paid again for
    # each row the nightly policy run rescores, so the table keeps only the indexes lists use.
    hukou_area = models.ForeignKey(
        Area,
        verbose_name=_("户籍地"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text=_("负责管理的村/社区，即户籍所在地"),
    )
    residence_area = models.ForeignKey(
        Area,
        verbose_name=_("居住地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text=_("实际居住的村/社区；与户籍地不同即人户分离"),
    )
    urban_rural = models.CharField(_("城乡类别"), max_length=5, choices=UrbanRural.choices)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    # Set whenever ``phone`` changes (registry forms and services, the import, the generator);
    # the data-quality worklist lists phones not confirmed for a year.
    phone_updated_on = models.DateField(_("联系电话更新日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE
    )
    # Denormalised for lists: kept in step by the registry services and the bulk import.
    head_name = models.CharField(_("户主姓名"), max_length=60, blank=True)
    size = models.PositiveSmallIntegerField(_("家庭人数"), default=0)
    hardship_score = models.DecimalField(
        _("困难程度得分"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("越低越困难；由政策引擎计算"),
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        indexes = [
            # The list's default order (area, number) for any scope, read straight off the index.
            models.Index(fields=["hukou_area", "number"], name="hh_area_number"),
            # Hardest-first across a whole city: walk the scores, filter by area range.
            models.Index(fields=["hardship_score", "id"], name="hh_score_id"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}"

    @property
    def separated(self) -> bool:
        """人户分离: lives somewhere other than where registered."""
        return self.residence_area_id is not None and self.residence_area_id != self.hukou_area_id


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    OTHER = "other", _("其他")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class DisabilityType(models.TextChoices):
    PHYSICAL = "physical", _("肢体")
    VISUAL = "visual", _("视力")
    HEARING = "hearing", _("听力")
    SPEECH = "speech", _("言语")
    INTELLECTUAL = "intellectual", _("智力")
    MENTAL = "mental", _("精神")
    MULTIPLE = "multiple", _("多重")


class Capacity(models.TextChoices):
    """劳动能力: 有 / 部分丧失 / 无."""

    FULL = "full", _("有劳动能力")
    PARTIAL = "partial", _("部分丧失劳动能力")
    NONE = "none", _("无劳动能力")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("就业")
    FLEXIBLE = "flexible", _("灵活就业")
    FARMING = "farming", _("务农")
    UNEMPLOYED = "unemployed", _("失业/无业")
    RETIRED = "retired", _("退休")
    STUDENT = "student", _("在校")
    NOT_APPLICABLE = "na", _("不适用(学龄前/无劳动能力)")


class SchoolStage(models.TextChoices):
    NONE = "none", _("不在学")
    PRESCHOOL = "preschool", _("学前")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("普通高中")
    VOCATIONAL = "vocational", _("中职")
    COLLEGE = "college", _("大专/本科")
    POSTGRADUATE = "postgraduate", _("研究生")


class ChildStatus(models.TextChoices):
    """孤儿 / 事实无人抚养儿童 (RULES.md "孤儿 and 事实无人抚养儿童 基本生活费")."""

    NONE = "none", _("否")
    ORPHAN = "orphan", _("孤儿")
    UNSUPPORTED = "unsupported", _("事实无人抚养儿童")


class SupportMode(models.TextChoices):
    """特困人员供养方式 (特困人员认定办法 Art. 16-17): in a care institution, or at home."""

    CENTRALIZED = "centralized", _("集中供养")
    DISPERSED = "dispersed", _("分散供养")


DISABILITY_GRADES = [(1, _("1级")), (2, _("2级")), (3, _("3级")), (4, _("4级"))]


class Person(models.Model):
    """A person and their place in a household (the membership: ``household`` + ``relation``)."""

    SCOPE_AREA_FIELD = "household__hukou_area"

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("家庭")
    )
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices)
    is_counted = models.BooleanField(
        _("共同生活家庭成员"),
        default=True,
        help_text=_(
            "计入家庭人口（供家庭人数、核对名单等使用）；救助认定由政策引擎按下列事实和"
            "低保审核确认办法第七条另行判断"
        ),
    )
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, null=True, blank=True)
    name = models.CharField(_("姓名"), max_length=60, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    phone_updated_on = models.DateField(_("联系电话更新日期"), null=True, blank=True)
    disability_type = models.CharField(
        _("残疾类别"), max_length=12, choices=DisabilityType.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"), null=True, blank=True, choices=DISABILITY_GRADES
    )
    disability_certificate = models.CharField(_("残疾证号"), max_length=24, blank=True)
    major_illness = models.BooleanField(_("重特大疾病"), default=False)
    chronic_illness = models.BooleanField(_("慢性病"), default=False)
    illness_note = models.CharField(_("病情说明"), max_length=200, blank=True)
    labour_capacity = models.CharField(
        _("劳动能力"), max_length=8, choices=Capacity.choices, default=Capacity.FULL
    )
    employment = models.CharField(
        _("就业状况"), max_length=12, choices=Employment.choices, default=Employment.NOT_APPLICABLE
    )
    school_stage = models.CharField(
        _("就学阶段"), max_length=12, choices=SchoolStage.choices, default=SchoolStage.NONE
    )
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    # db_default: bulk loads that name only the older columns, and rows written before these
    # fields existed, read as "not a child in care" / "obligors not checked".
    child_status = models.CharField(
        _("孤儿/事实无人抚养"),
        max_length=12,
        choices=ChildStatus.choices,
        default=ChildStatus.NONE,
        db_default=ChildStatus.NONE,
        help_text=_("父母双亡或失踪为孤儿；父母重残、重病、服刑、失联等为事实无人抚养儿童"),
    )
    # 共同生活家庭成员的事实 (低保审核确认办法第七条): the engine decides who is counted from
    # the relation to the head and these facts; null/false read as "not recorded".
    lives_together = models.BooleanField(
        _("与申请人长期共同生活"),
        null=True,
        blank=True,
        help_text=_("赡养、抚养、扶养关系的亲属长期共同居住的计入（第七条）；空为未核实"),
    )
    cannot_live_independently = models.BooleanField(
        _("成年子女不能独立生活"), default=False, db_default=False
    )
    religious_site_years = models.PositiveSmallIntegerField(
        _("在宗教活动场所居住年数"),
        null=True,
        blank=True,
        help_text=_("宗教教职人员在宗教场所居住满3年的不计入（第七条），可单独申请（第八条）"),
    )
    in_prison = models.BooleanField(_("在监狱服刑"), default=False, db_default=False)
    in_drug_rehab = models.BooleanField(_("强制隔离戒毒"), default=False, db_default=False)
    declared_missing = models.BooleanField(_("宣告失踪"), default=False, db_default=False)
    other_exclusion = models.CharField(
        _("省级规定的其他不计入情形"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("填写情形即不计入共同生活家庭成员（第七条）"),
    )
    # The 特困 person's support arrangement, recorded with the 特困 decision: blank for everyone
    # else. 集中供养 names the care institution (敬老院 / 福利院).
    support_mode = models.CharField(
        _("特困供养方式"),
        max_length=12,
        choices=SupportMode.choices,
        blank=True,
        default="",
        db_default="",
    )
    care_institution = models.CharField(
        _("供养机构"), max_length=100, blank=True, default="", db_default=""
    )
    # 法定义务人 (特困人员认定办法第四、八条): the obligors are rows of ``Obligor``; this date says
    # they were checked (no rows and a date = 无法定义务人; no date = 未核实).
    obligors_checked_on = models.DateField(_("法定义务人核实日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(relation="head"),
                name="one_head_per_household",
            ),
            models.CheckConstraint(
                condition=models.Q(disability_grade__isnull=True)
                | models.Q(disability_grade__gte=1, disability_grade__lte=4),
                name="disability_grade_1_4",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Source(models.TextChoices):
    """Where a fact came from. Department feeds use ``feed:<department>`` (e.g. feed:hrss)."""

    DECLARED = "declared", _("申报")
    HOME_VISIT = "home_visit", _("入户调查")
    FEED = "feed", _("部门数据")
    IMPORT = "import", _("批量导入")


# Department codes used in ``feed:<department>`` sources (GLOSSARY: 部门数据).
DEPARTMENTS = {
    "police": _("公安"),
    "hrss": _("人社"),
    "market": _("市场监管"),
    "property": _("不动产"),
    "vehicles": _("车管"),
    "bank": _("银行"),
    "tax": _("税务"),
    "medical_insurance": _("医保"),
    "disability_federation": _("残联"),
    "education": _("教育"),
}


def source_label(source: str) -> str:
    if source.startswith("feed:"):
        dept = source[5:]
        return gettext("部门数据(%(department)s)") % {"department": DEPARTMENTS.get(dept, dept)}
    try:
        return str(Source(source).label)
    except ValueError:
        return source


class Fact(models.Model):
    SCOPE_AREA_FIELD = "household__hukou_area"

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="%(class)ss", verbose_name=_("家庭")
    )
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="%(class)ss",
        verbose_name=_("成员"),
    )
    source = models.CharField(_("来源"), max_length=40, default=Source.DECLARED)
    as_of = models.DateField(_("数据日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.get_kind_display()}"

    @property
    def source_label(self) -> str:
        return source_label(self.source)


class IncomeKind(models.TextChoices):
    WAGE = "wage", _("工资性收入")
    BUSINESS = "business", _("经营净收入")
    PROPERTY = "property", _("财产净收入")
    TRANSFER = "transfer", _("转移净收入")
    OTHER = "other", _("其他收入")


class IncomeItem(Fact):
    """Income received over ``period_start``..``period_end`` (whole months, inclusive)."""

    kind = models.CharField(_("收入类型"), max_length=10, choices=IncomeKind.choices)
    amount = MoneyField(_("金额(元)"))
    period_start = models.DateField(_("起始月"))
    period_end = models.DateField(_("截止月"))
    excluded = models.BooleanField(
        _("不计入收入"), default=False, help_text=_("优待抚恤金、奖励金、救助金等（第十三条）")
    )
    # The income category each programme's exclusion list reads (policy
    # programmes/_income_exclusions.yaml: 高龄津贴 is left out for 特困, counted for 低保).
    category = models.CharField(_("收入类别"), max_length=32, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("收入")
        verbose_name_plural = _("收入")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="income_period_order",
            ),
        ]


class AssetKind(models.TextChoices):
    DEPOSIT = "deposit", _("存款")
    SECURITY = "security", _("有价证券/基金")
    INSURANCE = "insurance", _("商业保险")
    VEHICLE = "vehicle", _("机动车辆")
    PROPERTY = "property", _("房产")
    BUSINESS = "business", _("工商登记")
    RECEIVABLE = "receivable", _("家庭享有的债权")
    INTERNET_FINANCE = "internet_finance", _("互联网金融资产")


class Asset(Fact):
    kind = models.CharField(_("财产类型"), max_length=16, choices=AssetKind.choices)
    value = MoneyField(_("价值(元)"))
    description = models.CharField(_("说明"), max_length=200, blank=True)
    registration_no = models.CharField(
        _("登记号"),
        max_length=64,
        blank=True,
        help_text=_("车牌号、不动产权证号、统一社会信用代码等"),
    )
    exempt = models.BooleanField(_("生活/生产必需豁免"), default=False)
    # A property: a home (住宅) or not (商铺、办公、厂房); unknown reads as a home
    # (低保办法第十四条: at most one home and no non-residential property, locally).
    residential = models.BooleanField(_("住宅"), null=True, blank=True)

    class Meta:
        verbose_name = _("财产")
        verbose_name_plural = _("财产")


class ExpenseKind(models.TextChoices):
    MEDICAL = "medical", _("医疗自付")
    EDUCATION = "education", _("教育")
    REHABILITATION = "rehabilitation", _("康复")
    BASIC_LIVING = "basic_living", _("基本生活")


class RigidExpense(Fact):
    kind = models.CharField(_("支出类型"), max_length=16, choices=ExpenseKind.choices)
    amount = MoneyField(_("金额(元)"))
    period_start = models.DateField(_("起始月"))
    period_end = models.DateField(_("截止月"))

    class Meta:
        verbose_name = _("刚性支出")
        verbose_name_plural = _("刚性支出")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="expense_period_order",
            ),
        ]


class EventKind(models.TextChoices):
    """急难事件 (临时救助急难型: 暂行办法 Art. 47; 2018 意见)."""

    FIRE = "fire", _("火灾")
    TRAFFIC = "traffic", _("交通事故")
    ILLNESS = "illness", _("突发重大疾病")
    DISASTER = "disaster", _("自然灾害")
    ACCIDENT = "accident", _("其他意外事故")
    OTHER = "other", _("其他急难情形")


class EmergencyEvent(Fact):
    """A sudden emergency that hit the household (or one member) on ``event_date``.

    急难型临时救助 is found for households with an event in the recent window
    (parameter ``temporary_aid.emergency_window_months``)."""

    kind = models.CharField(_("事件类型"), max_length=10, choices=EventKind.choices)
    event_date = models.DateField(_("发生日期"))
    loss = MoneyField(_("损失/费用(元)"), default=0)

    class Meta:
        verbose_name = _("急难事件")
        verbose_name_plural = _("急难事件")


# The six self-care items (特困人员认定办法第二十条), in the order of the assessment form.
SELF_CARE_ITEMS = (
    ("eating", _("进食")),
    ("dressing", _("穿衣")),
    ("transfer", _("上下床")),
    ("toileting", _("如厕")),
    ("walking", _("室内行走")),
    ("bathing", _("洗澡")),
)


class SelfCareAssessment(Fact):
    """One assessment of a person's self-care (特困人员认定办法第二十至二十三条).

    Each item is true when the person can do it unaided. The engine reads the latest assessment
    (``as_of`` = the date assessed): unable on none → 自理, on 1–3 → 部分丧失, on 4+ → 完全丧失."""

    eating = models.BooleanField(_("能自行进食"), default=True)
    dressing = models.BooleanField(_("能自行穿衣"), default=True)
    transfer = models.BooleanField(_("能自行上下床"), default=True)
    toileting = models.BooleanField(_("能自行如厕"), default=True)
    walking = models.BooleanField(_("能自行室内行走"), default=True)
    bathing = models.BooleanField(_("能自行洗澡"), default=True)
    assessor = models.CharField(_("评估人/机构"), max_length=60)

    class Meta:
        verbose_name = _("自理能力评估")
        verbose_name_plural = _("自理能力评估")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.as_of}"

    @property
    def items_unable(self) -> int:
        return sum(1 for name, _label in SELF_CARE_ITEMS if not getattr(self, name))

    def get_kind_display(self) -> str:  # the fact lists show a kind for every fact
        return gettext("不能自理%(n)d项") % {"n": self.items_unable}


class ObligorRelation(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Obligor(Fact):
    """A legal obligor (法定赡养、抚养、扶养义务人) of ``person``, with the facts 特困人员认定办法
    第八条 tests: age, 特困/低保 status, disability, income and property, whereabouts.

    ``as_of`` is the date checked. The engine finds which of Art. 8's five situations applies;
    a fact left empty (birth date, income, property) leaves the obligor undetermined."""

    kind = models.CharField(_("与该成员关系"), max_length=12, choices=ObligorRelation.choices)
    name = models.CharField(_("义务人姓名"), max_length=60, blank=True)
    birth_date = models.DateField(_("义务人出生日期"), null=True, blank=True)
    on_tekun = models.BooleanField(_("义务人为特困人员"), default=False)
    on_dibao = models.BooleanField(_("义务人为低保对象"), default=False)
    disability_type = models.CharField(
        _("义务人残疾类别"), max_length=12, choices=DisabilityType.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("义务人残疾等级"), null=True, blank=True, choices=DISABILITY_GRADES
    )
    income_year = MoneyField(
        _("义务人上年人均收入(元)"),
        null=True,
        blank=True,
        help_text=_("与当地上年人均可支配收入比较（第八条）；空为未核实"),
    )
    property_within_limits = models.BooleanField(
        _("义务人财产符合低收入家庭财产条件"), null=True, blank=True
    )
    no_legal_capacity = models.BooleanField(_("义务人无民事行为能力"), default=False)
    declared_missing = models.BooleanField(_("义务人被宣告失踪"), default=False)
    in_prison = models.BooleanField(_("义务人在监狱服刑"), default=False)

    class Meta:
        verbose_name = _("法定义务人")
        verbose_name_plural = _("法定义务人")


class JobOffer(Fact):
    """A suitable job offered to a member able to work, and whether they refused it
    (低保审核确认办法第三十四条: three refusals in a row reduce or stop their own share).

    ``as_of`` is the date offered."""

    kind = models.CharField(
        _("推荐方式"),
        max_length=12,
        choices=[("referral", _("推荐就业")), ("public_job", _("公益性岗位"))],
        default="referral",
    )
    employer = models.CharField(_("用人单位/岗位"), max_length=100)
    refused = models.BooleanField(_("无正当理由拒绝"), default=False)

    class Meta:
        verbose_name = _("就业推荐")
        verbose_name_plural = _("就业推荐")


class RollStatus(models.TextChoices):
    ACTIVE = "active", _("在保")
    SUSPENDED = "suspended", _("暂停")
    STOPPED = "stopped", _("停发")


class RollEntry(models.Model):
    """救助名册: a household (or, for per-person programmes, a member) on a programme.

    The cases process creates and changes these through its decisions; the synthetic county and
    the registry import load the current roll of a site that moves onto Jiuzhu.
    ``monthly_amount`` is what the decision set; ``end_month`` is the last month paid.
    """

    SCOPE_AREA_FIELD = "household__hukou_area"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="roll_entries")
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roll_entries",
        help_text=_("按人发放的项目（单人保、残疾人补贴、孤儿基本生活费等）"),
    )
    programme = models.CharField(_("救助项目"), max_length=40, db_index=True)
    monthly_amount = MoneyField(_("月救助金额(元)"))
    start_month = models.DateField(_("起始月"))
    end_month = models.DateField(_("截止月"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RollStatus.choices, default=RollStatus.ACTIVE
    )
    decision_ref = models.CharField(_("决定文号"), max_length=64, blank=True)
    source = models.CharField(_("来源"), max_length=40, default=Source.IMPORT)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("救助名册")
        verbose_name_plural = _("救助名册")
        indexes = [models.Index(fields=["programme", "status"], name="roll_prog_status")]

    def __str__(self) -> str:
        return f"{self.programme} {self.household_id}"
