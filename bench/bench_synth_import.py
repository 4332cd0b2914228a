"""Benchmark: `jiuzhu synth` and `jiuzhu import registry` at scale, against a per-row ORM baseline.

    .venv/bin/python bench/bench_synth_import.py --households 1000000 \
        [--database-url postgres://postgres@127.0.0.1:5432/jz_bench] [--format csv] [--baseline 10000]

Without --database-url a fresh SQLite file in a temporary directory is used. The database must
hold no households (it is migrated and given the 泰州 areas). The baseline saves --baseline
households (with their members and facts) one ORM ``save()`` at a time inside one transaction,
rolls it back, and is extrapolated linearly to --households. Results go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

# A benchmark is a developer's tool: the development settings (no production key needed),
# for this process and the jiuzhu commands it starts.
os.environ.setdefault("JIUZHU_DEBUG", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ap.add_argument(
        "--baseline", type=int, default=10_000, help="households for the ORM baseline (0: skip)"
    )
    ap.add_argument("--workdir", default=None, help="where to write the export (default: temp dir)")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="jiuzhu-bench-")
    if args.database_url:
        os.environ["JIUZHU_DATABASE_URL"] = args.database_url
    else:
        os.environ["JIUZHU_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from jiuzhu.demo.synth.export import write_export
    from jiuzhu.demo.synth.generator import SynthConfig, generate
    from jiuzhu.demo.synth.services import areas_ensure_demo
    from jiuzhu.registry import models as m
    from jiuzhu.registry.bulk_import import registry_import

    call_command("migrate", verbosity=0)
    areas_ensure_demo()
    if m.Household.objects.exists():
        sys.exit("the benchmark database already holds households: use an empty one")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

    baseline_rate = None
    if args.baseline:
        small = generate(SynthConfig(households=args.baseline, seed=args.seed + 1000))
        t0 = time.perf_counter()
        _orm_baseline(small.tables, m, transaction)
        dt = time.perf_counter() - t0
        baseline_rate = dt / args.baseline
        print(
            f"baseline ORM save(): {args.baseline:,} households in {dt:.1f} s "
            f"→ extrapolated to {args.households:,}: {baseline_rate * args.households:.0f} s"
        )

    out = Path(args.workdir or tmp) / "export"
    t0 = time.perf_counter()
    result = generate(SynthConfig(households=args.households, seed=args.seed))
    t1 = time.perf_counter()
    manifest = write_export(result, out, args.format)
    t2 = time.perf_counter()
    rows = sum(manifest["counts"].values())
    print(
        f"synth: generate {t1 - t0:.1f} s + write {args.format} {t2 - t1:.1f} s = {t2 - t0:.1f} s "
        f"({manifest['counts']['households']:,} households, {manifest['counts']['persons']:,} persons, "
        f"{rows:,} rows in all)"
    )
    del result
    t3 = time.perf_counter()
    report = registry_import(directory=out)
    t4 = time.perf_counter()
    print(
        f"import: {t4 - t3:.1f} s (validate {report.seconds['validate']:.1f} s, "
        f"load {report.seconds['load']:.1f} s) = {rows / (t4 - t3):,.0f} rows/s"
    )
    if baseline_rate:
        est = baseline_rate * args.households
        print(f"ratio: ORM baseline (extrapolated) / bulk import = {est / (t4 - t3):.1f}x")


def _orm_baseline(tables, m, transaction) -> None:
    """Per-row save() of every household, member and fact; rolled back afterwards."""
    import datetime

    class Rollback(Exception):
        pass

    def d(v):
        return (
            None
            if v is None
            else (v if isinstance(v, datetime.date) else datetime.date.fromisoformat(v))
        )

    try:
        with transaction.atomic():
            hh_ids, p_ids = {}, {}
            for r in tables["households"].iter_rows(named=True):
                h = m.Household(
                    number=r["number"],
                    hukou_area_id=r["hukou_area"],
                    residence_area_id=r["residence_area"],
                    urban_rural=r["urban_rural"],
                    address=r["address"],
                    phone=r["phone"],
                    status=r["status"],
                )
                h.save()
                hh_ids[r["number"]] = h.id
            for r in tables["persons"].iter_rows(named=True):
                p = m.Person(
                    household_id=hh_ids[r["household_number"]],
                    relation=r["relation"],
                    is_counted=r["is_counted"],
                    id_number=r["id_number"],
                    name=r["name"],
                    sex=r["sex"],
                    birth_date=d(r["birth_date"]),
                    phone=r["phone"],
                    disability_type=r["disability_type"],
                    disability_grade=r["disability_grade"],
                    disability_certificate=r["disability_certificate"],
                    major_illness=r["major_illness"],
                    chronic_illness=r["chronic_illness"],
                    illness_note=r["illness_note"],
                    labour_capacity=r["labour_capacity"],
                    lives_together=r["lives_together"],
                    employment=r["employment"],
                    school_stage=r["school_stage"],
                    death_date=d(r["death_date"]),
                )
                p.save()
                p_ids[(r["household_number"], r["member_no"])] = p.id
                if r["relation"] == "head":
                    m.Household.objects.filter(id=p.household_id).update(head_name=p.name)
            for table, model, money in (
                ("income_items", m.IncomeItem, "amount"),
                ("assets", m.Asset, "value"),
                ("rigid_expenses", m.RigidExpense, "amount"),
                ("roll_entries", m.RollEntry, "monthly_amount"),
            ):
                for r in tables[table].iter_rows(named=True):
                    kw = {k: v for k, v in r.items() if k not in ("household_number", "member_no")}
                    kw[money] = Decimal(kw[money])
                    for k in ("period_start", "period_end", "as_of", "start_month", "end_month"):
                        if k in kw:
                            kw[k] = d(kw[k])
                    obj = model(
                        household_id=hh_ids[r["household_number"]],
                        person_id=p_ids.get((r["household_number"], r["member_no"])),
                        **kw,
                    )
                    obj.save()
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
