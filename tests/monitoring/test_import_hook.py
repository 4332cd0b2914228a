"""After an accepted department import, a monitoring run is queued for the database worker."""

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jiuzhu.monitoring.models import Alert
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db


def test_an_import_enqueues_the_monitoring_run_on_commit(cast, django_capture_on_commit_callbacks):
    hh, (head,), _ = on_roll(cast.village)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_rows("police", [police_death(head, timezone.localdate())])
    assert len(callbacks) == 1
    queued = DBTaskResult.objects.filter(task_path="jiuzhu.monitoring.tasks.monitor_run_task")
    assert queued.count() == 1 and queued.get().args_kwargs["kwargs"] == {"trigger": "import"}
    assert not Alert.objects.exists()  # the worker runs it, not the import


def test_the_queued_task_runs_the_rules(cast):
    from jiuzhu.monitoring.tasks import monitor_run_task

    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [police_death(head, timezone.localdate())])
    result = monitor_run_task.call(trigger="import")
    assert result["created"] == 1 and Alert.objects.get().household == hh
