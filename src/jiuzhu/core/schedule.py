"""Every recurring job on the task worker's own clock: one registry, no cron needed.

django-tasks has no periodic tasks, but the database backend runs a task no earlier than its
``run_after``. So each job in ``JOBS`` is queued for its next occurrence with the marker kwarg
``scheduled=<job name>``, and the task, when it ends (worked or failed), queues the following one
(``schedule_chain``). ``schedule_ensure`` makes sure exactly one occurrence of each enabled job is
waiting: it is idempotent and is run by ``jiuzhu schedule`` before each worker start (that also
mends a chain broken by a worker killed in the middle of a run — that task stays ``RUNNING``), by
``jiuzhu demo``, and at the end of every scheduled run. A worker that was down at the time runs
the waiting occurrence when it comes back, then returns to the normal times.

The night's order matters: 政策找人 (02:15, ~80 s on 1M persons), then the incremental 核对
(02:25, ~50 s), then monitoring (02:40, 2–3 min on Sunday's full run), which reads both; the
monthly full 核对 runs on the 1st at 01:30, before all of them; the audit chain check at 04:00,
the funds ledger chain check at 04:10; every hour (at :05 and :07) the anchors of both chains
move forward after a check of what was appended since.

A site that prefers cron sets ``JIUZHU_SCHEDULE_OFF`` (job names, or ``all``), runs
``jiuzhu schedule --cancel`` and installs ``jiuzhu schedule --cron``'s lines, which run a job in
the cron process (``jiuzhu schedule --run NAME``).
"""

from __future__ import annotations

import calendar
import contextlib
import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from jiuzhu.core import clock

WEEKLY_TEXT = (  # "每周一 02:00" …: Monday = 0 … Sunday = 6, as datetime.weekday()
    _("每周一 %(at)s"),
    _("每周二 %(at)s"),
    _("每周三 %(at)s"),
    _("每周四 %(at)s"),
    _("每周五 %(at)s"),
    _("每周六 %(at)s"),
    _("每周日 %(at)s"),
)
_LOCK_KEY = 4_612_027  # PostgreSQL advisory lock: two ensures never queue the same job twice


@dataclass(frozen=True)
class When:
    """Daily at ``at``; monthly on ``day`` (1–28, so every month has it); weekly on ``weekday``;
    ``hourly``: every hour at ``at``'s minute."""

    at: datetime.time
    day: int | None = None
    weekday: int | None = None
    hourly: bool = False

    def __post_init__(self):
        if self.day is not None and not 1 <= self.day <= 28:
            raise ValueError(f"monthly day {self.day}: 1–28, so that every month has it")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday {self.weekday}: 0 (Monday) … 6 (Sunday)")
        if self.day is not None and self.weekday is not None:
            raise ValueError("monthly or weekly, not both")
        if self.hourly and (self.day is not None or self.weekday is not None):
            raise ValueError("hourly is neither monthly nor weekly")

    def next_after(self, now: datetime.datetime | None = None) -> datetime.datetime:
        """The first occurrence strictly after ``now`` (local time, an aware datetime)."""
        local = timezone.localtime(now or timezone.now())
        if self.hourly:
            when = local.replace(minute=self.at.minute, second=0, microsecond=0)
            return when if when > local else when + datetime.timedelta(hours=1)
        day = local.date()
        if self.day is not None:
            day = day.replace(day=self.day)
        elif self.weekday is not None:
            day += datetime.timedelta(days=(self.weekday - day.weekday()) % 7)
        when = timezone.make_aware(datetime.datetime.combine(day, self.at))
        if when > local:
            return when
        if self.day is not None:
            days_in_month = calendar.monthrange(day.year, day.month)[1]
            day = (day + datetime.timedelta(days=days_in_month)).replace(day=self.day)
        else:
            day += datetime.timedelta(days=7 if self.weekday is not None else 1)
        return timezone.make_aware(datetime.datetime.combine(day, self.at))

    def text(self) -> str:
        at = f"{self.at:%H:%M}"
        if self.hourly:
            return _("每小时第%(minute)s分") % {"minute": self.at.minute}
        if self.day is not None:
            return _("每月%(day)s日 %(at)s") % {"day": self.day, "at": at}
        if self.weekday is not None:
            return WEEKLY_TEXT[self.weekday] % {"at": at}
        return _("每天 %(at)s") % {"at": at}

    def cron(self) -> str:
        """The crontab time fields (minute hour day-of-month month day-of-week)."""
        if self.hourly:
            return f"{self.at.minute} * * * *"
        dom = str(self.day) if self.day is not None else "*"
        dow = str((self.weekday + 1) % 7) if self.weekday is not None else "*"  # cron: 0 = Sunday
        return f"{self.at.minute} {self.at.hour} {dom} * {dow}"


def daily(hour: int, minute: int) -> When:
    return When(datetime.time(hour, minute))


def hourly(minute: int) -> When:
    return When(datetime.time(0, minute), hourly=True)


def monthly(day: int, hour: int, minute: int) -> When:
    return When(datetime.time(hour, minute), day=day)


