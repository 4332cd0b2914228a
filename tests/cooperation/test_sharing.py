"""Outbound sharing (issue 19): an export to 医保 holds only the agreed fields, of the agreed
programmes in the agreement's area, and is recorded and audited with its row count."""

import csv
import io

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cooperation import services
from jiuzhu.cooperation.models import SharingDelivery
from jiuzhu.core.errors import ServiceError
from tests.conftest import CHENGDONG, HAILING, JIANGYAN_STREET
from tests.factories import (
    IncomeItemFactory,
    PersonFactory,
    RollEntryFactory,
    first_village,
    household_with_head,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_an_export_to_medical_insurance_holds_only_the_agreed_fields(taizhou):
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    inside = household_with_head(hukou_area_id=first_village(CHENGDONG), phone="13800001111")
    IncomeItemFactory(household=inside)
    PersonFactory(household=inside, relation="child", name="张小", phone="13900002222")
    RollEntryFactory(household=inside, programme="dibao")
    RollEntryFactory(
        household=household_with_head(hukou_area_id=first_village(CHENGDONG)),
        programme="temporary_aid",
    )
    RollEntryFactory(
        household=household_with_head(hukou_area_id=first_village(JIANGYAN_STREET)),
        programme="dibao",
    )
    agreement = services.agreement_create(
        actor=approver,
        department="medical_insurance",
        area_code=HAILING,
        programmes=["dibao", "tekun"],
        fields=["name", "id_number", "programme"],
        frequency="monthly",
        channel="file",
        purpose="低保、特困人员参保资助",
    )
    data, delivery = services.sharing_export(actor=approver, agreement_id=agreement.pk)
    rows = _rows(data)
    assert list(rows[0].keys()) == ["name", "id_number", "programme"]
    assert len(rows) == 1 and rows[0]["programme"] == "dibao"  # other programme, other county out
    head = inside.members.get(relation="head")
    assert rows[0]["name"] == head.name and rows[0]["id_number"] == head.id_number
    text = data.decode("utf-8-sig")
    for leaked in ("13800001111", "13900002222", "710.00", inside.number):
        assert leaked not in text
    assert delivery.rows == 1 and SharingDelivery.objects.count() == 1
    event = AuditEvent.objects.get(action="sharing.export")
    assert event.after["rows"] == 1 and event.after["department"] == "medical_insurance"


def test_an_agreement_may_only_name_sharable_fields(taizhou):
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    with pytest.raises(ServiceError) as e:
        services.agreement_create(
            actor=approver,
            department="education",
            area_code=HAILING,
            programmes=["dibao"],
            fields=["name", "phone", "income"],
            frequency="monthly",
            channel="api",
            purpose="教育资助",
        )
    assert "fields" in e.value.errors


def test_an_export_outside_ones_area_is_not_found(taizhou):
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    agreement = services.agreement_create(
        actor=approver,
        department="education",
        area_code=HAILING,
        programmes=["dibao"],
        fields=["name"],
        frequency="quarterly",
        channel="file",
        purpose="教育资助",
    )
    from django.http import Http404

    stranger = user_with_role(Role.COUNTY_APPROVER, "321204000000")
    with pytest.raises(Http404):
        services.sharing_export(actor=stranger, agreement_id=agreement.pk)
