import datetime
from decimal import Decimal

import pytest
from django.http import Http404

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.registry.models import Household, IncomeItem, Person
from jiuzhu.registry.selectors import (
    HouseholdFilters,
    household_profile,
    household_search,
    household_timeline,
    paginate,
    person_reveal,
)
from jiuzhu.registry.services import (
    fact_add,
    fact_delete,
    household_create,
    household_update,
    person_add,
    person_update,
)
from tests.conftest import CHENGDONG, CHENGXI
from tests.factories import first_village, id_number_for, user_with_role

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1968, 3, 9)


def _head(**kw):
    return {
        "name": "刘建国",
        "sex": "M",
        "birth_date": BIRTH,
        "id_number": id_number_for(BIRTH, "M"),
        **kw,
    }


@pytest.fixture
def reviewer():
    return user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)


@pytest.fixture
def household(reviewer):
    return household_create(
        actor=reviewer,
        hukou_area_code=first_village(CHENGDONG),
        urban_rural="urban",
        head=_head(),
        reason="新登记",
    )


def test_create_household_with_head_is_audited(household, reviewer):
    assert household.number.startswith("H" + first_village(CHENGDONG))
    assert household.head_name == "刘建国"
    assert household.size == 1
    event = AuditEvent.objects.get(action="household.create", subject_id=str(household.pk))
    assert event.actor_id == reviewer.pk
    assert event.after["head"]["name"] == "刘建国"


def test_bad_id_number_names_the_field_and_saves_nothing(reviewer):
    before = (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count())
    valid = id_number_for(BIRTH, "M")
    bad = _head(id_number=valid[:17] + ("1" if valid[17] != "1" else "2"))
    with pytest.raises(ServiceError) as exc:
        household_create(
            actor=reviewer, hukou_area_code=first_village(CHENGDONG), urban_rural="urban", head=bad
        )
    assert "head.id_number" in exc.value.errors
    assert "校验码" in exc.value.errors["head.id_number"][0]
    assert (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count()) == before


def test_cannot_create_household_in_another_street(reviewer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        household_create(
            actor=reviewer,
            hukou_area_code=first_village(CHENGXI),
            urban_rural="urban",
            head=_head(),
        )


def test_household_must_be_registered_at_village_level(reviewer):
    with pytest.raises(ServiceError) as exc:
        household_create(
            actor=reviewer, hukou_area_code=CHENGDONG, urban_rural="urban", head=_head()
        )
    assert "村/社区" in exc.value.errors["hukou_area"][0]


def test_correct_disability_grade_shows_in_timeline(household, reviewer):
    head = household.members.get()
    person_update(
        actor=reviewer,
        person_id=head.pk,
        version=head.version,
        data={"disability_type": "physical", "disability_grade": 2},
        reason="残联证明",
    )
    head.refresh_from_db()
    assert head.disability_grade == 2
    timeline = household_timeline(user=reviewer, household_id=household.pk)
    assert timeline[0].action == "person.update"
    assert timeline[0].before == {"disability_type": "", "disability_grade": None}
    assert timeline[0].after == {"disability_type": "physical", "disability_grade": 2}
    assert timeline[0].reason == "残联证明"


def test_grade_out_of_range_is_refused(household, reviewer):
    head = household.members.get()
    with pytest.raises(ServiceError) as exc:
        person_update(
            actor=reviewer,
            person_id=head.pk,
            version=head.version,
            data={"disability_type": "physical", "disability_grade": 5},
        )
    assert "1至4级" in exc.value.errors["disability_grade"][0]
    head.refresh_from_db()
    assert head.disability_grade is None


def test_stale_version_is_refused_not_overwritten(household, reviewer):
    head = household.members.get()
    person_update(actor=reviewer, person_id=head.pk, version=head.version, data={"name": "刘建华"})
    with pytest.raises(ConcurrentEditError):
        person_update(
            actor=reviewer, person_id=head.pk, version=head.version, data={"name": "刘建军"}
        )
    head.refresh_from_db()
    assert head.name == "刘建华"
    household.refresh_from_db()
    assert household.head_name == "刘建华"


def test_household_update_stale_version(household, reviewer):
    household_update(
        actor=reviewer,
        household_id=household.pk,
        version=household.version,
        data={"address": "海陵区东风路1号"},
    )
    with pytest.raises(ConcurrentEditError):
        household_update(
            actor=reviewer,
            household_id=household.pk,
            version=household.version,
            data={"address": "别处"},
        )


def test_other_street_cannot_change_household(household):
    other = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGXI)
    head = household.members.get()
    with pytest.raises(Http404):
        person_update(actor=other, person_id=head.pk, version=head.version, data={"name": "x"})
    head.refresh_from_db()
    assert head.name == "刘建国"


