"""Benchmark: list exports (issue 15) and list pages over a large registry.

Run against a database that already holds a registry (``bench/bench_synth_import.py``)::

    JIUZHU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/jz_lists_bench200k \\
        .venv/bin/python bench/bench_export.py --repeat 20 --baseline-rows 20000

As a city-wide auditor (scope 泰州市, may reveal) it:

1. exports each list (``roll``, ``households``; xlsx, masked) through the same code as the
   export task (``audit.exports.export_write``: ``iterator(chunk_size=…)`` + ``core.export``),
   each in a forked child whose peak RSS (``VmHWM``) is read at the end — targets: the roll of a
   1M-household city in ≤ 60 s, peak memory < 500 MB;
2. baseline in the same run: openpyxl's write-only workbook writing the same cells for the first
   ``--baseline-rows`` rows, extrapolated to the list's length (ratio = baseline / ours);
3. times the list pages (first page, page 2, a sort, a search, a filter) through Django's test
   client, ``--repeat`` times each, and prints p50/p95 (target: within the 200 ms p95 measured
   for the household list at 1M).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("JIUZHU_DEBUG", "1")
# The pages are timed as a signed-in user; the second factor is not what is measured.
os.environ.setdefault("JIUZHU_REQUIRE_TOTP", "0")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def export_in_child(name: str, user_id: int, fmt: str) -> dict:
    """Fork; the child exports and reports rows, seconds, file size and its peak RSS."""
    from django.db import connections

    connections.close_all()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        try:
            from django.http import QueryDict

            from jiuzhu.accounts.models import User
            from jiuzhu.audit.exports import export_write
            from jiuzhu.core.pagination import list_query, list_spec

            spec = list_spec(name)
            user = User.objects.get(pk=user_id)
            start_rss = vm_hwm_mb()
            with tempfile.NamedTemporaryFile(suffix="." + fmt) as out:
                t0 = time.perf_counter()
                rows = export_write(
                    spec=spec,
                    user=user,
                    query=list_query(spec, QueryDict("")),
                    fmt=fmt,
                    reveal=False,
                    out=out,
                )
                seconds = time.perf_counter() - t0
                out.flush()
                size = os.path.getsize(out.name)
            result = {
                "rows": rows,
                "seconds": seconds,
                "mb": size / 1e6,
                "rss_start_mb": start_rss,
                "rss_peak_mb": vm_hwm_mb(),
            }
        except Exception as exc:  # report, never hang the parent
            result = {"error": repr(exc)}
        os.write(write, json.dumps(result).encode())
        os.close(write)
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)


def _plain(value):
    """openpyxl takes str, numbers and dates; a lazy label becomes its text."""
    if value is None or isinstance(value, int | float | str):
        return value
    import datetime
    import decimal

    if isinstance(value, datetime.date | decimal.Decimal):
        return value
    return str(value)


def openpyxl_baseline(name: str, user, n: int) -> dict:
    """The same cells for the first ``n`` rows through openpyxl's write-only workbook."""
    from django.http import QueryDict
    from openpyxl import Workbook

    from jiuzhu.audit.exports import _cell
    from jiuzhu.core.pagination import iter_chunks, list_query, list_rows, list_spec
    from jiuzhu.core.spreadsheet import safe_row

    spec = list_spec(name)
    rows = list_rows(spec, user, list_query(spec, QueryDict("")))[:n]
    t0 = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(spec.title))
    sheet.append([str(c.header) for c in spec.columns])
    done = 0
    for chunk in iter_chunks(rows.iterator(chunk_size=2000), 2000):
        if spec.prepare:
            spec.prepare(chunk)
        for row in chunk:
            sheet.append(safe_row([_plain(_cell(c, row, False)) for c in spec.columns]))
        done += len(chunk)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as out:
        book.save(out.name)
    return {"rows": done, "seconds": time.perf_counter() - t0}


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from jiuzhu.accounts.models import RoleAssignment, User
    from jiuzhu.accounts.roles import Role
    from jiuzhu.registry.models import Household, Person, RollEntry

    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--baseline-rows", type=int, default=20_000)
    ap.add_argument("--lists", default="roll,households")
    ap.add_argument("--fmt", default="xlsx")
    ap.add_argument("--skip-pages", action="store_true")
    args = ap.parse_args()
    setup_test_environment()

    user, _ = User.objects.get_or_create(username="bench_lists_city", full_name="基准测试")
    RoleAssignment.objects.get_or_create(
        user=user, role=Role.AUDITOR, area_id="321200000000", defaults={"valid_from": "2020-01-01"}
    )
    households = Household.objects.count()
    print(
        f"database: {connection.vendor}; households {households:,}; persons "
        f"{Person.objects.count():,}; roll entries {RollEntry.objects.count():,}; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    for name in [n for n in args.lists.split(",") if n]:
        ours = export_in_child(name, user.pk, args.fmt)
        if "error" in ours:
            print(f"export {name}: {ours['error']}")
            continue
        base = openpyxl_baseline(name, user, min(args.baseline_rows, ours["rows"]))
        rate = ours["rows"] / ours["seconds"]
        base_rate = base["rows"] / base["seconds"]
        per_million = 1_000_000 / rate
        print(
            f"export {name} ({args.fmt}): {ours['rows']:,} rows in {ours['seconds']:.1f} s "
            f"({rate:,.0f} rows/s; 1M rows ≈ {per_million:.0f} s), file {ours['mb']:.1f} MB, "
            f"peak RSS {ours['rss_peak_mb']:.0f} MB (at start {ours['rss_start_mb']:.0f} MB); "
            f"openpyxl write-only baseline {base['rows']:,} rows in {base['seconds']:.1f} s "
            f"({base_rate:,.0f} rows/s); ratio {rate / base_rate:.1f}×"
        )
    if args.skip_pages:
        return
    sample = Person.objects.order_by("id")[Person.objects.count() // 2]
    client = Client()
    client.force_login(user)
    cases = {
        "households p1": "/registry/households/",
        "households p2": "/registry/households/?page=2",
        "households sort score": "/registry/households/?sort=score",
        "households name": f"/registry/households/?q={sample.name[:1]}",
        "households ID": f"/registry/households/?q={sample.id_number}",
        "persons p1": "/registry/persons/",
        "roll p1": "/cases/roll/",
        "roll p2 dibao": "/cases/roll/?programme=dibao&page=2",
        "applications": "/cases/applications/",
        "audit log": "/audit/",
    }
    print(f"{'page':26} {'p50 ms':>8} {'p95 ms':>8}")
    for label, url in cases.items():
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        print(
            f"{label:26} {statistics.median(times):8.1f} {pct(times, 95):8.1f}"
            f"   first {times[0]:8.1f}"
        )


if __name__ == "__main__":
    main()
