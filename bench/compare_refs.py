"""Run the benchmarks on two git refs, interleaved, and print each figure's ratio (HEAD / base).

    .venv/bin/python bench/compare_refs.py BASE_REF [--head HEAD] [--rounds 3] [--scale small|full]
        [--only NAME ...] [--keep]

Each ref is checked out into its own temporary worktree (``git worktree add --detach``); every
benchmark then runs A, B, A, B … (``--rounds`` pairs, so that a change in machine load hits both
refs alike) with ``PYTHONPATH`` set to that worktree's ``src``, the bench script taken from the same
worktree, and its own temporary working directory. The figure compared is the command's wall time
(median over rounds); each run's output is kept under ``--logs`` so that the benchmarks' own
figures can be compared too. A ratio above 1.10 (HEAD more than 10 % slower) is marked ``SLOWER``.

``--scale small`` runs every benchmark at a size that takes seconds to a minute (a smoke test of
the comparison, not a figure for docs/benchmarks.md); ``--scale full`` uses the sizes of
docs/benchmarks.md (1,000,000 households; hours, on a quiet machine). Benchmarks that need a
PostgreSQL server take ``--database-url`` (they are skipped without one).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# name: (small args, full args, needs PostgreSQL). ``{db}`` is replaced by --database-url.
BENCHES: dict[str, tuple[list[str], list[str], bool]] = {
    "synth_import": (
        ["bench/bench_synth_import.py", "--households", "5000"],
        ["bench/bench_synth_import.py", "--households", "1000000"],
        False,
    ),
    "policy_memory": (
        ["bench/bench_policy.py", "--households", "50000", "--repeat", "1"],
        ["bench/bench_policy.py", "--households", "1000000", "--repeat", "3"],
        False,
    ),
    "verify_accuracy": (
        ["bench/bench_verify.py", "accuracy", "--households", "1000", "--seeds", "7"],
        ["bench/bench_verify.py", "accuracy", "--households", "3000", "--seeds", "7", "23"],
        False,
    ),
    "verify_duplicates": (
        ["bench/bench_verify.py", "duplicates", "--households", "1000", "--seeds", "7"],
        ["bench/bench_verify.py", "duplicates", "--households", "3000", "--seeds", "7", "23"],
        False,
    ),
    "verify_speed": (
        ["bench/bench_verify.py", "speed", "--persons", "50000", "--rows", "500000"],
        ["bench/bench_verify.py", "speed", "--persons", "1000000", "--rows", "10000000"],
        False,
    ),
    "monitor_accuracy": (
        ["bench/bench_monitor.py", "accuracy", "--households", "1500"],
        ["bench/bench_monitor.py", "accuracy", "--households", "20000"],
        False,
    ),
    "payments": (
        ["bench/bench_payments.py", "--households", "2000"],
        ["bench/bench_payments.py", "--households", "20000"],
        False,
    ),
    "payroll": (
        ["bench/bench_payroll.py", "--entries", "20000", "--sample", "200"],
        ["bench/bench_payroll.py", "--entries", "500000"],
        False,
    ),
    "stats": (
        ["bench/bench_stats.py", "--repeat", "1"],
        ["bench/bench_stats.py", "--repeat", "5"],
        False,
    ),
    "holds": (
        ["bench/bench_holds.py", "--database-url", "{db}", "--holds", "2000"],
        ["bench/bench_holds.py", "--database-url", "{db}"],
        True,
    ),
    "registry_pages": (
        ["bench/bench_registry_pages.py", "--repeat", "3"],
        ["bench/bench_registry_pages.py", "--repeat", "30"],
        True,
    ),
}


def worktree(ref: str, into: Path) -> Path:
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(into), ref],
        check=True,
    )
    venv = REPO / ".venv"
    if venv.exists() and not (into / ".venv").exists():
        (into / ".venv").symlink_to(venv.resolve())
    return into


def run_once(tree: Path, argv: list[str], log: Path, timeout: float) -> float | None:
    env = {
        **os.environ,
        "PYTHONPATH": str(tree / "src"),
        "JIUZHU_DEBUG": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    work = Path(tempfile.mkdtemp(prefix="jzcmp-"))
    env["JIUZHU_VAR_DIR"] = str(work)
    t0 = time.perf_counter()
    try:
        with log.open("w") as out:
            done = subprocess.run(
                [sys.executable, str(tree / argv[0]), *argv[1:]],
                cwd=tree,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
    except subprocess.TimeoutExpired:
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - t0
    return seconds if done.returncode == 0 else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("base", help="the baseline git ref (e.g. main before the merge)")
    ap.add_argument("--head", default="HEAD")
    ap.add_argument("--rounds", type=int, default=3, help="A/B pairs per benchmark")
    ap.add_argument("--scale", choices=["small", "full"], default="small")
    ap.add_argument("--only", nargs="*", default=None, help="benchmark names (default: all)")
    ap.add_argument("--database-url", default="", help="PostgreSQL for the benchmarks needing it")
    ap.add_argument("--timeout", type=float, default=4 * 3600)
    ap.add_argument("--logs", default="", help="keep each run's output here (default: temp)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary worktrees")
    args = ap.parse_args(argv)

    names = args.only or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        ap.error(f"unknown benchmarks {unknown}; known: {', '.join(BENCHES)}")
    root = Path(tempfile.mkdtemp(prefix="jzrefs-"))
    logs = Path(args.logs) if args.logs else root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    trees = {"base": worktree(args.base, root / "base"), "head": worktree(args.head, root / "head")}
    print(f"# base {args.base}, head {args.head}, scale {args.scale}, {args.rounds} rounds A/B")
    print(f"# load average at start: {os.getloadavg()[0]:.2f}; logs in {logs}")
    print("| benchmark | base s (median) | head s (median) | head/base | |")
    print("|---|---|---|---|---|")
    worse = 0
    try:
        for name in names:
            small, full, needs_pg = BENCHES[name]
            cmd = small if args.scale == "small" else full
            if needs_pg and not args.database_url:
                print(f"| {name} | — | — | — | skipped (needs --database-url) |")
                continue
            cmd = [a.replace("{db}", args.database_url) for a in cmd]
            times: dict[str, list[float]] = {"base": [], "head": []}
            failed = []
            for r in range(args.rounds):
                for side in ("base", "head") if r % 2 == 0 else ("head", "base"):
                    log = logs / f"{name}.{side}.{r}.log"
                    sec = run_once(trees[side], cmd, log, args.timeout)
                    if sec is None:
                        failed.append(f"{side} round {r} ({log})")
                    else:
                        times[side].append(sec)
            if not times["base"] or not times["head"]:
                print(f"| {name} | — | — | — | failed: {'; '.join(failed)} |")
                worse += 1
                continue
            b, h = statistics.median(times["base"]), statistics.median(times["head"])
            mark = "SLOWER" if h / b > 1.10 else ""
            worse += bool(mark)
            note = f"{mark} {'; failed: ' + ', '.join(failed) if failed else ''}".strip()
            print(f"| {name} | {b:.2f} | {h:.2f} | {h / b:.3f} | {note} |", flush=True)
    finally:
        print(f"# load average at end: {os.getloadavg()[0]:.2f}")
        if not args.keep:
            for tree in trees.values():
                subprocess.run(
                    ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                    check=False,
                )
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