def test_same_id_number_cannot_be_registered_twice(household, reviewer):
    head = household.members.get()
    with pytest.raises(ServiceError) as exc:
        person_add(
            actor=reviewer,
            household_id=household.pk,
            data={
                "relation": "spouse",
                "name": "复制",
                "sex": "M",
                "birth_date": BIRTH,
                "id_number": head.id_number,
            },
        )
    assert "已登记" in exc.value.errors["id_number"][0]


def test_add_member_updates_size(household, reviewer):
    birth = datetime.date(1970, 7, 1)
    person_add(
        actor=reviewer,
        household_id=household.pk,
        data={
            "relation": "spouse",
            "name": "王秀英",
            "sex": "F",
            "birth_date": birth,
            "id_number": id_number_for(birth, "F"),
        },
    )
    household.refresh_from_db()
    assert household.size == 2


def test_money_must_be_whole_fen(household, reviewer):
    with pytest.raises(ServiceError) as exc:
        fact_add(
            actor=reviewer,
            household_id=household.pk,
            kind="income",
            data={
                "kind": "wage",
                "amount": "100.005",
                "period_start": datetime.date(2026, 1, 1),
                "period_end": datetime.date(2026, 6, 1),
            },
        )
    assert "两位小数" in exc.value.errors["amount"][0]
    assert not IncomeItem.objects.filter(household=household).exists()


def test_fact_add_and_delete_with_reason(household, reviewer):
    item = fact_add(
        actor=reviewer,
        household_id=household.pk,
        kind="income",
        data={
            "kind": "wage",
            "amount": "1200.50",
            "source": "home_visit",
            "period_start": datetime.date(2026, 1, 1),
            "period_end": datetime.date(2026, 6, 1),
        },
    )
    assert item.amount == Decimal("1200.50")
    with pytest.raises(ServiceError):
        fact_delete(actor=reviewer, kind="income", fact_id=item.pk, reason=" ")
    fact_delete(actor=reviewer, kind="income", fact_id=item.pk, reason="重复录入")
    event = AuditEvent.objects.filter(action="income.delete").latest("seq")
    assert event.before["amount"] == "1200.50"


def test_find_household_by_id_number_and_name(household, reviewer):
    head = household.members.get()
    found = household_search(user=reviewer, filters=HouseholdFilters(q=head.id_number))
    assert list(found) == [household]
    found = household_search(user=reviewer, filters=HouseholdFilters(q="刘建"))
    assert household in found
    other = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGXI)
    assert not household_search(user=other, filters=HouseholdFilters(q=head.id_number)).exists()


def test_paginate_caps_the_count(household, reviewer):
    page = paginate(
        household_search(user=reviewer, filters=HouseholdFilters()), page=1, per_page=25
    )
    assert page.count == 1 and not page.count_capped and not page.has_next


def test_opening_a_profile_and_revealing_an_id_are_audited(household, reviewer):
    household_profile(user=reviewer, household_id=household.pk)
    assert (
        AuditEvent.objects.filter(action="household.view", household_id=household.pk).count() == 1
    )
    head = household.members.get()
    assert person_reveal(user=reviewer, person_id=head.pk, field="id_number") == head.id_number
    assert AuditEvent.objects.filter(action="person.reveal", subject_id=str(head.pk)).exists()


def test_payments_officer_cannot_reveal_ids(household):
    officer = user_with_role(Role.PAYMENTS_OFFICER, "321202000000")
    with pytest.raises(Http404):
        person_reveal(user=officer, person_id=household.members.get().pk, field="id_number")


def test_person_facts_and_member_facts_are_validated_and_audited(household, reviewer):
    head = household.members.get()
    assert head.lives_together is None and head.obligors_checked_on is None  # not checked
    with pytest.raises(ServiceError) as exc:
        person_update(
            actor=reviewer,
            person_id=head.pk,
            version=head.version,
            data={"religious_site_years": 101, "obligors_checked_on": "2026-13-01"},
        )
    assert "0至100" in exc.value.errors["religious_site_years"][0]
    assert "法定义务人核实日期" in exc.value.errors["obligors_checked_on"][0]
    person_update(
        actor=reviewer,
        person_id=head.pk,
        version=head.version,
        data={"declared_missing": True, "obligors_checked_on": "2026-11-01"},
        reason="法院宣告失踪",
    )
    event = household_timeline(user=reviewer, household_id=household.pk)[0]
    assert event.after == {
        "declared_missing": True,
        "obligors_checked_on": "2026-11-01",
        "is_counted": False,  # derived: declared missing is an exclusion of Art. 7
    }
    with pytest.raises(ServiceError) as exc:
        fact_add(
            actor=reviewer,
            household_id=household.pk,
            kind="obligor",
            data={"kind": "child", "disability_type": "physical", "as_of": "2026-11-01"},
        )
    assert "成员" in exc.value.errors["person"][0]
    assert "同时填写" in exc.value.errors["disability_grade"][0]
    ob = fact_add(
        actor=reviewer,
        household_id=household.pk,
        kind="obligor",
        data={
            "person": head.pk,
            "kind": "child",
            "on_dibao": True,
            "birth_date": datetime.date(1960, 1, 1),
            "as_of": datetime.date(2026, 11, 1),
        },
        reason="入户核实",
    )
    assert ob.income_year is None  # left empty: not checked
    offer = fact_add(
        actor=reviewer,
        household_id=household.pk,
        kind="joboffer",
        data={
            "person": head.pk,
            "kind": "referral",
            "employer": "保洁",
            "refused": True,
            "as_of": datetime.date(2026, 10, 1),
        },
    )
    assert offer.refused


