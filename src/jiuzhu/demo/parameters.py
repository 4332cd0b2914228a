"""The demo county's policy parameters, read from the shipped parameter files (no database).

The synthetic generators and benchmarks need the 低保标准 and its multipliers before any database
exists; they read them here, from ``policy/programmes/_parameters.yaml`` (national defaults) and
``_demo_taizhou.yaml`` (the demo county's values), resolved for an area and a day exactly as the
policy engine resolves them — never a number typed into the code.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_CEILING, Decimal
from functools import cache

from jiuzhu.policy.engine.params import (
    ParamValue,
    load_catalogue,
    load_demo_values,
    resolve,
)

DEMO_COUNTY = "321202000000"  # 海陵区, the demo county (泰州市)
DEMO_DAY = datetime.date(2025, 1, 1)


@cache
def _rows():
    specs, defaults = load_catalogue()
    demo = [
        ParamValue(d["name"], d["area_code"], d["effective_from"], d["value"], "demo", d["source"])
        for d in load_demo_values(specs)
    ]
    return specs, defaults + demo


def demo_parameter(name: str, *, area_code: str = DEMO_COUNTY, on: datetime.date = DEMO_DAY):
    specs, rows = _rows()
    return resolve(rows, area_code, on, {name: specs[name]})[name].value


def demo_dibao_standard_fen(*, area_code: str = DEMO_COUNTY, on: datetime.date = DEMO_DAY) -> int:
    """The 低保标准 of the area in fen (元/人/月 × 100)."""
    return int(Decimal(demo_parameter("dibao.standard", area_code=area_code, on=on)) * 100)


def demo_tekun_basic_fen(*, area_code: str = DEMO_COUNTY, on: datetime.date = DEMO_DAY) -> int:
    """特困基本生活标准: the multiplier × 低保标准, rounded up to whole yuan, in fen."""
    std = Decimal(demo_parameter("dibao.standard", area_code=area_code, on=on))
    mult = Decimal(demo_parameter("tekun.basic_multiplier", area_code=area_code, on=on))
    return int((std * mult).to_integral_value(rounding=ROUND_CEILING)) * 100


def demo_lines_fen(area_codes, *, on: datetime.date = DEMO_DAY) -> dict[str, int]:
    """The 低保标准 in fen of each area (for the verification rules without a database)."""
    return {c: demo_dibao_standard_fen(area_code=c, on=on) for c in set(area_codes) if c}
