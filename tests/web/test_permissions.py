"""Permission matrix over every registry, audit and account URL (Saleor style).

For each URL: anonymous → login redirect; a role without the capability → 403; the right role
in another street → 404 (existence never leaks) and nothing changed after a denied POST; the
right role in the right street → 200 or a redirect after the change.
"""

import datetime

import pytest
from django.urls import reverse

from jiuzhu.accounts.models import RoleAssignment
from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import NATIONAL, AuditEvent
from jiuzhu.registry.models import Asset, Household, IncomeItem, Person, RigidExpense
from tests.conftest import CHENGDONG, CHENGXI, HAILING, JIANGYAN
from tests.factories import first_village, user_with_role

pytestmark = pytest.mark.django_db


def state(hh: Household) -> tuple:
    """Everything a denied request must leave as it was."""
    return (
        tuple(Household.objects.filter(pk=hh.pk).values_list("version", "address", "phone")),
        tuple(
            Person.objects.filter(household=hh)
            .order_by("pk")
            .values_list("pk", "version", "name", "disability_grade")
        ),
        IncomeItem.objects.filter(household=hh).count(),
        Asset.objects.filter(household=hh).count(),
        RigidExpense.objects.filter(household=hh).count(),
        Household.objects.count(),
        AuditEvent.objects.exclude(action__in=["household.view", "person.reveal"]).count(),
    )


def spouse(hh):
    return hh.members.get(relation="spouse")


def person_post(hh):
    """What the edit form of the spouse posts when opened now, with the grade set to 2."""
    p = spouse(hh)
    data = {
        "relation": p.relation,
        "name": p.name,
        "id_number": p.id_number or "",
        "sex": p.sex,
        "birth_date": p.birth_date.isoformat(),
        "phone": p.phone,
        "disability_type": p.disability_type,
        "disability_certificate": p.disability_certificate,
        "illness_note": p.illness_note,
        "labour_capacity": p.labour_capacity,
        "employment": p.employment,
        "school_stage": p.school_stage,
        "death_date": p.death_date.isoformat() if p.death_date else "",
        "version": str(p.version),
        "reason": "复核",
    }
    for flag in ("is_counted", "major_illness", "chronic_illness"):
        if getattr(p, flag):
            data[flag] = "on"
    return {**data, "disability_grade": "2"}


def new_member_post(hh):
    return {
        "relation": "child",
        "name": "张小明",
        "id_number": "",
        "sex": "M",
        "birth_date": "2010-01-01",
        "labour_capacity": "none",
        "employment": "student",
        "school_stage": "junior",
        "reason": "新生儿落户",
    }


# name, url builder, method, data builder, success status
REGISTRY_HOUSEHOLD_URLS = [
    ("detail", lambda hh: reverse("registry:household_detail", args=[hh.pk]), "get", None, 200),
    ("edit-get", lambda hh: reverse("registry:household_edit", args=[hh.pk]), "get", None, 200),
    (
        "edit-post",
        lambda hh: reverse("registry:household_edit", args=[hh.pk]),
        "post",
        lambda hh: {
            "hukou_area": hh.hukou_area_id,
            "urban_rural": "urban",
            "address": "海陵区东风路1号",
            "version": str(hh.version),
            "reason": "更正住址",
        },
        302,
    ),
    ("member-get", lambda hh: reverse("registry:person_add", args=[hh.pk]), "get", None, 200),
    (
        "member-post",
        lambda hh: reverse("registry:person_add", args=[hh.pk]),
        "post",
        new_member_post,
        302,
    ),
    (
        "person-get",
        lambda hh: reverse("registry:person_edit", args=[spouse(hh).pk]),
        "get",
        None,
        200,
    ),
    (
        "person-post",
        lambda hh: reverse("registry:person_edit", args=[spouse(hh).pk]),
        "post",
        person_post,
        302,
    ),
    (
        "income-post",
        lambda hh: reverse("registry:fact_add", args=[hh.pk, "income"]),
        "post",
        lambda hh: {
            "kind": "wage",
            "amount": "1200.00",
            "period_start": "2026-01",
            "period_end": "2026-06",
            "source": "declared",
            "as_of": "2026-07-01",
        },
        302,
    ),
    (
        "asset-get",
        lambda hh: reverse("registry:fact_add", args=[hh.pk, "asset"]),
        "get",
        None,
        200,
    ),
    (
        "fact-delete-get",
        lambda hh: reverse("registry:fact_delete", args=["income", hh.incomeitems.get().pk]),
        "get",
        None,
        200,
    ),
    (
        "fact-delete-post",
        lambda hh: reverse("registry:fact_delete", args=["expense", hh.rigidexpenses.get().pk]),
        "post",
        lambda hh: {"reason": "重复录入"},
        302,
    ),
    (
        "reveal-id",
        lambda hh: reverse("registry:person_reveal", args=[spouse(hh).pk, "id_number"]),
        "post",
        lambda hh: {},
        200,
    ),
]
IDS = [u[0] for u in REGISTRY_HOUSEHOLD_URLS]


def call(client, method, url, data):
    return client.get(url) if method == "get" else client.post(url, data or {})


@pytest.mark.parametrize(("name", "url", "method", "data", "ok"), REGISTRY_HOUSEHOLD_URLS, ids=IDS)
def test_anonymous_is_sent_to_login(client, east_household, name, url, method, data, ok):
    # given an anonymous visitor
    before = state(east_household)
    target = url(east_household)
    # when
    response = call(client, method, target, data and data(east_household))
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={target}"
    assert state(east_household) == before


@pytest.mark.parametrize(("name", "url", "method", "data", "ok"), REGISTRY_HOUSEHOLD_URLS, ids=IDS)
def test_wrong_role_is_forbidden(
    client, east_household, department_user, name, url, method, data, ok
):
    # given a department data clerk of the whole county (no registry capability)
    client.force_login(department_user)
    before = state(east_household)
    # when
    response = call(client, method, url(east_household), data and data(east_household))
    # then
    assert response.status_code == 403
    assert state(east_household) == before


@pytest.mark.parametrize(("name", "url", "method", "data", "ok"), REGISTRY_HOUSEHOLD_URLS, ids=IDS)
def test_wrong_area_is_not_found(
    client, east_household, west_reviewer, name, url, method, data, ok
):
    # given a 城西街道 reviewer and a 城东街道 household
    client.force_login(west_reviewer)
    before = state(east_household)
    # when
    response = call(client, method, url(east_household), data and data(east_household))
    # then: not found, and nothing changed
    assert response.status_code == 404
    assert state(east_household) == before


@pytest.mark.parametrize(("name", "url", "method", "data", "ok"), REGISTRY_HOUSEHOLD_URLS, ids=IDS)
def test_right_role_right_area_succeeds(
    client, east_household, east_reviewer, name, url, method, data, ok
):
    # given the 城东街道 reviewer
    client.force_login(east_reviewer)
    before = state(east_household)
    # when
    response = call(client, method, url(east_household), data and data(east_household))
    # then
    assert response.status_code == ok
    if method == "post" and name != "reveal-id":
        assert state(east_household) != before
        assert response["Location"] == reverse(
            "registry:household_detail", args=[east_household.pk]
        )


def test_auditor_reads_but_cannot_edit(client, east_household, county_auditor):
    # given a 海陵区 auditor (registry.view + pii.reveal, no registry.edit)
    client.force_login(county_auditor)
    before = state(east_household)
    # when / then
    assert (
        client.get(reverse("registry:household_detail", args=[east_household.pk])).status_code
        == 200
    )
    r = client.post(
        reverse("registry:person_edit", args=[spouse(east_household).pk]),
        person_post(east_household),
    )
    assert r.status_code == 403
    assert state(east_household) == before


def test_payments_officer_cannot_reveal(client, east_household, payments_officer):
    client.force_login(payments_officer)
    r = client.post(
        reverse("registry:person_reveal", args=[spouse(east_household).pk, "id_number"])
    )
    assert r.status_code == 403
    assert not AuditEvent.objects.filter(action="person.reveal").exists()


def test_reveal_returns_full_value_and_is_audited(client, east_household, east_reviewer):
    p = spouse(east_household)
    client.force_login(east_reviewer)
    # when
    r = client.post(reverse("registry:person_reveal", args=[p.pk, "phone"]))
    # then
    assert r.status_code == 200
    assert r.content.decode() == '<span class="revealed">13812345678</span>'
    event = AuditEvent.objects.get(action="person.reveal")
    assert (event.actor_id, event.subject_id, event.extra) == (
        east_reviewer.pk,
        str(p.pk),
        {"field": "phone"},
    )


def test_reveal_refuses_get_and_unknown_fields(client, east_household, east_reviewer):
    p = spouse(east_household)
    client.force_login(east_reviewer)
    assert client.get(reverse("registry:person_reveal", args=[p.pk, "phone"])).status_code == 405
    assert client.post(reverse("registry:person_reveal", args=[p.pk, "name"])).status_code == 404