def test_child_status_out_of_range_is_refused(household, reviewer):
    head = household.members.get()
    with pytest.raises(ServiceError) as exc:
        person_update(
            actor=reviewer, person_id=head.pk, version=head.version, data={"child_status": "x"}
        )
    assert "孤儿/事实无人抚养" in exc.value.errors["child_status"][0]


def test_emergency_event_add_and_delete_are_audited(household, reviewer):
    with pytest.raises(ServiceError) as exc:
        fact_add(
            actor=reviewer,
            household_id=household.pk,
            kind="event",
            data={"kind": "fire", "loss": "100", "event_date": datetime.date(2999, 1, 1)},
        )
    assert "发生日期" in exc.value.errors["event_date"][0]
    event = fact_add(
        actor=reviewer,
        household_id=household.pk,
        kind="event",
        data={"kind": "fire", "loss": "35000.00", "event_date": datetime.date(2026, 9, 2)},
        reason="村委会报告",
    )
    assert event.loss == Decimal("35000.00")
    profile = household_profile(user=reviewer, household_id=household.pk)
    assert [e.pk for e in profile["events"]] == [event.pk]
    fact_delete(actor=reviewer, kind="event", fact_id=event.pk, reason="登记错户")
    deleted = AuditEvent.objects.filter(action="event.delete").latest("seq")
    assert deleted.before["kind"] == "fire" and deleted.before["loss"] == "35000.00"


def test_support_mode_needs_the_institution_when_centralized(household, reviewer):
    head = household.members.get()
    with pytest.raises(ServiceError) as err:
        person_update(
            actor=reviewer,
            person_id=head.pk,
            version=head.version,
            data={"support_mode": "centralized", "care_institution": ""},
            reason="特困认定",
        )
    assert "供养机构" in str(err.value.errors["care_institution"])
    with pytest.raises(ServiceError) as err:
        person_update(
            actor=reviewer,
            person_id=head.pk,
            version=head.version,
            data={"support_mode": "dispersed", "care_institution": "城东敬老院"},
            reason="特困认定",
        )
    assert "只有集中供养" in str(err.value.errors["care_institution"])
    p = person_update(
        actor=reviewer,
        person_id=head.pk,
        version=head.version,
        data={"support_mode": "centralized", "care_institution": " 城东敬老院 "},
        reason="特困认定",
    )
    assert (p.support_mode, p.care_institution) == ("centralized", "城东敬老院")
    event = AuditEvent.objects.filter(action="person.update").last()
    assert event.after["support_mode"] == "centralized"


def test_a_phone_is_stamped_when_registered_or_changed(reviewer):
    from jiuzhu.core import clock

    hh = household_create(
        actor=reviewer,
        hukou_area_code=first_village(CHENGDONG),
        urban_rural="rural",
        head=_head(phone="13812345678"),
        phone="13812345679",
        reason="新登记",
    )
    head = hh.members.get()
    assert hh.phone_updated_on == clock.today() and head.phone_updated_on == clock.today()
    Household.objects.filter(pk=hh.pk).update(phone_updated_on=datetime.date(2020, 1, 1))
    hh.refresh_from_db()
    household_update(
        actor=reviewer, household_id=hh.pk, version=hh.version, data={"address": "新址1号"}
    )
    hh.refresh_from_db()
    assert hh.phone_updated_on == datetime.date(2020, 1, 1)  # the phone did not change
    household_update(
        actor=reviewer, household_id=hh.pk, version=hh.version, data={"phone": "13900000000"}
    )
    hh.refresh_from_db()
    assert hh.phone_updated_on == clock.today()
    member = person_add(
        actor=reviewer,
        household_id=hh.pk,
        data={**_head(name="刘芳", sex="F", id_number=None, phone=""), "relation": "spouse"},
    )
    assert member.phone_updated_on is None
