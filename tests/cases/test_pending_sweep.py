"""Kept uploads (cases.pending) of a form never sent again are deleted by the scheduled job
``pending_sweep`` once older than ``JIUZHU_PENDING_UPLOAD_HOURS``; the count is audited."""

import datetime
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases.pending import pending_sweep, pending_sweep_task
from jiuzhu.core import clock
from jiuzhu.core.schedule import job_get, schedule_waiting

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%kept\n"


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def _kept(token: str, name: str, hours_old: float) -> str:
    path = default_storage.save(f"pending/{token}/{name}", ContentFile(PDF))
    stamp = (clock.now() - datetime.timedelta(hours=hours_old)).timestamp()
    os.utime(default_storage.path(path), (stamp, stamp))
    return path


def test_old_kept_uploads_are_deleted_and_counted_in_the_audit_log(media, settings):
    settings.JIUZHU_PENDING_UPLOAD_HOURS = 48
    old_a = _kept("abandoned", "a", 49)
    old_b = _kept("abandoned", "b", 72)
    fresh = _kept("in-use", "c", 47)  # a clerk may still come back to this form
    mixed_old = _kept("mixed", "d", 100)
    mixed_new = _kept("mixed", "e", 1)
    assert pending_sweep() == 3
    for p in (old_a, old_b, mixed_old):
        assert not default_storage.exists(p)
    for p in (fresh, mixed_new):
        assert default_storage.exists(p)
    assert not (media / "pending" / "abandoned").exists()  # the empty folder goes too
    ev = AuditEvent.objects.get(action="pending.sweep")
    assert ev.after == {"deleted": 3, "folders": 1, "older_than_hours": 48}
    # nothing left to delete: no empty audit events
    assert pending_sweep() == 0
    assert AuditEvent.objects.filter(action="pending.sweep").count() == 1
    # the age limit is a setting (and a parameter)
    assert pending_sweep(older_than_hours=0) == 2


def test_no_pending_folder_is_nothing_to_do(media):
    assert pending_sweep() == 0


def test_the_sweep_is_a_scheduled_job_that_queues_tomorrows_run(media):
    job = job_get("pending_sweep")
    assert str(job.label) == "每日清理暂存上传文件" and job.when.text() == "每天 04:20"
    assert job.task is pending_sweep_task
    _kept("abandoned", "a", 100)
    assert pending_sweep_task.call(scheduled="pending_sweep") == {"deleted": 1}
    waiting = schedule_waiting()
    assert set(waiting) == {"pending_sweep"}
    assert waiting["pending_sweep"].run_after == job.when.next_after()
