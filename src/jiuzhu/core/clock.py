"""The one clock of the system: today's date and the current time in China (Asia/Shanghai).

Every "today" or "now" that decides something (a deadline, a month, an age, a date in the
future) comes from here, never from ``clock.today()`` (the server's local zone) or a
bare ``datetime.now()``. Tests fix the clock with ``time_machine`` (see ``tests/conftest.py``),
so no test depends on the real date. Free of Django, so the pure engines may use it too.
"""

import datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def now() -> datetime.datetime:
    """The current time, aware, in China's zone."""
    return datetime.datetime.now(CHINA)


def today() -> datetime.date:
    """Today's date in China (a server set to UTC is eight hours behind until 08:00)."""
    return now().date()


def local(moment: datetime.datetime) -> datetime.datetime:
    """A stored moment (aware, usually UTC from the database) as China's wall-clock time, for
    text that is printed (PDFs, messages): a time written without this reads eight hours off."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no zone to convert from")
    return moment.astimezone(CHINA)
