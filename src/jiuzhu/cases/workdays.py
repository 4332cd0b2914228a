"""Working days (工作日) with the official Chinese holiday calendar.

The ``chinese-calendar`` package carries the State Council's holidays and 调休 working weekends;
an administrator's ``WorkingDayOverride`` rows win over it (a new year's schedule published after
the package release, a local closure). Years the package does not know fall back to Monday–Friday.
"""

from __future__ import annotations

import datetime

import chinese_calendar

from jiuzhu.cases.models import WorkingDayOverride


def _overrides(start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
    return dict(
        WorkingDayOverride.objects.filter(date__gte=start, date__lte=end).values_list(
            "date", "is_working_day"
        )
    )


def _package_says(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not cover yet
        return day.weekday() < 5


def is_working_day(day: datetime.date) -> bool:
    override = _overrides(day, day).get(day)
    return _package_says(day) if override is None else override


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date by which something started on ``start`` must be done: the ``days``-th working
    day after ``start`` (``start`` itself does not count; 0 means ``start``)."""
    if days <= 0:
        return start
    overrides = _overrides(start, start + datetime.timedelta(days=days * 3 + 30))
    day, left = start, days
    while left:
        day += datetime.timedelta(days=1)
        working = overrides.get(day)
        if working is None:
            working = _package_says(day)
        if working:
            left -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    overrides = _overrides(start, end)
    n, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        working = overrides.get(day)
        if working is None:
            working = _package_says(day)
        n += working
    return n
