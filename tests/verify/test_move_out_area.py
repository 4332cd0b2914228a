"""A 户籍迁出 record's area is the 户籍地 after the move: the matching engine must not read it as
the person's (it pushed every mover with a dirty ID to review, and monitoring never alerted)."""

import datetime

import pytest

from jiuzhu.core import clock
from jiuzhu.verify.services import _engine_records
from tests.monitoring.helpers import Cast, import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db


def test_the_engine_compares_a_death_records_area_but_not_a_move_outs(taizhou):
    cast = Cast()
    hh, (head,), _ = on_roll(cast.village)
    death = police_death(head, clock.today() - datetime.timedelta(days=3), key="D1")
    move = list(death)
    move[0], move[5], move[7] = "M1", "320102001001", "move_out"
    import_rows("police", [death, move])
    frame = _engine_records()
    areas = dict(zip(frame["record_id"].to_list(), frame["area_code"].to_list(), strict=True))
    from jiuzhu.verify.models import FeedRecord

    by_key = dict(FeedRecord.objects.values_list("record_key", "id"))
    assert areas[by_key["D1"]] == hh.hukou_area_id
    assert areas[by_key["M1"]] is None
