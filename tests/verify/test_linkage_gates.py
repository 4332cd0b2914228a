"""Consequences gated by certainty, and duplicates scoped to both households (issues 22, 13.13,
14.2): a death acts on money only on a certain link; a duplicate pair is visible and actionable
only where the user's scope holds both persons; detection runs from a command, a button and the
schedule, one run at a time."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.schedule import job_get
from jiuzhu.monitoring.models import Alert
from jiuzhu.monitoring.services import monitor_run
from jiuzhu.registry.models import Person
from jiuzhu.verify import matching, selectors
from jiuzhu.verify.models import (
    DuplicatePair,
    FeedRecord,
    LinkStatus,
    MatchRun,
    RecordLink,
    ReviewDecision,
)
from jiuzhu.verify.services import (
    DUPLICATE_RUN_LEASE,
    _latest_model,
    duplicate_resolve,
    duplicates_detect,
    review_decide,
)
from tests.clock import travel_to
from tests.conftest import CHENGDONG, CHENGXI, HAILING
from tests.factories import HouseholdFactory, PersonFactory, first_village, user_with_role
from tests.monitoring.helpers import import_rows, on_roll, police_death


@pytest.fixture(autouse=True)
def _written_on():
    """The dates in these tests were written on 2026-12-07: that is today for them."""
    with travel_to(datetime.date(2026, 12, 7)):
        yield


pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 20)


# --------------------------------------------------------------------------- death holds


def _probabilistic_death(person, probability: float, day=DAY):
    """A police death record without an ID number, linked to ``person`` by the engine."""
    row = police_death(person, day, key=f"GAP{person.pk}")
    row[1] = ""
    import_rows("police", [row])
    record = FeedRecord.objects.get(record_key=f"GAP{person.pk}")
    run = MatchRun.objects.create(kind=MatchRun.KIND_FEEDS)
    RecordLink.objects.create(
        record=record,
        person=person,
        run=run,
        method=matching.METHOD_PROBABILISTIC,
        status=LinkStatus.ACCEPTED,
        match_probability=probability,
        match_weight=12.0,
        comparison={"name": {"level": "name_exact", "weight": 9.0}},
    )
    return record


def test_a_probabilistic_link_below_the_hold_threshold_alerts_without_holding(taizhou):
    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    _probabilistic_death(head, 0.995)
    monitor_run(on=DAY)
    alert = Alert.objects.get(household=hh, cause="death")
    assert alert.payment_hold is False
    assert "概率匹配" in alert.summary and "未自动暂停发放" in alert.summary


def test_a_probabilistic_link_above_the_hold_threshold_holds_and_says_so(taizhou):
    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    _probabilistic_death(head, 0.9995)
    monitor_run(on=DAY)
    alert = Alert.objects.get(household=hh, cause="death")
    assert alert.payment_hold is True
    assert "概率匹配" in alert.summary and "已暂停发放" in alert.summary


def test_an_exact_id_death_holds_without_a_probabilistic_note(taizhou):
    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    import_rows("police", [police_death(head, DAY)])
    monitor_run(on=DAY)
    alert = Alert.objects.get(household=hh, cause="death")
    assert alert.payment_hold is True and "概率匹配" not in alert.summary


def test_a_death_dated_after_the_run_or_the_extraction_is_never_acted_on(taizhou):
    from jiuzhu.verify.services import feed_import
    from tests.monitoring.helpers import HEADERS

    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    later = DAY + datetime.timedelta(days=30)
    row = ",".join(str(v) for v in police_death(head, later))
    result = feed_import(
        actor=None,
        department="police",
        data=f"{HEADERS['police']}\n{row}\n".encode(),
        file_name="police-future.csv",
        extracted_on=DAY,
    )
    assert result.feed_import.rows_created == 0
    assert any("晚于数据提取日期" in r["reason"] for r in result.feed_import.report)
    monitor_run(on=DAY)
    assert not Alert.objects.filter(household=hh, cause="death").exists()


# --------------------------------------------------------------------------- models and reviews


def test_a_saved_model_of_an_older_engine_is_not_reused(taizhou):
    MatchRun.objects.create(
        kind=MatchRun.KIND_FEEDS, model={"settings": {"comparisons": []}, "trained_on": {}}
    )
    assert _latest_model() is None  # the next run trains a model of this version


def test_rejecting_a_link_files_a_false_link_report_with_its_evidence(client, taizhou):
    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    record = _probabilistic_death(head, 0.97)
    link = RecordLink.objects.get(record=record)
    link.status = LinkStatus.REVIEW
    link.save()
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    review_decide(actor=approver, link_id=link.pk, decision="rejected", note="不是本人，同名")
    report = ReviewDecision.objects.get(record=record)
    assert (report.link_status, report.link_method, report.match_probability) == (
        "review",
        "probabilistic",
        0.97,
    )
    assert report.comparison["name"]["level"] == "name_exact"
    client.force_login(approver)
    html = client.get("/verify/quality/").content.decode()
    assert "不是本人，同名" in html and head.name in html
    assert head.id_number not in html  # masked


# --------------------------------------------------------------------------- duplicates


def _pair_across_streets():
    east = HouseholdFactory(hukou_area_id=first_village(CHENGDONG))
    west = HouseholdFactory(hukou_area_id=first_village(CHENGXI))
    a = PersonFactory(household=east, name="王秀英", birth_date=datetime.date(1950, 3, 3))
    b = PersonFactory(
        household=west, relation="other", name="王秀英", birth_date=datetime.date(1950, 3, 3)
    )
    run = MatchRun.objects.create(kind=MatchRun.KIND_REGISTRY, finished_at=timezone.now())
    pair = DuplicatePair.objects.create(
        person_a=a, person_b=b, kind="two_households", match_probability=0.999, run=run
    )
    return a, b, pair


def test_a_pair_is_visible_and_actionable_only_with_both_households_in_scope(client, taizhou):
    a, b, pair = _pair_across_streets()
    west = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGXI)
    east = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    county = user_with_role(Role.COUNTY_APPROVER, HAILING)
    assert not selectors.duplicate_queue(user=west).exists()
    assert not selectors.duplicate_queue(user=east).exists()
    assert list(selectors.duplicate_queue(user=county)) == [pair]
    events = AuditEvent.objects.count()
    for user in (west, east):
        with pytest.raises(Http404):
            duplicate_resolve(actor=user, pair_id=pair.pk, action="merge", keep="b")
        client.force_login(user)
        page = client.get("/verify/duplicates/").content.decode()
        assert a.name not in page
        response = client.post(f"/verify/duplicates/{pair.pk}/", {"action": "merge", "keep": "b"})
        assert response.status_code == 404
    # nothing changed after the refusals
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.OPEN and pair.resolved_by is None
    assert Person.objects.filter(pk__in=[a.pk, b.pk]).count() == 2
    assert AuditEvent.objects.count() == events
    duplicate_resolve(actor=county, pair_id=pair.pk, action="distinct", note="两个人")
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.DISTINCT


def test_one_duplicate_run_at_a_time_and_a_dead_run_is_released(taizhou):
    running = MatchRun.objects.create(kind=MatchRun.KIND_REGISTRY)
    with pytest.raises(ServiceError) as exc:
        duplicates_detect()
    assert exc.value.code == "duplicates_running"
    # a run that died long ago no longer blocks (and is marked failed)
    MatchRun.objects.filter(pk=running.pk).update(
        started_at=timezone.now() - DUPLICATE_RUN_LEASE - datetime.timedelta(minutes=1)
    )
    assert duplicates_detect() == 0
    running.refresh_from_db()
    assert running.finished_at is not None and "failed" in running.stats


def test_duplicates_from_the_command_and_the_schedule(taizhou, capsys):
    call_command("duplicates")
    assert "疑似重复检测完成" in capsys.readouterr().out
    run = MatchRun.objects.get(kind=MatchRun.KIND_REGISTRY)
    assert run.finished_at is not None and run.started_by is None
    job = job_get("duplicates_weekly")
    assert job.task_path == "jiuzhu.verify.tasks.duplicates_detect_task"


def test_the_duplicates_button_queues_a_scoped_audited_run(
    client, taizhou, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    worker_without_edit = user_with_role(Role.FINANCE, HAILING)
    client.force_login(worker_without_edit)
    assert client.post("/verify/duplicates/run/").status_code == 403
    client.force_login(reviewer)
    page = client.get("/verify/duplicates/").content.decode()
    assert "/verify/duplicates/run/" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/verify/duplicates/run/", follow=True)
    assert response.status_code == 200
    assert DBTaskResult.objects.filter(task_path__endswith="duplicates_detect_task").count() == 1
    event = AuditEvent.objects.get(action="verify.duplicates_requested")
    assert event.after["scope"] == [CHENGDONG[:9]]
    # while a run is going, the button is disabled and a second request refused
    MatchRun.objects.create(kind=MatchRun.KIND_REGISTRY)
    page = client.get("/verify/duplicates/").content.decode()
    assert "检测正在运行" in page and "disabled" in page
    response = client.post("/verify/duplicates/run/", follow=True)
    assert "正在运行" in response.content.decode()
    assert DBTaskResult.objects.filter(task_path__endswith="duplicates_detect_task").count() == 1


# --------------------------------------------------------------------------- a bad record


def test_a_batch_completes_over_full_width_and_unreadable_id_numbers(taizhou):
    """13.10: rows already stored with full-width digits (typed with a Chinese IME) or letters in
    the ID column crashed every batch (``matching._check_chars``); now the full-width number is
    read and linked, the unreadable one is compared without its number and reported."""
    from jiuzhu.verify.models import FeedImport
    from jiuzhu.verify.services import batch_check

    hh, (head,), _ = on_roll(first_village(CHENGDONG))
    imp = FeedImport.objects.create(
        department="police",
        file_name="old.csv",
        file_format="csv",
        checksum="0" * 64,
        extracted_on=DAY,
        status="accepted",
    )
    wide = "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in head.id_number)
    for key, number in (("FW1", wide), ("BAD1", "32120A" + head.id_number[6:])):
        FeedRecord.objects.create(
            department="police",
            record_key=key,
            feed_import=imp,
            row_no=1,
            kind="move_out",
            id_number=number[:18],
            name=head.name,
            sex=head.sex,
            birth_date=head.birth_date,
            area_code=hh.hukou_area_id,
            event_date=DAY,
            data={},
        )
    batch = batch_check(reason="测试")
    assert batch.finished_at is not None
    assert batch.stats["bad_ids"] == 1
    wide_link = RecordLink.objects.get(record__record_key="FW1")
    assert wide_link.person == head and wide_link.method == "exact"
    assert RecordLink.objects.get(record__record_key="BAD1").person == head


def test_a_users_duplicate_run_covers_only_the_households_in_scope(taizhou):
    PersonFactory(household=HouseholdFactory(hukou_area_id=first_village(CHENGDONG)))
    PersonFactory(household=HouseholdFactory(hukou_area_id=first_village(CHENGXI)))
    PersonFactory(household=HouseholdFactory(hukou_area_id=first_village(CHENGXI)))
    reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    assert duplicates_detect(actor=reviewer) == 0
    run = MatchRun.objects.get(kind=MatchRun.KIND_REGISTRY)
    assert run.stats["scope"] == [CHENGDONG[:9]] and run.stats["persons"] == 1
    assert run.started_by == reviewer and run.finished_at is not None
    event = AuditEvent.objects.get(action="verify.duplicates_detect")
    assert event.after["scope"] == [CHENGDONG[:9]]
    with pytest.raises(PermissionDenied):
        duplicates_detect(actor=user_with_role(Role.FINANCE, HAILING))
