"""The pure engine: no Django, a strict expression language, exact money, parameters as of a date."""

import datetime
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from jiuzhu.policy.engine.calculator import DocumentError, calculate
from jiuzhu.policy.engine.evaluate import Plan, catalogue_for
from jiuzhu.policy.engine.expr import ExpressionError, compile_expr
from jiuzhu.policy.engine.params import (
    ParamSpec,
    ParamValue,
    ancestors_and_self,
    coerce,
    load_catalogue,
    resolve,
)
from jiuzhu.policy.engine.programmes import compile_programme, load_documents

SPECS, DEFAULTS = load_catalogue()
PLAN = Plan.from_documents(load_documents(), SPECS)
CAT = catalogue_for(SPECS, set(PLAN.codes()))
ON = datetime.date(2025, 1, 1)
AREA = "321202001001"


def test_engine_imports_no_django():
    """Given a fresh interpreter, importing every engine module must not import Django."""
    engine = Path(__file__).resolve().parents[2] / "src" / "jiuzhu" / "policy" / "engine"
    mods = [f"jiuzhu.policy.engine.{p.stem}" for p in engine.glob("*.py") if p.stem != "__init__"]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in mods)
        + "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
        "assert not bad, bad\nprint('ok', len(sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(engine.parents[2])},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert len(mods) >= 8


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("__import__('os').system('true')", "__import__"),
        ("open('/etc/passwd')", "open"),
        ("per_capita_income.__class__", "未知的名称"),
        ("[x for x in range(3)]", "ListComp"),
        ("lambda: 1", "Lambda"),
        ("per_capita_income ** 2 > 1", "Pow"),
        ("per_capita_income // 2 > 1", "FloorDiv"),
        ("dibao.standard if True", "语法错误"),
        ("'a' == 'a'", "常量"),
        ("no_such_feature > 1", "no_such_feature"),
        ("eligible.no_such_programme", "no_such_programme"),
        ("per_capita_income < counted_members", "类型不同"),
        ("per_capita_income * dibao.standard > 1", "金额不能与金额相乘"),
        ("counted_members and True", "布尔"),
        ("not per_capita_income", "not"),
        ("per_capita_income < 1 < True", "布尔"),
        ("min(per_capita_income)", "至少需要两个参数"),
        ("ceil_yuan(counted_members) > 1", "金额参数"),
        ("max(x=1, y=2)", "关键字"),
        ("eval('1')", "eval"),
        ("(1).real", "属性"),
        ("dibao.standard[0] > 1", "Subscript"),
        ("x := 1", "语法错误"),
    ],
)
def test_expression_language_refuses_naming_the_fault(source, needle):
    with pytest.raises(ExpressionError) as exc:
        compile_expr(source, CAT, expect="bool")
    assert needle in str(exc.value)


def test_expression_result_types_are_checked():
    with pytest.raises(ExpressionError, match="条件必须是真/假"):
        compile_expr("per_capita_income + 1", CAT, expect="bool")
    with pytest.raises(ExpressionError, match="金额公式的结果必须是金额"):
        compile_expr("counted_members + 1", CAT, expect="money")
    ok = compile_expr(
        "per_capita_income < 1.5 * dibao.standard and not eligible.tekun", CAT, expect="bool"
    )
    assert ok.names == ["per_capita_income", "dibao.standard", "eligible.tekun"]


def test_programme_definition_refused_at_save_naming_field():
    doc = {
        "code": "x",
        "name": "X",
        "tier": "basic",
        "conditions": [{"name": "c", "expr": "per_capita_income < dibao.standrad"}],
    }
    with pytest.raises(ExpressionError, match=r"项目 x 条件 c.*dibao.standrad"):
        compile_programme(doc, CAT)
    with pytest.raises(ExpressionError, match="tier"):
        compile_programme({**doc, "tier": "gold"}, CAT)
    with pytest.raises(ExpressionError, match="rounding"):
        compile_programme({**doc, "conditions": [], "rounding": "dibao.standard"}, CAT)


