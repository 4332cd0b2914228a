"""Verification benchmark: linkage accuracy against the synthetic ground truth, and speed.

    .venv/bin/python bench/bench_verify.py accuracy --households 5000 --seeds 7 23
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

from jiuzhu.verify import matching  # noqa: E402
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
        fs = generate(
            reg, seed=202, county_factor=max(0.1, (rows / 10 - 0.3 * len(reg)) / len(reg) / 2.1)
        )
        P, R, _ = frames(reg, fs)
        if len(R) > rows:
            R = R.head(rows)
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
        engine = time.perf_counter() - t0
        print(f"engine: {engine:.1f} s  stats={res.stats}", flush=True)

        # Baseline: one indexed query per person (two: the 18-digit and the 15-digit form).
        db = sqlite3.connect(Path(tmp) / "baseline.sqlite3")
        db.execute("create table rec (id integer primary key, id_number text)")
        db.executemany(
            "insert into rec values (?, ?)", Rr.select("record_id", "id_number").iter_rows()
        )
        db.execute("create index rec_id on rec (id_number)")
        db.commit()
        ids = Pr["id_number"].drop_nulls().sample(n=min(sample, len(Pr)), seed=1).to_list()
        t0 = time.perf_counter()
        for n in ids:
            db.execute(
                "select id from rec where id_number = ? or id_number = ?", (n, n[:6] + n[8:17])
            ).fetchall()
        per = (time.perf_counter() - t0) / len(ids)
        baseline = per * len(Pr)
        print(
            f"baseline: {per * 1e6:.0f} µs per person on a sample of {len(ids):,} → {baseline:.0f} s for {len(Pr):,} persons (exact only: finds no dirty row)"
        )
        print(f"ratio baseline/engine: {baseline / engine:.1f}×")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    a = sub.add_parser("accuracy")
    a.add_argument("--households", type=int, default=5000)
    a.add_argument("--seeds", type=int, nargs="+", default=[7, 23])
    s = sub.add_parser("speed")
    s.add_argument("--persons", type=int, default=1_000_000)
    s.add_argument("--rows", type=int, default=10_000_000)
    s.add_argument("--sample", type=int, default=20_000)
    args = ap.parse_args(argv)
    if args.what == "accuracy":
        accuracy(args.households, args.seeds)
    else:
        speed(args.persons, args.rows, args.sample)


if __name__ == "__main__":
    main()
