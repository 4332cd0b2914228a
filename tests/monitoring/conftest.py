import pytest

from tests.monitoring.helpers import Cast


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cast(taizhou):
    return Cast()
