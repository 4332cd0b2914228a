"""Programmes as data: YAML definitions checked and compiled against the catalogue.

A programme has a stable ``code``, a ``tier`` (basic 兜底保障 / special 专项救助 / watch 监测预警),
a ``unit`` (household or person), a ``period`` for its amount (month, year or once), named
``conditions`` (all must hold), a ``beneficiaries`` count expression and an ``amount`` formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from jiuzhu.policy.engine.errors import Message, Where
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


def _need(doc: dict, key: str, where: Where):
    if key not in doc or doc[key] in (None, ""):
        raise ExpressionError("field_missing", {"field": key}, where=where)
    return doc[key]


def _at(code: str, field: str) -> Message:
    """``项目 <code>.<field>``: a field of a programme definition."""
    return Message("where_programme_field", {"code": code, "field": field})


def compile_programme(doc: dict, catalogue: Catalogue) -> Programme:
    """Check one programme definition; raise ``ExpressionError`` naming the field at fault."""
    if not isinstance(doc, dict):
        raise ExpressionError("programme_not_mapping")
    code = str(_need(doc, "code", "code"))
    if not set(code) <= CODE_CHARS or not code[0].isalpha():
        raise ExpressionError("programme_code_chars", where="code")
    where = Message("where_programme", {"code": code})
    tier = _need(doc, "tier", _at(code, "tier"))
    if tier not in TIERS:
        raise ExpressionError("tier_choice", {"choices": ", ".join(TIERS)}, where=_at(code, "tier"))
    unit = doc.get("unit", "household")
    if unit not in UNITS:
        raise ExpressionError("unit_choice", {"choices": ", ".join(UNITS)}, where=_at(code, "unit"))
    period = doc.get("period", "month")
    if period not in PERIODS:
        raise ExpressionError(
            "period_choice", {"choices": ", ".join(PERIODS)}, where=_at(code, "period")
        )
    conds = []
    seen = set()
    raw_conditions = _need(doc, "conditions", _at(code, "conditions"))
    if not isinstance(raw_conditions, list):
        raise ExpressionError("conditions_not_list", where=_at(code, "conditions"))
    for i, c in enumerate(raw_conditions):
        cw = f"conditions[{i}]"
        name = str(_need(c, "name", _at(code, cw)))
        if not set(name) <= CODE_CHARS:
            raise ExpressionError("condition_name_chars", where=_at(code, f"{cw}.name"))
        if name in seen:
            raise ExpressionError(
                "condition_name_duplicate", {"name": name}, where=_at(code, f"{cw}.name")
            )
        seen.add(name)
        try:
            checked = _compile(str(_need(c, "expr", _at(code, cw))), catalogue, expect=BOOL)
        except ExpressionError as exc:
            raise exc.within(Message("where_condition", {"code": code, "name": name})) from None
        conds.append(Condition(name, c.get("label", name), checked, c.get("article", "")))
    try:
        amount = _compile(str(doc.get("amount", "0")), catalogue, expect=MONEY)
    except ExpressionError as exc:
        raise exc.within(Message("where_amount", {"code": code})) from None
    benef_at = Message("where_beneficiaries", {"code": code})
    try:
        benef = _compile(str(doc.get("beneficiaries", "counted_members")), catalogue)
    except ExpressionError as exc:
        raise exc.within(benef_at) from None
    if benef.type != COUNT:
        raise ExpressionError("beneficiaries_not_count", where=benef_at)
    rounding = doc.get("rounding")
    if rounding is not None and catalogue.parameters.get(str(rounding)) != BOOL:
        raise ExpressionError("rounding_not_bool", {"name": rounding}, where=_at(code, "rounding"))
    depends = set()
    for ch in [*(c.expr for c in conds), amount, benef]:
        for n in ch.names:
            head, _, tail = n.partition(".")
            if head in ("eligible", "amount") and tail:
                depends.add(tail)
    if code in depends:
        raise ExpressionError("programme_self_reference", where=where)
    return Programme(
        code=code,
        name=str(_need(doc, "name", _at(code, "name"))),
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


def bind(p: Programme, catalogue: Catalogue, consts: dict) -> Programme:
    """The programme compiled again with its parameters known (one parameter set): the same
    conditions and formulas, constant parts folded (``expr._Compiler``)."""
    from dataclasses import replace

    doc = p.source
    conds = [
        replace(c, expr=_compile(c.expr.source, catalogue, expect=BOOL, consts=consts))
        for c in p.conditions
    ]
    return replace(
        p,
        conditions=conds,
        amount=_compile(p.amount.source, catalogue, expect=MONEY, consts=consts),
        beneficiaries=_compile(
            str(doc.get("beneficiaries", "counted_members")), catalogue, consts=consts
        ),
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
            raise ExpressionError("programme_cycle", {"path": " → ".join([*path, code])})
        if code not in by_code:
            raise ExpressionError("programme_not_loaded", {"code": code, "path": " → ".join(path)})
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
    cat = Catalogue(
        catalogue.features,
        catalogue.parameters,
        {str(d.get("code")) for d in docs},
        catalogue.feature_scales,
    )
    return order([compile_programme(d, cat) for d in docs])
