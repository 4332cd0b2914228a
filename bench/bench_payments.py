"""Payment checks against the synthetic county: is every planted bad payment caught?

    jiuzhu bench payments -- --households 20000 --plant 25 --seed 2026

A fresh SQLite database (under /tmp; never the one you work in) gets the synthetic 泰州 county
(``jiuzhu.demo.synth``), payment accounts from ``jiuzhu funds accounts-synth`` with ``--plant`` cases
of each kind planted (a dead payee, the same household twice on the roll, a head also on 特困,
an account shared with an unrelated household) and their ground truth; then this month's 低保
payroll of every county is generated and each planted case is looked up: the first three must be
*held*, the shared account *flagged*. Prints recall per kind and what else was held.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# A benchmark is a developer's tool: the development settings (no production key needed),
# for this process and the jiuzhu commands it starts.
os.environ.setdefault("JIUZHU_DEBUG", "1")

from jiuzhu.core import clock

ROOT = Path(__file__).resolve().parent.parent
COUNTIES = [
    "321202000000",
    "321203000000",
    "321204000000",
    "321281000000",
    "321282000000",
    "321283000000",
]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=20_000)
    p.add_argument("--plant", type=int, default=25, help="cases planted of each kind")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.inner:
        return inner(args)
    workdir = Path(tempfile.mkdtemp(prefix="jiuzhu-bench-payments-"))
    env = {
        **os.environ,
        "JIUZHU_DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "JIUZHU_VAR_DIR": str(workdir),
    }
    try:
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--inner", *(argv or [])],
            env=env,
            check=True,
        )
    finally:
        for f in workdir.rglob("*"):
            if f.is_file():
                f.unlink()


def inner(args) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from jiuzhu.demo.funds_synthetic import accounts_synth, planted_recall
    from jiuzhu.demo.synth.services import demo_load
    from jiuzhu.funds.models import PayrollLine
    from jiuzhu.funds.services import payroll_generate

    call_command("migrate", interactive=False, verbosity=0)
    t = time.perf_counter()
    demo_load(households=args.households, seed=args.seed)
    load_s = time.perf_counter() - t
    month = clock.today().replace(day=1)
    result = accounts_synth(seed=args.seed, plant=args.plant, month=month)
    truth = result["truth"]
    payrolls = []
    t = time.perf_counter()
    for county in COUNTIES:
        payrolls.append(
            payroll_generate(actor=None, programme="dibao", area_code=county, month=month)
        )
    gen_s = time.perf_counter() - t
    recall = planted_recall(truth, [p.pk for p in payrolls])
    planted_entries = {t["entry_id"] for t in truth}
    held = PayrollLine.objects.filter(payroll__in=payrolls, status="held")
    other_held: dict[str, int] = {}
    for ln in held.exclude(roll_entry_id__in=planted_entries):
        for f in ln.flags:
            if f.get("held"):
                other_held[f["code"]] = other_held.get(f["code"], 0) + 1
    print(
        f"合成县 {args.households} 户（seed {args.seed}），载入 {load_s:.1f} s；发放账户 {result['accounts']} 个"
    )
    print(
        f"本月低保发放批次 {len(payrolls)} 个：{sum(p.line_count for p in payrolls)} 笔，"
        f"暂停 {sum(p.held_count for p in payrolls)} 笔，提示 {sum(p.flagged_count for p in payrolls)} 笔，"
        f"生成用时 {gen_s:.1f} s"
    )
    print(f"{'埋设类型':<12}{'埋设':>6}{'查出':>6}{'召回率':>8}")
    for kind, r in recall.items():
        rate = "—" if r["recall"] is None else f"{r['recall']:.0%}"
        print(f"{kind:<14}{r['planted']:>6}{r['caught']:>6}{rate:>8}")
    print("另外暂停（合成县自身的情形，非埋设）：", json.dumps(other_held, ensure_ascii=False))
    missed = [t for r in recall.values() for t in r["missed"]]
    if missed:
        print("漏查：", json.dumps(missed[:10], ensure_ascii=False))
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
