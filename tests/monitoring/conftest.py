import pytest

from tests.monitoring.helpers import Cast


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_rules(db):
    """The seeded rules and risk classes (gone if an earlier transactional test flushed them)."""
    from jiuzhu.monitoring.defaults import ensure_defaults
    from jiuzhu.monitoring.models import AlertRule, RiskClass

    ensure_defaults(AlertRule, RiskClass)


@pytest.fixture
def cast(taizhou):
    return Cast()
