"""Shared fixtures. The real 泰州市 area tree is loaded once per test database.

The whole suite runs on a fixed clock: ``JIUZHU_TEST_CLOCK`` (an ISO date-time in China's zone,
default below) is "now" when the session starts, and time runs on from there. No test depends on
the real date; CI runs the suite once more with the clock a year ahead to prove it.
"""

import datetime
import os

import pytest
import time_machine

from jiuzhu.core.clock import CHINA
from tests.factories import load_taizhou

TEST_CLOCK = os.environ.get("JIUZHU_TEST_CLOCK") or "2026-11-18T10:00:00"


def pytest_configure(config):
    start = datetime.datetime.fromisoformat(TEST_CLOCK).replace(tzinfo=CHINA)
    config._jiuzhu_clock = time_machine.travel(start, tick=True)
    config._jiuzhu_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_jiuzhu_clock", None)
    if clock is not None:
        clock.stop()


def pytest_report_header(config):
    return f"fixed clock: {TEST_CLOCK} (Asia/Shanghai), JIUZHU_TEST_CLOCK to change"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_taizhou()


@pytest.fixture(autouse=True)
def _chain_anchors(tmp_path, settings):
    """Hash-chain anchors (signed head files outside the database) go to a per-test folder: a
    test database starts with empty chains, so an anchor from another test must not apply."""
    settings.JIUZHU_ANCHOR_DIR = str(tmp_path / "anchors")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Cached aggregates (dashboards) must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request with the English cookie activates English in this thread (LocaleMiddleware
    does not switch back after the response), so every test starts and ends in Chinese."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def taizhou(db):
    """The Taizhou tree (reloaded if a transactional test flushed it)."""
    load_taizhou()


# Well-known places in the real tree, used across tests.
HAILING = "321202000000"  # 海陵区 (county-level)
JIANGYAN = "321204000000"  # 姜堰区
CHENGDONG = "321202001000"  # 海陵区 城东街道
CHENGXI = "321202002000"  # 海陵区 城西街道
JIANGYAN_STREET = "321204001000"  # 姜堰区 罗塘街道 (first township of 姜堰区)
