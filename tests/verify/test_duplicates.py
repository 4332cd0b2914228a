"""Duplicates inside the registry: found by the same engine, merged with history, or kept apart."""

import datetime

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.registry.models import Person
from jiuzhu.verify.models import DuplicatePair
from jiuzhu.verify.services import duplicate_resolve, duplicates_detect
from tests.conftest import HAILING
from tests.factories import (
    AssetFactory,
    HouseholdFactory,
    PersonFactory,
    RollEntryFactory,
    first_village,
    user_with_role,
)
from tests.verify.helpers import one_wrong_digit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"


@pytest.mark.django_db
def test_same_person_in_two_households_found_and_merged(taizhou):
    village = first_village("321202001000")
    for i in range(300):
        hh = HouseholdFactory(hukou_area_id=village)
        PersonFactory(
            household=hh,
            name=SURNAMES[i % 20] + GIVEN[(i * 7) % 20] + GIVEN[(i * 3) % 20],
            sex="M" if i % 2 else "F",
            birth_date=datetime.date(1940, 1, 1) + datetime.timedelta(days=i * 97),
        )
    original = Person.objects.order_by("id")[10]
    other = HouseholdFactory(hukou_area_id=village)
    PersonFactory(household=other, name="户主甲", birth_date=datetime.date(1960, 1, 1))
    dup = PersonFactory(
        household=other,
        relation="other",
        name=original.name.replace("张", "章"),
        sex=original.sex,
        birth_date=original.birth_date,
        id_number=one_wrong_digit(original.id_number, 15),
    )
    AssetFactory(household=other, person=dup, kind="vehicle", registration_no="苏M11111")
    RollEntryFactory(household=original.household)
    RollEntryFactory(household=other)
    assert duplicates_detect() >= 1
    pair = DuplicatePair.objects.get(person_a=original, person_b=dup)
    assert pair.kind == "two_rolls" and pair.match_probability >= 0.99  # paid twice by 低保

    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    duplicate_resolve(
        actor=approver, pair_id=pair.pk, action="merge", keep="a", note="同一人，户籍重复登记"
    )
    assert not Person.objects.filter(pk=dup.pk).exists()
    assert original.assets.get().registration_no == "苏M11111"
    event = AuditEvent.objects.get(action="verify.duplicate_merge")
    assert event.before["name"] == dup.name and event.before["id_number"] == dup.id_number
