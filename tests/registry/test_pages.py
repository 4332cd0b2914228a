"""The household page shows and the person/fact forms edit the child status, the obligors and
emergency events."""

import datetime

import pytest
from django.urls import reverse

from jiuzhu.accounts.roles import Role
from jiuzhu.registry.models import EmergencyEvent, Person
from jiuzhu.registry.services import household_create
from tests.conftest import CHENGDONG
from tests.factories import first_village, id_number_for, user_with_role

pytestmark = pytest.mark.django_db
BIRTH = datetime.date(1950, 5, 6)


@pytest.fixture
def reviewer():
    return user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)


@pytest.fixture
def household(reviewer):
    return household_create(
        actor=reviewer,
        hukou_area_code=first_village(CHENGDONG),
        urban_rural="rural",
        head={
            "name": "王桂兰",
            "sex": "F",
            "birth_date": BIRTH,
            "id_number": id_number_for(BIRTH, "F"),
        },
        reason="新登记",
    )


def _person_post(p: Person, **kw) -> dict:
    data = {
        "relation": p.relation,
        "name": p.name,
        "id_number": p.id_number,
        "sex": p.sex,
        "birth_date": p.birth_date.isoformat(),
        "is_counted": "on",
        "labour_capacity": p.labour_capacity,
        "self_care": p.self_care,
        "employment": p.employment,
        "school_stage": p.school_stage,
        "child_status": p.child_status,
        "obligor_status": p.obligor_status,
        "obligor_unable_reason": p.obligor_unable_reason,
        "version": p.version,
        "reason": "入户核实",
    }
    return {**data, **kw}


def test_person_form_edits_the_obligors_and_names_the_missing_reason(client, household, reviewer):
    client.force_login(reviewer)
    head = household.members.get()
    url = reverse("registry:person_edit", args=[head.pk])
    r = client.post(url, _person_post(head, obligor_status="unable"))
    assert r.status_code == 200
    assert "第八条" in r.context["form"].errors["obligor_unable_reason"][0]
    r = client.post(
        url, _person_post(head, obligor_status="unable", obligor_unable_reason="dibao_elderly")
    )
    assert r.status_code == 302
    head.refresh_from_db()
    assert head.obligor_unable_reason == "dibao_elderly"
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "义务人无履行能力" in page and "60周岁以上的低保对象" in page


def test_emergency_event_form_and_page(client, household, reviewer):
    client.force_login(reviewer)
    r = client.get(reverse("registry:fact_add", args=[household.pk, "event"]))
    assert r.status_code == 200 and "登记急难事件" in r.content.decode()
    r = client.post(
        reverse("registry:fact_add", args=[household.pk, "event"]),
        {
            "kind": "illness",
            "event_date": "2026-10-03",
            "loss": "48000.00",
            "source": "declared",
            "as_of": "2026-10-05",
            "reason": "住院证明",
        },
    )
    assert r.status_code == 302
    ev = EmergencyEvent.objects.get(household=household)
    assert ev.get_kind_display() == "突发重大疾病"
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert 'id="events"' in page and "突发重大疾病" in page and "2026-10-03" in page


def test_person_form_records_the_tekun_support_mode_with_the_institution(
    client, household, reviewer
):
    client.force_login(reviewer)
    head = household.members.get()
    url = reverse("registry:person_edit", args=[head.pk])
    r = client.post(url, _person_post(head, support_mode="centralized", care_institution=""))
    assert r.status_code == 200
    assert "供养机构" in r.context["form"].errors["care_institution"][0]
    assert r.context["form"]["support_mode"].value() == "centralized"  # what was typed stays
    r = client.post(
        url, _person_post(head, support_mode="centralized", care_institution="城东街道敬老院")
    )
    assert r.status_code == 302
    head.refresh_from_db()
    assert (head.support_mode, head.care_institution) == ("centralized", "城东街道敬老院")
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "集中供养" in page and "城东街道敬老院" in page