def weekly(weekday: int, hour: int, minute: int) -> When:
    return When(datetime.time(hour, minute), weekday=weekday)


@dataclass(frozen=True)
class Job:
    """A recurring job: ``task_path`` is a django-tasks task that takes ``scheduled: str = ""``
    and wraps its work in ``schedule_chain(scheduled)``; it is queued with ``kwargs``, plus
    ``on_weekday[d]`` for an occurrence falling on weekday ``d`` (Sunday's full run)."""

    name: str
    label: str
    when: When
    task_path: str
    kwargs: Mapping = field(default_factory=dict)
    on_weekday: Mapping[int, Mapping] = field(default_factory=dict)

    @property
    def task(self):
        return import_string(self.task_path)

    def kwargs_for(self, day: datetime.date) -> dict:
        return {**self.kwargs, **self.on_weekday.get(day.weekday(), {})}

    @property
    def enabled(self) -> bool:
        off = set(settings.JIUZHU_SCHEDULE_OFF)
        return not ({"all", self.name} & off)


# Filled by each app's ``AppConfig.ready()`` (``job_register``): core imports no domain app. The
# list keeps the night's order (``order``), so that listings and ``--cron`` read top to bottom.
JOBS: list[Job] = []
_ORDER: dict[str, int] = {}
_BY_NAME: dict[str, Job] = {}


def job_register(job: Job, *, order: int) -> None:
    """Add a recurring job (idempotent by name: a second registration replaces the first)."""
    if job.name in _BY_NAME:
        JOBS.remove(_BY_NAME[job.name])
    _BY_NAME[job.name] = job
    _ORDER[job.name] = order
    JOBS.append(job)
    JOBS.sort(key=lambda j: _ORDER[j.name])  # in place: ``from … import JOBS`` sees the same list


class UnknownJob(KeyError):
    def __init__(self, name: str):
        super().__init__(name)
        self.message = f"没有名为“{name}”的定时任务（可用：{'、'.join(_BY_NAME)}）"


def job_get(name: str) -> Job:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownJob(name) from None


def _jobs(names) -> list[Job]:
    return [job_get(n) for n in names] if names else list(JOBS)


def schedule_defers() -> bool:
    """Whether the task backend keeps the schedule (the database backend: ``run_after``)."""
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    backend = task_backends["default"]
    return isinstance(backend, DatabaseBackend) and backend.supports_defer


def _waiting_rows(jobs: list[Job]) -> Iterator:
    """The queued, not yet started scheduled occurrences of ``jobs``, earliest first."""
    from django_tasks_db.models import DBTaskResult

    paths = {j.name: j.task_path for j in jobs}
    rows = DBTaskResult.objects.filter(status="READY", task_path__in=set(paths.values())).order_by(
        "run_after"
    )
    for row in rows:
        name = (row.args_kwargs.get("kwargs") or {}).get("scheduled")
        if isinstance(name, str) and paths.get(name) == row.task_path:
            yield name, row


def schedule_waiting(*names: str) -> dict:
    """Each job's (all, or ``names``) next queued occurrence (``DBTaskResult``), if any."""
    if not schedule_defers():
        return {}
    waiting: dict = {}
    for name, row in _waiting_rows(_jobs(names)):
        waiting.setdefault(name, row)
    return waiting


class LeaseExpired(Exception):
    """A task stayed RUNNING past its lease: its worker was killed or lost in the middle."""


def lease_minutes() -> int:
    return int(getattr(settings, "JIUZHU_TASK_LEASE_MINUTES", 120))


def schedule_recover(*, now: datetime.datetime | None = None, all_running: bool = False) -> list:
    """End tasks whose lease expired: a task RUNNING for longer than ``JIUZHU_TASK_LEASE_MINUTES``
    (default 120; the longest job takes minutes) was left by a killed worker. It is marked FAILED
    with a ``LeaseExpired`` message saying so (visible in ``jiuzhu schedule --list`` and the task
    list), and a scheduled job gets its next occurrence queued again (``schedule_ensure``), so it
    is retried at its next time. ``all_running``: every RUNNING task (a single worker restarting:
    nothing can still be running). Runs before each worker start (``jiuzhu schedule``) and at the
    end of every scheduled run. Returns the ids marked failed."""
    import logging

    from django_tasks_db.models import DBTaskResult

    now = now or clock.now()
    qs = DBTaskResult.objects.filter(status="RUNNING")
    if not all_running:
        qs = qs.filter(started_at__lt=now - datetime.timedelta(minutes=lease_minutes()))
    failed = []
    for row in qs:
        started = timezone.localtime(row.started_at) if row.started_at else None
        exc = LeaseExpired(
            f"任务运行中断：工作进程在运行中被终止（开始于 {started:%Y-%m-%d %H:%M}），"
            f"超过 {lease_minutes()} 分钟租约仍未结束，已标记为失败"
            if started
            else "任务运行中断：工作进程在运行中被终止，已标记为失败"
        )
        updated = DBTaskResult.objects.filter(pk=row.pk, status="RUNNING").update(
            status="FAILED",
            finished_at=now,
            exception_class_path=f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}",
            traceback=str(exc),
            return_value=None,
        )
        if updated:
            failed.append(row.pk)
            logging.getLogger("jiuzhu.schedule").error("%s: %s", row.task_path, exc)
    if failed:
        schedule_ensure()
    return failed


