"""Duplicates inside the registry: found by the same engine, merged with history, or kept apart."""

import datetime

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.masking import mask_id_number
from jiuzhu.registry.models import Person
from jiuzhu.verify.models import DuplicatePair, MatchRun
from jiuzhu.verify.services import duplicate_resolve, duplicates_detect
from tests.conftest import CHENGXI, HAILING
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


def _village_of_300(village: str) -> list[Person]:
    """Three hundred different people (enough pairs for the model to learn from)."""
    people = []
    for i in range(300):
        hh = HouseholdFactory(hukou_area_id=village)
        people.append(
            PersonFactory(
                household=hh,
                name=SURNAMES[i % 20] + GIVEN[(i * 7) % 20] + GIVEN[(i * 3) % 20],
                sex="M" if i % 2 else "F",
                birth_date=datetime.date(1940, 1, 1) + datetime.timedelta(days=i * 97),
            )
        )
    return people


@pytest.mark.django_db
def test_same_household_duplicate_marked_distinct_stays_closed(taizhou):
    village = first_village("321202001000")
    people = _village_of_300(village)
    original = people[20]
    # registered a second time in the same household, without an ID number
    twin = PersonFactory(
        household=original.household,
        relation="other",
        name=original.name,
        sex=original.sex,
        birth_date=original.birth_date,
        id_number=None,
    )
    assert duplicates_detect() >= 1
    pair = DuplicatePair.objects.get(person_a=original, person_b=twin)
    assert pair.kind == "same_household" and pair.status == DuplicatePair.OPEN
    assert pair.match_weight is not None and pair.match_weight > 0
    assert {"name", "birth_date", "id_number"} <= set(pair.comparison)
    assert all("level" in v and "weight" in v for v in pair.comparison.values())

    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    duplicate_resolve(actor=approver, pair_id=pair.pk, action="distinct", note="双胞胎，同名同生日")
    pair.refresh_from_db()
    assert (pair.status, pair.resolved_by, pair.note) == (
        DuplicatePair.DISTINCT,
        approver,
        "双胞胎，同名同生日",
    )
    assert Person.objects.filter(pk__in=[original.pk, twin.pk]).count() == 2
    event = AuditEvent.objects.get(action="verify.duplicate_distinct")
    assert event.after["pair"] == pair.pk and event.reason == "双胞胎，同名同生日"
    with pytest.raises(ServiceError, match="已处理"):
        duplicate_resolve(actor=approver, pair_id=pair.pk, action="merge")

    # later detection runs do not re-open the pair (nor add it again)
    duplicates_detect()
    duplicates_detect()
    assert list(
        DuplicatePair.objects.filter(person_a=original, person_b=twin).values_list(
            "status", flat=True
        )
    ) == [DuplicatePair.DISTINCT]
    assert not DuplicatePair.objects.filter(
        status=DuplicatePair.OPEN, person_a__in=[original, twin], person_b__in=[original, twin]
    ).exists()
    assert MatchRun.objects.filter(kind=MatchRun.KIND_REGISTRY).count() == 3


@pytest.mark.django_db
def test_duplicates_page_scoped_and_masked(client, taizhou):
    village = first_village("321202001000")
    people = _village_of_300(village)
    original = people[30]
    other = HouseholdFactory(hukou_area_id=village)
    PersonFactory(household=other, name="户主乙", birth_date=datetime.date(1961, 2, 2))
    dup = PersonFactory(
        household=other,
        relation="other",
        name=original.name,
        sex=original.sex,
        birth_date=original.birth_date,
        id_number=one_wrong_digit(original.id_number, 12),
    )
    duplicates_detect()
    pair = DuplicatePair.objects.get(person_a=original, person_b=dup)
    url = "/verify/duplicates/"
    assert client.get(url).status_code == 302  # anonymous → login

    client.force_login(user_with_role(Role.COUNTY_APPROVER, HAILING))
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and original.name in html and other.number in html
    assert mask_id_number(original.id_number) in html and mask_id_number(dup.id_number) in html
    assert original.id_number not in html and dup.id_number not in html
    assert f"/verify/duplicates/{pair.pk}/" in html

    # another street's worker: the list leaves the pair out, and resolving it is not found
    client.force_login(user_with_role(Role.VILLAGE_WORKER, first_village(CHENGXI)))
    page = client.get(url)
    assert page.status_code == 200 and original.name not in page.content.decode()
    response = client.post(f"/verify/duplicates/{pair.pk}/", {"action": "distinct"})
    assert response.status_code == 404
    # roles that may not read the registry, or read it but not correct it
    for role, status in [(Role.FINANCE, 403), (Role.PAYMENTS_OFFICER, 403)]:
        client.force_login(user_with_role(role, HAILING))
        if role == Role.FINANCE:
            assert client.get(url).status_code == status
        assert (
            client.post(f"/verify/duplicates/{pair.pk}/", {"action": "distinct"}).status_code
            == status
        )
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.OPEN
