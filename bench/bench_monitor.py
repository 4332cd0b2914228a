"""Monitoring benchmark: planted cases found and routed right, and run speed at scale.

    jiuzhu bench monitor -- accuracy [--households 20000] [--database-url URL]
    jiuzhu bench monitor -- speed --database-url postgres://…/jz_monitor --households 1000000

Accuracy: a synthetic county (``jiuzhu.demo.synth``, imported with ``jiuzhu import registry``), its
department feeds (``jiuzhu.demo.synth_feeds``, imported file by file through
``verify.services.feed_import``), one 政策找人 run, then one monitoring run. Expected alerts come
from the two ground truths: planted deaths, hidden assets (vehicle, company, property) and wage
rises of households on the roll, and changes in them — a member of 16–18 who left school,
a 户籍 moved to another county, a first unemployment benefit (``synth_feeds.CHANGE_KINDS``, one
alert each of the rule of the same name) — (feeds), income rises (``ineligible_income_rose``) and
eligible-but-not-enrolled households (registry), and duplicate payments planted after the
政策找人 run by ``demo.funds_synthetic.plant_cases`` (``--duplicates`` households on the 低保 roll
twice, as many heads also put on the programme that excludes 低保 person by person in
``policy.engine.exclusions``). Recall, precision (against planted cases only) and routing
accuracy (the village's worker, else the street's reviewer, computed here independently of
``monitoring.routing``) are printed per cause, with the count of expected cases that got more
than one alert.

Speed: an imported registry (generated and imported first unless ``--reuse``), department rows
for it loaded with COPY, one 政策找人 run; then a full monitoring run, a new file of 10,000
changed rows and an incremental run; and the baseline — the same checks for one household at a
time with ORM queries, measured on a sample and extrapolated.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

# A benchmark is a developer's tool: the development settings (no production key needed),
# for this process and the jiuzhu commands it starts.
os.environ.setdefault("JIUZHU_DEBUG", "1")

ROOT = Path(__file__).resolve().parent.parent
# This checkout's code, before anything of it is imported (a shared environment may have
# another checkout installed).
if not os.environ.get("JIUZHU_BENCH_SRC"):
    sys.path.insert(0, str(ROOT / "src"))

from jiuzhu.core import clock  # noqa: E402

EXPECTED_CAUSE = {
    "death": "death",
    "vehicle": "new_asset",
    "business": "new_asset",
    "property": "new_asset",
    "wage_above_line": "income_above_line",
    "ineligible_income_rose": "income_above_line",
    "eligible_not_on_roll": "eligible_not_enrolled",
    # synth_feeds.CHANGE_KINDS: a change in a roll household, one alert of the rule of that name
    "school_leaving": "school_leaving",
    "hukou_move_out": "hukou_move_out",
    "job_loss": "job_loss",
    "duplicate": "duplicate_benefit",  # demo.funds_synthetic: the same roll entry twice
    "excluded": "duplicate_benefit",  # demo.funds_synthetic: the head on an excluding programme too
}
DUPLICATE_KINDS = ("duplicate", "excluded")


def _django(url: str) -> None:
    os.environ["JIUZHU_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _registry(households: int, seed: int, work: Path) -> Path:
    from jiuzhu.demo.synth.export import write_export
    from jiuzhu.demo.synth.generator import SynthConfig, generate
    from jiuzhu.demo.synth.services import areas_ensure_demo
    from jiuzhu.registry.bulk_import import registry_import
    from jiuzhu.registry.models import Household

    areas_ensure_demo()
    if Household.objects.exists():
        sys.exit("the benchmark database already holds households: use an empty one or --reuse")
    out = work / "registry"
    t = time.perf_counter()
    write_export(generate(SynthConfig(households=households, seed=seed)), out, "csv")
    t1 = time.perf_counter()
    registry_import(directory=out)
    print(f"registry: generated {t1 - t:.1f} s, imported {time.perf_counter() - t1:.1f} s")
    return out


def _workers() -> dict:
    """One street reviewer per township in the registry, a village worker in every 3rd village."""
    from jiuzhu.accounts.models import RoleAssignment, User
    from jiuzhu.accounts.roles import Role
    from jiuzhu.registry.models import Household

    villages = sorted(set(Household.objects.values_list("hukou_area_id", flat=True).distinct()))
    by_area: dict[str, int] = {}
    for code in sorted({v[:9] + "000" for v in villages}):
        u = User.objects.create(username=f"bench-street-{code}")
        RoleAssignment.objects.create(
            user=u, role=Role.TOWNSHIP_REVIEWER, area_id=code, valid_from=datetime.date(2020, 1, 1)
        )
        by_area[code[:9]] = u.pk
    for code in villages[::3]:
        u = User.objects.create(username=f"bench-village-{code}")
        RoleAssignment.objects.create(
            user=u, role=Role.VILLAGE_WORKER, area_id=code, valid_from=datetime.date(2020, 1, 1)
        )
        by_area[code] = u.pk
    return by_area


def accuracy(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="jiuzhu-bench-monitor-"))
    _django(args.database_url or f"sqlite:///{work}/bench.sqlite3")
    from django.db import connection

    from jiuzhu.demo import synth_feeds
    from jiuzhu.monitoring.models import Alert
    from jiuzhu.monitoring.services import monitor_run
    from jiuzhu.policy.services import policy_run
    from jiuzhu.verify.services import feed_import, link_run

    print(f"database: {connection.vendor}; households: {args.households:,}; seed {args.seed}")
    reg = _registry(args.households, args.seed, work)
    expected_worker = _workers()
    # dated as of the run: the rules' windows (job_loss: benefit new in the last 3 months) count
    # back from the monitoring run's date
    fs = synth_feeds.generate(
        synth_feeds.registry_frame(reg), seed=args.seed, today=clock.today(), ime_dirt=args.ime_dirt
    )
    if args.dirty_planted:
        fs = _plant_dirt(fs, args.dirty_planted, args.seed)
    feed_dir = work / "feeds"
    synth_feeds.write(fs, feed_dir)
    t = time.perf_counter()
    from jiuzhu.verify.feeds import FEEDS

    for path in sorted(p for p in feed_dir.glob("*.csv") if p.stem in FEEDS):
        r = feed_import(
            actor=None, department=path.stem, data=path.read_bytes(), file_name=path.name
        )
        assert r.feed_import.status == "accepted", (path, r.feed_import.report[:3])
    print(
        f"feeds imported: {sum(f.height for f in fs.feeds.values()):,} rows in {time.perf_counter() - t:.1f} s"
    )
    single = _single_month_wages(args.single_month)
    nightly = args.order == "nightly"
    if nightly:  # the import's own run, before 核对 has linked the dirty-ID rows
        monitor_run(trigger="import")
    t = time.perf_counter()
    link_run()  # the matching engine links records whose ID number is dirty or missing
    print(f"matching run: {time.perf_counter() - t:.1f} s")
    policy_run(on=clock.today())
    from jiuzhu.demo.funds_synthetic import plant_cases

    planted_dup = plant_cases(seed=args.seed, n=args.duplicates, kinds=DUPLICATE_KINDS)
    t = time.perf_counter()
    # the documented night: import → 核对 → monitoring (incremental); or one full run
    run = monitor_run(full=not nightly, trigger="nightly" if nightly else "bench")
    print(
        f"monitoring run ({'incremental, after 核对' if nightly else 'full'}): "
        f"{time.perf_counter() - t:.1f} s, {run.alerts_created} alerts, {run.counts}"
    )

    from jiuzhu.registry.models import Household, RollEntry

    number_of = dict(Household.objects.values_list("id", "number"))
    area_of = dict(Household.objects.values_list("number", "hukou_area_id"))
    month = clock.today().replace(day=1)
    on_roll = {
        number_of[h]
        for h in RollEntry.objects.filter(status="active", start_month__lte=month).values_list(
            "household_id", flat=True
        )
    }
    expected: set[tuple[str, str]] = set()
    for row in fs.planted.iter_rows(named=True):
        kind = (
            row["kind"] if "kind" in row and row["kind"] in EXPECTED_CAUSE else row.get("planted")
        )
        if kind in EXPECTED_CAUSE and row["household_number"] in on_roll:
            expected.add((row["household_number"], EXPECTED_CAUSE[kind]))
    truth = pl.read_csv(reg / "ground_truth.csv", infer_schema_length=0)
    for row in truth.iter_rows(named=True):
        if row["kind"] in EXPECTED_CAUSE:
            expected.add((row["household_number"], EXPECTED_CAUSE[row["kind"]]))
    for number in single:
        if number in on_roll:
            expected.add((number, "income_above_line"))
    dirty_kinds = _dirty_planted(fs)
    dup_kind: dict[tuple[str, str], str] = {}
    for item in planted_dup:
        key = (number_of[item["household_id"]], EXPECTED_CAUSE[item["kind"]])
        if key[0] in on_roll:
            expected.add(key)
            dup_kind[key] = item["kind"]
    causes = set(EXPECTED_CAUSE.values())
    alerts = list(
        Alert.objects.filter(cause__in=causes).values_list(
            "household_id", "cause", "assigned_to_id"
        )
    )
    got: dict[tuple[str, str], int] = {}
    routed_right = 0
    routed_by_cause: dict[str, list[int]] = {c: [0, 0] for c in causes}
    for hh, cause, user in alerts:
        key = (number_of[hh], cause)
        got[key] = got.get(key, 0) + 1
        code = area_of[number_of[hh]]
        want = expected_worker.get(code) or expected_worker.get(code[:9])
        routed_right += want == user
        routed_by_cause[cause][0] += want == user
        routed_by_cause[cause][1] += 1
    hit = expected & set(got)
    print(
        "\ncause                   expected  found  recall   alerts  planted-precision"
        "  >1 alert  routing"
    )
    for cause in sorted(causes):
        e = {k for k in expected if k[1] == cause}
        g = {k for k in got if k[1] == cause}
        # Households, not alerts: a household with two alerts of one cause counts once here.
        right, total = routed_by_cause[cause]
        print(
            f"{cause:<22} {len(e):>9} {len(e & g):>6} {len(e & g) / max(1, len(e)):>7.3f} "
            f"{len(g):>8} {len(e & g) / max(1, len(g)):>10.3f} "
            f"{sum(1 for k in e & g if got[k] > 1):>15} {right / max(1, total):>8.3f}"
        )
    for kind in DUPLICATE_KINDS:
        e = {k for k, v in dup_kind.items() if v == kind}
        print(
            f"  planted {kind:<13} {len(e):>9} {len(e & set(got)):>6} "
            f"{len(e & set(got)) / max(1, len(e)):>7.3f}  "
            f"(more than one alert: {sum(1 for k in e & set(got) if got[k] > 1)})"
        )
    print(
        f"\nall: recall {len(hit) / max(1, len(expected)):.3f} ({len(hit)}/{len(expected)}), "
        f"precision {len(hit) / max(1, len(got)):.3f} ({len(hit)}/{len(got)}), "
        f"more than one alert: {sum(1 for k in hit if got[k] > 1)}, "
        f"routing accuracy {routed_right / max(1, len(alerts)):.3f} ({routed_right}/{len(alerts)})"
    )
    single_e = {(n, "income_above_line") for n in single if n in on_roll}
    print(
        f"  planted wage_single_month {len(single_e):>4} {len(single_e & set(got)):>6} "
        f"{len(single_e & set(got)) / max(1, len(single_e)):>7.3f}"
    )
    for dirt, keys in sorted(dirty_kinds.items()):
        e = {k for k in keys if k in expected}
        print(
            f"  planted cases whose row has dirt {dirt:<12} {len(e):>5} {len(e & set(got)):>6} "
            f"{len(e & set(got)) / max(1, len(e)):>7.3f}"
        )
    missed = sorted(expected - set(got))[:10]
    if missed:
        print("missed (first 10):", missed)


def _single_month_wages(n: int) -> list[str]:
    """A 人社 file holding only the latest month's wage (5,200 元) for ``n`` roll heads who have
    no other wage: judged over the one month it covers, each must raise income_above_line."""
    from jiuzhu.registry.models import Person, RollEntry
    from jiuzhu.verify.models import FeedRecord
    from jiuzhu.verify.services import feed_import

    if n <= 0:
        return []
    earners = set(FeedRecord.objects.filter(department="hrss").values_list("id_number", flat=True))
    month = (clock.today().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    rows, numbers = [], []
    heads = Person.objects.filter(
        relation="head",
        id_number__isnull=False,
        death_date__isnull=True,
        household__in=RollEntry.objects.filter(status="active").values("household_id"),
    ).select_related("household")
    for person in heads.order_by("id").iterator():
        if person.id_number in earners:
            continue
        rows.append(
            f"ONE{len(rows) + 1:06d},{person.id_number},{person.name},,某厂,工资,{month},5200.00"
        )
        numbers.append(person.household.number)
        if len(rows) >= n:
            break
    header = "记录编号,身份证号,姓名,出生日期,单位名称,类别,所属月份,金额(元)"
    data = ("\n".join([header, *rows]) + "\n").encode("gbk")
    r = feed_import(actor=None, department="hrss", data=data, file_name="人社-最近一个月.csv")
    assert r.feed_import.status == "accepted", r.feed_import.report[:3]
    return numbers


FORCED_DIRT = ("full_width", "id15", "id15_typo", "id_typo", "no_id")


def _plant_dirt(fs, n: int, seed: int):
    """Give ``n`` planted (household, cause) cases of each kind in ``FORCED_DIRT`` that dirt on
    every row that plants them (with ``--ime-dirt`` alone a 3,000-household county has a
    handful per kind, too few for a recall of 0.95 to mean anything). Households on the roll
    only (the cases monitoring must find); old 15-digit forms only for 19xx births; no ID only
    where the rows give a birth date (a row with neither names nobody: the generator's own
    ``no_id`` dirt, which may blank both, is still counted under ``dirt no_id``)."""
    from jiuzhu.demo.synth_feeds import FULL_WIDTH
    from jiuzhu.registry.models import Household, RollEntry

    rng = random.Random(seed + 1313)
    on_roll = set(
        Household.objects.filter(
            id__in=RollEntry.objects.filter(status="active").values("household_id")
        ).values_list("number", flat=True)
    )
    truth = fs.truth.with_row_index("_t")
    planted = truth.filter(
        (pl.col("planted") != "")
        & pl.col("planted").is_in(list(EXPECTED_CAUSE))
        & pl.col("household_number").is_in(list(on_roll))
    ).with_columns(cause=pl.col("planted").replace_strict(EXPECTED_CAUSE, default=""))
    ids = {
        dept: dict(zip(f["record_id"].to_list(), f["id_number"].to_list(), strict=True))
        for dept, f in fs.feeds.items()
    }
    births = {
        dept: dict(zip(f["record_id"].to_list(), f["birth_date"].to_list(), strict=True))
        if "birth_date" in f.columns
        else {}
        for dept, f in fs.feeds.items()
    }
    keys = planted.group_by(["household_number", "cause"], maintain_order=True).agg(
        rows=pl.col("_t"),
        depts=pl.col("department"),
        recs=pl.col("record_id"),
        dirt=pl.col("dirt"),
    )
    pool = [k for k in keys.iter_rows(named=True) if all(d == "none" for d in k["dirt"])]
    rng.shuffle(pool)
    new_dirt = truth["dirt"].to_list()
    new_ids = {dept: dict(m) for dept, m in ids.items()}
    used = 0
    for kind in FORCED_DIRT:
        done = 0
        while done < n and used < len(pool):
            k = pool[used]
            used += 1
            numbers = [ids[d][r] for d, r in zip(k["depts"], k["recs"], strict=True)]
            if not all(len(x) == 18 for x in numbers):
                continue
            if kind.startswith("id15") and not all(x[6:8] == "19" for x in numbers):
                continue
            if kind == "no_id" and not all(
                births[d].get(r) for d, r in zip(k["depts"], k["recs"], strict=True)
            ):
                continue  # neither an ID number nor a birth date: a name alone names nobody
            for t, d, r, x in zip(k["rows"], k["depts"], k["recs"], numbers, strict=True):
                if kind == "full_width":
                    y = x.translate(FULL_WIDTH)
                elif kind in ("id15", "id15_typo"):
                    y = x[:6] + x[8:17]
                    if kind == "id15_typo":
                        pos = rng.randrange(6, 15)  # not the 户籍 address: a typo, not a move
                        y = y[:pos] + str((int(y[pos]) + rng.randrange(1, 10)) % 10) + y[pos + 1 :]
                elif kind == "id_typo":
                    pos = rng.randrange(6, 17)
                    y = x[:pos] + str((int(x[pos]) + rng.randrange(1, 10)) % 10) + x[pos + 1 :]
                else:
                    y = ""
                new_ids[d][r] = y
                new_dirt[t] = kind
            done += 1
        print(f"planted dirt {kind}: {done} cases")
    feeds = {
        dept: f.with_columns(
            id_number=pl.Series([new_ids[dept][r] for r in f["record_id"].to_list()], dtype=pl.Utf8)
        )
        for dept, f in fs.feeds.items()
    }
    truth = fs.truth.with_columns(dirt=pl.Series(new_dirt, dtype=pl.Utf8))
    return type(fs)(feeds=feeds, truth=truth, planted=fs.planted)


def _dirty_planted(fs) -> dict[str, set]:
    """Expected (household, cause) of planted feed cases, by the dirt of their row."""
    out: dict[str, set] = {}
    t = fs.truth.filter(pl.col("planted") != "")
    for row in t.iter_rows(named=True):
        cause = EXPECTED_CAUSE.get(row["planted"])
        if cause and row["dirt"] != "none":
            out.setdefault(row["dirt"], set()).add((row["household_number"], cause))
    return out


def _load_feeds(reg: Path, seed: int, consistent: float) -> int:
    """Department rows for the registry, loaded with COPY (as bench_verify does)."""
    from jiuzhu.demo import synth_feeds

    t = time.perf_counter()
    fs = synth_feeds.generate(
        synth_feeds.registry_frame(reg), seed=seed, county_factor=0.05, consistent_share=consistent
    )
    rows = sum(f.height for f in fs.feeds.values())
    print(f"feeds generated: {rows:,} rows in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    _copy_feeds(fs)
    print(f"feeds loaded: {time.perf_counter() - t:.1f} s")
    return rows


def _copy_feeds(fs) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from django.db import connection, transaction

    import bench_verify
    from jiuzhu.core.frames import write_frame
    from jiuzhu.verify.models import FeedImport, FeedRecord

    with transaction.atomic():
        ids = {}
        for dept in fs.feeds:
            imp = FeedImport.objects.create(
                department=dept,
                file_name=f"bench-{dept}.csv",
                file_format="csv",
                checksum=f"bench-{dept}-{time.time()}",
                extracted_on=clock.today(),
                status="accepted",
                rows_total=fs.feeds[dept].height,
            )
            ids[dept] = imp.pk
        table = bench_verify.feed_records(fs, 1, ids)
        write_frame(FeedRecord._meta.db_table, table, rebuild_keys=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence('verify_feedrecord', 'id'), "
                    "(SELECT MAX(id) FROM verify_feedrecord))"
                )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def _changed_file(n: int) -> None:
    """A new import of ``n`` changed rows: deaths, wages, vehicles and medical bills of persons
    of roll households (the rows a real monthly file would change)."""
    from django.db import transaction

    from jiuzhu.core.frames import read_frame, write_frame
    from jiuzhu.verify.models import FeedImport, FeedRecord

    people = read_frame(
        "SELECT p.id_number, p.name FROM registry_person p WHERE p.household_id IN "
        "(SELECT household_id FROM registry_rollentry WHERE status = 'active') "
        "AND p.id_number IS NOT NULL ORDER BY p.id LIMIT %s",
        [n],
        {"id_number": pl.Utf8, "name": pl.Utf8},
    )
    today = clock.today()
    rng = random.Random(7)
    stamp = int(time.time())  # keys unique per call, so a --reuse run can add its file again
    mix = [("police", "death", None)] * 1 + [("hrss", "wage", 450_000)] * 4
    mix += [("vehicles", "car", 8_000_000)] * 2 + [("medical_insurance", "", 600_000)] * 3
    with transaction.atomic():
        imports = {}
        rows = []
        max_id = FeedRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for i, (idn, name) in enumerate(people.iter_rows()):
            dept, kind, amount = mix[i % len(mix)]
            if dept not in imports:
                imports[dept] = FeedImport.objects.create(
                    department=dept,
                    file_name=f"changed-{dept}.csv",
                    file_format="csv",
                    checksum=f"changed-{dept}-{time.time()}",
                    extracted_on=today,
                    status="accepted",
                    rows_total=0,
                ).pk
            day = today - datetime.timedelta(days=rng.randint(1, 20))
            rows.append(
                {
                    "id": max_id + i + 1,
                    "department": dept,
                    "record_key": f"CHG{stamp}-{i}",
                    "feed_import_id": imports[dept],
                    "row_no": i + 2,
                    "kind": kind,
                    "id_number": idn,
                    "name": name,
                    "sex": "",
                    "birth_date": None,
                    "area_code": "",
                    "event_date": day,
                    "amount": (amount or 0) / 100 if amount else None,
                    "data": f'{{"plate_no": "苏M{i:05d}"}}' if dept == "vehicles" else "{}",
                }
            )
        frame = pl.DataFrame(rows, infer_schema_length=None)
        write_frame(FeedRecord._meta.db_table, frame, rebuild_keys=True)


def _baseline(sample: int) -> float:
    """Per household, ORM queries: its members, its roll entries, each member's department
    records, its open alerts — what a loop over households would do. Seconds per household."""
    from jiuzhu.monitoring.models import Alert
    from jiuzhu.registry.models import Household, Person, RollEntry
    from jiuzhu.verify.models import FeedRecord

    ids = list(Household.objects.order_by("?").values_list("id", flat=True)[:sample])
    t = time.perf_counter()
    for hh in ids:
        members = list(Person.objects.filter(household_id=hh))
        list(RollEntry.objects.filter(household_id=hh, status="active"))
        for p in members:
            if p.id_number:
                list(FeedRecord.objects.filter(id_number=p.id_number))
        Alert.objects.filter(household_id=hh, status="open").exists()
    return (time.perf_counter() - t) / max(1, len(ids))


def speed(args) -> None:
    work = Path(args.workdir or tempfile.mkdtemp(prefix="jiuzhu-bench-monitor-"))
    _django(args.database_url)
    from django.db import connection

    from jiuzhu.monitoring.services import monitor_run
    from jiuzhu.policy.services import policy_run
    from jiuzhu.registry.models import Household

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    reg = work / "registry"
    if not args.reuse:
        reg = _registry(args.households, args.seed, work)
        _load_feeds(reg, args.seed, args.consistent)
        t = time.perf_counter()
        policy_run(on=clock.today())
        print(f"policy run: {time.perf_counter() - t:.1f} s")
    n = Household.objects.count()
    t = time.perf_counter()
    full = monitor_run(full=True, trigger="bench")
    t_full = time.perf_counter() - t
    print(
        f"FULL run over {n:,} households: {t_full:.1f} s; {full.alerts_created:,} alerts; {full.counts}"
    )
    print(f"  timings: {full.timings}")
    _changed_file(args.changed)
    t = time.perf_counter()
    inc = monitor_run(trigger="bench")
    t_inc = time.perf_counter() - t
    print(
        f"INCREMENTAL run after {args.changed:,} changed rows: {t_inc:.1f} s; "
        f"{inc.alerts_created:,} new, {inc.alerts_merged:,} merged; {inc.counts}"
    )
    print(f"  timings: {inc.timings}")
    per = _baseline(args.sample)
    print(
        f"BASELINE per-household ORM loop: {per * 1000:.1f} ms/household → "
        f"full {per * n:.0f} s (ratio {per * n / t_full:.1f}×); "
        f"changed households {per * args.changed:.0f} s (ratio {per * args.changed / t_inc:.1f}×)"
    )


def main(argv=None) -> None:
    from django.conf import settings

    if settings.configured:
        # Run by `jiuzhu bench monitor`: Django is already set up on the site's own database;
        # the benchmark needs its own, so it runs in a fresh process.
        import subprocess

        args = list(argv if argv is not None else sys.argv[1:])
        sys.exit(subprocess.run([sys.executable, __file__, *args], check=False).returncode)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    a = sub.add_parser("accuracy")
    a.add_argument("--households", type=int, default=20_000)
    a.add_argument("--seed", type=int, default=11)
    a.add_argument("--database-url", default="")
    a.add_argument(
        "--duplicates", type=int, default=25, help="duplicate payments planted of each kind"
    )
    a.add_argument("--ime-dirt", type=float, default=0.02, help="full-width / mistyped old IDs")
    a.add_argument(
        "--single-month", type=int, default=20, help="roll heads in a latest-month-only wage file"
    )
    a.add_argument(
        "--dirty-planted",
        type=int,
        default=0,
        help="planted cases given each dirt kind on all their rows (full-width, old 15-digit, "
        "mistyped old 15-digit, one wrong digit, no ID), for a per-kind recall",
    )
    a.add_argument(
        "--order",
        choices=("nightly", "full"),
        default="nightly",
        help="nightly: import → import's run → 核对 → incremental run (documented); full: one full run",
    )
    s = sub.add_parser("speed")
    s.add_argument("--database-url", required=True)
    s.add_argument("--households", type=int, default=1_000_000)
    s.add_argument("--seed", type=int, default=11)
    s.add_argument("--changed", type=int, default=10_000)
    s.add_argument("--sample", type=int, default=300)
    s.add_argument("--consistent", type=float, default=0.1)
    s.add_argument("--workdir", default=None)
    s.add_argument(
        "--reuse", action="store_true", help="the database already holds the registry and feeds"
    )
    args = ap.parse_args(argv)
    (accuracy if args.mode == "accuracy" else speed)(args)


if __name__ == "__main__":
    main()