def schedule_ensure(
    *names: str, now: datetime.datetime | None = None
) -> dict[str, datetime.datetime] | None:
    """Queue the next occurrence of each enabled job (all, or ``names``) unless one is waiting,
    and drop the waiting ones of disabled jobs. Returns each enabled job's next run; None when
    the task backend cannot run tasks later (use cron: ``jiuzhu schedule --cron``)."""
    if not schedule_defers():
        return None
    jobs = _jobs(names)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        waiting = schedule_waiting(*(j.name for j in jobs))
        result = {}
        for job in jobs:
            row = waiting.get(job.name)
            if not job.enabled:
                if row is not None:
                    schedule_cancel(job.name)
                continue
            if row is not None:
                result[job.name] = row.run_after
                continue
            when = job.when.next_after(now)
            kwargs = job.kwargs_for(timezone.localtime(when).date())
            job.task.using(run_after=when).enqueue(scheduled=job.name, **kwargs)
            result[job.name] = when
        return result


def schedule_cancel(*names: str) -> int:
    """Remove the waiting occurrences of the jobs (all, or ``names``); how many were removed."""
    if not schedule_defers():
        return 0
    from django_tasks_db.models import DBTaskResult

    ids = [row.pk for _name, row in _waiting_rows(_jobs(names))]
    deleted, _counts = DBTaskResult.objects.filter(pk__in=ids, status="READY").delete()
    return deleted


@contextlib.contextmanager
def schedule_chain(scheduled: str) -> Iterator[None]:
    """Wrap a job's work: a scheduled occurrence queues the next one when it ends, whether it
    worked or failed, so one bad night does not stop the following ones."""
    try:
        yield
    finally:
        if scheduled:
            schedule_ensure(scheduled)
            schedule_recover()


@dataclass(frozen=True)
class NextRun:
    name: str
    label: str
    when: str
    enabled: bool
    next_at: datetime.datetime | None  # None: nothing waiting on the worker
    last_status: str = ""  # SUCCESSFUL / FAILED of the last scheduled run in 62 days, if any
    last_at: datetime.datetime | None = None


def schedule_next(*names: str, last: bool = False) -> list[NextRun]:
    """The jobs (all, or ``names``) with their next run on the worker, for pages and the
    command; ``last``: also the last scheduled run's outcome."""
    jobs = _jobs(names)
    waiting = schedule_waiting(*(j.name for j in jobs))
    finished: dict = {}
    if last and schedule_defers():
        from django_tasks_db.models import DBTaskResult

        since = timezone.now() - datetime.timedelta(days=62)
        rows = DBTaskResult.objects.filter(
            status__in=("SUCCESSFUL", "FAILED"),
            task_path__in={j.task_path for j in jobs},
            finished_at__gte=since,
        ).order_by("-finished_at")
        for row in rows.only("status", "finished_at", "args_kwargs", "task_path"):
            name = (row.args_kwargs.get("kwargs") or {}).get("scheduled")
            if isinstance(name, str):
                finished.setdefault(name, row)
    out = []
    for job in jobs:
        row, done = waiting.get(job.name), finished.get(job.name)
        out.append(
            NextRun(
                job.name,
                str(job.label),
                job.when.text(),
                job.enabled,
                row.run_after if row is not None else None,
                done.status if done is not None else "",
                done.finished_at if done is not None else None,
            )
        )
    return out


def schedule_for_page(*names: str) -> dict:
    """``schedule_next`` for the include ``core/_schedule_next.html``: the jobs, and whether an
    enabled one has nothing waiting (the page then says how to mend it)."""
    jobs = schedule_next(*names)
    return {"jobs": jobs, "missing": any(j.enabled and j.next_at is None for j in jobs)}


def schedule_run_now(name: str, *, today: datetime.date | None = None):
    """Run one job in this process, as its occurrence today would (for cron sites); not chained."""
    job = job_get(name)
    return job.task.call(**job.kwargs_for(today or clock.today()))


CRON_COMMAND = "cd /srv/jiuzhu && .venv/bin/jiuzhu"


def cron_line(job: Job) -> str:
    return f"{job.when.cron()}  {CRON_COMMAND} schedule --run {job.name}"


def cron_lines() -> list[str]:
    """Every job as a crontab line (a site that runs them from cron instead of the worker)."""
    lines = [
        "# 仅在不用后台任务进程定时时需要：设置 JIUZHU_SCHEDULE_OFF=all，运行 jiuzhu schedule --cancel",
    ]
    for job in JOBS:
        lines += [f"# {job.label}（{job.when.text()}）", cron_line(job)]
    return lines
