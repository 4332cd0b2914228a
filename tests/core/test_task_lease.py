"""Issue 14 item 18: a task left RUNNING by a killed worker does not stay running forever."""

import datetime

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from jiuzhu.core import clock
from jiuzhu.core.schedule import schedule_recover, schedule_waiting

pytestmark = pytest.mark.django_db


def _killed_run(started):
    from jiuzhu.audit.tasks import audit_verify_task

    result = audit_verify_task.enqueue(scheduled="audit_daily")
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=started, worker_ids=["dead-worker"]
    )
    return result.id


def test_expired_lease_marks_the_task_failed_says_so_and_requeues(settings):
    settings.JIUZHU_TASK_LEASE_MINUTES = 120
    now = clock.now()
    stale = _killed_run(now - datetime.timedelta(hours=3))
    fresh = _killed_run(now - datetime.timedelta(minutes=5))
    assert [str(pk) for pk in schedule_recover(now=now)] == [str(stale)]
    row = DBTaskResult.objects.get(pk=stale)
    assert row.status == "FAILED"
    assert row.exception_class_path.endswith("LeaseExpired")
    assert "工作进程在运行中被终止" in row.traceback
    assert DBTaskResult.objects.get(pk=fresh).status == "RUNNING"  # within its lease
    assert "audit_daily" in schedule_waiting("audit_daily")  # the next occurrence is queued


def test_worker_restart_ends_every_running_task(capsys):
    pk = _killed_run(clock.now() - datetime.timedelta(minutes=1))
    call_command("schedule", worker_restart=True)
    assert DBTaskResult.objects.get(pk=pk).status == "FAILED"
    assert "租约过期" in capsys.readouterr().err
