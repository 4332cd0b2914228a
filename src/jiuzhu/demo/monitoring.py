"""A 公安 death file for the demo: deaths of people on the demo roll, in the police feed format.

The demo's 'done when': importing this file (``jiuzhu import feed police FILE``) raises death
alerts on the street workers' 待办, holds the dead persons' next payment and, closed as 核减,
starts the stop case. People are picked from households on the roll in 城东街道 (the first
community, where the demo village worker ``cunju`` works, and another one) and in 城西街道.
"""

from __future__ import annotations

import datetime
import io

from django.db.models import Q

from jiuzhu.core import clock
from jiuzhu.core.spreadsheet import csv_writer
from jiuzhu.registry.models import Person, RollEntry

STREETS = (("321202001", 3), ("321202002", 1))
HEADER = [
    "record_id",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "area_code",
    "address",
    "event",
    "event_date",
]


def death_people(*, per_street: tuple = STREETS) -> list[Person]:
    month = clock.today().replace(day=1)
    people: list[Person] = []
    for prefix, n in per_street:
        households = (
            RollEntry.objects.filter(
                status="active",
                household__hukou_area__code__startswith=prefix,
                start_month__lte=month,
            )
            .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
            .order_by("household__hukou_area_id", "household_id")
            .values_list("household_id", flat=True)
            .distinct()[: n * 4]
        )
        picked = list(
            Person.objects.filter(
                household_id__in=list(households), death_date__isnull=True, id_number__isnull=False
            )
            .exclude(id_number="")
            .order_by("household__hukou_area_id", "household_id", "-birth_date")
            .select_related("household")
        )
        seen: set[int] = set()
        for p in picked:
            if p.household_id in seen:
                continue
            seen.add(p.household_id)
            people.append(p)
            if len(seen) >= n:
                break
    return people


def death_file(*, died_on: datetime.date | None = None) -> tuple[bytes, list[Person]]:
    """CSV bytes (UTF-8 with BOM) of the police feed, one death per picked person."""
    died_on = died_on or clock.today() - datetime.timedelta(days=3)
    people = death_people()
    out = io.StringIO()
    w = csv_writer(out, lineterminator="\n")
    w.writerow(HEADER)
    stamp = clock.today().strftime("%Y%m%d")
    for i, p in enumerate(people, start=1):
        w.writerow(
            [
                f"GA-DEATH-{stamp}-{i:04d}",
                p.id_number,
                p.name,
                p.sex,
                p.birth_date.isoformat(),
                p.household.hukou_area_id,
                p.household.address,
                "death",
                died_on.isoformat(),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8"), people
