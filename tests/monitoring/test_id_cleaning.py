"""Monitoring matches department records to registry persons by ID number cleaned as verify
cleans it (``verify.matching.clean_ids``): full-width digits, a lower-case x, an old 15-digit
number. The records here keep their raw number in the database (as a bulk load or an old file
leaves it) and no matching run has linked them: only the cleaning can find the person."""

import datetime

import pytest
from django.utils import timezone

from jiuzhu.monitoring.models import Alert
from jiuzhu.monitoring.services import monitor_run
from jiuzhu.verify.models import FeedRecord, RecordLink
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")


def old_15(id_number: str) -> str:
    return id_number[:6] + id_number[8:17]


def test_a_death_under_a_15_digit_and_a_full_width_number_raises_the_death_alert(cast):
    hh, (head,), entry = on_roll(cast.village)
    hh2, (head2,), _ = on_roll(cast.village, head_birth=datetime.date(1966, 2, 3))
    day = timezone.localdate()
    import_rows("police", [police_death(head, day), police_death(head2, day)])
    FeedRecord.objects.filter(id_number=head.id_number).update(id_number=old_15(head.id_number))
    wide = head2.id_number.translate(FULL_WIDTH)
    FeedRecord.objects.filter(id_number=head2.id_number).update(id_number=wide)
    assert FeedRecord.objects.filter(id_number__in=[old_15(head.id_number), wide]).count() == 2
    run = monitor_run()
    assert not RecordLink.objects.exists()  # no matching run: the exact match found them
    alert = Alert.objects.get(household=hh)
    assert alert.cause == "death" and alert.person == head and alert.roll_entry == entry
    assert Alert.objects.get(household=hh2).person == head2
    assert run.counts == {"death": 2}


def test_wages_under_full_width_numbers_count_towards_the_income_alert(cast):
    hh, (head,), _ = on_roll(cast.village)
    month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    rows = []
    for i in range(6):
        m = (month - datetime.timedelta(days=31 * i)).strftime("%Y-%m")
        rows.append([f"W{head.pk}-{i}", head.id_number, head.name, "", "某公司", "wage", m, "3000"])
    import_rows("hrss", rows)
    FeedRecord.objects.update(id_number=head.id_number.translate(FULL_WIDTH))
    monitor_run()
    assert sorted(Alert.objects.filter(household=hh).values_list("cause", flat=True)) == [
        "income_above_line"
    ]
