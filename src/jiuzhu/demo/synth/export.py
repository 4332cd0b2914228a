"""Writing a generated county as a registry export (docs/registry-export.md). Plain Python."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jiuzhu.demo.synth.generator import SynthResult
from jiuzhu.registry.export_format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    GROUND_TRUTH,
    MANIFEST,
    TABLE_ORDER,
    TABLES,
    file_name,
)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_export(result: SynthResult, out: Path | str, fmt: str = "csv") -> dict:
    """Write the six tables, ``ground_truth.csv`` and ``manifest.json``; return the manifest.

    The bytes depend only on the generated tables: no timestamps, fixed column order."""
    if fmt not in ("csv", "parquet"):
        raise ValueError("format must be csv or parquet")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = {}
    for table in TABLE_ORDER:
        df = result.tables[table].select([c for c, _, _ in TABLES[table]])
        path = out / file_name(table, fmt)
        if fmt == "csv":
            df.write_csv(path, quote_style="necessary")
        else:
            df.write_parquet(path, compression="zstd", statistics=False)
        tables[table] = {"file": path.name, "rows": df.height, "sha256": sha256_file(path)}
    truth_path = out / GROUND_TRUTH
    result.ground_truth.write_csv(truth_path, quote_style="necessary")
    c = result.config
    manifest = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "file_format": fmt,
        "money": "yuan_decimal_2",
        "generator": "jiuzhu synth",
        "seed": c.seed,
        "area": c.area,
        "as_of": c.as_of.isoformat(),
        "dibao_standard": f"{c.dibao_standard_fen // 100}.{c.dibao_standard_fen % 100:02d}",
        "counts": {t: tables[t]["rows"] for t in TABLE_ORDER},
        "tables": tables,
        "ground_truth": {
            "file": GROUND_TRUTH,
            "rows": result.ground_truth.height,
            "sha256": sha256_file(truth_path),
        },
        "stats": result.stats,
    }
    (out / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest
