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
        "employment": p.employment,
        "school_stage": p.school_stage,
        "child_status": p.child_status,
        "version": p.version,
        "reason": "入户核实",
    }
    return {**data, **kw}


def test_person_form_records_the_article_7_facts_and_the_obligor_check(client, household, reviewer):
    client.force_login(reviewer)
    head = household.members.get()
    url = reverse("registry:person_edit", args=[head.pk])
    r = client.post(url, _person_post(head, religious_site_years="abc", other_exclusion="外出"))
    assert r.status_code == 200  # typed input kept, the error names the field
    assert "在宗教活动场所居住年数" in str(r.context["form"].errors["religious_site_years"])
    assert r.context["form"]["other_exclusion"].value() == "外出"
    r = client.post(
        url,
        _person_post(
            head, lives_together="false", in_prison="on", obligors_checked_on="2026-10-08"
        ),
    )
    assert r.status_code == 302
    head.refresh_from_db()
    assert head.lives_together is False and head.in_prison
    assert head.obligors_checked_on == datetime.date(2026, 10, 8)
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "在监狱服刑" in page and "2026-10-08" in page


def test_self_care_obligor_and_job_offer_forms_keep_typed_input_and_save(
    client, household, reviewer
):
    client.force_login(reviewer)
    head = household.members.get()
    url = reverse("registry:fact_add", args=[household.pk, "selfcare"])
    page = client.get(url).content.decode()
    for label in ("能自行进食", "能自行穿衣", "能自行上下床", "能自行如厕", "能自行室内行走"):
        assert label in page
    # the assessor is missing: the ticks typed stay as typed
    r = client.post(
        url,
        {"person": str(head.pk), "eating": "on", "source": "home_visit", "as_of": "2026-11-01"},
    )
    assert r.status_code == 200
    assert "评估人/机构" in str(r.context["form"].errors["assessor"])
    assert r.context["form"]["eating"].value() is True
    assert not r.context["form"]["bathing"].value()
    r = client.post(
        url,
        {
            "person": str(head.pk),
            "eating": "on",
            "dressing": "on",
            "assessor": "镇卫生院",
            "source": "home_visit",
            "as_of": "2026-11-01",
            "reason": "入户评估",
        },
    )
    assert r.status_code == 302
    assessment = head.selfcareassessments.get()
    assert assessment.items_unable == 4
    url = reverse("registry:fact_add", args=[household.pk, "obligor"])
    bad = {
        "person": str(head.pk),
        "kind": "child",
        "name": "张强",
        "birth_date": "1970-02-30",
        "income_year": "12000.50",
        "source": "home_visit",
        "as_of": "2026-11-01",
    }
    r = client.post(url, bad)
    assert r.status_code == 200
    assert "义务人出生日期" in str(r.context["form"].errors["birth_date"])
    assert r.context["form"]["name"].value() == "张强"
    r = client.post(url, {**bad, "birth_date": "1970-02-28", "in_prison": "on"})
    assert r.status_code == 302
    obligor = head.obligors.get()
    assert obligor.in_prison and obligor.property_within_limits is None
    url = reverse("registry:fact_add", args=[household.pk, "joboffer"])
    r = client.post(
        url,
        {
            "person": "",
            "kind": "referral",
            "employer": "镇保洁公司",
            "refused": "on",
            "source": "declared",
            "as_of": "2026-10-01",
        },
    )
    assert r.status_code == 200 and "成员" in str(r.context["form"].errors["person"])
    assert r.context["form"]["employer"].value() == "镇保洁公司"
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "镇卫生院" in page and "张强" in page and "上下床" in page


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
