"""Shared fixtures. The real 泰州市 area tree is loaded once per test database."""

import pytest

from tests.factories import load_taizhou


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
