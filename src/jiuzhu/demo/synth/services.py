"""Loading the synthetic county into the database (demo, tests, benchmarks)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from jiuzhu.demo.synth.export import write_export
from jiuzhu.demo.synth.generator import DEFAULT_AREA, SynthConfig, SynthResult, generate
from jiuzhu.registry.bulk_import import RegistryImportReport, registry_import

DEMO_SEED = 20260101


def areas_ensure_demo() -> int:
    """Load the shipped 泰州 area table if the villages are missing; return areas created."""
    from jiuzhu.areas.models import Area
    from jiuzhu.areas.services import DEMO_AREA_FILE, areas_import_csv

    if Area.objects.filter(level="village", code__startswith="3212").exists():
        return 0
    return areas_import_csv(path=DEMO_AREA_FILE).created


def synth_to_database(
    households: int,
    seed: int = DEMO_SEED,
    *,
    area: str = DEFAULT_AREA,
    fmt: str = "parquet",
    actor=None,
    keep_dir: Path | str | None = None,
) -> tuple[SynthResult, RegistryImportReport]:
    """Generate ``households`` households, write them as an export and import it.

    Returns the generated result (with ``ground_truth``) and the import report. The export goes to
    a temporary directory unless ``keep_dir`` is given."""
    result = generate(SynthConfig(households=households, seed=seed, area=area))
    if keep_dir is not None:
        write_export(result, keep_dir, fmt)
        return result, registry_import(directory=Path(keep_dir), actor=actor)
    with tempfile.TemporaryDirectory(prefix="jiuzhu-synth-") as tmp:
        write_export(result, tmp, fmt)
        report = registry_import(directory=Path(tmp), actor=actor)
    return result, report


def demo_load(households: int = 5000, seed: int = DEMO_SEED, *, actor=None) -> RegistryImportReport:
    """For `jiuzhu demo`: areas if missing, then the synthetic county, generated and imported."""
    areas_ensure_demo()
    _, report = synth_to_database(households, seed, actor=actor)
    return report
