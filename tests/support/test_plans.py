"""Support plans: the review date on the 待办 page (escalated to the county when overdue), the
six-item assessment made on the plan page derives the 特困 self-care level the calculator uses."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from jiuzhu.accounts.roles import Role
from jiuzhu.cases.selectors import todo_rows
from jiuzhu.core import clock
from jiuzhu.policy.selectors import calculate_household
from jiuzhu.registry.models import SelfCareAssessment
from jiuzhu.support import services
from tests.clock import travel_to
from tests.conftest import CHENGDONG, HAILING
from tests.factories import first_village, household_with_head, user_with_role

pytestmark = pytest.mark.django_db


def _plan(worker, hh, days=10):
    return services.plan_create(
        actor=worker,
        household_id=hh.pk,
        needs={"care": "独居，行动不便", "psychology": "丧偶后情绪低落"},
        goals="生活有人照料，情绪稳定",
        measures="低保；购买照料护理和心理疏导服务",
        review_date=clock.today() + datetime.timedelta(days=days),
    )


def test_the_review_date_is_on_the_todo_list_and_escalates_when_overdue():
    village = first_village(CHENGDONG)
    worker = user_with_role(Role.VILLAGE_WORKER, village)
    county = user_with_role(Role.COUNTY_APPROVER, HAILING)
    hh = household_with_head(hukou_area_id=village, head_name="赵桂兰")
    plan = _plan(worker, hh)
    today = clock.today()
    rows = [r for r in todo_rows(user=worker, today=today) if r.source == "plan"]
    assert [r.ref_url for r in rows] == [f"/support/plans/{plan.pk}/"]
    assert rows[0].flag == "" and rows[0].person == "赵桂兰"
    assert not [r for r in todo_rows(user=county, today=today) if r.source == "plan"]
    # a few days after the review date: overdue for the worker, not yet the county's
    late = plan.review_date + datetime.timedelta(days=4)
    rows = [r for r in todo_rows(user=worker, today=late) if r.source == "plan"]
    assert rows[0].flag == "overdue" and "已升级" not in rows[0].kind_label
    assert not [r for r in todo_rows(user=county, today=late) if r.source == "plan"]
    # more than five working days overdue: escalated, on the county's list too
    later = plan.review_date + datetime.timedelta(days=14)
    for user in (worker, county):
        rows = [r for r in todo_rows(user=user, today=later) if r.source == "plan"]
        assert rows and rows[0].flag == "overdue" and "已升级" in rows[0].kind_label
    # a review moves the date forward: off the list until it comes near again
    with travel_to(later):
        services.plan_review(
            actor=worker,
            plan_id=plan.pk,
            version=1,
            satisfaction=4,
            capability=3,
            integration=3,
            next_review_date=later + datetime.timedelta(days=180),
        )
    assert not [r for r in todo_rows(user=worker, today=later) if r.source == "plan"]
    # on the 待办 page itself
    c = Client()
    with travel_to(later + datetime.timedelta(days=180 + 14)):
        c.force_login(worker)
        page = c.get(reverse("cases:todo")).content.decode()
    assert f"/support/plans/{plan.pk}/" in page


def test_the_six_item_assessment_on_the_plan_page_sets_the_tekun_self_care_level():
    village = first_village(CHENGDONG)
    worker = user_with_role(Role.VILLAGE_WORKER, village)
    hh = household_with_head(hukou_area_id=village, head_name="钱老汉")
    person = hh.members.get()
    plan = _plan(worker, hh)
    c = Client()
    c.force_login(worker)
    r = c.post(
        f"/support/plans/{plan.pk}/",
        {
            "action": "assess",
            "person": person.pk,
            "able": ["eating", "walking"],  # unable: dressing, transfer, toileting, bathing
            "assessor": "镇卫生院",
        },
    )
    assert r.status_code == 302
    a = SelfCareAssessment.objects.get(person=person)
    assert a.items_unable == 4 and a.assessor == "镇卫生院"
    calc = calculate_household(household_id=hh.pk, on=clock.today())
    member = next(m for m in calc["members"] if m["id"] == person.pk)
    assert member["self_care"]["value"] == "none" and member["self_care"]["items_unable"] == 4
    page = c.get(f"/support/plans/{plan.pk}/").content.decode()
    assert "完全丧失生活自理能力" in page and "不能自理4项" in page
    # two items unable → partial (特困办法 Art. 20–23: 1–3 items)
    c.post(
        f"/support/plans/{plan.pk}/",
        {
            "action": "assess",
            "person": person.pk,
            "able": ["eating", "walking", "dressing", "transfer"],
            "assessor": "镇卫生院",
        },
    )
    calc = calculate_household(household_id=hh.pk, on=clock.today())
    member = next(m for m in calc["members"] if m["id"] == person.pk)
    assert member["self_care"]["value"] == "partial"


def test_a_plan_needs_a_goal_and_a_future_review_date_and_keeps_what_was_typed():
    village = first_village(CHENGDONG)
    worker = user_with_role(Role.VILLAGE_WORKER, village)
    hh = household_with_head(hukou_area_id=village)
    c = Client()
    c.force_login(worker)
    r = c.post(
        "/support/plans/new/",
        {
            "household": hh.number,
            "need_care": "独居",
            "goals": "",
            "review_date": (clock.today() - datetime.timedelta(days=1)).isoformat(),
        },
    )
    body = r.content.decode()
    assert r.status_code == 200 and "“帮扶目标”为必填项" in body and "“复评日期”须晚于今天" in body
    assert 'value="独居"' in body
