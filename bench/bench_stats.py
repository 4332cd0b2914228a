"""Benchmark: the month-end snapshot and the monthly form for the whole city, from the snapshot.

    JIUZHU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/jz_stats_bench1m \
        .venv/bin/python bench/bench_stats.py [--month 2026-03] [--repeat 5] [--pay]

The database holds a registry loaded by ``bench/bench_synth_import.py`` (the synthetic county).
``--pay`` first writes the ledger a county would have after paying its roll from January to the
month (one 已到账 entry per roll entry and month, appended through ``funds.ledger.ledger_append``
in one transaction) — the synthetic registry has a roll but no payment history. Then:

1. ``snapshot_take`` for the previous month and the month (each timed; target ≤ 60 s);
2. ``monthly_form`` for the city (321200) from the snapshot, ``--repeat`` times (target ≤ 5 s),
   with 上期 from the previous month's snapshot;
3. baseline in the same run: the same form with no snapshot (computed live from the roll, the
   ledger and the registry, as a report without snapshots would have to).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

# A benchmark is a developer's tool: the development settings (no production key needed),
# for this process and the jiuzhu commands it starts.
os.environ.setdefault("JIUZHU_DEBUG", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--month", default="2026-03")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--pay", action="store_true", help="write Jan…month payments to the ledger first"
    )
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    import django

    django.setup()
    import polars as pl
    from django.db import connection, transaction

    from jiuzhu.areas.models import Area
    from jiuzhu.core import clock
    from jiuzhu.registry.selectors import roll_entries_frame
    from jiuzhu.stats import engine, selectors
    from jiuzhu.stats.models import Snapshot
    from jiuzhu.stats.services import snapshot_take

    month = datetime.datetime.strptime(args.month, "%Y-%m").date()
    prev = engine.add_months(month, -1)
    clock.now = lambda: (
        datetime.datetime.combine(  # the month is closed: it is the 10th of the next
            engine.add_months(month, 1).replace(day=10), datetime.time(9), tzinfo=clock.CHINA
        )
    )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM registry_household")
        print(f"households: {cur.fetchone()[0]:,}")
        cur.execute("SELECT COUNT(*) FROM registry_rollentry")
        print(f"roll entries: {cur.fetchone()[0]:,}")
    if args.pay:
        from jiuzhu.funds.ledger import ledger_append

        t = time.perf_counter()
        entries = roll_entries_frame(first_month=month.replace(month=1), last_month=month)
        rows = []
        for m in range(1, month.month + 1):
            mm = month.replace(month=m)
            paid = entries.filter(
                (pl.col("start_month") <= mm)
                & (pl.col("end_month").is_null() | (pl.col("end_month") >= mm))
            )
            for hh, prog, fen in paid.select("household_id", "programme", "amount_fen").iter_rows():
                rows.append(
                    {
                        "kind": "paid",
                        "amount": Decimal(fen or 0) / 100,
                        "programme": prog,
                        "area_code": "321200000000",
                        "month": mm,
                        "payroll_id": 0,
                        "household_id": hh,
                    }
                )
        with transaction.atomic():
            ledger_append(rows)
        print(f"ledger: {len(rows):,} paid entries written in {time.perf_counter() - t:.1f} s")
    Snapshot.objects.filter(month__in=[prev, month]).delete()
    from jiuzhu.stats.models import SnapshotRow

    SnapshotRow.objects.exclude(snapshot__in=Snapshot.objects.all()).delete()
    for m in (prev, month):
        t = time.perf_counter()
        snap = snapshot_take(month=m, reason="bench")
        print(f"snapshot {m:%Y-%m}: {snap.rows:,} rows in {time.perf_counter() - t:.2f} s")
    city = Area.objects.get(code="321200000000")
    times = []
    for _i in range(args.repeat):
        t = time.perf_counter()
        report = selectors.monthly_form(area=city, month=month)
        times.append(time.perf_counter() - t)
    print(
        f"city form from the snapshot: median {statistics.median(times):.3f} s, "
        f"max {max(times):.3f} s over {args.repeat} runs"
    )
    v = report["values"]
    print(
        f"  城市低保人数 {v['people_dibao_urban']}, 农村低保人数 {v['people_dibao_rural']}, "
        f"低保支出(分) {v['spend_dibao']}"
    )
    # baseline: the same form computed live (no snapshot for either month)
    t = time.perf_counter()
    from jiuzhu.stats.services import snapshot_frames

    rows_m, _ = snapshot_frames(month=month)
    rows_p, _ = snapshot_frames(month=prev)
    form = engine.load_form()
    live_v = engine.evaluate(form, engine.group(rows_m))
    engine.evaluate(form, engine.group(rows_p))
    base = time.perf_counter() - t
    assert live_v == v, "live and snapshot figures differ"
    print(
        f"baseline, the same form live (no snapshot): {base:.2f} s "
        f"→ ratio {base / statistics.median(times):.1f}×"
    )


if __name__ == "__main__":
    main()
