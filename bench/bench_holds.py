"""Payment holds placed by a monitoring run: one call per person against one call for all.

A full monitoring run over a large registry raises thousands of death alerts, each of which
holds the person's payments (``jiuzhu.funds``). This measures, on a database that already holds
an imported registry, ``payment_hold_place`` called once per person on a sample (the way runs
placed holds before) against ``payment_holds_place_many`` for all of them, inside one
transaction each, rolled back so the database is left as it was.

    python bench/bench_holds.py --database-url postgres://…/jz_bench --holds 20000 --sample 500
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# A benchmark is a developer's tool: the development settings (no production key needed),
# for this process and the jiuzhu commands it starts.
os.environ.setdefault("JIUZHU_DEBUG", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


class _Rollback(Exception):
    pass


def main(argv=None) -> None:
    from django.conf import settings

    if settings.configured:  # run by `jiuzhu bench holds`: needs its own database and process
        import subprocess

        args = list(argv if argv is not None else sys.argv[1:])
        sys.exit(subprocess.run([sys.executable, __file__, *args], check=False).returncode)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", required=True)
    p.add_argument("--holds", type=int, default=20_000)
    p.add_argument("--sample", type=int, default=500)
    args = p.parse_args(argv)
    os.environ["JIUZHU_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from jiuzhu.funds.services import payment_hold_place, payment_holds_place_many
    from jiuzhu.registry.models import Person

    people = list(Person.objects.order_by("pk").values_list("pk", "household_id")[: args.holds])
    if len(people) < args.holds:
        sys.exit(f"the database holds only {len(people):,} persons")
    holds = [
        {
            "person_id": pk,
            "household_id": hh,
            "reason": "死亡预警（基准测试）",
            "source": f"bench:{pk}",
        }
        for pk, hh in people
    ]
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

    def timed(fn) -> float:
        t = time.perf_counter()
        try:
            with transaction.atomic():
                fn()
                raise _Rollback
        except _Rollback:
            pass
        return time.perf_counter() - t

    one = timed(lambda: [payment_hold_place(**h) for h in holds[: args.sample]])
    per = one / args.sample
    many = timed(lambda: payment_holds_place_many(holds=holds))
    print(
        f"one call per person: {per * 1000:.2f} ms/hold on {args.sample:,} → {per * len(holds):.1f} s for {len(holds):,}"
    )
    print(
        f"one call for all:    {many:.2f} s for {len(holds):,} ({many / len(holds) * 1000:.3f} ms/hold)"
    )
    print(f"ratio {per * len(holds) / many:.1f}×")


if __name__ == "__main__":
    main()
