"""The programme register (救助事项清单): for every programme, the department that owns it and
how a case handles it — ``decide`` (civil affairs decides it in the case's own chain) or
``refer`` (the track is referred to the owner department's office, 转办).

The register is data: the ``owner`` and ``handling`` keys of each programme definition
(``programmes/*.yaml``; the engine ignores them). Read by the cases app to open one track per
programme of an application (一门受理、协同办理).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from jiuzhu.core.programmes import programme_label

CIVIL_AFFAIRS = "civil_affairs"
DECIDE = "decide"
REFER = "refer"

HANDLING_LABELS = {DECIDE: gettext_lazy("民政决定"), REFER: gettext_lazy("转办")}

# Owner departments that are not already data sources (verify registers 人社, 医保, 教育 …).
DEPARTMENT_LABELS = {
    CIVIL_AFFAIRS: gettext_lazy("民政"),
    "housing": gettext_lazy("住建"),
    "emergency": gettext_lazy("应急管理"),
    "union": gettext_lazy("工会"),
    "women": gettext_lazy("妇联"),
    "utilities": gettext_lazy("水电气企业"),
}

# The office a referred track goes to, when the area has no org unit of that department.
OFFICE_LABELS = {
    CIVIL_AFFAIRS: gettext_lazy("民政局"),
    "education": gettext_lazy("教育局"),
    "medical_insurance": gettext_lazy("医疗保障局"),
    "hrss": gettext_lazy("人力资源和社会保障局"),
    "housing": gettext_lazy("住房和城乡建设局"),
    "emergency": gettext_lazy("应急管理局"),
    "union": gettext_lazy("总工会"),
    "women": gettext_lazy("妇女联合会"),
    "utilities": gettext_lazy("供水供电燃气企业"),
    "disability_federation": gettext_lazy("残疾人联合会"),
}


@dataclass(frozen=True)
class Entry:
    code: str
    owner: str
    handling: str
    tier: str
    period: str

    @property
    def label(self) -> str:
        return programme_label(self.code)

    @property
    def referred(self) -> bool:
        return self.handling == REFER


def entry_from(doc: dict) -> Entry:
    return Entry(
        code=str(doc["code"]),
        owner=str(doc.get("owner") or CIVIL_AFFAIRS),
        handling=REFER if doc.get("handling") == REFER else DECIDE,
        tier=str(doc.get("tier", "")),
        period=str(doc.get("period", "month")),
    )


def programme_register() -> dict[str, Entry]:
    """Every active programme → its register entry (the database's definitions, else the YAML)."""
    from jiuzhu.policy.selectors import programme_documents

    return {e.code: e for e in (entry_from(d) for d in programme_documents())}


def register_entry(code: str) -> Entry | None:
    return programme_register().get(code)


def office_label(department: str) -> str:
    text = OFFICE_LABELS.get(department)
    return str(text) if text is not None else department
