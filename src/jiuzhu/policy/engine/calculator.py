"""The calculator (政策计算器) for one household given as a JSON/YAML document. Pure.

Document schema: ``docs/policy-calculator.md``. Money is given as strings or numbers in yuan with
at most two decimals and becomes integer fen exactly; months as ``YYYY-MM`` or ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

import polars as pl

from jiuzhu.policy.engine.errors import EngineError, Message
from jiuzhu.policy.engine.evaluate import Plan, evaluate, explain, single_area_params
from jiuzhu.policy.engine.features import compute_features
from jiuzhu.policy.engine.params import ParamSpec, ParamValue, coerce, resolve

CHOICES = {
    "urban_rural": {"urban", "rural"},
    "child_status": {"none", "orphan", "unsupported"},
    "obligor_status": {"unknown", "none", "unable", "able"},
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
    "asset_kind": {"deposit", "security", "insurance", "vehicle", "property", "business"},
    "expense_kind": {"medical", "education", "rehabilitation", "basic_living"},
}


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
    """Turn a household document into the registry-shaped frames ``compute_features`` reads."""
    if not isinstance(doc, dict):
        raise DocumentError("document_not_object", where="household")
    hh = doc.get("household", {}) or {}
    households = pl.DataFrame(
        {
            "household_id": [household_id],
            "area_code": [area_code],
            "urban_rural": [
                _choice(hh.get("urban_rural"), "urban_rural", "household.urban_rural", "urban")
            ],
            "emergency_event": [bool(hh.get("emergency_event", False))],
            "obligor_able": [bool(hh.get("obligor_able", False))],
        }
    )
    # A worker who fills in the calculator states the obligors' situation once for the household
    # (the form's checkbox); a member may say otherwise with its own ``obligor_status``.
    default_obligor = "able" if bool(hh.get("obligor_able", False)) else "none"
    members = doc.get("members") or []
    if not isinstance(members, list) or not members:
        raise DocumentError("members_required", where="members")
    rows, ids = [], {}
    income_rows = []
    window_start, window_end = (
        _add_months(on.replace(day=1), -lookback),
        _add_months(on.replace(day=1), -1),
    )
    for i, m in enumerate(members):
        f = f"members[{i}]"
        pid = int(m.get("id", i + 1))
        if pid in ids:
            raise DocumentError("member_id_duplicate", {"id": pid}, where=f"{f}.id")
        ids[pid] = i
        birth = parse_date(m.get("birth_date"), f"{f}.birth_date")
        if birth is None:
            if "age" not in m:
                raise DocumentError("birth_date_required", where=f"{f}.birth_date")
            age = int(m["age"])
            # The day before the birthday that reaches ``age`` at the evaluation date.
            try:
                birth = on.replace(year=on.year - age)
            except ValueError:  # 29 February
                birth = on.replace(year=on.year - age, day=28)
        child = _choice(m.get("child_status"), "child_status", f"{f}.child_status", "none")
        orphan = bool(m.get("orphan", False)) or child == "orphan"
        unsupported = bool(m.get("unsupported_child", False)) or child == "unsupported"
        if orphan and unsupported:
            raise DocumentError("orphan_or_unsupported", where=f)
        grade = m.get("disability_grade")
        if grade not in (None, ""):
            grade = int(grade)
            if grade not in (1, 2, 3, 4):
                raise DocumentError("disability_grade_range", where=f"{f}.disability_grade")
        else:
            grade = None
        rows.append(
            {
                "person_id": pid,
                "household_id": household_id,
                "birth_date": birth,
                "death_date": parse_date(m.get("death_date"), f"{f}.death_date"),
                "is_counted": bool(m.get("is_counted", True)),
                "disability_type": _choice(
                    m.get("disability_type", "") or "",
                    "disability_type",
                    f"{f}.disability_type",
                    "",
                ),
                "disability_grade": grade,
                "major_illness": bool(m.get("major_illness", False)),
                "labour_capacity": _choice(
                    m.get("labour_capacity"), "labour_capacity", f"{f}.labour_capacity", "full"
                ),
                "self_care": _choice(m.get("self_care"), "self_care", f"{f}.self_care", "full"),
                "employment": _choice(m.get("employment"), "employment", f"{f}.employment", "na"),
                "school_stage": _choice(
                    m.get("school_stage"), "school_stage", f"{f}.school_stage", "none"
                ),
                "orphan": orphan,
                "unsupported_child": unsupported,
                "obligor_status": _choice(
                    m.get("obligor_status"),
                    "obligor_status",
                    f"{f}.obligor_status",
                    default_obligor,
                ),
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
                }
            )
    for i, it in enumerate(doc.get("income") or []):
        f = f"income[{i}]"
        member = it.get("member")
        if member is not None and int(member) not in ids:
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
                "excluded": bool(it.get("excluded", False)),
            }
        )
    assets = [
        {
            "household_id": household_id,
            "kind": _choice(a.get("kind"), "asset_kind", f"assets[{i}].kind", "deposit"),
            "value_fen": fen(a.get("value", 0), f"assets[{i}].value"),
            "exempt": bool(a.get("exempt", False)),
        }
        for i, a in enumerate(doc.get("assets") or [])
    ]
    expenses = []
    for i, e in enumerate(doc.get("expenses") or []):
        f = f"expenses[{i}]"
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
    roll = [
        {
            "household_id": household_id,
            "programme": str(r.get("programme")),
            "monthly_amount_fen": fen(r.get("monthly_amount", 0), f"roll[{i}].monthly_amount"),
            "start_month": parse_date(r.get("start_month"), f"roll[{i}].start_month", month=True)
            or _add_months(on.replace(day=1), -1),
            "end_month": parse_date(r.get("end_month"), f"roll[{i}].end_month", month=True),
            "status": r.get("status", "active"),
        }
        for i, r in enumerate(doc.get("roll") or [])
    ]
    events = []
    for i, e in enumerate(hh.get("emergency_events") or []):
        f = f"household.emergency_events[{i}]"
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
        "income": frame("income", income_rows),
        "assets": frame("assets", assets),
        "expenses": frame("expenses", expenses),
        "roll": frame("roll", roll),
        "events": frame("events", events),
    }


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
        feature_values[f.name] = str(v) if isinstance(v, Decimal) else v
    return {
        "area_code": area_code,
        "date": on.isoformat(),
        "household_id": row.get("household_id"),
        "programmes": explain(row, plan, values),
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