# --- lists and creation -------------------------------------------------------------------


def test_list_matrix(client, east_household, west_household, east_reviewer, department_user):
    url = reverse("registry:household_list")
    assert client.get(url)["Location"] == f"{reverse('login')}?next={url}"
    client.force_login(department_user)
    assert client.get(url).status_code == 403
    client.force_login(east_reviewer)
    r = client.get(url)
    assert r.status_code == 200
    assert [h.pk for h in r.context["page"].items] == [east_household.pk]


def test_list_search_by_other_streets_id_finds_nothing(client, west_household, east_reviewer):
    client.force_login(east_reviewer)
    r = client.get(
        reverse("registry:household_list"), {"q": west_household.members.get().id_number}
    )
    assert r.status_code == 200
    assert r.context["page"].items == []
    assert west_household.number not in r.content.decode()


def create_post(village):
    return {
        "hukou_area": village,
        "urban_rural": "urban",
        "address": "",
        "phone": "",
        "reason": "新申请",
        "head-name": "赵敏",
        "head-sex": "F",
        "head-birth_date": "1980-02-02",
        "head-id_number": "",
        "head-is_counted": "on",
        "head-labour_capacity": "full",
        "head-self_care": "full",
        "head-employment": "employed",
        "head-school_stage": "none",
    }


def test_create_matrix(client, east_reviewer, west_reviewer, department_user):
    url = reverse("registry:household_create")
    east_village = first_village(CHENGDONG)
    # anonymous
    assert client.post(url, create_post(east_village)).status_code == 302
    assert not Household.objects.exists()
    # wrong role
    client.force_login(department_user)
    assert client.post(url, create_post(east_village)).status_code == 403
    # wrong area: the 城东 village is not among the 城西 reviewer's choices
    client.force_login(west_reviewer)
    r = client.post(url, create_post(east_village))
    assert r.status_code == 200
    assert r.context["form"].errors["hukou_area"] == ["“户籍地”不在您的管辖范围内"]
    assert not Household.objects.exists()
    # right role and area
    client.force_login(east_reviewer)
    r = client.post(url, create_post(east_village))
    hh = Household.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("registry:household_detail", args=[hh.pk])
    assert (hh.head_name, hh.hukou_area_id, hh.size) == ("赵敏", east_village, 1)


# --- audit log ------------------------------------------------------------------------------


def test_audit_matrix(client, east_household, east_reviewer, county_auditor):
    list_url, verify_url = reverse("audit:event_list"), reverse("audit:verify")
    assert client.get(list_url)["Location"] == f"{reverse('login')}?next={list_url}"
    assert client.post(verify_url)["Location"] == f"{reverse('login')}?next={verify_url}"
    client.force_login(east_reviewer)
    assert client.get(list_url).status_code == 403
    assert client.post(verify_url).status_code == 403
    client.force_login(county_auditor)
    assert client.get(list_url).status_code == 200
    r = client.post(verify_url)
    assert r.status_code == 302
    r = client.get(list_url)
    assert r.context["verify"]["ok"] is True


def test_audit_log_is_scoped(client, east_household, east_reviewer):
    # given a change in 城东 and auditors of 城东 and 城西
    client.force_login(east_reviewer)
    client.post(
        reverse("registry:person_edit", args=[spouse(east_household).pk]),
        person_post(east_household),
    )
    east_auditor = user_with_role(Role.AUDITOR, CHENGDONG)
    west_auditor = user_with_role(Role.AUDITOR, CHENGXI)
    # when / then
    client.force_login(east_auditor)
    actions = [v.event.action for v in client.get(reverse("audit:event_list")).context["events"]]
    assert "person.update" in actions
    client.force_login(west_auditor)
    west = [v.event for v in client.get(reverse("audit:event_list")).context["events"]]
    # nothing of 城东; only the national events (the area table's import), which every auditor sees
    assert [e.action for e in west if e.area_code != NATIONAL] == []
    assert "areas.import" in [e.action for e in west]


def test_national_audit_events_are_shown_to_every_auditor_and_no_one_else(client, east_reviewer):
    # given an event about no one place (a programme's rules)
    from jiuzhu.audit.services import audit_record

    audit_record(
        actor=None,
        action="policy.programme.save",
        area_code=NATIONAL,
        subject_type="programme",
        subject_id="dibao",
    )
    # then an auditor of any area sees it; a reviewer (no audit capability) is refused the page
    for area in (CHENGDONG, JIANGYAN):
        client.force_login(user_with_role(Role.AUDITOR, area))
        events = client.get(reverse("audit:event_list")).context["events"]
        assert "policy.programme.save" in [v.event.action for v in events]
    client.force_login(east_reviewer)
    assert client.get(reverse("audit:event_list")).status_code in (302, 403)


