"""Programme codes (GLOSSARY.md) → the name a person reads, in the active language.

The one mapping every app uses to name a programme: roll entries, cases, alerts and routes,
payrolls, and 政策找人's calculator and runs (the YAML programme definitions' ``name`` stays the
Chinese data it is; pages show this label instead).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

# The programmes a household can be on (roll entries, routes, list filters).
PROGRAMME_LABELS = {
    "dibao": gettext_lazy("最低生活保障"),
    "dibao_single": gettext_lazy("单人保"),
    "tekun": gettext_lazy("特困人员救助供养"),
    "dibao_edge": gettext_lazy("低保边缘家庭"),
    "rigid_expense": gettext_lazy("刚性支出困难家庭"),
    "temporary_aid": gettext_lazy("临时救助"),
    "medical_aid": gettext_lazy("医疗救助"),
    "education_aid": gettext_lazy("教育救助"),
    "housing_aid": gettext_lazy("住房救助"),
    "employment_aid": gettext_lazy("就业救助"),
    "disability_living_subsidy": gettext_lazy("困难残疾人生活补贴"),
    "disability_care_subsidy": gettext_lazy("重度残疾人护理补贴"),
    "orphan_allowance": gettext_lazy("孤儿基本生活费"),
    "unsupported_child_allowance": gettext_lazy("事实无人抚养儿童基本生活费"),
    "disaster_relief": gettext_lazy("受灾人员救助"),
    "children_in_difficulty": gettext_lazy("困境儿童保障"),
    "elderly_allowance": gettext_lazy("高龄津贴"),
    "elderly_care_subsidy": gettext_lazy("经济困难老年人服务补贴"),
    "union_hardship": gettext_lazy("工会困难职工帮扶"),
    "women_hardship": gettext_lazy("妇联困难妇女帮扶"),
    "medical_premium_subsidy": gettext_lazy("医保参保资助"),
    "utilities_discount": gettext_lazy("水电气费用减免"),
    "category_supplement": gettext_lazy("分类施保"),
    "phase_out": gettext_lazy("渐退"),
}

# 政策找人's 监测预警 tier: assessed by the calculator, never on a roll.
WATCH_LABELS = {
    "poverty_watch": gettext_lazy("返贫/致贫监测"),
}


def programme_label(code: str) -> str:
    """The programme's name in the active language; an unknown code is shown as it is."""
    label = PROGRAMME_LABELS.get(code) or WATCH_LABELS.get(code)
    return str(label) if label else code