def test_programme_cycles_refused():
    a = {
        "code": "a",
        "name": "A",
        "tier": "basic",
        "conditions": [{"name": "c", "expr": "eligible.b"}],
    }
    b = {
        "code": "b",
        "name": "B",
        "tier": "basic",
        "conditions": [{"name": "c", "expr": "eligible.a"}],
    }
    with pytest.raises(ExpressionError, match="循环引用"):
        Plan.from_documents([a, b], SPECS)


def _single(monthly: str, standard: str) -> dict:
    doc = {"members": [{"age": 40, "monthly_income": monthly}]}
    r = calculate(
        doc,
        area_code=AREA,
        on=ON,
        plan=PLAN,
        param_rows=DEFAULTS,
        overrides={"dibao.standard": standard, "dibao.round_up_yuan": False},
    )
    return {p["programme"]: p for p in r["programmes"]}


@pytest.mark.parametrize(
    ("income", "eligible", "amount"),
    [("739.99", True, "0.01"), ("740.00", False, "0.00"), ("740.01", False, "0.00")],
)
def test_per_capita_income_at_the_standard_to_the_fen(income, eligible, amount):
    """OpenFisca's float32 flipped 739.99998 vs 740; ours is exact on both sides of the line."""
    r = _single(income, "740.00")
    assert r["dibao"]["eligible"] is eligible
    assert r["dibao"]["amount"] == amount


def test_three_person_household_per_capita_division_is_exact():
    # 2,220.00 a month over 3 people is exactly 740.00: not below a 740 standard.
    doc = {"members": [{"age": 40, "monthly_income": "2220.00"}, {"age": 38}, {"age": 9}]}
    r = calculate(
        doc,
        area_code=AREA,
        on=ON,
        plan=PLAN,
        param_rows=DEFAULTS,
        overrides={"dibao.standard": "740.00"},
    )
    assert r["features"]["per_capita_income"] == "740.00"
    assert not r["programmes"][1]["eligible"]


def test_money_in_documents_refuses_sub_fen_and_words():
    with pytest.raises(DocumentError, match=r"members\[0\].monthly_income"):
        _single("739.999", "740.00")
    doc = {"members": [{"age": 40}], "assets": [{"kind": "deposit", "value": "lots"}]}
    with pytest.raises(DocumentError, match=r"assets\[0\].value"):
        calculate(doc, area_code=AREA, on=ON, plan=PLAN, param_rows=DEFAULTS)
    with pytest.raises(DocumentError, match=r"members\[0\].labour_capacity"):
        calculate(
            {"members": [{"age": 40, "labour_capacity": "some"}]},
            area_code=AREA,
            on=ON,
            plan=PLAN,
            param_rows=DEFAULTS,
        )
    with pytest.raises(DocumentError, match="未知参数"):
        calculate(
            {"members": [{"age": 40}]},
            area_code=AREA,
            on=ON,
            plan=PLAN,
            param_rows=DEFAULTS,
            overrides={"dibao.standrad": 1},
        )


SPEC = {"dibao.standard": ParamSpec("dibao.standard", "money", "低保标准")}


def pv(area, eff, value, version):
    return ParamValue("dibao.standard", area, eff, Decimal(value), version)


