"""The import contracts (pyproject.toml, import-linter) and the events between apps.

``make test`` fails on a layer violation, an app cycle, a string import of another app, or an
event a required subscriber no longer answers (docs/architecture.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "jiuzhu"
APPS = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists())
DYNAMIC_IMPORTERS = {"import_module", "__import__"}


def test_the_import_contracts_hold():
    """import-linter: the kernel imports no domain app, domain apps import only downwards."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _dynamic_imports(path: Path, source: str | None = None) -> list[str]:
    """Calls of import_module/__import__/import_string whose target is another app or unknown."""
    app = path.relative_to(SRC).parts[0].removesuffix(".py")
    out = []
    source = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
        if name not in DYNAMIC_IMPORTERS:
            continue
        arg = node.args[0] if node.args else None
        target = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
        if target is None:  # a computed name: could be any app
            out.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}(<computed>)")
            continue
        parts = target.split(".")
        other = parts[1] if parts[0] == "jiuzhu" and len(parts) > 1 else None
        if other in APPS and other != app:
            out.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}({target!r})")
    return out


def test_no_app_loads_another_by_name():
    found = [hit for p in sorted(SRC.rglob("*.py")) for hit in _dynamic_imports(p)]
    assert found == []


def test_the_string_import_check_catches_one():
    """The check above can fail: the old seam loading funds by name is reported, and so is a
    computed name; an app loading its own module is not."""
    probe = SRC / "monitoring" / "probe.py"
    seam = 'import importlib\nimportlib.import_module("jiuzhu.funds.services")\n'
    computed = 'import importlib\nimportlib.import_module(f"jiuzhu.{name}.services")\n'
    own = 'import importlib\nimportlib.import_module("jiuzhu.monitoring.rules")\n'
    assert _dynamic_imports(probe, seam) == [
        "src/jiuzhu/monitoring/probe.py:2 import_module('jiuzhu.funds.services')"
    ]
    assert _dynamic_imports(probe, computed) == [
        "src/jiuzhu/monitoring/probe.py:2 import_module(<computed>)"
    ]
    assert _dynamic_imports(probe, own) == []


@pytest.mark.parametrize(
    ("event", "handler"),
    [
        ("CaseDecided", "jiuzhu.funds.subscribers.settle_hold_of_decided_case"),
        ("FeedImported", "jiuzhu.monitoring.subscribers.run_after_import"),
    ],
)
def test_each_event_reaches_its_subscriber(event, handler):
    """Subscribed in AppConfig.ready(): a renamed or unsubscribed handler fails here."""
    from jiuzhu.core import events

    names = [f"{h.__module__}.{h.__qualname__}" for h in events.subscribers(getattr(events, event))]
    assert handler in names


def test_verify_finds_the_check_authorisation_through_cases_lookup():
    """Registered in CasesConfig.ready(); without it a check refuses loudly (RuntimeError)."""
    from jiuzhu.cases import checks
    from jiuzhu.verify import services

    assert services._authorisation_lookup is checks.check_authorisation_for


def test_monitoring_holds_payments_through_the_funds_service_itself():
    """No seam that says "no funds module, no hold": monitoring calls funds' services directly,
    so renaming them breaks the import (loudly), never silently stops holds on the dead."""
    from jiuzhu.funds.services import holds
    from jiuzhu.monitoring import services

    assert services.payment_holds_place_many is holds.payment_holds_place_many
    assert services.payment_hold_release is holds.payment_hold_release
