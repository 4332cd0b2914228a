"""Household list/search page latency over a large registry.

Run against a database that already holds a registry (``jiuzhu synth`` + ``jiuzhu import
registry``)::

    JIUZHU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/jz_bench \\
        .venv/bin/python bench/bench_registry_pages.py --repeat 40

It renders the real pages through Django's test client (view, selectors, template; no network)
as a street reviewer, a county approver and a city auditor, for: the first page, a later page,
a name-prefix search, an ID-number search, sort by hardship score, a filter. It prints p50/p95
per case and, as the baseline measured in the same run, the same first page paginated the way
Django's stock ``Paginator`` does it (an uncapped ``COUNT(*)`` over the whole scope) — the ratio
is baseline p95 / ours p95.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# A benchmark is a developer's tool: the development settings (no production key needed),
# for this process and the jiuzhu commands it starts.
os.environ.setdefault("JIUZHU_DEBUG", "1")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def main() -> None:
    import django

    django.setup()
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from jiuzhu.accounts.models import RoleAssignment, User
    from jiuzhu.accounts.roles import Role
    from jiuzhu.registry.models import Household, Person
    from jiuzhu.registry.selectors import HouseholdFilters, household_search

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    setup_test_environment()

    total = Household.objects.count()
    # The busiest street and its county, so the street case is not a trivially small one.
    from django.db.models import Count
    from django.db.models.functions import Substr

    street = (
        Household.objects.annotate(t=Substr("hukou_area_id", 1, 9))
        .values("t")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["t"]
    ).ljust(12, "0")
    county = street[:6].ljust(12, "0")
    sample = Person.objects.filter(household__hukou_area__code__startswith=street[:9]).order_by(
        "id"
    )
    sample_person = sample[sample.count() // 2]

    def user_for(name: str, role: str, area: str) -> User:
        user, _ = User.objects.get_or_create(username=f"bench_{name}")
        RoleAssignment.objects.get_or_create(
            user=user, role=role, area_id=area, defaults={"valid_from": "2020-01-01"}
        )
        return user

    users = {
        "street": user_for("street", Role.TOWNSHIP_REVIEWER, street),
        "county": user_for("county", Role.COUNTY_APPROVER, county),
        "city": user_for("city", Role.AUDITOR, "321200000000"),
    }
    cases = [
        ("first page", "?"),
        ("page 40", "?page=40"),
        ("name prefix", f"?q={sample_person.name[:2]}"),
        ("ID number", f"?q={sample_person.id_number}"),
        ("sort by hardship", "?sort=score"),
        ("filter rural", "?urban_rural=rural"),
    ]
    print(
        f"database: {connection.vendor}; households: {total:,}; street {street}; "
        f"county {county}; repeat {args.repeat}"
    )
    print(f"{'user':<8}{'case':<20}{'p50 ms':>10}{'p95 ms':>10}")
    worst_p95 = 0.0
    for uname, user in users.items():
        client = Client()
        client.force_login(user)
        for label, query in cases:
            url = "/registry/households/" + query
            client.get(url)  # warm
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                resp = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
                assert resp.status_code == 200, (url, resp.status_code)
            p95 = pct(times, 95)
            worst_p95 = max(worst_p95, p95)
            print(f"{uname:<8}{label:<20}{statistics.median(times):>10.1f}{p95:>10.1f}")

    # Baseline: stock Django pagination of the same scoped list (uncapped COUNT(*)).
    base_times = []
    for _ in range(max(5, args.repeat // 3)):
        t0 = time.perf_counter()
        qs = household_search(user=users["city"], filters=HouseholdFilters())
        page = Paginator(qs, 25).page(1)
        list(page.object_list)
        _ = page.paginator.num_pages
        base_times.append((time.perf_counter() - t0) * 1000)
    ours = []
    for _ in range(max(5, args.repeat // 3)):
        t0 = time.perf_counter()
        from jiuzhu.registry.selectors import paginate

        paginate(
            household_search(user=users["city"], filters=HouseholdFilters()), page=1, per_page=25
        )
        ours.append((time.perf_counter() - t0) * 1000)
    print(f"worst p95 over all pages: {worst_p95:.1f} ms")
    print(
        f"baseline (stock Paginator, uncapped COUNT, city scope) p95 {pct(base_times, 95):.1f} ms;"
        f" ours {pct(ours, 95):.1f} ms; ratio {pct(base_times, 95) / pct(ours, 95):.1f}x"
    )


if __name__ == "__main__":
    main()
