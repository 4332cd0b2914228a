"""Forms for the policy pages. The calculator form builds the documented household document."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

YES_NO = [("", _("否")), ("1", _("是"))]
DISABILITY_TYPES = [
    ("", _("无")),
    ("physical", _("肢体")),
    ("visual", _("视力")),
    ("hearing", _("听力")),
    ("speech", _("言语")),
    ("intellectual", _("智力")),
    ("mental", _("精神")),
    ("multiple", _("多重")),
]
GRADES = [("", "—"), ("1", _("一级")), ("2", _("二级")), ("3", _("三级")), ("4", _("四级"))]
CAPACITY = [("full", _("有劳动能力")), ("partial", _("部分丧失")), ("none", _("无劳动能力"))]
SELF_CARE = [("full", _("全自理")), ("partial", _("半护理")), ("none", _("全护理"))]
EMPLOYMENT = [
    ("na", _("不适用")),
    ("employed", _("就业")),
    ("flexible", _("灵活就业")),
    ("farming", _("务农")),
    ("unemployed", _("失业/无业")),
    ("retired", _("退休")),
    ("student", _("在校")),
]
STAGES = [
    ("none", _("不在学")),
    ("preschool", _("学前")),
    ("primary", _("小学")),
    ("junior", _("初中")),
    ("senior", _("普通高中")),
    ("vocational", _("中职")),
    ("college", _("大专/本科")),
]
MEMBER_ROWS = 6


class CalculatorForm(forms.Form):
    area_code = forms.CharField(label=_("区划代码"), max_length=12, min_length=12)
    on = forms.DateField(label=_("评估日期"), initial=timezone.localdate)
    urban_rural = forms.ChoiceField(
        label=_("城乡类别"), choices=[("urban", _("城市")), ("rural", _("农村"))]
    )
    emergency_event = forms.BooleanField(label=_("遭遇急难事件"), required=False)
    obligors = forms.ChoiceField(
        label=_("法定义务人"),
        choices=[
            ("unknown", _("未核实")),
            ("none", _("无法定义务人")),
            ("able", _("有义务人，无第八条所列情形")),
        ],
        initial="unknown",
        required=False,
    )
    deposits = forms.DecimalField(
        label=_("存款/证券/商业保险合计(元)"), min_value=0, decimal_places=2, required=False
    )
    vehicles = forms.IntegerField(label=_("机动车(辆)"), min_value=0, required=False)
    properties = forms.IntegerField(label=_("房产(套)"), min_value=0, required=False)
    businesses = forms.IntegerField(label=_("工商登记(个)"), min_value=0, required=False)
    other_income = forms.DecimalField(
        label=_("其他家庭月收入(元)"), min_value=0, decimal_places=2, required=False
    )
    medical_12m = forms.DecimalField(
        label=_("近12个月医疗自付(元)"), min_value=0, decimal_places=2, required=False
    )
    education_12m = forms.DecimalField(
        label=_("近12个月教育支出(元)"), min_value=0, decimal_places=2, required=False
    )
    on_dibao_roll = forms.BooleanField(label=_("目前在低保名册"), required=False)
    dibao_roll_amount = forms.DecimalField(
        label=_("名册月金额(元)"), min_value=0, decimal_places=2, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(MEMBER_ROWS):
            p = f"m{i}_"
            self.fields[p + "age"] = forms.IntegerField(
                label=_("年龄"), min_value=0, max_value=120, required=False
            )
            self.fields[p + "disability_type"] = forms.ChoiceField(
                label=_("残疾类别"), choices=DISABILITY_TYPES, required=False
            )
            self.fields[p + "disability_grade"] = forms.ChoiceField(
                label=_("残疾等级"), choices=GRADES, required=False
            )
            self.fields[p + "major_illness"] = forms.BooleanField(label=_("重病"), required=False)
            self.fields[p + "labour_capacity"] = forms.ChoiceField(
                label=_("劳动能力"), choices=CAPACITY, required=False
            )
            self.fields[p + "self_care"] = forms.ChoiceField(
                label=_("自理能力"), choices=SELF_CARE, required=False
            )
            self.fields[p + "employment"] = forms.ChoiceField(
                label=_("就业"), choices=EMPLOYMENT, required=False
            )
            self.fields[p + "school_stage"] = forms.ChoiceField(
                label=_("就学"), choices=STAGES, required=False
            )
            self.fields[p + "monthly_income"] = forms.DecimalField(
                label=_("月收入(元)"), min_value=0, decimal_places=2, required=False
            )
            self.fields[p + "child_status"] = forms.ChoiceField(
                label=_("孤儿/事实无人抚养"),
                choices=[
                    ("none", _("否")),
                    ("orphan", _("孤儿")),
                    ("unsupported", _("事实无人抚养")),
                ],
                required=False,
            )

    def household_fields(self):
        return [self[n] for n in self.fields if not n.startswith("m") or n == "medical_12m"]

    def member_rows(self):
        return [
            [
                self[f"m{i}_{f}"]
                for f in (
                    "age",
                    "disability_type",
                    "disability_grade",
                    "major_illness",
                    "labour_capacity",
                    "self_care",
                    "employment",
                    "school_stage",
                    "monthly_income",
                    "child_status",
                )
            ]
            for i in range(MEMBER_ROWS)
        ]

    def clean(self):
        data = super().clean()
        if not any(data.get(f"m{i}_age") is not None for i in range(MEMBER_ROWS)):
            raise forms.ValidationError(_("至少填写一名家庭成员的年龄"))
        return data

    def document(self) -> dict:
        d = self.cleaned_data
        on: datetime.date = d["on"]
        members = []
        for i in range(MEMBER_ROWS):
            p = f"m{i}_"
            if d.get(p + "age") is None:
                continue
            m = {
                "id": i + 1,
                "age": d[p + "age"],
                "disability_type": d.get(p + "disability_type") or "",
                "disability_grade": int(d[p + "disability_grade"])
                if d.get(p + "disability_grade")
                else None,
                "major_illness": d.get(p + "major_illness", False),
                "labour_capacity": d.get(p + "labour_capacity") or "full",
                "self_care": d.get(p + "self_care") or "full",
                "employment": d.get(p + "employment") or "na",
                "school_stage": d.get(p + "school_stage") or "none",
                "child_status": d.get(p + "child_status") or "none",
            }
            if d.get(p + "monthly_income"):
                m["monthly_income"] = str(d[p + "monthly_income"])
            # 特困办法第八条: not checked (no list), none (an empty list), or an obligor for whom
            # none of the five reasons applies (able to support).
            obligors = d.get("obligors") or "unknown"
            if obligors == "none":
                m["obligors"] = []
            elif obligors == "able":
                m["obligors"] = [{"relation": "child", "age": 40}]
            members.append(m)
        doc: dict = {
            "household": {
                "urban_rural": d["urban_rural"],
                "emergency_event": d.get("emergency_event", False),
            },
            "members": members,
            "income": [],
            "assets": [],
            "expenses": [],
            "roll": [],
        }
        if d.get("other_income"):
            doc["income"].append({"kind": "other", "amount": str(d["other_income"] * 12)})
        if d.get("deposits"):
            doc["assets"].append({"kind": "deposit", "value": str(d["deposits"])})
        for kind, field in (
            ("vehicle", "vehicles"),
            ("property", "properties"),
            ("business", "businesses"),
        ):
            for _i in range(d.get(field) or 0):
                doc["assets"].append({"kind": kind, "value": "0"})
        if d.get("medical_12m"):
            doc["expenses"].append({"kind": "medical", "amount": str(d["medical_12m"])})
        if d.get("education_12m"):
            doc["expenses"].append({"kind": "education", "amount": str(d["education_12m"])})
        if d.get("on_dibao_roll"):
            doc["roll"].append(
                {
                    "programme": "dibao",
                    "monthly_amount": str(d.get("dibao_roll_amount") or 0),
                    "start_month": on.replace(day=1).isoformat(),
                }
            )
        # The "other income" spans the 12-month window; the document default window is the
        # look-back (12 months by default).
        return doc


class SimulationForm(forms.Form):
    name = forms.CharField(label=_("参数"), initial="dibao.standard")
    value = forms.CharField(label=_("新取值"), initial="750")
    area_code = forms.CharField(label=_("适用区划(12位，空=全部)"), required=False, max_length=12)
    on = forms.DateField(label=_("评估日期"))
    size = forms.IntegerField(label=_("曲线家庭人数"), min_value=1, max_value=6, initial=3)


class ParameterProposeForm(forms.Form):
    name = forms.ChoiceField(label=_("参数"))
    area_code = forms.CharField(label=_("区划代码"), max_length=12, min_length=12)
    effective_from = forms.DateField(label=_("生效日期"))
    value = forms.CharField(label=_("取值"), max_length=40)
    source = forms.CharField(label=_("依据/来源"), max_length=200, required=False)
    reason = forms.CharField(label=_("调整理由"), max_length=200)

    def __init__(self, *args, specs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].choices = [(n, f"{s.label}（{n}）") for n, s in (specs or {}).items()]
