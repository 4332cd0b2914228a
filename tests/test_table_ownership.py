"""Each app owns its tables: no SQL string in one app names another app's table.

Other apps read through the owner's selectors (frames or dataclasses) and write through its
services. An AST scan of ``src/jiuzhu/<app>``: every string constant (f-string parts included)
that names a table of another app (``registry_household`` …), and every ``Model._meta.db_table``
of a model imported from another app's ``models``. ``DEBT`` lists what is left to move, per file:
the test fails on anything new, and on a listed entry that is gone (shorten the list then).
"""

import ast
import re
from pathlib import Path

from django.apps import apps

SRC = Path(__file__).resolve().parents[1] / "src" / "jiuzhu"

# (app, file, other app) still naming another app's tables — to move into the owner's selectors.
# Empty: every cross-app read goes through the owner's readers (``registry.frames``,
# ``verify.frames``, ``cases.frames``, ``policy.selectors`` …). Keep it empty.
DEBT: set[tuple[str, str, str]] = set()


def owners() -> dict[str, str]:
    """db_table → the jiuzhu app that owns it."""
    return {
        m._meta.db_table: m._meta.app_config.name.split(".")[1]
        for m in apps.get_models()
        if m._meta.app_config.name.startswith("jiuzhu.")
    }


def _app_of_module(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "jiuzhu" else None


def scan(path: Path, app: str, tables: dict[str, str]) -> set[str]:
    """The other apps whose tables ``path`` names in SQL."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pattern = re.compile(r"\b(" + "|".join(sorted(tables, key=len, reverse=True)) + r")\b")
    imported: dict[str, str] = {}  # local name → app of the models module it came from
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".models"):
            owner = _app_of_module(node.module)
            for a in node.names:
                if owner:
                    imported[a.asname or a.name] = owner
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for t in pattern.findall(node.value):
                if tables[t] != app:
                    found.add(tables[t])
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "db_table"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "_meta"
            and isinstance(node.value.value, ast.Name)
        ):
            owner = imported.get(node.value.value.id)
            if owner and owner != app:
                found.add(owner)
    return found


def current() -> set[tuple[str, str, str]]:
    tables = owners()
    out = set()
    for app_dir in sorted(p for p in SRC.iterdir() if (p / "__init__.py").exists()):
        app = app_dir.name
        for path in sorted(app_dir.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for other in scan(path, app, tables):
                out.add((app, str(path.relative_to(app_dir)), other))
    return out


def test_no_app_names_another_apps_table_in_sql():
    new = sorted(current() - DEBT)
    assert new == [], "SQL naming another app's table (read through its selectors):\n" + "\n".join(
        map(str, new)
    )


def test_the_debt_list_only_shrinks():
    gone = sorted(DEBT - current())
    assert gone == [], "moved (remove from DEBT):\n" + "\n".join(map(str, gone))


def test_the_scan_sees_literals_and_meta_tables(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from jiuzhu.registry.models import Person\n"
        "SQL = 'SELECT id FROM registry_household'\n"
        "F = f'JOIN {Person._meta.db_table} p ON p.id = x'\n"
        "OK = 'SELECT id FROM funds_payroll'\n"
    )
    assert scan(bad, "funds", owners()) == {"registry"}
    assert scan(bad, "registry", owners()) == {"funds"}
