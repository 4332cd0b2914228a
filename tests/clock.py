"""Fixing the clock inside one test module or test (the suite as a whole runs on the fixed clock
of tests/conftest.py). Tests written around explicit dates set "today" with ``travel_to``."""

import datetime
from contextlib import contextmanager

import time_machine

from jiuzhu.core.clock import CHINA


@contextmanager
def travel_to(day: datetime.date, hour: int = 10):
    """Make ``day`` today (in China), with time running on from ``hour`` o'clock."""
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), tzinfo=CHINA)):
        yield
