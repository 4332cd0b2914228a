"""Reads of the cooperation app (grids and their workers, sharing)."""

from __future__ import annotations

from django.db.models import Q

from jiuzhu.cooperation.models import GridWorker
from jiuzhu.core import clock


def grid_of_worker(*, user, village_code: str):
    """The active grid of ``village_code`` this user works as 网格员 today, or None."""
    today = clock.today()
    row = (
        GridWorker.objects.filter(
            user=user,
            grid__village_id=village_code,
            grid__active=True,
            since__lte=today,
        )
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("grid")
        .first()
    )
    return row.grid if row else None
