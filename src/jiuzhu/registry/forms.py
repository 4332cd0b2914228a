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
    ObligorStatus,
    ObligorUnableReason,
    Relation,
    SchoolStage,
    SelfCare,
    Sex,
    Source,
    SupportMode,
    UrbanRural,
)
from jiuzhu.registry.selectors import SORTS

BLANK = [("", "——")]


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


def _area_choices(areas) -> list[tuple[str, str]]:
    return [
        (a.code, f"{a.parent.name} {a.name}" if getattr(a, "parent", None) else a.name)
        for a in areas
    ]


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
        choices = _area_choices(villages)
        self.fields["hukou_area"].widget = forms.Select(choices=BLANK + choices)
        self.fields["residence_area"].widget = forms.Select(choices=[("", _("同户籍地"))] + choices)

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
        label=gettext_lazy("共同生活家庭成员(计入家庭人口和收入)"), required=False, initial=True
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
    self_care = choice(gettext_lazy("生活自理能力"), SelfCare.choices, required=True, blank=False)
    employment = choice(gettext_lazy("就业状况"), Employment.choices, required=True, blank=False)
    school_stage = choice(gettext_lazy("就学阶段"), SchoolStage.choices, required=True, blank=False)
    death_date = forms.DateField(label=gettext_lazy("死亡日期"), required=False, widget=DateInput)
    # Not required: a post without them (an older client) keeps the defaults.
    child_status = choice(gettext_lazy("孤儿/事实无人抚养"), ChildStatus.choices, blank=False)
    obligor_status = choice(gettext_lazy("法定义务人情况"), ObligorStatus.choices, blank=False)
    obligor_unable_reason = choice(
        gettext_lazy("义务人无履行能力的情形"), ObligorUnableReason.choices
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
        self.fields["self_care"].initial = SelfCare.FULL
        self.fields["employment"].initial = Employment.NOT_APPLICABLE
        self.fields["school_stage"].initial = SchoolStage.NONE
        self.fields["child_status"].initial = ChildStatus.NONE
        self.fields["obligor_status"].initial = ObligorStatus.UNKNOWN
        self.fields["support_mode"].help_text = _(
            "仅特困人员填写：在供养机构生活为集中供养，在家生活为分散供养"
        )
        self.fields["obligor_status"].help_text = _(
            "赡养、抚养、扶养义务人；认定特困须核实（特困人员认定办法第四、八条）"
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

    def clean_obligor_status(self):
        return self.cleaned_data.get("obligor_status") or ObligorStatus.UNKNOWN

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
    source = choice(gettext_lazy("来源"), SOURCE_CHOICES, required=True, blank=False)
    as_of = forms.DateField(label=gettext_lazy("数据日期"), widget=DateInput)
    note = forms.CharField(label=gettext_lazy("备注"), required=False, max_length=200)

    FIELDS = {
        "income": ("person", "kind", "amount", "period_start", "period_end", "excluded"),
        "asset": ("person", "kind", "value", "description", "registration_no", "exempt"),
        "expense": ("person", "kind", "amount", "period_start", "period_end"),
        "event": ("person", "kind", "event_date", "loss"),
    }
    KINDS = {
        "income": IncomeKind,
        "asset": AssetKind,
        "expense": ExpenseKind,
        "event": EventKind,
    }
    COMMON = ("source", "as_of", "note", "reason")

    def __init__(self, *args, kind_of_fact: str, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        keep = set(self.FIELDS[kind_of_fact]) | set(self.COMMON)
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.fields["kind"].widget = forms.Select(
            choices=BLANK + list(self.KINDS[kind_of_fact].choices)
        )
        self.fields["person"].widget = forms.Select(
            choices=[("", _("全家/不指定"))] + [(str(p.pk), p.name) for p in members]
        )
        self.fields["as_of"].initial = clock.today()
        if "amount" in self.fields:
            self.fields["amount"].help_text = _("起止月份内的合计金额")

    def service_data(self) -> dict:
        d = dict(self.cleaned_data)
        d.pop("reason", None)
        d["person"] = int(d["person"]) if d.get("person") else None
        return d


class DeleteReasonForm(NamedErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("删除理由"), max_length=500, widget=forms.TextInput(attrs={"size": 50})
    )
