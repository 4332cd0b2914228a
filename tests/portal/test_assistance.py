"""我的救助: programmes and amounts, the last 12 payments with the account masked."""

import pytest

from jiuzhu.audit.models import AuditEvent, AuditReadLog
from jiuzhu.audit.services import audit_reads_chain
from jiuzhu.portal import selectors, services
from jiuzhu.portal.models import Citizen
from tests.funds.conftest import household, on_roll
from tests.funds.helpers import released

pytestmark = pytest.mark.django_db


def test_programmes_payments_masked_and_audited(officers):
    hh, head = household(officers["zijin"], name="王秀英")
    hh.phone = "13812345678"
    hh.save(update_fields=["phone"])
    on_roll(hh, amount="680.00")
    released(officers)
    citizen = services.identity_bind(
        citizen=Citizen.objects.create(phone="13812345678"),
        name="王秀英",
        id_number=head.id_number,
    )
    page = selectors.assistance(citizen)
    assert [(r["label"], str(r["amount"])) for r in page["roll"]] == [("最低生活保障", "680.00")]
    [pay] = page["payments"]
    assert str(pay["amount"]) == "680.00" and pay["bank"] == "江苏泰州农村商业银行"
    assert "*" in pay["account"] and pay["account"][-4:].isdigit()
    assert not any(ch.isdigit() for ch in pay["account"][4:-4])
    # the read waits in the audit read log (no chain lock per page) until it is chained
    assert AuditReadLog.objects.filter(action="portal.view.assistance", household_id=hh.pk).exists()
    audit_reads_chain()
    assert AuditEvent.objects.filter(action="portal.view.assistance", household_id=hh.pk).exists()
