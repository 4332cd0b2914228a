"""The calculator (政策计算器) for one household given as a JSON/YAML document. Pure.

Document schema: ``docs/policy-calculator.md``. Money is given as strings or numbers in yuan with
at most two decimals and becomes integer fen exactly; months as ``YYYY-MM`` or ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

import polars as pl

from jiuzhu.policy.engine.errors import EngineError, Message
from jiuzhu.policy.engine.evaluate import (
    Plan,
    decimal_text,
    evaluate,
    explain,
    single_area_params,
)
from jiuzhu.policy.engine.features import compute_features, income_categories
from jiuzhu.policy.engine.params import ParamSpec, ParamValue, coerce, resolve

CHOICES = {
    "urban_rural": {"urban", "rural"},
    "child_status": {"none", "orphan", "unsupported"},
    "event_kind": {"fire", "traffic", "illness", "disaster", "accident", "other"},
    "disability_type": {
        "",
        "physical",
        "visual",
        "hearing",
        "speech",
        "intellectual",
        "mental",
        "multiple",
    },
    "labour_capacity": {"full", "partial", "none"},
    "self_care": {"full", "partial", "none"},
    "relation": {
        "head",
        "spouse",
        "child",
        "parent",
        "grandchild",
        "grandparent",
        "sibling",
        "child_in_law",
        "other",
    },
    "employment": {"employed", "flexible", "farming", "unemployed", "retired", "student", "na"},
    "school_stage": {
        "none",
        "preschool",
        "primary",
        "junior",
        "senior",
        "vocational",
        "college",
        "postgraduate",
    },
    "income_kind": {"wage", "business", "property", "transfer", "other"},
    "income_category": {"", *income_categories()},
    "asset_kind": {
        "deposit",
        "security",
        "insurance",
        "receivable",
        "internet_finance",
        "vehicle",
        "property",
        "business",
    },
    "expense_kind": {"medical", "education", "rehabilitation", "basic_living"},
}

# The six self-care items (特困办法 Art. 20): true = can do it unaided.
SELF_CARE_ITEMS = ("eating", "dressing", "transfer", "toileting", "walking", "bathing")

# Every key a document may hold, per object (docs/policy-calculator.md documents each one).
# Anything else is refused with its name: a silently ignored key would let a document look
# complete when it is not.
SCHEMA: dict[str, frozenset[str]] = {
    "document": frozenset({"household", "members", "income", "assets", "expenses", "roll"}),
    "household": frozenset({"urban_rural", "emergency_event", "emergency_events"}),
    "member": frozenset(
        {
            "id",
            "name",
            "birth_date",
            "age",
            "death_date",
            "relation",
            "lives_together",
            "cannot_live_independently",
            "religious_site_years",
            "in_prison",
            "in_drug_rehab",
            "declared_missing",
            "other_exclusion",
            "is_counted",
            "disability_type",
            "disability_grade",
            "major_illness",
            "labour_capacity",
            "self_care_items",
            "self_care",
            "employment",
            "school_stage",
            "child_status",
            "tekun_supported",
            "obligors",
            "job_offers",
            "monthly_income",
        }
    ),
    "obligor": frozenset(
        {
            "relation",
            "age",
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
        }
    ),
    "self_care_items": frozenset(SELF_CARE_ITEMS),
    "income": frozenset(
        {"member", "kind", "category", "amount", "period_start", "period_end", "excluded", "note"}
    ),
    "asset": frozenset({"kind", "value", "exempt", "residential", "note"}),
    "expense": frozenset({"kind", "amount", "period_start", "period_end", "note"}),
    "roll": frozenset(
        {"programme", "member", "monthly_amount", "start_month", "end_month", "status"}
    ),
    "event": frozenset({"kind", "event_date", "loss"}),
    # A suitable job offered to the member and whether refused (低保办法 Art. 34).
    "job_offer": frozenset({"offered_on", "refused", "note"}),
}


def _known(obj, kind: str, where: str) -> dict:
    """``obj`` as a dict whose keys are all in ``SCHEMA[kind]``; otherwise refused, naming them."""
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        raise DocumentError("object_expected", where=where)
    unknown = sorted(str(k) for k in obj if k not in SCHEMA[kind])
    if unknown:
        raise DocumentError(
            "unknown_keys",
            {"keys": ", ".join(unknown), "allowed": ", ".join(sorted(SCHEMA[kind]))},
            where=where,
        )
    return obj


def _bool(value, field: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    raise DocumentError("bool_expected", {"value": repr(value)}, where=field)


def _int(value, field: str, *, low: int = 0, high: int = 200) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DocumentError("int_expected", {"value": repr(value)}, where=field)
    try:
        v = int(value)
    except ValueError:
        raise DocumentError("int_expected", {"value": repr(value)}, where=field) from None
    if not low <= v <= high:
        raise DocumentError("int_range", {"low": low, "high": high}, where=field)
    return v


class DocumentError(EngineError):
    """A household document refused; ``field`` is the document path, the message the rule."""


def fen(value, field: str) -> int:
    if isinstance(value, float):
        value = repr(value)
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DocumentError("not_money", {"value": repr(value)}, where=field) from None
    if not d.is_finite() or d != d.quantize(Decimal("0.01")):
        raise DocumentError("money_decimals", {"value": repr(value)}, where=field)
    return int(d * 100)


def parse_date(value, field: str, *, month: bool = False) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value.replace(day=1) if month else value
    s = str(value).strip()
    try:
        if len(s) == 7:
            return datetime.date.fromisoformat(s + "-01")
        d = datetime.date.fromisoformat(s)
        return d.replace(day=1) if month else d
    except ValueError:
        raise DocumentError("date_format", {"value": repr(value)}, where=field) from None


def _choice(value, kind: str, field: str, default: str) -> str:
    v = default if value in (None,) else str(value)
    if v not in CHOICES[kind]:
        raise DocumentError(
            "choice_invalid", {"value": repr(v), "choices": str(sorted(CHOICES[kind]))}, where=field
        )
    return v


def _add_months(d: datetime.date, n: int) -> datetime.date:
    m = d.year * 12 + d.month - 1 + n
    return datetime.date(m // 12, m % 12 + 1, 1)


def document_frames(
    doc: dict, on: datetime.date, *, lookback: int = 12, household_id: int = 1, area_code: str = ""
) -> dict[str, pl.DataFrame]:
    """Turn a household document into the registry-shaped frames ``compute_features`` reads.

    The document gives facts; the engine makes every determination from them (features.
    person_facts). Unknown keys are refused, naming them (``SCHEMA``)."""
    if not isinstance(doc, dict):
        raise DocumentError("document_not_object", where="household")
    doc = _known(doc, "document", "document")
    hh = _known(doc.get("household"), "household", "household")
    households = pl.DataFrame(
        {
            "household_id": [household_id],
            "area_code": [area_code],
            "urban_rural": [
                _choice(hh.get("urban_rural"), "urban_rural", "household.urban_rural", "urban")
            ],
            "emergency_event": [
                bool(_bool(hh.get("emergency_event"), "household.emergency_event"))
            ],
            "obligor_able": [False],
        }
    )
    members = doc.get("members") or []
    if not isinstance(members, list) or not members:
        raise DocumentError("members_required", where="members")
    rows, ids = [], {}
    income_rows, obligor_rows, offer_rows = [], [], []
    window_start, window_end = (
        _add_months(on.replace(day=1), -lookback),
        _add_months(on.replace(day=1), -1),
    )
    for i, raw in enumerate(members):
        f = f"members[{i}]"
        m = _known(raw, "member", f)
        pid = _int(m.get("id", i + 1), f"{f}.id", low=1, high=10**9)
        if pid in ids:
            raise DocumentError("member_id_duplicate", {"id": pid}, where=f"{f}.id")
        ids[pid] = i
        birth = parse_date(m.get("birth_date"), f"{f}.birth_date")
        if birth is None:
            if "age" not in m:
                raise DocumentError("birth_date_required", where=f"{f}.birth_date")
            age = _int(m["age"], f"{f}.age", high=130)
            # The day before the birthday that reaches ``age`` at the evaluation date.
            try:
                birth = on.replace(year=on.year - age)
            except ValueError:  # 29 February
                birth = on.replace(year=on.year - age, day=28)
        child = _choice(m.get("child_status"), "child_status", f"{f}.child_status", "none")
        grade = _int(m.get("disability_grade"), f"{f}.disability_grade", low=1, high=4)
        items = m.get("self_care_items")
        adl_unable = None
        if items is not None:
            items = _known(items, "self_care_items", f"{f}.self_care_items")
            missing = [k for k in SELF_CARE_ITEMS if k not in items]
            if missing:
                raise DocumentError(
                    "self_care_items_missing",
                    {"items": ", ".join(missing)},
                    where=f"{f}.self_care_items",
                )
            adl_unable = sum(
                1 for k in SELF_CARE_ITEMS if not _bool(items[k], f"{f}.self_care_items.{k}")
            )
        relation = m.get("relation")
        if relation is not None:
            relation = _choice(relation, "relation", f"{f}.relation", "head")
        obligors = m.get("obligors")
        if obligors is not None:
            if not isinstance(obligors, list):
                raise DocumentError("list_expected", where=f"{f}.obligors")
            for j, rawo in enumerate(obligors):
                g = f"{f}.obligors[{j}]"
                o = _known(rawo, "obligor", g)
                income_year = o.get("income_year")
                obligor_rows.append(
                    {
                        "household_id": household_id,
                        "person_id": pid,
                        "age": _int(o.get("age"), f"{g}.age", high=130),
                        "birth_date": parse_date(o.get("birth_date"), f"{g}.birth_date"),
                        "on_tekun": _bool(o.get("on_tekun"), f"{g}.on_tekun"),
                        "on_dibao": _bool(o.get("on_dibao"), f"{g}.on_dibao"),
                        "disability_type": _choice(
                            o.get("disability_type", "") or "",
                            "disability_type",
                            f"{g}.disability_type",
                            "",
                        ),
                        "disability_grade": _int(
                            o.get("disability_grade"), f"{g}.disability_grade", low=1, high=4
                        ),
                        "income_year_fen": None
                        if income_year in (None, "")
                        else fen(income_year, f"{g}.income_year"),
                        "property_within_limits": _bool(
                            o.get("property_within_limits"), f"{g}.property_within_limits"
                        ),
                        "no_legal_capacity": _bool(
                            o.get("no_legal_capacity"), f"{g}.no_legal_capacity"
                        ),
                        "declared_missing": _bool(
                            o.get("declared_missing"), f"{g}.declared_missing"
                        ),
                        "in_prison": _bool(o.get("in_prison"), f"{g}.in_prison"),
                    }
                )
        for j, rawj in enumerate(_list(m.get("job_offers"), f"{f}.job_offers")):
            g = f"{f}.job_offers[{j}]"
            jo = _known(rawj, "job_offer", g)
            day = parse_date(jo.get("offered_on"), f"{g}.offered_on")
            if day is None:
                raise DocumentError("offered_on_required", where=f"{g}.offered_on")
            offer_rows.append(
                {
                    "household_id": household_id,
                    "person_id": pid,
                    "offered_on": day,
                    "refused": bool(_bool(jo.get("refused"), f"{g}.refused")),
                }
            )
        rows.append(
            {
                "person_id": pid,
                "household_id": household_id,
                "birth_date": birth,
                "death_date": parse_date(m.get("death_date"), f"{f}.death_date"),
                "is_counted": bool(
                    True
                    if m.get("is_counted") is None
                    else _bool(m["is_counted"], f"{f}.is_counted")
                ),
                "disability_type": _choice(
                    m.get("disability_type", "") or "",
                    "disability_type",
                    f"{f}.disability_type",
                    "",
                ),
                "disability_grade": grade,
                "major_illness": bool(_bool(m.get("major_illness"), f"{f}.major_illness")),
                "labour_capacity": _choice(
                    m.get("labour_capacity"), "labour_capacity", f"{f}.labour_capacity", "full"
                ),
                "self_care": _choice(m.get("self_care"), "self_care", f"{f}.self_care", "full"),
                "employment": _choice(m.get("employment"), "employment", f"{f}.employment", "na"),
                "school_stage": _choice(
                    m.get("school_stage"), "school_stage", f"{f}.school_stage", "none"
                ),
                "orphan": child == "orphan",
                "unsupported_child": child == "unsupported",
                # Without an ``obligors`` list nobody has looked: "not checked", never "none".
                "obligor_status": "unknown",
                "relation": relation,
                "lives_together": _bool(m.get("lives_together"), f"{f}.lives_together"),
                "cannot_live_independently": _bool(
                    m.get("cannot_live_independently"), f"{f}.cannot_live_independently"
                ),
                "religious_site_years": _int(
                    m.get("religious_site_years"), f"{f}.religious_site_years", high=100
                ),
                "in_prison": _bool(m.get("in_prison"), f"{f}.in_prison"),
                "in_drug_rehab": _bool(m.get("in_drug_rehab"), f"{f}.in_drug_rehab"),
                "declared_missing": _bool(m.get("declared_missing"), f"{f}.declared_missing"),
                "other_exclusion": _bool(m.get("other_exclusion"), f"{f}.other_exclusion"),
                "adl_unable": adl_unable,
                "tekun_supported": _bool(m.get("tekun_supported"), f"{f}.tekun_supported"),
                "obligors_checked": obligors is not None,
            }
        )
        if m.get("monthly_income") not in (None, ""):
            # Shorthand: the same wage every month of the look-back window.
            income_rows.append(
                {
                    "household_id": household_id,
                    "person_id": pid,
                    "kind": "wage",
                    "amount_fen": fen(m["monthly_income"], f"{f}.monthly_income") * lookback,
                    "period_start": window_start,
                    "period_end": window_end,
                    "excluded": False,
                    "category": None,
                }
            )
    for i, raw in enumerate(_list(doc.get("income"), "income")):
        f = f"income[{i}]"
        it = _known(raw, "income", f)
        member = it.get("member")
        if member is not None and _int(member, f"{f}.member", low=1, high=10**9) not in ids:
            raise DocumentError("member_unknown", {"member": member}, where=f"{f}.member")
        start = parse_date(it.get("period_start"), f"{f}.period_start", month=True) or window_start
        end = parse_date(it.get("period_end"), f"{f}.period_end", month=True) or window_end
        if end < start:
            raise DocumentError("period_end_before_start", where=f"{f}.period_end")
        income_rows.append(
            {
                "household_id": household_id,
                "person_id": int(member) if member is not None else None,
                "kind": _choice(it.get("kind"), "income_kind", f"{f}.kind", "wage"),
                "amount_fen": fen(it.get("amount"), f"{f}.amount"),
                "period_start": start,
                "period_end": end,
                "excluded": bool(_bool(it.get("excluded"), f"{f}.excluded")),
                "category": _choice(it.get("category"), "income_category", f"{f}.category", "")
                or None,
            }
        )
    assets = []
    for i, raw in enumerate(_list(doc.get("assets"), "assets")):
        f = f"assets[{i}]"
        a = _known(raw, "asset", f)
        assets.append(
            {
                "household_id": household_id,
                "kind": _choice(a.get("kind"), "asset_kind", f"{f}.kind", "deposit"),
                "value_fen": fen(a.get("value", 0), f"{f}.value"),
                "exempt": bool(_bool(a.get("exempt"), f"{f}.exempt")),
                "residential": _bool(a.get("residential"), f"{f}.residential"),
            }
        )
    expenses = []
    for i, raw in enumerate(_list(doc.get("expenses"), "expenses")):
        f = f"expenses[{i}]"
        e = _known(raw, "expense", f)
        start = parse_date(e.get("period_start"), f"{f}.period_start", month=True) or _add_months(
            on.replace(day=1), -12
        )
        end = parse_date(e.get("period_end"), f"{f}.period_end", month=True) or window_end
        if end < start:
            raise DocumentError("period_end_before_start", where=f"{f}.period_end")
        expenses.append(
            {
                "household_id": household_id,
                "kind": _choice(e.get("kind"), "expense_kind", f"{f}.kind", "medical"),
                "amount_fen": fen(e.get("amount"), f"{f}.amount"),
                "period_start": start,
                "period_end": end,
            }
        )
    roll = []
    for i, raw in enumerate(_list(doc.get("roll"), "roll")):
        f = f"roll[{i}]"
        r = _known(raw, "roll", f)
        member = r.get("member")
        if member is not None and _int(member, f"{f}.member", low=1, high=10**9) not in ids:
            raise DocumentError("member_unknown", {"member": member}, where=f"{f}.member")
        roll.append(
            {
                "household_id": household_id,
                "person_id": int(member) if member is not None else None,
                "programme": str(r.get("programme")),
                "monthly_amount_fen": fen(r.get("monthly_amount", 0), f"{f}.monthly_amount"),
                "start_month": parse_date(r.get("start_month"), f"{f}.start_month", month=True)
                or _add_months(on.replace(day=1), -1),
                "end_month": parse_date(r.get("end_month"), f"{f}.end_month", month=True),
                "status": r.get("status", "active"),
            }
        )
    events = []
    for i, raw in enumerate(_list(hh.get("emergency_events"), "household.emergency_events")):
        f = f"household.emergency_events[{i}]"
        e = _known(raw, "event", f)
        day = parse_date(e.get("event_date"), f"{f}.event_date")
        if day is None:
            raise DocumentError("event_date_required", where=f"{f}.event_date")
        events.append(
            {
                "household_id": household_id,
                "kind": _choice(e.get("kind"), "event_kind", f"{f}.kind", "other"),
                "event_date": day,
                "loss_fen": fen(e.get("loss", 0), f"{f}.loss"),
            }
        )
    from jiuzhu.policy.engine.features import INPUT_SCHEMAS

    def frame(name, data):
        return pl.DataFrame(data, schema=INPUT_SCHEMAS[name]) if data else None

    return {
        "households": households,
        "persons": pl.DataFrame(rows, schema=INPUT_SCHEMAS["persons"]),
        "obligors": frame("obligors", obligor_rows),
        "job_offers": frame("job_offers", offer_rows),
        "income": frame("income", income_rows),
        "assets": frame("assets", assets),
        "expenses": frame("expenses", expenses),
        "roll": frame("roll", roll),
        "events": frame("events", events),
    }


def _list(value, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DocumentError("list_expected", where=where)
    return value


def apply_overrides(
    values: dict[str, ParamValue], overrides: dict | None, specs: dict[str, ParamSpec]
) -> dict[str, ParamValue]:
    """Parameter overrides (what-if) replace resolved values; unknown names are refused."""
    out = dict(values)
    for name, raw in (overrides or {}).items():
        if name not in specs:
            raise DocumentError(
                "unknown_parameter",
                {"name": name},
                where=Message("where_overrides"),
                field=f"overrides.{name}",
            )
        try:
            v = coerce(specs[name], raw)
        except EngineError as exc:
            raise exc.within(
                Message("where_overrides"), cls=DocumentError, field=f"overrides.{name}"
            ) from None
        base = values.get(name)
        out[name] = ParamValue(
            name,
            base.area_code if base else "",
            base.effective_from if base else datetime.date(1900, 1, 1),
            v,
            "override",
            "覆盖值",
        )
    return out


def calculate(
    doc: dict,
    *,
    area_code: str,
    on: datetime.date,
    plan: Plan,
    param_rows: list[ParamValue],
    overrides: dict | None = None,
) -> dict:
    """Per programme: eligible, tier, amount (yuan string), trace with parameter versions."""
    values = _values(area_code, on, plan, param_rows, overrides)
    lookback = int(values["income.lookback_months"].value)
    frames = document_frames(doc, on, lookback=lookback, area_code=area_code)
    return _calculate(frames, values, area_code, on, plan, lookback)


def calculate_frames(
    frames: dict,
    *,
    area_code: str,
    on: datetime.date,
    plan: Plan,
    param_rows: list[ParamValue],
    overrides: dict | None = None,
) -> dict:
    """The same for a household already in registry-shaped frames (from the database)."""
    values = _values(area_code, on, plan, param_rows, overrides)
    lookback = int(values["income.lookback_months"].value)
    return _calculate(frames, values, area_code, on, plan, lookback)


def _values(area_code, on, plan, param_rows, overrides) -> dict[str, ParamValue]:
    values = resolve(param_rows, area_code, on, plan.specs)
    missing = [n for n in plan.specs if n not in values]
    if missing:
        raise DocumentError(
            "params_missing_in_area", {"area": area_code, "names": ", ".join(missing)}
        )
    return apply_overrides(values, overrides, plan.specs)


def member_determinations(frames: dict, on: datetime.date, values: dict) -> list[dict]:
    """Per member, each determination the rules make from the facts, with its article and
    reason code (features.person_facts — the same expressions the features count)."""
    from jiuzhu.policy.engine.features import (
        REFUSALS_IN_A_ROW,
        _ensure,
        obligor_facts,
        person_facts,
        refusals_in_a_row,
    )

    obligors = obligor_facts(_ensure(frames.get("obligors"), "obligors"), on)
    people = person_facts(
        _ensure(frames.get("persons"), "persons"),
        on,
        _ensure(frames.get("roll"), "roll"),
        _ensure(frames.get("obligors"), "obligors"),
    )
    refusals = refusals_in_a_row(_ensure(frames.get("job_offers"), "job_offers"), on)
    people = people.join(refusals.drop("household_id"), on="person_id", how="left").with_columns(
        pl.col("refused_in_a_row").fill_null(0)
    )
    kept = values.get("dibao.refused_work_share_kept")
    line = values.get("stats.disposable_income_year")
    out = []
    for p in people.sort("person_id").iter_rows(named=True):
        mine = obligors.filter(pl.col("person_id") == p["person_id"])
        refused = p["counted"] and not p["unable"] and p["refused_in_a_row"] >= REFUSALS_IN_A_ROW
        out.append(
            {
                "id": p["person_id"],
                "age": p["age"],
                "alive": p["alive"],
                "counted": {
                    "value": p["counted"],
                    "reason": p["counted_reason"],
                    "article": "低保办法第七条",
                },
                "unable_to_work": {
                    "value": p["unable"],
                    "reason": p["unable_reason"],
                    "article": "特困办法第五条",
                },
                "refused_work": {
                    "value": refused,
                    "refusals_in_a_row": p["refused_in_a_row"],
                    "share_kept": None if kept is None or not refused else str(kept.value),
                    "article": "低保办法第三十四条",
                },
                "self_care": {
                    "value": p["self_care_level"],
                    "items_unable": p["adl_unable"],
                    "article": "特困办法第二十至二十三条",
                },
                "obligors": {
                    "value": p["obligor"],
                    "article": "特困办法第四、八条",
                    "checked": bool(p["obligors_checked"]),
                    "each": [
                        {
                            "age": o["age"],
                            "reason": o["obligor_reason"],
                            "income_year": None
                            if o["income_year_fen"] is None
                            else decimal_text(Decimal(o["income_year_fen"]) / 100),
                            # the income test of the two income-tested situations
                            "income_below_line": None
                            if o["obligor_reason"]
                            not in ("elderly_low_income", "severe_disability")
                            or o["income_year_fen"] is None
                            or line is None
                            else Decimal(o["income_year_fen"]) / 100 < line.value,
                        }
                        for o in mine.iter_rows(named=True)
                    ],
                },
            }
        )
    return out


def _calculate(frames, values, area_code, on, plan, lookback) -> dict:
    from jiuzhu.policy.engine.features import FEATURES, verified_facts

    verified = verified_facts(frames)
    features = compute_features(
        frames,
        on,
        lookback=lookback,
        emergency_months=int(values["temporary_aid.emergency_window_months"].value),
    )
    result = evaluate(features, single_area_params(values, plan.specs), plan)
    row = result.row(0, named=True)
    feature_values = {}
    for f in FEATURES:
        v = row.get(f.name)
        feature_values[f.name] = decimal_text(v) if isinstance(v, Decimal) else v
    return {
        "area_code": area_code,
        "date": on.isoformat(),
        "household_id": row.get("household_id"),
        "programmes": explain(row, plan, values),
        "members": member_determinations(frames, on, values),
        "features": feature_values,
        # 核对 findings counted as assets or income (features.merge_verified), with their source
        "verified": [
            {
                "kind": r["kind"],
                "department": r["department"],
                "as_of": r["as_of"].isoformat() if r["as_of"] else None,
                "amount": None
                if r["amount_fen"] is None
                else str((Decimal(r["amount_fen"]) / 100).quantize(Decimal("0.01"))),
            }
            for r in verified.sort("kind", "as_of").iter_rows(named=True)
        ],
        "parameters": {
            n: {
                "value": str(v.value) if not isinstance(v.value, bool) else v.value,
                "area_code": v.area_code,
                "effective_from": v.effective_from.isoformat(),
                "version": v.version,
            }
            for n, v in sorted(values.items())
        },
    }
