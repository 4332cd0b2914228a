"""SPDCI search queries → one neutral form: a list of ``Condition``s joined by AND or OR.

Three query types (Social Registry API v1.0.0, ``search_criteria.query_type``):
- ``idtype-value``: ``{"type": "UIN", "value": "…"}``;
- ``expression``: ``{"type": …, "value": {"expression": {"collection": …,
  "query": {"$and": [{attr: {"$lt": 5}}, …]}}}}`` (``$and``/``$or`` of one level);
- ``predicate``: ``[{"seq_num", "expression1": {attribute_name, operator, attribute_value},
  "condition": "and"|"or", "expression2": {...}}]``.
Attribute names are the kit's and the spec's examples mapped onto the registry; an unknown one
is refused with ``rjct.search_criteria.invalid`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

from jiuzhu.interop.dci.envelope import EnvelopeError

# identifier types → registry field
ID_TYPES = {
    "UIN": "id_number",
    "NIN": "id_number",
    "NATIONALID": "id_number",
    "ID_NUMBER": "id_number",
    "MOBILE": "phone",
    "HOUSEHOLD_ID": "household_number",
}
# attribute → registry field (age and the household's figures are derived)
ATTRIBUTES = {
    "age": "age",
    "gender": "sex",
    "sex": "sex",
    "poverty_score": "hardship_score",
    "location": "area",
    "district": "area",
    "area_code": "area",
    "group_size": "household_size",
    "birth_date": "birth_date",
    "name": "name",
}
OPERATORS = {
    "eq": "eq",
    "$eq": "eq",
    "ne": "ne",
    "$ne": "ne",
    "lt": "lt",
    "$lt": "lt",
    "lte": "lte",
    "le": "lte",
    "$lte": "lte",
    "gt": "gt",
    "$gt": "gt",
    "gte": "gte",
    "ge": "gte",
    "$gte": "gte",
    "in": "in",
    "$in": "in",
}


@dataclass(frozen=True)
class Condition:
    field: str  # a registry field of ATTRIBUTES / ID_TYPES values
    op: str  # eq ne lt lte gt gte in
    value: object


@dataclass(frozen=True)
class Query:
    conditions: tuple[Condition, ...]
    join: str = "and"  # "and" | "or"


def _invalid(message: str) -> EnvelopeError:
    return EnvelopeError("rjct.search_criteria.invalid", message)


def _condition(name, op, value) -> Condition:
    field = ATTRIBUTES.get(str(name).lower())
    if field is None:
        raise _invalid(f"attribute {name!r} is not searchable; use one of {sorted(ATTRIBUTES)}")
    norm = OPERATORS.get(str(op).lower())
    if norm is None:
        raise _invalid(f"operator {op!r} is not supported")
    return Condition(field, norm, value)


def parse_query(query_type: str, query) -> Query:
    if query_type == "idtype-value":
        if not isinstance(query, dict) or "type" not in query or "value" not in query:
            raise _invalid("idtype-value needs {type, value}")
        field = ID_TYPES.get(str(query["type"]).upper().replace("-", "_"))
        if field is None:
            raise _invalid(f"identifier type {query['type']!r} is not supported")
        return Query((Condition(field, "eq", str(query["value"])),))
    if query_type == "expression":
        expr = query.get("value", {}).get("expression") if isinstance(query, dict) else None
        if expr is None and isinstance(query, dict):
            expr = query.get("expression")
        if not isinstance(expr, dict) or not isinstance(expr.get("query"), dict):
            raise _invalid("expression needs value.expression.query")
        body = expr["query"]
        join = "and"
        if "$or" in body:
            join, items = "or", body["$or"]
        elif "$and" in body:
            items = body["$and"]
        else:
            items = [{k: v} for k, v in body.items()]
        conds = []
        for item in items:
            if not isinstance(item, dict):
                raise _invalid("each expression term must be an object")
            for name, test in item.items():
                if not isinstance(test, dict):
                    test = {"$eq": test}
                for op, value in test.items():
                    conds.append(_condition(name, op, value))
        return Query(tuple(conds), join)
    if query_type == "predicate":
        if not isinstance(query, list) or not query:
            raise _invalid("predicate needs a list of expressions")
        conds, joins = [], set()
        for pred in sorted(query, key=lambda p: p.get("seq_num", 0) if isinstance(p, dict) else 0):
            if not isinstance(pred, dict):
                raise _invalid("each predicate must be an object")
            for key in ("expression1", "expression2"):
                e = pred.get(key)
                if e is None:
                    continue
                if not isinstance(e, dict):
                    raise _invalid(f"{key} must be an object")
                conds.append(
                    _condition(e.get("attribute_name"), e.get("operator"), e.get("attribute_value"))
                )
            if pred.get("condition"):
                joins.add(str(pred["condition"]).lower())
        if joins - {"and", "or"} or len(joins) > 1:
            raise _invalid("predicates may be joined by one of and / or")
        return Query(tuple(conds), joins.pop() if joins else "and")
    raise _invalid(f"query_type {query_type!r} is not supported")
