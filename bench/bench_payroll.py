"""Payroll benchmark: generation with all checks, and reconciliation of the bank's return file.

    jiuzhu bench payroll -- --entries 500000                 # SQLite (a fresh file under /tmp)
    jiuzhu bench payroll -- --entries 500000 --postgres postgres://postgres@127.0.0.1:5432/postgres

A fresh database (never the one you work in) gets the 泰州 area tree and a synthetic 低保 roll of
``--entries`` entries in 海陵区's villages: households with a 低保 entry each, one in ten also with
a 分类施保 entry (paid as its own line in the 低保 payroll), a payment account each, and a
sprinkling of what the checks must find (dead payees, holds, suspended entries, duplicates,
特困 entries excluded with 低保, shared accounts, back pay). Then:

1. ``payroll_generate`` for the county and month (set-based, every check), and a regeneration
   (idempotence: same digest);
2. the per-entry ORM baseline on a sample of entries (one set of queries and one saved line per
   entry, as a row-by-row implementation would do), extrapolated to all entries;
3. submit, approve, release (three users), the bank file, a return file with failures, and
   ``bank_return_import`` (reconciliation, all checks, ledger entries per line).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# A benchmark is a developer's tool: the development settings (no production key needed),
# for this process and the jiuzhu commands it starts.
os.environ.setdefault("JIUZHU_DEBUG", "1")

ROOT = Path(__file__).resolve().parent.parent
MONTH = datetime.date(2026, 11, 1)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--entries", type=int, default=500_000)
    p.add_argument("--sample", type=int, default=2_000, help="entries in the per-entry baseline")
    p.add_argument("--postgres", default="", help="server URL; a database bench_funds is (re)made")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.inner:
        return inner(args)
    env = dict(os.environ)
    workdir = Path(tempfile.mkdtemp(prefix="jiuzhu-bench-payroll-"))
    if args.postgres:
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as con:
            con.execute("DROP DATABASE IF EXISTS bench_funds")
            con.execute("CREATE DATABASE bench_funds")
        url = args.postgres.rsplit("/", 1)[0] + "/bench_funds"
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    env["JIUZHU_DATABASE_URL"] = url
    env["JIUZHU_VAR_DIR"] = str(workdir)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--inner", *(argv or [])],
            env=env,
            check=True,
        )
    finally:
        for f in workdir.glob("*"):
            if f.is_file():
                f.unlink()
        if args.postgres:
            import psycopg

            with psycopg.connect(args.postgres, autocommit=True) as con:
                con.execute("DROP DATABASE IF EXISTS bench_funds")


def _setup_django():
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    import django

    django.setup()


def insert(model, df) -> None:
    """Bulk insert ``df`` into ``model``'s table; columns it lacks get the model's defaults (so the
    benchmark does not depend on every column of a table other apps are still extending)."""
    import decimal

    import polars as pl
    from django.utils import timezone

    from jiuzhu.core.frames import write_frame

    now = timezone.now().isoformat()
    extra = []
    for f in model._meta.concrete_fields:
        if f.column in df.columns:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        else:
            value = f.get_default()  # "" for text fields without a default
            if value is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.name} needs a value")
        if isinstance(value, list | dict):
            value = json.dumps(value)
        elif isinstance(value, decimal.Decimal | datetime.date):
            value = str(value)
        extra.append(pl.lit(value).alias(f.column))
    write_frame(model._meta.db_table, df.with_columns(extra) if extra else df)


def build(n: int, seed: int = 7) -> dict:
    """The synthetic roll: households, heads, 低保 and 分类施保 entries, accounts (bulk inserts)."""
    from decimal import Decimal

    import numpy as np
    import polars as pl
    from django.db import transaction

    from jiuzhu.accounts.models import RoleAssignment, User
    from jiuzhu.areas.models import Area
    from jiuzhu.core.money import fen_to_text
    from jiuzhu.funds.models import PaymentAccount
    from jiuzhu.funds.services import cutover_set, payment_hold_place
    from jiuzhu.registry.models import Household, Person, RollEntry

    rnd = random.Random(seed)
    rng = np.random.default_rng(seed)
    villages = list(
        Area.objects.filter(code__startswith="321202", level="village").values_list(
            "code", flat=True
        )
    )
    households = int(n / 1.1)
    supplements = n - households
    t0 = time.perf_counter()
    ids = np.arange(1, households + 1, dtype=np.int64)
    with transaction.atomic():
        hh = pl.DataFrame({"id": ids}).with_columns(
            pl.format("B{}", pl.col("id").cast(pl.Utf8).str.zfill(11)).alias("number"),
            pl.Series("hukou_area_id", np.array(villages)[ids % len(villages)]),
            pl.lit("urban").alias("urban_rural"),
            pl.format("户主{}", pl.col("id")).alias("head_name"),
            pl.lit(1).alias("size"),
        )
        insert(Household, hh)
        insert(
            Person,
            hh.select(
                "id",
                pl.col("id").alias("household_id"),
                pl.lit("head").alias("relation"),
                pl.col("head_name").alias("name"),
                pl.lit("M").alias("sex"),
                pl.lit("1960-01-01").alias("birth_date"),
            ),
        )
        case = rng.random(households) < 0.05  # approved by a case in the last three months
        start = np.where(
            case,
            np.array(["2026-08-01", "2026-09-01", "2026-10-01"])[rng.integers(0, 3, households)],
            "2020-01-01",
        )
        entries = pl.DataFrame(
            {
                "id": ids,
                "household_id": ids,
                "fen": rng.integers(20_000, 90_000, households),
                "start_month": start,
                "source": np.where(case, "case", "import"),
                "status": np.where(rng.random(households) < 0.001, "suspended", "active"),
            }
        )
        sup_ids = np.sort(rng.choice(ids, supplements, replace=False))
        sup = pl.DataFrame(
            {
                "id": np.arange(households + 1, households + 1 + supplements, dtype=np.int64),
                "household_id": sup_ids,
                "person_id": sup_ids,
            }
        )
        insert(
            RollEntry,
            pl.concat(
                [
                    entries.select(
                        "id",
                        "household_id",
                        pl.lit(None, dtype=pl.Int64).alias("person_id"),
                        pl.lit("dibao").alias("programme"),
                        fen_to_text(pl.col("fen")).alias("monthly_amount"),
                        "start_month",
                        "status",
                        pl.format("海民救〔2020〕{}号", pl.col("id")).alias("decision_ref"),
                        "source",
                    ),
                    sup.select(
                        "id",
                        "household_id",
                        "person_id",
                        pl.lit("category_supplement").alias("programme"),
                        pl.lit("120.00").alias("monthly_amount"),
                        pl.lit("2020-01-01").alias("start_month"),
                        pl.lit("active").alias("status"),
                        pl.lit("").alias("decision_ref"),
                        pl.lit("import").alias("source"),
                    ),
                ]
            ),
        )
        insert(
            PaymentAccount,
            hh.select(
                "id",
                pl.col("id").alias("household_id"),
                pl.lit("江苏泰州农村商业银行").alias("bank_name"),
                pl.format("6228{}", pl.col("id").cast(pl.Utf8).str.zfill(15)).alias(
                    "account_number"
                ),
                pl.col("head_name").alias("holder_name"),
            ),
        )
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for table in (
                    "registry_household",
                    "registry_person",
                    "registry_rollentry",
                    "funds_paymentaccount",
                ):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                    )
        # What the checks must find (0.1 % each).
        special = rnd.sample(range(1, households + 1), max(5, households // 1000) * 5)
        k = len(special) // 5
        dead, dup, excl, shared, held = (special[i * k : (i + 1) * k] for i in range(5))
        Person.objects.filter(pk__in=dead).update(death_date=datetime.date(2026, 9, 3))
        RollEntry.objects.bulk_create(
            [
                RollEntry(
                    household_id=h,
                    programme="dibao",
                    monthly_amount=Decimal("500.00"),
                    start_month=datetime.date(2020, 1, 1),
                    source="import",
                )
                for h in dup
            ]
        )
        RollEntry.objects.bulk_create(
            [
                RollEntry(
                    household_id=h,
                    person_id=h,
                    programme="tekun",
                    monthly_amount=Decimal("1200.00"),
                    start_month=datetime.date(2020, 1, 1),
                    source="import",
                )
                for h in excl
            ]
        )
        for a, b in zip(shared[::2], shared[1::2], strict=False):
            PaymentAccount.objects.filter(household_id=b).update(account_number=f"6228{a:015d}")
        for h in held:
            payment_hold_place(person_id=h, household_id=h, reason="死亡预警", source=f"alert:{h}")
        cutover_set(actor=None, area_code="321202000000", paid_through=datetime.date(2026, 10, 1))
        users = {}
        for name, role in [
            ("prep", "payments_officer"),
            ("chk", "payments_officer"),
            ("fin", "finance"),
        ]:
            u = User.objects.create(username=name, full_name=name)
            RoleAssignment.objects.create(
                user=u, role=role, area_id="321202000000", valid_from=datetime.date(2020, 1, 1)
            )
            users[name] = u
    return {"users": users, "build_s": time.perf_counter() - t0, "households": households}


def baseline(sample: int) -> float:
    """Per-entry ORM: for each entry, the history, the person, holds, findings, other rolls, the
    account, the decision, then one saved line — inside a transaction that is rolled back."""
    from django.db import transaction
    from django.db.models import Max

    from jiuzhu.funds.models import PaymentAccount, PaymentHold, Payroll, PayrollLine
    from jiuzhu.policy.engine.exclusions import exclusion_between
    from jiuzhu.registry.models import Person, RollEntry
    from jiuzhu.verify.models import Finding

    ids = list(
        RollEntry.objects.filter(programme__in=["dibao", "category_supplement"])
        .order_by("?")
        .values_list("id", flat=True)[:sample]
    )
    t0 = time.perf_counter()
    with transaction.atomic():
        payroll = Payroll.objects.create(
            number="BASELINE",
            kind="supplementary",
            programme="dibao",
            area_id="321202000000",
            month=MONTH,
        )
        sp = transaction.savepoint()
        for seq, pk in enumerate(ids, start=1):
            e = RollEntry.objects.select_related("household").get(pk=pk)
            covered = (
                PayrollLine.objects.filter(roll_entry=e)
                .exclude(payroll__status="draft")
                .aggregate(m=Max("months_to"))["m"]
            )
            start = max(e.start_month, datetime.date(2026, 11, 1) if covered is None else covered)
            head = (
                e.person
                or Person.objects.filter(household_id=e.household_id, relation="head").first()
            )
            flags = []
            if head is not None and head.death_date:
                flags.append("dead")
            if PaymentHold.objects.filter(
                household_id=e.household_id, released_at__isnull=True
            ).exists():
                flags.append("hold")
            if Finding.objects.filter(household_id=e.household_id, kind="death").exists():
                flags.append("death_report")
            for other in RollEntry.objects.filter(household_id=e.household_id).exclude(pk=e.pk):
                if exclusion_between(e.programme, other.programme):
                    flags.append("excluded")
                if other.programme == e.programme and other.person_id == e.person_id:
                    flags.append("duplicate")
            acct = PaymentAccount.objects.filter(household_id=e.household_id, active=True).first()
            if (
                acct
                and PaymentAccount.objects.filter(account_number=acct.account_number)
                .exclude(household_id=e.household_id)
                .exists()
            ):
                flags.append("shared_account")
            PayrollLine.objects.create(
                payroll=payroll,
                seq=seq,
                roll_entry=e,
                household_id=e.household_id,
                person_id=e.person_id,
                programme=e.programme,
                decision_ref=e.decision_ref,
                months_from=start,
                months_to=MONTH,
                monthly_amount=e.monthly_amount,
                amount=e.monthly_amount,
                status="held" if flags else "payable",
                flags=[{"code": f} for f in flags],
                account=acct,
            )
        elapsed = time.perf_counter() - t0
        transaction.savepoint_rollback(sp)
        transaction.set_rollback(True)
    return elapsed / max(len(ids), 1)


def inner(args) -> None:
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    from jiuzhu.areas.services import DEMO_AREA_FILE, areas_import_csv

    areas_import_csv(path=DEMO_AREA_FILE)
    built = build(args.entries)
    with connection.cursor() as cur:  # fresh statistics, as autovacuum would have after a load
        cur.execute("ANALYZE")
    users = built["users"]
    from jiuzhu.demo.funds_synthetic import return_file_for
    from jiuzhu.funds.ledger import ledger_verify
    from jiuzhu.funds.models import PayrollLine
    from jiuzhu.funds.services import (
        bank_file_export,
        bank_return_import,
        payroll_approve,
        payroll_generate,
        payroll_release,
        payroll_submit,
    )

    out = {
        "database": connection.vendor,
        "entries_requested": args.entries,
        "build_s": round(built["build_s"], 1),
    }
    t = time.perf_counter()
    p = payroll_generate(
        actor=users["prep"], programme="dibao", area_code="321202000000", month=MONTH
    )
    out["generate_s"] = round(time.perf_counter() - t, 2)
    out["lines"] = p.line_count
    out["held"] = p.held_count
    out["flagged"] = p.flagged_count
    out["back_pay_lines"] = PayrollLine.objects.filter(payroll=p, months__gt=1).count()
    t = time.perf_counter()
    again = payroll_generate(
        actor=users["prep"], programme="dibao", area_code="321202000000", month=MONTH
    )
    out["regenerate_s"] = round(time.perf_counter() - t, 2)
    out["idempotent"] = again.digest == p.digest
    per = baseline(args.sample)
    out["baseline_sample"] = args.sample
    out["baseline_per_entry_ms"] = round(per * 1000, 3)
    out["baseline_extrapolated_s"] = round(per * p.line_count, 1)
    out["ratio"] = round(per * p.line_count / out["generate_s"], 1)
    t = time.perf_counter()
    p = payroll_submit(actor=users["prep"], payroll_id=p.pk, version=again.version)
    out["submit_s"] = round(time.perf_counter() - t, 2)
    p = payroll_approve(actor=users["chk"], payroll_id=p.pk, version=p.version)
    t = time.perf_counter()
    p = payroll_release(actor=users["fin"], payroll_id=p.pk, version=p.version)
    out["release_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    bank_file_export(actor=users["prep"], payroll_id=p.pk)
    out["bank_file_s"] = round(time.perf_counter() - t, 2)
    data = return_file_for(p, fail=500, seed=3)
    out["return_file_mb"] = round(len(data) / 1e6, 1)
    t = time.perf_counter()
    summary = bank_return_import(
        actor=users["prep"], payroll_id=p.pk, data=data, file_name="return.csv"
    )
    out["reconcile_s"] = round(time.perf_counter() - t, 2)
    out["reconciled_paid"] = summary["paid"]
    out["reconciled_failed"] = summary["failed"]
    t = time.perf_counter()
    v = ledger_verify()
    out["ledger_verify_s"] = round(time.perf_counter() - t, 2)
    out["ledger_entries"] = v.checked
    out["ledger_ok"] = v.ok
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