# --- accounts -------------------------------------------------------------------------------


@pytest.fixture
def managed_user(db):
    return user_with_role(Role.VILLAGE_WORKER, first_village(CHENGDONG), full_name="东安网格员")


def test_accounts_matrix(client, county_sysadmin, east_reviewer, managed_user):
    jiangyan_admin = user_with_role(Role.SYSADMIN, JIANGYAN)
    assignment = managed_user.role_assignments.get()
    urls_get = [
        reverse("accounts:user_list"),
        reverse("accounts:user_create"),
        reverse("accounts:user_detail", args=[managed_user.pk]),
    ]
    revoke = reverse("accounts:role_revoke", args=[assignment.pk])
    before = list(RoleAssignment.objects.order_by("pk").values_list("pk", "valid_until"))
    # anonymous
    for url in urls_get:
        assert client.get(url)["Location"] == f"{reverse('login')}?next={url}"
    assert client.post(revoke, {"reason": "x"}).status_code == 302
    # wrong role
    client.force_login(east_reviewer)
    for url in urls_get:
        assert client.get(url).status_code == 403
    assert client.post(revoke, {"reason": "x"}).status_code == 403
    # wrong area: a 姜堰区 administrator
    client.force_login(jiangyan_admin)
    assert client.get(urls_get[2]).status_code == 404
    assert client.post(revoke, {"reason": "x"}).status_code == 404
    assert managed_user.pk not in [u.pk for u in client.get(urls_get[0]).context["page"].items]
    assert list(RoleAssignment.objects.order_by("pk").values_list("pk", "valid_until")) == before
    # right role and area
    client.force_login(county_sysadmin)
    for url in urls_get:
        assert client.get(url).status_code == 200
    r = client.post(revoke, {"reason": "调岗"})
    assert r.status_code == 302
    assignment.refresh_from_db()
    assert assignment.valid_until is not None


def test_sysadmin_cannot_grant_outside_scope(client, county_sysadmin, managed_user):
    client.force_login(county_sysadmin)
    r = client.post(
        reverse("accounts:user_detail", args=[managed_user.pk]),
        {"role": Role.AUDITOR, "area": JIANGYAN},
    )
    assert r.status_code == 200
    assert r.context["form"].errors["area"] == ["“管辖区域”须在您的管理范围内"]
    assert managed_user.role_assignments.count() == 1


def test_incompatible_role_refused_with_chinese_message(client, county_sysadmin):
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    client.force_login(county_sysadmin)
    r = client.post(
        reverse("accounts:user_detail", args=[approver.pk]),
        {"role": Role.PAYMENTS_OFFICER, "area": HAILING},
    )
    assert r.status_code == 200
    assert r.context["form"].errors["role"] == [
        "不相容岗位：资金发放与县级审批不得由同一人担任（审批与发放分离）"
    ]
    assert approver.role_assignments.count() == 1


def test_create_user_with_first_role(client, county_sysadmin):
    client.force_login(county_sysadmin)
    r = client.post(
        reverse("accounts:user_create"),
        {
            "username": "dongan01",
            "full_name": "东安网格员",
            "password": "long-enough-1",
            "role": Role.VILLAGE_WORKER,
            "area": first_village(CHENGDONG),
            "valid_from": "2026-01-01",
        },
    )
    assert r.status_code == 302
    a = RoleAssignment.objects.get(user__username="dongan01")
    assert (a.role, a.area_id, a.valid_from, a.granted_by_id) == (
        Role.VILLAGE_WORKER,
        first_village(CHENGDONG),
        datetime.date(2026, 1, 1),
        county_sysadmin.pk,
    )


def test_create_user_department_role_needs_department_and_nothing_is_half_saved(
    client, county_sysadmin
):
    client.force_login(county_sysadmin)
    r = client.post(
        reverse("accounts:user_create"),
        {
            "username": "police01",
            "full_name": "公安数据员",
            "password": "long-enough-1",
            "role": Role.DEPARTMENT_DATA,
            "area": HAILING,
        },
    )
    assert r.status_code == 200
    assert r.context["form"].errors["department"] == ["部门数据员须指定所属部门"]
    from jiuzhu.accounts.models import User

    assert not User.objects.filter(username="police01").exists()
