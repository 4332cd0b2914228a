"""No policy amount in the code: every amount and multiplier comes from the dated per-area
parameters (``policy/programmes/_parameters.yaml`` and the stored parameter values).

An AST scan of ``src/jiuzhu`` for numeric literals (ints, floats, numeric strings) equal to a
distinctive policy number of the shipped parameter files: the 低保标准 (national default and the
demo county's, in yuan and in fen), the 特困 basic amount derived from it, and the multipliers.
Amounts that are ordinary numbers elsewhere (1,000, 10,000 …) are left out: they would flag batch
sizes and caps. ``ALLOWED`` lists the few literals that are not policy (with the reason).
"""

import ast
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import yaml

SRC = Path(__file__).resolve().parents[1] / "src" / "jiuzhu"
PROGRAMMES = SRC / "policy" / "programmes"

# (file, value): literals that equal a policy number by chance.
ALLOWED = {
    ("demo/synth/names.py", Decimal("1.5")),  # surname frequency weights
    ("demo/synth/generator.py", Decimal("1.5")),  # a gap of 1.5–5 years between children
    ("demo/synth_feeds.py", Decimal("1.5")),  # a medical bill's fund share in the synthetic feeds
    # Not yet: the low-income trend rule's own editable threshold (stored per alert rule, changed
    # by maker-checker) defaults to the 低保边缘 multiplier instead of reading it per area.
    ("monitoring/params.py", Decimal("1.5")),
}


def policy_numbers() -> set[Decimal]:
    catalogue = yaml.safe_load((PROGRAMMES / "_parameters.yaml").read_text(encoding="utf-8"))
    demo = yaml.safe_load((PROGRAMMES / "_demo_taizhou.yaml").read_text(encoding="utf-8"))
    standards = {Decimal(str(i["default"])) for i in catalogue if i["name"] == "dibao.standard"}
    standards |= {Decimal(str(i["value"])) for i in demo if i["name"] == "dibao.standard"}
    multipliers = {
        Decimal(str(i["default"]))
        for i in catalogue
        if i["name"].endswith(("multiplier", "_multiplier"))
        and i["type"] == "number"
        and Decimal(str(i["default"])) != Decimal(int(Decimal(str(i["default"]))))
    }
    out = set(multipliers)
    for std in standards:
        out |= {std, std * 100}
        for m in multipliers:
            derived = (std * m).to_integral_value(rounding=ROUND_CEILING)
            out |= {derived, derived * 100}
    return out


def _number(node) -> Decimal | None:
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        if isinstance(node.value, int | float):
            return Decimal(str(node.value))
        if isinstance(node.value, str) and node.value.strip():
            try:
                return Decimal(node.value.strip())
            except ArithmeticError:
                return None
    return None


def found(path: Path, numbers: set[Decimal]) -> list[str]:
    rel = str(path.relative_to(SRC)) if path.is_relative_to(SRC) else path.name
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        value = _number(node)
        if value is not None and value in numbers and (rel, value) not in ALLOWED:
            out.append(f"{rel}:{node.lineno} {value}")
    return out


def test_the_policy_numbers_are_read_from_the_parameter_files():
    numbers = policy_numbers()
    assert {Decimal("798.10"), Decimal("710.00"), Decimal("71000"), Decimal("1.5")} <= numbers
    assert Decimal("923") in numbers  # 特困: 1.3 × 710 rounded up


def test_no_policy_number_in_the_source():
    numbers = policy_numbers()
    hits = [
        h
        for p in sorted(SRC.rglob("*.py"))
        if "migrations" not in p.parts
        for h in found(p, numbers)
    ]
    assert hits == [], "policy numbers in code (read them from the parameters):\n" + "\n".join(hits)


def test_the_scan_sees_ints_floats_and_strings(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("A = 71_000\nB = '710.00'\nC = 1.5\nD = Decimal('798.1')\nE = 2000\n")
    assert len(found(bad, policy_numbers())) == 4
