"""The kernel (core, areas, accounts, audit) imports no domain app, not even by a dotted string.

The domain apps register what the kernel needs (navigation, schedule jobs, importers, labels,
the audit log's household hooks) in their ``AppConfig.ready()``.
"""

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "jiuzhu"
KERNEL = ("core", "areas", "accounts", "audit")
DOMAIN = sorted(
    p.name
    for p in SRC.iterdir()
    if p.is_dir() and (p / "__init__.py").exists() and p.name not in KERNEL
)
DOTTED = re.compile(r"\bjiuzhu\.(" + "|".join(DOMAIN) + r")\b")


def _rel(path: Path) -> str:
    return str(path.relative_to(SRC)) if path.is_relative_to(SRC) else path.name


def violations(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and " " not in node.value.strip()  # a dotted path (import_string, a task), not prose
        ):
            names = [node.value]
        out += [f"{_rel(path)}:{node.lineno} {n}" for n in names if DOTTED.search(n)]
    return out


def test_domain_apps_are_found():
    assert {"registry", "cases", "funds", "verify", "monitoring", "policy", "demo"} <= set(DOMAIN)


@pytest.mark.parametrize("app", KERNEL)
def test_kernel_app_imports_no_domain_app(app):
    found = [v for f in sorted((SRC / app).rglob("*.py")) for v in violations(f)]
    assert found == [], "kernel imports a domain app:\n" + "\n".join(found)


def test_the_check_sees_an_import_and_a_dotted_string(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from jiuzhu.registry.models import Household\n"
        "import jiuzhu.funds.services\n"
        "TASK = 'jiuzhu.verify.tasks.batch_check_task'\n"
        "OK = 'jiuzhu.core.clock'\n"
    )
    found = violations(bad)
    assert len(found) == 4 and "jiuzhu.registry.models" in found[0]  # import + its name
    assert any("jiuzhu.funds.services" in f for f in found)
    assert any("batch_check_task" in f for f in found)
