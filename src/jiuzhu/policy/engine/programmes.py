"""Programmes as data: YAML definitions checked and compiled against the catalogue.

A programme has a stable ``code``, a ``tier`` (basic 兜底保障 / special 专项救助 / watch 监测预警),
a ``unit`` (household or person), a ``period`` for its amount (month, year or once), named
``conditions`` (all must hold), a ``beneficiaries`` count expression and an ``amount`` formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from jiuzhu.policy.engine.expr import BOOL, COUNT, MONEY, Catalogue, Checked, ExpressionError
from jiuzhu.policy.engine.expr import compile_expr as _compile

TIERS = {"basic": "兜底保障", "special": "专项救助", "watch": "监测预警"}
UNITS = {"household": "按户", "person": "按人"}
PERIODS = {"month": "每月", "year": "每年", "once": "一次性"}
CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass
class Condition:
    name: str
    label: str
    expr: Checked
    article: str = ""


@dataclass
class Programme:
    code: str
    name: str
    tier: str
    unit: str
    period: str
    conditions: list[Condition]
    beneficiaries: Checked
    amount: Checked
    articles: list[str] = field(default_factory=list)
    description: str = ""
    depends: set[str] = field(default_factory=set)
    source: dict = field(default_factory=dict)

    def condition_names(self) -> list[str]:
        return [c.name for c in self.conditions]


def _need(doc: dict, key: str, where: str):
    if key not in doc or doc[key] in (None, ""):
        raise ExpressionError(f"缺少字段 “{key}”", where=where)
    return doc[key]


def compile_programme(doc: dict, catalogue: Catalogue) -> Programme:
    """Check one programme definition; raise ``ExpressionError`` naming the field at fault."""
    if not isinstance(doc, dict):
        raise ExpressionError("项目定义必须是一个映射（YAML 字典）")
    code = str(_need(doc, "code", "code"))
    if not set(code) <= CODE_CHARS or not code[0].isalpha():
        raise ExpressionError("项目代码只能由小写字母、数字和下划线组成", where="code")
    where = f"项目 {code}"
    tier = _need(doc, "tier", f"{where}.tier")
    if tier not in TIERS:
        raise ExpressionError(f"层级必须是 {', '.join(TIERS)} 之一", where=f"{where}.tier")
    unit = doc.get("unit", "household")
    if unit not in UNITS:
        raise ExpressionError(f"单位必须是 {', '.join(UNITS)} 之一", where=f"{where}.unit")
    period = doc.get("period", "month")
    if period not in PERIODS:
        raise ExpressionError(f"周期必须是 {', '.join(PERIODS)} 之一", where=f"{where}.period")
    conds = []
    seen = set()
    raw_conditions = _need(doc, "conditions", f"{where}.conditions")
    if not isinstance(raw_conditions, list):
        raise ExpressionError("conditions 必须是列表", where=f"{where}.conditions")
    for i, c in enumerate(raw_conditions):
        cw = f"{where}.conditions[{i}]"
        name = str(_need(c, "name", cw))
        if not set(name) <= CODE_CHARS:
            raise ExpressionError("条件名只能由小写字母、数字和下划线组成", where=f"{cw}.name")
        if name in seen:
            raise ExpressionError(f"条件名 “{name}” 重复", where=f"{cw}.name")
        seen.add(name)
        try:
            checked = _compile(str(_need(c, "expr", cw)), catalogue, expect=BOOL)
        except ExpressionError as exc:
            raise ExpressionError(str(exc), where=f"{where} 条件 {name}") from None
        conds.append(Condition(name, c.get("label", name), checked, c.get("article", "")))
    try:
        amount = _compile(str(doc.get("amount", "0")), catalogue, expect=MONEY)
    except ExpressionError as exc:
        raise ExpressionError(str(exc), where=f"{where} 金额公式") from None
    try:
        benef = _compile(str(doc.get("beneficiaries", "counted_members")), catalogue)
    except ExpressionError as exc:
        raise ExpressionError(str(exc), where=f"{where} 受益人数") from None
    if benef.type != COUNT:
        raise ExpressionError("受益人数必须是计数", where=f"{where} 受益人数")
    rounding = doc.get("rounding")
    if rounding is not None and catalogue.parameters.get(str(rounding)) != BOOL:
        raise ExpressionError(
            f"取整参数 “{rounding}” 必须是已登记的 是/否 参数", where=f"{where}.rounding"
        )
    depends = set()
    for ch in [*(c.expr for c in conds), amount, benef]:
        for n in ch.names:
            head, _, tail = n.partition(".")
            if head in ("eligible", "amount") and tail:
                depends.add(tail)
    if code in depends:
        raise ExpressionError("项目不能引用自己的结果", where=where)
    return Programme(
        code=code,
        name=str(_need(doc, "name", f"{where}.name")),
        tier=tier,
        unit=unit,
        period=period,
        conditions=conds,
        beneficiaries=benef,
        amount=amount,
        articles=list(doc.get("articles", [])),
        description=str(doc.get("description", "")),
        depends=depends,
        source=doc,
    )


def order(programmes: list[Programme]) -> list[Programme]:
    """Topological order by references (eligible.x / amount.x); refuse cycles and unknowns."""
    by_code = {p.code: p for p in programmes}
    out: list[Programme] = []
    state: dict[str, int] = {}

    def visit(code: str, path: list[str]):
        if state.get(code) == 2:
            return
        if state.get(code) == 1:
            raise ExpressionError(f"项目之间循环引用：{' → '.join([*path, code])}")
        if code not in by_code:
            raise ExpressionError(f"引用了未加载的项目 “{code}”（{' → '.join(path)}）")
        state[code] = 1
        for d in sorted(by_code[code].depends):
            visit(d, [*path, code])
        state[code] = 2
        out.append(by_code[code])

    for p in programmes:
        visit(p.code, [])
    return out


PROGRAMME_DIR = Path(__file__).resolve().parent.parent / "programmes"


def load_documents(directory: Path = PROGRAMME_DIR) -> list[dict]:
    docs = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        with path.open(encoding="utf-8") as fh:
            docs.append(yaml.safe_load(fh))
    return docs


def compile_all(docs: list[dict], catalogue: Catalogue) -> list[Programme]:
    cat = Catalogue(catalogue.features, catalogue.parameters, {str(d.get("code")) for d in docs})
    return order([compile_programme(d, cat) for d in docs])
