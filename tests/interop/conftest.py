import pytest

from jiuzhu.accounts.roles import Role
from tests.factories import user_with_role


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):
    """A signing key of the registry for this test (never the developer's var/)."""
    from jiuzhu.interop import signing

    settings.DCI_SIGNING_KEY = str(tmp_path / "dci-key.json")
    signing._KEY = None
    yield
    signing._KEY = None


@pytest.fixture(autouse=True)
def _monitor_defaults(db):
    from jiuzhu.monitoring.defaults import ensure_defaults
    from jiuzhu.monitoring.models import AlertRule, RiskClass

    ensure_defaults(AlertRule, RiskClass)


@pytest.fixture
def admins(taizhou):
    return (
        user_with_role(Role.SYSADMIN, "321200000000", full_name="管理员甲"),
        user_with_role(Role.SYSADMIN, "321200000000", full_name="管理员乙"),
    )
