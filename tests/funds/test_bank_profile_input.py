"""Issue 14 item 16: ``?profile=999`` on a bank file is a clear refusal, not a 500."""

import pytest
from django.urls import reverse

from jiuzhu.core.errors import ServiceError
from jiuzhu.funds import services
from tests.funds.conftest import household, on_roll
from tests.funds.helpers import released

pytestmark = pytest.mark.django_db


def test_unknown_bank_profile_is_refused(client, officers):
    hh, _head = household(officers["zijin"])
    on_roll(hh)
    p = released(officers)
    with pytest.raises(ServiceError) as exc:
        services.bank_file_export(actor=officers["zijin"], payroll_id=p.pk, profile_id=999)
    assert "999" in exc.value.text()
    client.force_login(officers["zijin"])
    r = client.get(reverse("funds:bank_file", args=[p.pk]) + "?profile=999", follow=True)
    assert r.status_code == 200 and "银行格式 999 不存在" in r.content.decode()
