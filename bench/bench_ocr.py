"""Paper reading (``jiuzhu.papers.engine``): per-field exact-match rate and seconds per image.

For each kind of paper (身份证 front and back, 户口簿 page, 残疾人证, bank card, 医疗费用结算单,
收入证明) it draws ``--per-kind`` papers with ``jiuzhu.demo.paper_images`` and photographs them
with noise (rotation ±3°, Gaussian blur 0.3-1.0 px, JPEG quality 40), reads each with the
engine (the kind detected from the image, not given) and compares every field with what was
drawn. The baseline, in the same run, is ``--baseline`` clean PNGs of each kind (no noise).
No database: the engine is free of Django.

    python bench/bench_ocr.py --per-kind 500            # the issue's size
    python bench/bench_ocr.py --per-kind 20 --baseline 5
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

KINDS = ("id_front", "id_back", "hukou", "disability", "bank_card", "medical", "income")


def run(per_kind: int, noisy: bool, seed: int, today: datetime.date) -> dict:
    from jiuzhu.demo import paper_images as pi
    from jiuzhu.papers.engine.read import read_paper

    rng = random.Random(seed)
    out = {}
    for kind in KINDS:
        hits: dict[str, int] = defaultdict(int)
        seconds, cpu, kind_ok, all_ok = [], [], 0, 0
        for _i in range(per_kind):
            im, truth = pi.sample(kind, rng, today=today)
            data = pi.noisy(im, rng) if noisy else pi.png(im)
            t0, c0 = time.perf_counter(), time.process_time()
            r = read_paper(data, today=today)
            seconds.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            kind_ok += r["kind"] == kind
            ok = True
            for field, value in truth.items():
                same = r["fields"].get(field, "") == value
                hits[field] += same
                ok &= same
            all_ok += ok
        out[kind] = {
            "n": per_kind,
            "kind": kind_ok / per_kind,
            "fields": {f: hits[f] / per_kind for f in truth},
            "all": all_ok / per_kind,
            "mean_s": statistics.mean(seconds),
            "cpu_s": statistics.mean(cpu),
            "p95_s": sorted(seconds)[max(0, round(0.95 * len(seconds)) - 1)],
        }
        print(kind, "noisy" if noisy else "clean", out[kind], flush=True)
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--per-kind", type=int, default=500)
    p.add_argument("--baseline", type=int, default=20, help="clean images per kind")
    p.add_argument("--seed", type=int, default=23)
    o = p.parse_args(argv)
    today = datetime.date(2026, 11, 18)
    from jiuzhu.papers.engine import ocr

    t0 = time.perf_counter()
    ocr.engine()
    load = time.perf_counter() - t0
    base = run(o.baseline, False, o.seed + 1, today) if o.baseline else {}
    noisy = run(o.per_kind, True, o.seed, today)
    print(
        f"\nengine load {load:.2f} s; load average {os.getloadavg()[0]:.2f} at the end; "
        f"{os.cpu_count()} CPUs"
    )
    print(
        "| kind | n | kind detected | field: exact-match | all fields | s/image mean | p95 "
        "| CPU s/image | clean s/image | noisy/clean |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind, r in noisy.items():
        fields = ", ".join(f"{f} {v:.1%}" for f, v in r["fields"].items())
        b = base.get(kind)
        clean = f"{b['mean_s']:.2f}" if b else "—"
        ratio = f"{r['mean_s'] / b['mean_s']:.2f}" if b else "—"
        print(
            f"| {kind} | {r['n']} | {r['kind']:.1%} | {fields} | {r['all']:.1%} | "
            f"{r['mean_s']:.2f} | {r['p95_s']:.2f} | {r['cpu_s']:.2f} | {clean} | {ratio} |"
        )
    if base:
        print("clean baseline all-fields:", {k: f"{v['all']:.1%}" for k, v in base.items()})


if __name__ == "__main__":
    main()
