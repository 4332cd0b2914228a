"""Monitoring's nightly job on the worker's clock (core.schedule's ``monitor_nightly``): queued
for 02:40, re-queued after each run, a full run on Sunday, no cron."""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from jiuzhu.core.schedule import job_get, schedule_cancel, schedule_ensure, schedule_waiting
from jiuzhu.monitoring.models import MonitorRun
from jiuzhu.monitoring.tasks import monitor_nightly_task

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
JOB = "monitor_nightly"
TASK_PATH = "jiuzhu.monitoring.tasks.monitor_nightly_task"


def waiting():
    return DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY")


def nightly_waiting():
    return schedule_waiting(JOB).get(JOB)


def test_the_next_nightly_is_tonight_before_0240_and_tomorrow_after():
    when = job_get(JOB).when
    before = datetime.datetime(2026, 11, 23, 1, 0, tzinfo=SHANGHAI)
    after = datetime.datetime(2026, 11, 23, 2, 40, tzinfo=SHANGHAI)
    assert when.next_after(before) == datetime.datetime(2026, 11, 23, 2, 40, tzinfo=SHANGHAI)
    assert when.next_after(after) == datetime.datetime(2026, 11, 24, 2, 40, tzinfo=SHANGHAI)


def test_scheduling_queues_one_deferred_task_and_is_idempotent(cast):
    now = datetime.datetime(2026, 11, 23, 15, 0, tzinfo=SHANGHAI)
    when = schedule_ensure(JOB, now=now)[JOB]
    assert when == datetime.datetime(2026, 11, 24, 2, 40, tzinfo=SHANGHAI)
    assert schedule_ensure(JOB, now=now)[JOB] == when and schedule_ensure()[JOB] == when
    task = waiting().get()
    assert task.run_after == when and task.args_kwargs["kwargs"] == {"scheduled": JOB}
    # A manually queued nightly job (jiuzhu monitor enqueue --nightly) is not the schedule.
    monitor_nightly_task.enqueue()
    assert nightly_waiting().pk == task.pk
    assert schedule_cancel(JOB) == 1 and nightly_waiting() is None


def test_sundays_occurrence_is_a_full_run(cast):
    saturday = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=SHANGHAI)
    assert schedule_ensure(JOB, now=saturday)[JOB].weekday() == 6
    assert waiting().get().args_kwargs["kwargs"] == {"scheduled": JOB, "full": True}


def test_the_scheduled_run_does_the_nightly_work_and_queues_the_next_night(cast):
    monitor_nightly_task.call(scheduled=JOB)
    assert MonitorRun.objects.filter(trigger="nightly", status="done").exists()
    nxt = nightly_waiting()
    assert nxt is not None and nxt.run_after > datetime.datetime.now(tz=SHANGHAI)
    # Only this job's next occurrence: the chain does not queue the other jobs.
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_a_failed_nightly_run_still_queues_the_next_night(cast, monkeypatch):
    from jiuzhu.monitoring import nightly

    def broken(**kw):
        raise RuntimeError("数据库断开")

    monkeypatch.setattr(nightly, "nightly", broken)
    with pytest.raises(RuntimeError):
        monitor_nightly_task.call(scheduled=JOB)
    assert nightly_waiting() is not None


def test_the_command_schedules_and_cancels_and_the_overview_says_when(cast):
    admin, county = Client(), Client()
    admin.force_login(cast.admin)
    county.force_login(cast.approver)
    assert "未排定每晚任务" in admin.get("/monitoring/rules/").content.decode()
    assert "未排定每晚任务" in county.get("/monitoring/").content.decode()
    out = StringIO()
    call_command("monitor", "schedule", stdout=out)  # the alias of jiuzhu schedule
    assert "定时任务已排定" in out.getvalue() and "下次" in out.getvalue()
    assert "02:40" in out.getvalue()
    assert "下次每晚任务" in admin.get("/monitoring/rules/").content.decode()
    assert "下次每晚任务" in county.get("/monitoring/").content.decode()
    out = StringIO()
    call_command("monitor", "schedule", "--cancel", stdout=out)
    from jiuzhu.core.schedule import JOBS

    # every job's, not only monitoring's
    assert f"已取消等待中的定时任务 {len(JOBS)} 个" in out.getvalue() and len(JOBS) > 1
    assert not DBTaskResult.objects.filter(status="READY").exists()


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_runs_the_due_night_and_leaves_the_next_one_waiting(cast):
    """db_worker --batch: the task due now runs; the next night's waits (not run early)."""
    past = datetime.datetime.now(tz=SHANGHAI) - datetime.timedelta(minutes=5)
    monitor_nightly_task.using(run_after=past).enqueue(scheduled=JOB)
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    done = DBTaskResult.objects.get(task_path=TASK_PATH, run_after=past)
    assert done.status == "SUCCESSFUL", done.exception_class_path
    assert MonitorRun.objects.filter(trigger="nightly", status="done").count() == 1
    nxt = nightly_waiting()
    assert nxt is not None and nxt.run_after == job_get(JOB).when.next_after()
