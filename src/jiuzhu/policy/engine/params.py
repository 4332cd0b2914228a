"""Parameters: a catalogue of typed names, and values keyed by (name, area code, effective_from).

Inheritance: a value set for an area applies to every area below it unless a lower area sets its
own; the national default has area code ``""``. "As of" a date: the latest ``effective_from`` on or
before the date, at the lowest area that has one. Pure: takes rows, returns values and a frame.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import polars as pl

from jiuzhu.policy.engine.errors import EngineError
from jiuzhu.policy.engine.expr import BOOL, COUNT, MONEY, NUMBER, param_col

AREA_PREFIX_LENGTHS = (12, 9, 6, 4, 2)


def area_prefix(code: str) -> str:
    """The prefix shared by an area's subtree: 320000000000 → 32, 321202001000 → 321202001."""
    if not code:
        return ""
    if code[9:] != "000":
        return code
    if code[6:9] != "000":
        return code[:9]
    if code[4:6] != "00":
        return code[:6]
    if code[2:4] != "00":
        return code[:4]
    return code[:2]


def ancestors_and_self(code: str) -> list[str]:
    """Area codes from the area itself up to the national root ``""`` (lowest first)."""
    out = [code]
    prefix = area_prefix(code)
    for n in AREA_PREFIX_LENGTHS:
        if n < len(prefix):
            anc = prefix[:n].ljust(12, "0")
            if anc not in out:
                out.append(anc)
    out.append("")
    return out


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str  # money / number / count / bool
    label: str
    unit: str = ""
    description: str = ""


@dataclass(frozen=True)
class ParamValue:
    name: str
    area_code: str
    effective_from: datetime.date
    value: Decimal | int | bool
    version: int | str = 0  # the stored row's id, or "override"/"default"
    source: str = ""


def coerce(spec: ParamSpec, raw) -> Decimal | int | bool:
    """A raw value (YAML, form, JSON) as the parameter's type; refuse naming the parameter."""
    if spec.type == BOOL:
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("true", "1", "yes", "是"):
            return True
        if str(raw).lower() in ("false", "0", "no", "否"):
            return False
        raise EngineError("param_not_bool", {"name": spec.name, "value": repr(raw)})
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        d = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise EngineError("param_not_number", {"name": spec.name, "value": repr(raw)}) from None
    if not d.is_finite():
        raise EngineError("param_not_finite", {"name": spec.name})
    if d < 0:
        raise EngineError("param_negative", {"name": spec.name})
    if spec.type == COUNT:
        if d != d.to_integral_value():
            raise EngineError("param_not_integer", {"name": spec.name})
        return int(d)
    if spec.type == MONEY:
        if d != d.quantize(Decimal("0.01")):
            raise EngineError("param_money_decimals", {"name": spec.name})
        return d.quantize(Decimal("0.01"))
    if d != d.quantize(Decimal("0.0001")):
        raise EngineError("param_decimals", {"name": spec.name})
    return d


def resolve(
    rows: list[ParamValue], area_code: str, on: datetime.date, specs: dict[str, ParamSpec]
) -> dict[str, ParamValue]:
    """Each parameter's value for ``area_code`` as of ``on`` (lowest area first, then latest date)."""
    chain = ancestors_and_self(area_code)
    rank = {c: i for i, c in enumerate(chain)}
    best: dict[str, tuple[tuple, ParamValue]] = {}
    for r in rows:
        if r.effective_from > on or r.area_code not in rank or r.name not in specs:
            continue
        # Lowest area first, then latest date; a what-if value beats a stored one at a tie.
        key = (
            -rank[r.area_code],
            r.effective_from,
            r.version in ("override", "scenario"),
            str(r.version).zfill(12),
        )
        cur = best.get(r.name)
        if cur is None or key > cur[0]:
            best[r.name] = (key, r)
    return {name: kv[1] for name, kv in best.items()}


def _dtype(spec: ParamSpec) -> pl.DataType:
    return {
        MONEY: pl.Decimal(38, 2),
        NUMBER: pl.Decimal(38, 4),
        COUNT: pl.Int64,
        BOOL: pl.Boolean,
    }[spec.type]


def resolve_frame(
    rows: list[ParamValue],
    area_codes: list[str],
    on: datetime.date,
    specs: dict[str, ParamSpec],
) -> tuple[pl.DataFrame, dict[str, dict[str, ParamValue]]]:
    """A frame ``area_code`` + one ``p:<name>`` column per parameter, and the resolved rows."""
    resolved = {code: resolve(rows, code, on, specs) for code in area_codes}
    missing = sorted({n for vals in resolved.values() for n in specs if n not in vals})
    if missing:
        raise EngineError("params_missing", {"names": ", ".join(missing)})
    data: dict[str, list] = {"area_code": list(area_codes)}
    for name in specs:
        data[param_col(name)] = [resolved[c][name].value for c in area_codes]
    schema = {"area_code": pl.Utf8, **{param_col(n): _dtype(s) for n, s in specs.items()}}
    return pl.DataFrame(data, schema=schema), resolved


CATALOGUE_FILE = "_parameters.yaml"
DEMO_FILE = "_demo_taizhou.yaml"


def load_catalogue(directory=None) -> tuple[dict[str, ParamSpec], list[ParamValue]]:
    """The parameter catalogue and its national defaults (area ``""``) from the shipped YAML."""
    import yaml

    from jiuzhu.policy.engine.programmes import PROGRAMME_DIR

    directory = directory or PROGRAMME_DIR
    with (directory / CATALOGUE_FILE).open(encoding="utf-8") as fh:
        items = yaml.safe_load(fh)
    specs: dict[str, ParamSpec] = {}
    defaults: list[ParamValue] = []
    for it in items:
        spec = ParamSpec(
            it["name"],
            it["type"],
            it.get("label", it["name"]),
            it.get("unit", ""),
            it.get("source", ""),
        )
        specs[spec.name] = spec
        defaults.append(
            ParamValue(
                spec.name,
                "",
                datetime.date(1900, 1, 1),
                coerce(spec, it["default"]),
                "default",
                it.get("source", ""),
            )
        )
    return specs, defaults


def load_demo_values(specs: dict[str, ParamSpec], directory=None) -> list[dict]:
    import yaml

    from jiuzhu.policy.engine.programmes import PROGRAMME_DIR

    directory = directory or PROGRAMME_DIR
    with (directory / DEMO_FILE).open(encoding="utf-8") as fh:
        items = yaml.safe_load(fh)
    out = []
    for it in items:
        spec = specs[it["name"]]
        out.append(
            {
                "name": spec.name,
                "area_code": str(it["area"]),
                "effective_from": it["effective_from"],
                "value": coerce(spec, it["value"]),
                "source": it.get("source", ""),
            }
        )
    return out
