"""Forms show the services' field-named Chinese messages; nothing is half-saved; the timeline
reads in Chinese; the list page runs in a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.idcard import check_digit
from jiuzhu.registry import services
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.selectors import household_income_summary
from tests.conftest import CHENGDONG
from tests.factories import IncomeItemFactory, first_village, household_with_head
from tests.web.test_permissions import create_post, person_post, spouse

pytestmark = pytest.mark.django_db


def wrong_check_digit(number: str) -> str:
    good = check_digit(number[:17])
    return number[:17] + ("0" if good != "0" else "1")


def test_bad_check_digit_is_named_and_nothing_changes(client, east_household, east_reviewer):
    # given
    p = spouse(east_household)
    bad = wrong_check_digit(p.id_number)
    client.force_login(east_reviewer)
    # when
    r = client.post(
        reverse("registry:person_edit", args=[p.pk]),
        {**person_post(east_household), "id_number": bad},
    )
    # then
    expected = f"身份证号校验码（第18位）错误：应为“{p.id_number[17]}”，实为“{bad[17]}”"
    assert r.status_code == 200
    assert r.context["form"].errors["id_number"] == [expected]
    assert f'id="err-id_number"><li>{expected}</li>' in r.content.decode()
    assert Person.objects.get(pk=p.pk).disability_grade == 3


def test_grade_5_is_refused_next_to_the_field(client, east_household, east_reviewer):
    p = spouse(east_household)
    client.force_login(east_reviewer)
    r = client.post(
        reverse("registry:person_edit", args=[p.pk]),
        {**person_post(east_household), "disability_grade": "5"},
    )
    assert r.context["form"].errors["disability_grade"] == ["“残疾等级”须为1至4级"]
    assert 'id="err-disability_grade"><li>“残疾等级”须为1至4级</li>' in r.content.decode()
    assert Person.objects.get(pk=p.pk).disability_grade == 3


def test_required_and_date_messages_name_the_field(client, east_household, east_reviewer):
    client.force_login(east_reviewer)
    r = client.post(
        reverse("registry:person_add", args=[east_household.pk]),
        {"relation": "child", "name": "", "sex": "M", "birth_date": "2010-13-45"},
    )
    errors = r.context["form"].errors
    assert errors["name"] == ["“姓名”为必填项"]
    assert errors["birth_date"] == ["“出生日期”不是有效日期，请按 年-月-日 填写，如 1980-05-17"]
    assert errors["labour_capacity"] == ["“劳动能力”为必填项"]


def test_birth_date_must_agree_with_id(client, east_household, east_reviewer):
    p = spouse(east_household)
    client.force_login(east_reviewer)
    r = client.post(
        reverse("registry:person_edit", args=[p.pk]),
        {**person_post(east_household), "birth_date": "1972-03-10"},
    )
    assert r.context["form"].errors["id_number"] == [
        "身份证号中的出生日期 1972-03-09 与填写的出生日期 1972-03-10 不一致"
    ]


def test_household_create_with_bad_head_id_saves_nothing(client, east_reviewer):
    # given a valid household part and a head whose ID has a wrong check digit
    client.force_login(east_reviewer)
    good = "32120219800202" + "002"
    bad = wrong_check_digit(good + check_digit(good))
    # when
    r = client.post(
        reverse("registry:household_create"),
        {**create_post(first_village(CHENGDONG)), "head-id_number": bad, "phone": "12345"},
    )
    # then: both forms carry their own field's message, and nothing was written
    assert r.status_code == 200
    assert r.context["head"].errors["id_number"][0].startswith("身份证号校验码（第18位）错误")
    assert r.context["form"].errors["phone"] == [
        "“联系电话”格式不正确：应为11位手机号或带区号的固话"
    ]
    assert Household.objects.count() == 0
    assert Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action="household.create").exists()


def test_concurrent_edit_is_shown_and_not_overwritten(client, east_household, east_reviewer):
    # given the form was opened at version v, then someone else saved
    p = spouse(east_household)
    data = person_post(east_household)
    services.person_update(
        actor=east_reviewer, person_id=p.pk, version=p.version, data={"illness_note": "高血压"}
    )
    client.force_login(east_reviewer)
    # when the stale form is submitted
    r = client.post(reverse("registry:person_edit", args=[p.pk]), data)
    # then
    assert r.status_code == 200
    assert r.context["concurrent"] is True
    body = r.content.decode()
    assert 'id="concurrent-edit"' in body
    assert "该成员信息已被他人修改，请刷新后重试（避免覆盖他人的修改）" in body
    fresh = Person.objects.get(pk=p.pk)
    assert (fresh.disability_grade, fresh.illness_note) == (3, "高血压")


def test_fact_delete_requires_reason(client, east_household, east_reviewer):
    item = east_household.incomeitems.get()
    client.force_login(east_reviewer)
    r = client.post(reverse("registry:fact_delete", args=["income", item.pk]), {"reason": ""})
    assert r.context["form"].errors["reason"] == ["“删除理由”为必填项"]
    assert east_household.incomeitems.count() == 1


def test_income_form_negative_amount_and_period_order(client, east_household, east_reviewer):
    client.force_login(east_reviewer)
    r = client.post(
        reverse("registry:fact_add", args=[east_household.pk, "expense"]),
        {
            "kind": "medical",
            "amount": "-5",
            "period_start": "2026-06",
            "period_end": "2026-01",
            "source": "declared",
            "as_of": "2026-07-01",
        },
    )
    errors = r.context["form"].errors
    assert errors["amount"] == ["“金额(元)”不能为负数"]
    assert errors["period_end"] == ["“截止月”不能早于“起始月”"]
    assert east_household.rigidexpenses.count() == 1


def test_timeline_shows_grade_change_in_chinese(client, east_household, east_reviewer):
    # given
    p = spouse(east_household)
    client.force_login(east_reviewer)
    client.post(
        reverse("registry:person_edit", args=[p.pk]),
        {**person_post(east_household), "reason": "残联换证"},
    )
    # when
    r = client.get(reverse("registry:household_detail", args=[east_household.pk]))
    # then
    first = r.context["timeline"][0]
    assert first.action_label == "修改成员信息"
    assert first.actor_label == "城东审核员"
    assert [(c.label, c.before, c.after) for c in first.changes] == [("残疾等级", "3级", "2级")]
    body = r.content.decode()
    assert '<span class="field-label">残疾等级</span>：<span class="before">3级</span>' in body
    assert "理由：残联换证" in body
    assert "disability_grade" not in body


def test_timeline_labels_areas_and_choices(client, east_reviewer):
    client.force_login(east_reviewer)
    client.post(reverse("registry:household_create"), create_post(first_village(CHENGDONG)))
    hh = Household.objects.get()
    r = client.get(reverse("registry:household_detail", args=[hh.pk]))
    changes = {c.label: c.after for c in r.context["timeline"][0].changes}
    assert changes["户籍地"] == f"东安居委会 ({first_village(CHENGDONG)})"
    assert changes["城乡类别"] == "城市"
    assert changes["户主 · 就业状况"] == "就业"
    assert changes["户主 · 共同生活家庭成员"] == "是"


def test_profile_shows_masked_ids_and_sources(client, east_household, east_reviewer):
    client.force_login(east_reviewer)
    body = client.get(reverse("registry:household_detail", args=[east_household.pk])).content
    body = body.decode()
    p = spouse(east_household)
    assert p.id_number not in body
    assert f"{p.id_number[:4]}**********{p.id_number[-4:]}" in body
    assert "138****5678" in body and "13812345678" not in body
    assert "入户调查" in body  # the income item's source
    assert "最低生活保障" in body  # the roll entry's programme
    assert "泰州市 › 海陵区 › 城东街道 › 东安居委会" in body


def test_profile_view_is_audited(client, east_household, east_reviewer):
    client.force_login(east_reviewer)
    client.get(reverse("registry:household_detail", args=[east_household.pk]))
    e = AuditEvent.objects.get(action="household.view")
    assert (e.actor_id, e.household_id) == (east_reviewer.pk, east_household.pk)


# --- per-capita income ---------------------------------------------------------------------


def test_per_capita_income_over_last_12_months(east_household):
    # given 24,000 over 2025-11..2026-10 (the factory), and 600 over 2026-09..2026-12, half in
    IncomeItemFactory(
        household=east_household,
        amount=Decimal("600.00"),
        period_start=datetime.date(2026, 9, 1),
        period_end=datetime.date(2026, 12, 1),
    )
    IncomeItemFactory(household=east_household, amount=Decimal("9999.00"), excluded=True)
    members = list(east_household.members.all())
    items = list(east_household.incomeitems.all())
    # when: evaluated in November 2026 → window 2025-11 .. 2026-10
    s = household_income_summary(
        members=members, income_items=items, on=datetime.date(2026, 11, 23)
    )
    # then: 24000 + 600 × 2/4 = 24300; / 12 = 2025.00; / 2 members = 1012.50
    assert (s.window_start, s.window_end) == (
        datetime.date(2025, 11, 1),
        datetime.date(2026, 10, 1),
    )
    assert (s.total, s.monthly, s.per_capita_monthly, s.counted_members) == (
        Decimal("24300.00"),
        Decimal("2025.00"),
        Decimal("1012.50"),
        2,
    )


def test_per_capita_income_rounds_half_up_to_the_fen(east_household):
    east_household.incomeitems.all().delete()
    IncomeItemFactory(household=east_household, amount=Decimal("100.00"))  # 12 months
    Person.objects.filter(household=east_household, relation="spouse").update(is_counted=False)
    hh = Household.objects.get(pk=east_household.pk)
    s = household_income_summary(
        members=list(hh.members.all()),
        income_items=list(hh.incomeitems.all()),
        on=datetime.date(2026, 11, 1),
    )
    # 100 / 12 = 8.333… → 8.33; one counted member
    assert (s.per_capita_monthly, s.counted_members) == (Decimal("8.33"), 1)


# --- list page ------------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_rows(
    client, east_reviewer, django_assert_max_num_queries
):
    for i in range(30):
        household_with_head(hukou_area_id=first_village(CHENGDONG), head_name=f"户主{i}")
    client.force_login(east_reviewer)
    client.get(
        reverse("home")
    )  # a session's first request records its last activity (idle timeout)
    url = reverse("registry:household_list")
    # session, user, role assignments (+2 for the role tag in the page header), filter areas,
    # page rows (with areas joined), exact count, heads: 9, whatever the number of rows
    with django_assert_max_num_queries(9):
        r = client.get(url, {"sort": "score", "disabled": "", "urban_rural": "urban"})
    assert len(r.context["page"].items) == 20  # the first page size of 20 / 50 / 100
    assert r.context["page"].has_next is True
    assert r.context["page"].count == 30
    with django_assert_max_num_queries(9):
        r = client.get(url, {"page": "2"})
    assert len(r.context["page"].items) == 10


def test_list_filters_and_masked_head_id(client, east_household, east_reviewer):
    other = household_with_head(hukou_area_id=first_village(CHENGDONG), head_name="孙丽")
    client.force_login(east_reviewer)
    url = reverse("registry:household_list")
    # disability filter: only the household with 李芳 (肢体三级)
    r = client.get(url, {"disabled": "on"})
    assert [h.pk for h in r.context["page"].items] == [east_household.pk]
    # programme filter: only the household on 低保
    r = client.get(url, {"programme": "dibao"})
    assert [h.pk for h in r.context["page"].items] == [east_household.pk]
    # name prefix
    r = client.get(url, {"q": "孙"})
    assert [h.pk for h in r.context["page"].items] == [other.pk]
    head_id = other.members.get().id_number
    assert f"{head_id[:4]}**********{head_id[-4:]}" in r.content.decode()
    # area select offers the villages of 城东街道 (the reviewer's children areas)
    codes = [c for c, _ in r.context["form"].fields["area"].choices if c]
    assert first_village(CHENGDONG) in codes and all(c.startswith("321202001") for c in codes)


def test_list_htmx_returns_only_results(client, east_household, east_reviewer):
    client.force_login(east_reviewer)
    r = client.get(
        reverse("registry:household_list"),
        {"q": "张"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    body = r.content.decode()
    assert east_household.number in body
    assert "<html" not in body


def test_opening_member_edit_form_is_an_audited_reveal(client, east_household, east_reviewer):
    # given: the edit form shows the full ID and phone
    p = spouse(east_household)
    client.force_login(east_reviewer)
    # when
    body = client.get(reverse("registry:person_edit", args=[p.pk])).content.decode()
    # then
    assert p.id_number in body
    e = AuditEvent.objects.get(action="person.reveal")
    assert (e.actor_id, e.subject_id, e.extra) == (
        east_reviewer.pk,
        str(p.pk),
        {"field": "edit_form"},
    )


def test_reason_field_comes_last(client, east_household, east_reviewer):
    client.force_login(east_reviewer)
    r = client.get(reverse("registry:person_edit", args=[spouse(east_household).pk]))
    assert list(r.context["form"].fields)[-1] == "reason"


def test_search_by_plain_digit_household_number(client, east_reviewer):
    # given an imported household whose number is plain digits (as the synthetic county's)
    hh = household_with_head(hukou_area_id=first_village(CHENGDONG), number="32120200100200001")
    household_with_head(hukou_area_id=first_village(CHENGDONG))
    client.force_login(east_reviewer)
    # when
    r = client.get(reverse("registry:household_list"), {"q": "321202001002000"})
    # then
    assert [h.pk for h in r.context["page"].items] == [hh.pk]


def test_list_ignores_an_out_of_scope_area_but_keeps_the_search(
    client, east_household, west_household, east_reviewer
):
    client.force_login(east_reviewer)
    r = client.get(
        reverse("registry:household_list"), {"q": "张", "area": west_household.hukou_area_id}
    )
    assert [h.pk for h in r.context["page"].items] == [east_household.pk]
