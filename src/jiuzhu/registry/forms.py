"""Forms of the registry UI. They parse what was typed; the services decide what is valid.

Choice fields are plain text fields with a select widget so that a value outside the list reaches
the service, whose message names the field and the rule ("“残疾等级”须为1至4级"). Every message
a form itself produces names its field too.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.widgets import AreaPicker
from jiuzhu.core import clock
from jiuzhu.core.forms import DateInput, NamedErrorsMixin, apply_service_error  # noqa: F401
from jiuzhu.core.idcard import normalise as normalise_id
from jiuzhu.core.programmes import PROGRAMME_LABELS
from jiuzhu.registry.models import (
    DISABILITY_GRADES,
    AssetKind,
    Capacity,
    ChildStatus,
    DisabilityType,
    Employment,
    EventKind,
    ExpenseKind,
    IncomeKind,
    JobOffer,
    ObligorRelation,
    Relation,
    SchoolStage,
    Sex,
    Source,
    SupportMode,
    UrbanRural,
)
from jiuzhu.registry.selectors import SORTS

BLANK = [("", "——")]
UNKNOWN_YES_NO = [
    ("", gettext_lazy("未核实")),
    ("true", gettext_lazy("是")),
    ("false", gettext_lazy("否")),
]


def choice(label, choices, *, required: bool = False, blank: bool = True):
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Select(choices=(BLANK if blank else []) + list(choices)),
    )


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (``<input type=month>``), cleaned to the first of the month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            year, month = value.strip()[:7].split("-")
            return datetime.date(int(year), int(month), 1)
        except ValueError as exc:
            raise forms.ValidationError(
                _("“%(label)s”须为年-月，如 2026-01") % {"label": self.label}
            ) from exc

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return f"{value:%Y-%m}"
        return value


class ReasonMixin(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("修改理由"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 50}),
        help_text=gettext_lazy("写明依据，如“残联换证，等级由三级调整为二级”"),
    )


class HouseholdFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("姓名/身份证号/家庭编号"), required=False)
    area = forms.ChoiceField(label=gettext_lazy("区域"), required=False)
    urban_rural = forms.ChoiceField(
        label=gettext_lazy("城乡"), required=False, choices=BLANK + list(UrbanRural.choices)
    )
    programme = forms.ChoiceField(
        label=gettext_lazy("救助项目"),
        required=False,
        choices=BLANK + list(PROGRAMME_LABELS.items()),
    )
    disabled = forms.BooleanField(label=gettext_lazy("有残疾人"), required=False)
    separated = forms.BooleanField(label=gettext_lazy("人户分离"), required=False)
    sort = forms.ChoiceField(
        label=gettext_lazy("排序"),
        required=False,
        choices=[
            ("number", gettext_lazy("家庭编号")),
            ("score", gettext_lazy("困难程度(最困难在前)")),
            ("size", gettext_lazy("家庭人数(多在前)")),
            ("updated", gettext_lazy("最近更新")),
        ],
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("全部"))] + [(a.code, a.name) for a in areas]

    def filters_kwargs(self) -> dict:
        """Valid values only; a bad value is ignored rather than refusing the whole search."""
        self.is_valid()  # cleaned_data keeps the fields that are valid
        data = getattr(self, "cleaned_data", {})
        sort = data.get("sort") or "number"
        return {
            "q": data.get("q", ""),
            "area": data.get("area", ""),
            "urban_rural": data.get("urban_rural", ""),
            "programme": data.get("programme", ""),
            "disabled": bool(data.get("disabled")),
            "separated": bool(data.get("separated")),
            "sort": sort if sort in SORTS else "number",
        }


class HouseholdForm(NamedErrorsMixin, ReasonMixin):
    hukou_area = forms.CharField(label=gettext_lazy("户籍地(村/社区)"))
    residence_area = forms.CharField(label=gettext_lazy("居住地(村/社区)"), required=False)
    urban_rural = choice(gettext_lazy("城乡类别"), UrbanRural.choices, required=True)
    address = forms.CharField(label=gettext_lazy("住址"), required=False, max_length=200)
    phone = forms.CharField(label=gettext_lazy("联系电话"), required=False, max_length=20)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, villages=(), creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["reason"].label = _("登记说明")
            self.fields["reason"].help_text = _("如“申请低保，入户调查后登记”")
        # the area tree picker (search + tree over HTMX) instead of a dropdown of every village
        self.fields["hukou_area"].widget = AreaPicker(
            capability=Capability.REGISTRY_EDIT, pick=("village",)
        )
        self.fields["residence_area"].widget = AreaPicker(
            capability=Capability.REGISTRY_EDIT, pick=("village",)
        )
        self.fields["residence_area"].help_text = _("不选即同户籍地")

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            k: d[k] for k in ("hukou_area", "residence_area", "urban_rural", "address", "phone")
        }


class PersonForm(NamedErrorsMixin, ReasonMixin):
    relation = choice(gettext_lazy("与户主关系"), Relation.choices, required=True)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=60)
    id_number = forms.CharField(
        label=gettext_lazy("身份证号"),
        required=False,
        # room for spaces and dashes typed inside the number (normalised in clean_id_number)
        max_length=30,
        widget=forms.TextInput(attrs={"size": 20, "autocomplete": "off"}),
    )
    sex = choice(gettext_lazy("性别"), Sex.choices, required=True)
    birth_date = forms.DateField(label=gettext_lazy("出生日期"), widget=DateInput)
    phone = forms.CharField(label=gettext_lazy("联系电话"), required=False, max_length=20)
    is_counted = forms.BooleanField(
        label=gettext_lazy("计入家庭人数(名单用)"), required=False, initial=True
    )
    # 共同生活家庭成员的事实 (低保审核确认办法第七条)
    lives_together = forms.NullBooleanField(
        label=gettext_lazy("与申请人长期共同生活"),
        required=False,
        widget=forms.Select(choices=UNKNOWN_YES_NO),
    )
    cannot_live_independently = forms.BooleanField(
        label=gettext_lazy("成年子女不能独立生活"), required=False
    )
    religious_site_years = forms.IntegerField(
        label=gettext_lazy("在宗教活动场所居住年数(宗教教职人员)"),
        required=False,
        min_value=0,
        max_value=100,
    )
    in_prison = forms.BooleanField(label=gettext_lazy("在监狱服刑"), required=False)
    in_drug_rehab = forms.BooleanField(label=gettext_lazy("强制隔离戒毒"), required=False)
    declared_missing = forms.BooleanField(label=gettext_lazy("宣告失踪"), required=False)
    other_exclusion = forms.CharField(
        label=gettext_lazy("省级规定的其他不计入情形"), required=False, max_length=200
    )
    disability_type = choice(gettext_lazy("残疾类别"), DisabilityType.choices)
    disability_grade = forms.CharField(
        label=gettext_lazy("残疾等级"),
        required=False,
        widget=forms.Select(
            choices=[("", "——")] + [(str(g), label) for g, label in DISABILITY_GRADES]
        ),
    )
    disability_certificate = forms.CharField(
        label=gettext_lazy("残疾证号"), required=False, max_length=24
    )
    major_illness = forms.BooleanField(label=gettext_lazy("重特大疾病"), required=False)
    chronic_illness = forms.BooleanField(label=gettext_lazy("慢性病"), required=False)
    illness_note = forms.CharField(label=gettext_lazy("病情说明"), required=False, max_length=200)
    labour_capacity = choice(gettext_lazy("劳动能力"), Capacity.choices, required=True, blank=False)
    employment = choice(gettext_lazy("就业状况"), Employment.choices, required=True, blank=False)
    school_stage = choice(gettext_lazy("就学阶段"), SchoolStage.choices, required=True, blank=False)
    death_date = forms.DateField(label=gettext_lazy("死亡日期"), required=False, widget=DateInput)
    # Not required: a post without them (an older client) keeps the defaults.
    child_status = choice(gettext_lazy("孤儿/事实无人抚养"), ChildStatus.choices, blank=False)
    obligors_checked_on = forms.DateField(
        label=gettext_lazy("法定义务人核实日期"), required=False, widget=DateInput
    )
    support_mode = choice(gettext_lazy("特困供养方式"), SupportMode.choices)
    care_institution = forms.CharField(
        label=gettext_lazy("供养机构"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("集中供养的敬老院、福利院等；分散供养不填"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, head: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if head:  # the head of a new household: relation is fixed, one reason for the whole form
            del self.fields["relation"]
            del self.fields["reason"]
            del self.fields["version"]
        self.fields["labour_capacity"].initial = Capacity.FULL
        self.fields["employment"].initial = Employment.NOT_APPLICABLE
        self.fields["school_stage"].initial = SchoolStage.NONE
        self.fields["child_status"].initial = ChildStatus.NONE
        self.fields["support_mode"].help_text = _(
            "仅特困人员填写：在供养机构生活为集中供养，在家生活为分散供养"
        )
        self.fields["lives_together"].help_text = _(
            "父母、子女、祖孙、兄弟姐妹等长期共同居住的计入共同生活家庭成员（低保审核确认办法第七条）"
        )
        self.fields["obligors_checked_on"].help_text = _(
            "核实后填写；义务人逐人登记在“法定义务人”中，没有义务人的只填日期"
            "（特困人员认定办法第四、八条）；空为未核实"
        )

    def clean_disability_grade(self):
        value = (self.cleaned_data.get("disability_grade") or "").strip()
        if not value:
            return None
        if not value.isdigit():
            raise forms.ValidationError(_("“残疾等级”须为1至4级"))
        return int(value)

    def clean_child_status(self):
        return self.cleaned_data.get("child_status") or ChildStatus.NONE

    def clean_other_exclusion(self):
        return (self.cleaned_data.get("other_exclusion") or "").strip()

    def clean_id_number(self):
        return normalise_id(self.cleaned_data.get("id_number"))

    def service_data(self) -> dict:
        skip = {"reason", "version"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


SOURCE_CHOICES = [
    (Source.DECLARED, Source.DECLARED.label),
    (Source.HOME_VISIT, Source.HOME_VISIT.label),
]


class FactForm(NamedErrorsMixin, ReasonMixin):
    """Income item, asset, rigid expense or emergency event; ``kind_of_fact`` picks the fields."""

    person = forms.CharField(label=gettext_lazy("成员"), required=False)
    kind = forms.CharField(label=gettext_lazy("类型"))
    amount = forms.DecimalField(label=gettext_lazy("金额(元)"), decimal_places=2, max_digits=14)
    value = forms.DecimalField(label=gettext_lazy("价值(元)"), decimal_places=2, max_digits=14)
    period_start = MonthField(label=gettext_lazy("起始月"))
    period_end = MonthField(label=gettext_lazy("截止月"))
    excluded = forms.BooleanField(
        label=gettext_lazy("不计入收入(优抚、奖励、救助金等)"), required=False
    )
    description = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=200)
    registration_no = forms.CharField(
        label=gettext_lazy("登记号(车牌、不动产权证号等)"), required=False, max_length=64
    )
    exempt = forms.BooleanField(label=gettext_lazy("生活/生产必需豁免"), required=False)
    event_date = forms.DateField(label=gettext_lazy("发生日期"), widget=DateInput)
    loss = forms.DecimalField(
        label=gettext_lazy("损失/费用(元)"), decimal_places=2, max_digits=14, initial=0
    )
    # 自理能力评估 (特困人员认定办法第二十条): ticked = can do it unaided
    eating = forms.BooleanField(label=gettext_lazy("能自行进食"), required=False)
    dressing = forms.BooleanField(label=gettext_lazy("能自行穿衣"), required=False)
    transfer = forms.BooleanField(label=gettext_lazy("能自行上下床"), required=False)
    toileting = forms.BooleanField(label=gettext_lazy("能自行如厕"), required=False)
    walking = forms.BooleanField(label=gettext_lazy("能自行室内行走"), required=False)
    bathing = forms.BooleanField(label=gettext_lazy("能自行洗澡"), required=False)
    assessor = forms.CharField(label=gettext_lazy("评估人/机构"), max_length=60)
    # 法定义务人 (第八条)
    name = forms.CharField(label=gettext_lazy("义务人姓名"), required=False, max_length=60)
    birth_date = forms.DateField(
        label=gettext_lazy("义务人出生日期"), required=False, widget=DateInput
    )
    on_tekun = forms.BooleanField(label=gettext_lazy("义务人为特困人员"), required=False)
    on_dibao = forms.BooleanField(label=gettext_lazy("义务人为低保对象"), required=False)
    disability_type = choice(gettext_lazy("义务人残疾类别"), DisabilityType.choices)
    disability_grade = forms.CharField(
        label=gettext_lazy("义务人残疾等级"),
        required=False,
        widget=forms.Select(
            choices=[("", "——")] + [(str(g), label) for g, label in DISABILITY_GRADES]
        ),
    )
    income_year = forms.DecimalField(
        label=gettext_lazy("义务人上年人均收入(元)"),
        required=False,
        decimal_places=2,
        max_digits=14,
    )
    property_within_limits = forms.NullBooleanField(
        label=gettext_lazy("义务人财产符合低收入家庭财产条件"),
        required=False,
        widget=forms.Select(choices=UNKNOWN_YES_NO),
    )
    no_legal_capacity = forms.BooleanField(
        label=gettext_lazy("义务人无民事行为能力"), required=False
    )
    declared_missing = forms.BooleanField(label=gettext_lazy("义务人被宣告失踪"), required=False)
    in_prison = forms.BooleanField(label=gettext_lazy("义务人在监狱服刑"), required=False)
    # 就业推荐 (低保审核确认办法第三十四条)
    employer = forms.CharField(label=gettext_lazy("用人单位/岗位"), max_length=100)
    refused = forms.BooleanField(label=gettext_lazy("无正当理由拒绝"), required=False)
    source = choice(gettext_lazy("来源"), SOURCE_CHOICES, required=True, blank=False)
    as_of = forms.DateField(label=gettext_lazy("数据日期"), widget=DateInput)
    note = forms.CharField(label=gettext_lazy("备注"), required=False, max_length=200)

    FIELDS = {
        "income": ("person", "kind", "amount", "period_start", "period_end", "excluded"),
        "asset": ("person", "kind", "value", "description", "registration_no", "exempt"),
        "expense": ("person", "kind", "amount", "period_start", "period_end"),
        "event": ("person", "kind", "event_date", "loss"),
        "selfcare": (
            "person",
            "eating",
            "dressing",
            "transfer",
            "toileting",
            "walking",
            "bathing",
            "assessor",
        ),
        "obligor": (
            "person",
            "kind",
            "name",
            "birth_date",
            "on_tekun",
            "on_dibao",
            "disability_type",
            "disability_grade",
            "income_year",
            "property_within_limits",
            "no_legal_capacity",
            "declared_missing",
            "in_prison",
        ),
        "joboffer": ("person", "kind", "employer", "refused"),
    }
    KINDS = {
        "income": IncomeKind.choices,
        "asset": AssetKind.choices,
        "expense": ExpenseKind.choices,
        "event": EventKind.choices,
        "obligor": ObligorRelation.choices,
        "joboffer": JobOffer._meta.get_field("kind").choices,
    }
    # What ``as_of`` means for each kind, and the member field's label.
    AS_OF_LABELS = {
        "selfcare": gettext_lazy("评估日期"),
        "obligor": gettext_lazy("核实日期"),
        "joboffer": gettext_lazy("推荐日期"),
    }
    PER_PERSON = ("selfcare", "obligor", "joboffer")
    COMMON = ("source", "as_of", "note", "reason")

    def __init__(self, *args, kind_of_fact: str, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        keep = set(self.FIELDS[kind_of_fact]) | set(self.COMMON)
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "kind" in self.fields:
            self.fields["kind"].widget = forms.Select(
                choices=BLANK + list(self.KINDS[kind_of_fact])
            )
        if kind_of_fact == "obligor":
            self.fields["kind"].label = _("义务人与该成员关系")
        elif kind_of_fact == "joboffer":
            self.fields["kind"].label = _("推荐方式")
        if kind_of_fact in self.PER_PERSON:
            self.fields["person"].required = True
            self.fields["person"].label = (
                _("被供养/申请成员") if kind_of_fact == "obligor" else _("成员")
            )
            self.fields["person"].error_messages["required"] = _("“%(label)s”为必填项") % {
                "label": self.fields["person"].label
            }
            self.fields["person"].widget = forms.Select(
                choices=BLANK + [(str(p.pk), p.name) for p in members]
            )
        else:
            self.fields["person"].widget = forms.Select(
                choices=[("", _("全家/不指定"))] + [(str(p.pk), p.name) for p in members]
            )
        if kind_of_fact in self.AS_OF_LABELS:
            self.fields["as_of"].label = self.AS_OF_LABELS[kind_of_fact]
            self.fields["as_of"].error_messages["required"] = _("“%(label)s”为必填项") % {
                "label": self.fields["as_of"].label
            }
        if kind_of_fact == "selfcare":
            for name in ("eating", "dressing", "transfer", "toileting", "walking", "bathing"):
                self.fields[name].initial = True
            self.fields["eating"].help_text = _(
                "勾选能自行完成的项目；6项都能为自理，1–3项不能为部分丧失，4项以上不能为完全丧失"
                "（特困人员认定办法第二十一条）"
            )
        self.fields["as_of"].initial = clock.today()
        if "amount" in self.fields:
            self.fields["amount"].help_text = _("起止月份内的合计金额")

    def clean_disability_grade(self):
        value = (self.cleaned_data.get("disability_grade") or "").strip()
        if not value:
            return None
        if not value.isdigit():
            raise forms.ValidationError(_("“义务人残疾等级”须为1至4级"))
        return int(value)

    def clean_person(self):
        value = (self.cleaned_data.get("person") or "").strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("所选成员不属于该家庭"))
        return value

    def service_data(self) -> dict:
        d = dict(self.cleaned_data)
        d.pop("reason", None)
        d["person"] = int(d["person"]) if d.get("person") else None
        return d


class DeleteReasonForm(NamedErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("删除理由"), max_length=500, widget=forms.TextInput(attrs={"size": 50})
    )