def test_parameters_inherit_down_the_tree_and_resolve_as_of_a_date():
    rows = [
        pv("", datetime.date(1900, 1, 1), "798.10", "default"),
        pv("321200000000", datetime.date(2020, 1, 1), "710.00", 1),  # city
        pv("321200000000", datetime.date(2025, 7, 1), "750.00", 2),  # city raises mid-2025
        pv("321202000000", datetime.date(2024, 1, 1), "720.00", 3),  # one county sets its own
    ]
    village_hailing, village_other = "321202001001", "321204001001"
    assert resolve(rows, village_other, datetime.date(2025, 6, 30), SPEC)[
        "dibao.standard"
    ].value == Decimal("710.00")
    assert resolve(rows, village_other, datetime.date(2025, 7, 1), SPEC)[
        "dibao.standard"
    ].value == Decimal("750.00")
    # The county's own value wins over the city's, even the city's later one.
    assert (
        resolve(rows, village_hailing, datetime.date(2025, 7, 1), SPEC)["dibao.standard"].version
        == 3
    )
    # Before the county set it, the city's applied.
    assert resolve(rows, village_hailing, datetime.date(2023, 12, 31), SPEC)[
        "dibao.standard"
    ].value == Decimal("710.00")
    # Outside the city: the national default.
    assert resolve(rows, "110105001001", ON, SPEC)["dibao.standard"].value == Decimal("798.10")
    assert ancestors_and_self("321202001001") == [
        "321202001001",
        "321202001000",
        "321202000000",
        "321200000000",
        "320000000000",
        "",
    ]


def test_parameter_values_are_typed():
    money = SPECS["dibao.standard"]
    assert coerce(money, "710") == Decimal("710.00")
    with pytest.raises(ValueError, match="到分"):
        coerce(money, "710.001")
    with pytest.raises(ValueError, match="负数"):
        coerce(money, "-1")
    with pytest.raises(ValueError, match="整数"):
        coerce(SPECS["phase_out.max_months"], "6.5")
    with pytest.raises(ValueError, match="是/否"):
        coerce(SPECS["dibao.round_up_yuan"], "maybe")
    assert coerce(SPECS["dibao_edge.multiplier"], 1.5) == Decimal("1.5")


def test_every_programme_has_stable_documented_code_and_tier():
    codes = set(PLAN.codes())
    assert {
        "dibao",
        "dibao_single",
        "phase_out",
        "tekun",
        "dibao_edge",
        "rigid_expense",
        "temporary_aid",
        "medical_aid",
        "education_aid",
        "disability_living_subsidy",
        "disability_care_subsidy",
        "orphan_allowance",
        "unsupported_child_allowance",
    } <= codes
    doc = (Path(__file__).resolve().parents[2] / "docs" / "programmes.md").read_text("utf-8")
    for code in codes:
        assert f"`{code}`" in doc, code


def test_batch_on_many_areas_uses_each_areas_parameters():
    from jiuzhu.policy.engine.evaluate import evaluate
    from jiuzhu.policy.engine.features import compute_features
    from jiuzhu.policy.engine.params import resolve_frame

    frames = {
        "households": pl.DataFrame(
            {
                "household_id": [1, 2],
                "area_code": ["321202001001", "321204001001"],
                "urban_rural": ["urban", "urban"],
            }
        ),
        "persons": pl.DataFrame(
            {
                "person_id": [1, 2],
                "household_id": [1, 2],
                "birth_date": [datetime.date(1985, 1, 1)] * 2,
            }
        ),
        "income": pl.DataFrame(
            {
                "household_id": [1, 2],
                "person_id": [1, 2],
                "kind": ["wage"] * 2,
                "amount_fen": [72000 * 12] * 2,
                "period_start": [datetime.date(2024, 1, 1)] * 2,
                "period_end": [datetime.date(2024, 12, 1)] * 2,
            }
        ),
    }
    rows = [
        r
        if r.name != "dibao.standard"
        else ParamValue(r.name, "", r.effective_from, Decimal("710.00"), "default")
        for r in DEFAULTS
    ]
    rows.append(
        ParamValue(
            "dibao.standard", "321202000000", datetime.date(2020, 1, 1), Decimal("730.00"), 9
        )
    )
    params, _ = resolve_frame(rows, ["321202001001", "321204001001"], ON, SPECS)
    out = evaluate(compute_features(frames, ON), params, PLAN).sort("household_id")
    assert out["dibao.eligible"].to_list() == [True, False]  # 720 < 730 in 海陵; not < 710
