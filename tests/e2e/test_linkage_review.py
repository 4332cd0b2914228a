"""The linkage review queue and the duplicates page's button, in a real browser at 1440 and
390 px (issue 22): the evidence side by side with masked ID numbers and labels, not codes; the
button queues one scoped run and is disabled while it runs."""

import datetime

import pytest
from django.utils import timezone

from jiuzhu.accounts.roles import Role
from jiuzhu.verify import matching
from jiuzhu.verify.models import DuplicatePair, FeedRecord, LinkStatus, MatchRun, RecordLink
from tests.conftest import CHENGDONG, HAILING
from tests.e2e.test_case_flow import browser_context, login, shots_dir  # noqa: F401
from tests.factories import HouseholdFactory, PersonFactory, first_village, user_with_role
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _review_link(head):
    row = police_death(head, datetime.date(2026, 11, 2), key="GA-E2E-1")
    row[1] = ""  # no ID number
    row[3] = "F" if head.sex == "M" else "M"  # the other sex: never accepted automatically
    import_rows("police", [row])
    run = MatchRun.objects.create(kind=MatchRun.KIND_FEEDS)
    return RecordLink.objects.create(
        record=FeedRecord.objects.get(record_key="GA-E2E-1"),
        person=head,
        run=run,
        method=matching.METHOD_PROBABILISTIC,
        status=LinkStatus.REVIEW,
        match_probability=0.93,
        match_weight=3.2,
        comparison={
            "id_number": {"level": None, "weight": 0.0},
            "name": {"level": "name_exact", "weight": 10.5},
            "birth_date": {"level": "birth_exact", "weight": 11.0},
            "sex": {"level": "sex_other", "weight": -10.0},
            "area": {"level": "area_village", "weight": 3.9},
        },
    )


@pytest.mark.parametrize("width", [1440, 390])
def test_review_queue_and_duplicates_button(live_server, taizhou, browser_context, width):  # noqa: F811
    village = first_village(CHENGDONG)
    hh, (head,), _ = on_roll(village)
    link = _review_link(head)
    other = HouseholdFactory(hukou_area_id=village)
    dup = PersonFactory(
        household=other, name=head.name, sex=head.sex, birth_date=head.birth_date, id_number=None
    )
    DuplicatePair.objects.create(
        person_a=head,
        person_b=dup,
        kind="two_households",
        match_probability=0.998,
        run=MatchRun.objects.create(kind=MatchRun.KIND_REGISTRY, finished_at=timezone.now()),
    )
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING, full_name="陈区县")
    page, base, shots = browser_context.new_page(), live_server.url, shots_dir()
    page.set_viewport_size({"width": width, "height": 900})
    page.set_default_timeout(90_000)  # a shared, loaded machine: the live server can be slow
    login(page, base, approver.username)

    page.goto(f"{base}/verify/review/")
    text = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
    assert "性别不同" in text and "不能自动接受" in text and "死亡" in text
    assert head.id_number not in page.content()
    assert "sex_other" not in text and "probabilistic" not in text and "death" not in text
    page.screenshot(path=str(shots / f"linkage-review-{width}.png"), full_page=True)
    page.fill(f"form[action='/verify/review/{link.pk}/'] input[name=note]", "性别不符，不是本人")
    page.click(f"form[action='/verify/review/{link.pk}/'] button[value=rejected]")
    page.wait_for_url(f"{base}/verify/review/")
    assert not RecordLink.objects.filter(pk=link.pk).exists()

    page.goto(f"{base}/verify/quality/")
    assert "性别不符，不是本人" in page.inner_text("body")
    page.screenshot(path=str(shots / f"linkage-quality-{width}.png"), full_page=True)

    page.goto(f"{base}/verify/duplicates/")
    assert head.id_number not in page.content()
    button = page.locator("form[action='/verify/duplicates/run/'] button")
    assert button.is_enabled()
    page.screenshot(path=str(shots / f"duplicates-{width}.png"), full_page=True)
    button.click()
    page.wait_for_url(f"{base}/verify/duplicates/")
    assert "已加入后台任务" in page.inner_text("body")
    MatchRun.objects.create(kind=MatchRun.KIND_REGISTRY)  # the queued run has started
    page.reload()
    assert page.locator("form[action='/verify/duplicates/run/'] button").is_disabled()
    assert "检测正在运行" in page.inner_text("body")
    page.screenshot(path=str(shots / f"duplicates-running-{width}.png"), full_page=True)
