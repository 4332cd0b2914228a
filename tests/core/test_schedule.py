"""The recurring jobs on the worker's own clock (core.schedule): when each one runs next, that
ensuring is idempotent, that a failed run still queues the next one, and the real worker."""

import datetime
import re
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.services import audit_record
from jiuzhu.audit.tasks import AuditChainBroken, audit_verify_task
from jiuzhu.core.schedule import (
    JOBS,
    UnknownJob,
    When,
    cron_lines,
    job_get,
    monthly,
    schedule_cancel,
    schedule_ensure,
    schedule_next,
    schedule_waiting,
    weekly,
)
from jiuzhu.verify.models import CheckBatch
from jiuzhu.verify.services import feed_import
from tests.conftest import HAILING
from tests.factories import first_village, user_with_role
from tests.verify.helpers import couple_on_roll, csv_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")
NAMES = [
    "verify_monthly",
    "policy_nightly",
    "verify_nightly",
    "duplicates_weekly",
    "monitor_nightly",
    "audit_daily",
    "ledger_daily",
    "pending_sweep",
    "audit_anchor_hourly",
    "ledger_anchor_hourly",
    "stats_month_close",
    "stats_supervision",
    "reports_escalate",
    "interop_deliveries_retry",
]


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def text(response) -> str:
    return re.sub(r"<[^>]+>", "", response.content.decode())


def nexts(now: datetime.datetime) -> dict[str, datetime.datetime]:
    return {j.name: j.when.next_after(now) for j in JOBS}


def test_the_registry_holds_every_recurring_job_in_the_nights_order():
    assert [j.name for j in JOBS] == NAMES
    assert str(job_get("verify_nightly").label) == "每晚增量核对"
    assert job_get("verify_nightly").kwargs["incremental"] is True
    assert "incremental" not in job_get("verify_monthly").kwargs
    with pytest.raises(UnknownJob) as exc:
        job_get("nightly")
    assert "没有名为“nightly”的定时任务" in exc.value.message


def test_every_jobs_next_occurrence_across_a_month_end():
    # Monday 30 November 2026, late evening: every job's next run is on 1 December.
    assert nexts(at(2026, 11, 30, 23, 0)) == {
        "verify_monthly": at(2026, 12, 1, 1, 30),
        "policy_nightly": at(2026, 12, 1, 2, 15),
        "verify_nightly": at(2026, 12, 1, 2, 25),
        "duplicates_weekly": at(2026, 12, 5, 23, 30),  # Saturday
        "monitor_nightly": at(2026, 12, 1, 2, 40),
        "audit_daily": at(2026, 12, 1, 4, 0),
        "ledger_daily": at(2026, 12, 1, 4, 10),
        "pending_sweep": at(2026, 12, 1, 4, 20),
        "audit_anchor_hourly": at(2026, 11, 30, 23, 5),
        "ledger_anchor_hourly": at(2026, 11, 30, 23, 7),
        "stats_month_close": at(2026, 12, 1, 0, 30),
        "stats_supervision": at(2026, 12, 1, 3, 30),
        "reports_escalate": at(2026, 12, 1, 3, 45),
        "interop_deliveries_retry": at(2026, 12, 1, 4, 30),
    }
    # 1 December at 02:20: the monthly batch and the policy run are done; the month's next batch
    # is on 1 January — across the year end.
    assert nexts(at(2026, 12, 1, 2, 20)) == {
        "verify_monthly": at(2027, 1, 1, 1, 30),
        "policy_nightly": at(2026, 12, 2, 2, 15),
        "verify_nightly": at(2026, 12, 1, 2, 25),
        "duplicates_weekly": at(2026, 12, 5, 23, 30),  # Saturday
        "monitor_nightly": at(2026, 12, 1, 2, 40),
        "audit_daily": at(2026, 12, 1, 4, 0),
        "ledger_daily": at(2026, 12, 1, 4, 10),
        "pending_sweep": at(2026, 12, 1, 4, 20),
        "audit_anchor_hourly": at(2026, 12, 1, 3, 5),
        "ledger_anchor_hourly": at(2026, 12, 1, 3, 7),
        "stats_month_close": at(2027, 1, 1, 0, 30),
        "stats_supervision": at(2026, 12, 1, 3, 30),
        "reports_escalate": at(2026, 12, 1, 3, 45),
        "interop_deliveries_retry": at(2026, 12, 1, 4, 30),
    }
    # Exactly at a job's time it is the next one's turn; from 31 December to 1 January.
    assert job_get("policy_nightly").when.next_after(at(2026, 12, 31, 2, 15)) == at(
        2027, 1, 1, 2, 15
    )
    # A long and a short month: 31 January → 1 February, 28 February → 1 March.
    m = job_get("verify_monthly").when
    assert m.next_after(at(2027, 1, 31, 12, 0)) == at(2027, 2, 1, 1, 30)
    assert m.next_after(at(2027, 2, 28, 12, 0)) == at(2027, 3, 1, 1, 30)
    assert m.next_after(at(2027, 3, 1, 1, 29)) == at(2027, 3, 1, 1, 30)


def test_monthly_on_the_28th_and_weekly_across_boundaries():
    m28 = monthly(28, 23, 0)
    assert m28.next_after(at(2027, 2, 28, 23, 0)) == at(2027, 3, 28, 23, 0)
    assert m28.next_after(at(2028, 2, 27, 0, 0)) == at(2028, 2, 28, 23, 0)  # leap year
    sunday = weekly(6, 3, 30)
    # Saturday 28 November 2026 → Sunday 29th; on Sunday after 03:30 → next Sunday, in December.
    assert sunday.next_after(at(2026, 11, 28, 12, 0)) == at(2026, 11, 29, 3, 30)
    assert sunday.next_after(at(2026, 11, 29, 3, 30)) == at(2026, 12, 6, 3, 30)
    assert sunday.next_after(at(2026, 12, 30, 9, 0)) == at(2027, 1, 3, 3, 30)  # year end
    with pytest.raises(ValueError):
        monthly(29, 1, 0)  # not every month has a 29th
    with pytest.raises(ValueError):
        When(datetime.time(1, 0), day=1, weekday=0)


def test_hourly_anchoring_runs_every_hour_at_its_minute():
    h = job_get("audit_anchor_hourly").when
    assert h.next_after(at(2026, 12, 31, 23, 5)) == at(2027, 1, 1, 0, 5)  # across the year
    assert h.next_after(at(2026, 12, 1, 3, 4, 59)) == at(2026, 12, 1, 3, 5)
    assert h.cron() == "5 * * * *" and str(h.text()) == "每小时第5分"


def test_the_cron_fields_say_the_same_times():
    assert job_get("policy_nightly").when.cron() == "15 2 * * *"
    assert job_get("verify_monthly").when.cron() == "30 1 1 * *"
    assert weekly(6, 3, 30).cron() == "30 3 * * 0"  # cron counts Sunday as 0
    assert weekly(0, 3, 30).cron() == "30 3 * * 1"
    lines = cron_lines()
    assert [ln.split("--run ")[1] for ln in lines if "--run" in ln] == NAMES
    assert "40 2 * * *  cd /srv/jiuzhu && .venv/bin/jiuzhu schedule --run monitor_nightly" in lines


def test_asia_shanghai_has_no_daylight_saving_so_every_night_is_the_same_utc_time():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    policy = job_get("policy_nightly").when
    now = at(2026, 1, 1, 12, 0)
    for _ in range(366):
        when = policy.next_after(now)
        utc = when.astimezone(datetime.UTC)
        assert (utc.hour, utc.minute) == (18, 15) and when.utcoffset() == datetime.timedelta(
            hours=8
        )
        now = when
    # A ``now`` given in UTC is read as Shanghai time: 18:30 UTC is 02:30 the next day there.
    assert policy.next_after(datetime.datetime(2026, 11, 22, 18, 30, tzinfo=datetime.UTC)) == at(
        2026, 11, 24, 2, 15
    )


def test_the_night_runs_in_order_without_overlap_on_a_million_persons():
    """Measured on 1M persons (docs/benchmarks.md), with room: monthly batch with training
    ~84 s, policy ~80 s, incremental 核对 ~50 s, monitoring's Sunday full run 2–3 min."""
    lasts = {
        "verify_monthly": 120,
        "policy_nightly": 120,
        "verify_nightly": 120,
        "monitor_nightly": 300,
    }
    first_of_month = nexts(at(2026, 11, 30, 23, 0))
    names = list(lasts)
    for a, b in zip(names, names[1:], strict=False):
        end_a = first_of_month[a] + datetime.timedelta(seconds=lasts[a])
        assert end_a < first_of_month[b], (a, b)
    assert (
        first_of_month["monitor_nightly"] + datetime.timedelta(seconds=300)
        < first_of_month["audit_daily"]
    )


@pytest.mark.django_db
def test_ensure_queues_each_job_once_and_is_idempotent():
    now = at(2026, 11, 30, 23, 0)
    first = schedule_ensure(now=now)
    assert first == nexts(now)
    assert schedule_ensure(now=now) == first
    assert schedule_ensure() == first  # a later call (another day) keeps what is waiting
    assert schedule_ensure("policy_nightly") == {"policy_nightly": first["policy_nightly"]}
    ready = DBTaskResult.objects.filter(status="READY")
    assert ready.count() == len(NAMES)
    kwargs = {r.args_kwargs["kwargs"]["scheduled"]: r.args_kwargs["kwargs"] for r in ready}
    assert kwargs["verify_nightly"] == {
        "scheduled": "verify_nightly",
        "reason": "每晚增量核对",
        "incremental": True,
    }
    assert kwargs["verify_monthly"] == {
        "scheduled": "verify_monthly",
        "reason": "每月定期核对（全量）",
    }
    assert kwargs["monitor_nightly"] == {"scheduled": "monitor_nightly"}  # a Tuesday: incremental
    # Pages read the next runs; a job's own manual runs are not the schedule.
    from jiuzhu.verify.tasks import batch_check_task

    batch_check_task.enqueue(reason="定期核对")
    assert [(r.name, r.next_at) for r in schedule_next("verify_monthly", "verify_nightly")] == [
        ("verify_monthly", first["verify_monthly"]),
        ("verify_nightly", first["verify_nightly"]),
    ]
    assert schedule_cancel("verify_nightly", "verify_monthly") == 2
    assert set(schedule_waiting()) == {
        "policy_nightly",
        "duplicates_weekly",
        "monitor_nightly",
        "audit_daily",
        "ledger_daily",
        "pending_sweep",
        "audit_anchor_hourly",
        "ledger_anchor_hourly",
        "stats_month_close",
        "stats_supervision",
        "reports_escalate",
        "interop_deliveries_retry",
    }
    manual = DBTaskResult.objects.get(
        status="READY", task_path="jiuzhu.verify.tasks.batch_check_task"
    )
    assert manual.args_kwargs["kwargs"] == {"reason": "定期核对"}  # the manual run stays queued


@pytest.mark.django_db
def test_a_job_switched_off_is_not_queued_and_its_waiting_occurrence_goes(settings):
    schedule_ensure()
    settings.JIUZHU_SCHEDULE_OFF = ["policy_nightly"]
    assert "policy_nightly" not in schedule_ensure()
    assert set(schedule_waiting()) == set(NAMES) - {"policy_nightly"}
    assert [r.enabled for r in schedule_next("policy_nightly", "audit_daily")] == [False, True]
    settings.JIUZHU_SCHEDULE_OFF = ["all"]
    assert schedule_ensure() == {} and schedule_waiting() == {}


@pytest.mark.django_db
def test_a_failed_run_still_queues_its_next_occurrence():
    """A tampered audit log fails the daily chain check — and tomorrow's check is queued."""
    with transaction.atomic():
        for i in range(3):
            audit_record(actor=None, action="test.event", subject_type="thing", subject_id=i)
    seq = AuditEvent.objects.order_by("seq").values_list("seq", flat=True)[1]
    with connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET reason = %s WHERE seq = %s", ["改过", seq])
    with pytest.raises(AuditChainBroken, match=f"第 {seq} 号事件内容被修改"):
        audit_verify_task.call(scheduled="audit_daily")
    assert set(schedule_waiting()) == {"audit_daily"}  # only the failed job's own next run
    assert schedule_waiting()["audit_daily"].run_after == job_get("audit_daily").when.next_after()
    # An unscheduled (manual) run queues nothing.
    schedule_cancel()
    with pytest.raises(AuditChainBroken):
        audit_verify_task.call()
    assert schedule_waiting() == {}


@pytest.mark.django_db
def test_the_command_ensures_lists_cancels_prints_cron_and_runs_one():
    out = StringIO()
    call_command("schedule", stdout=out)
    text = out.getvalue()
    assert "定时任务已排定" in text and text.count("下次") == len(NAMES)
    assert "每月全量核对" in text and "每月1日 01:30" in text and "每天 02:25" in text
    out = StringIO()
    call_command("schedule", "--run", "audit_daily", stdout=out)
    assert "audit_daily 已运行" in out.getvalue() and "审计链完整" in out.getvalue()
    assert schedule_waiting()["audit_daily"]  # running it by hand leaves the schedule as it was
    out = StringIO()
    call_command("schedule", "--cron", stdout=out)
    assert "30 1 1 * *  cd /srv/jiuzhu && .venv/bin/jiuzhu schedule --run verify_monthly" in (
        out.getvalue()
    )
    out = StringIO()
    call_command("schedule", "--cancel", "policy_nightly", stdout=out)
    assert "已取消等待中的定时任务 1 个" in out.getvalue()
    out = StringIO()
    call_command("schedule", "--list", stdout=out)
    assert out.getvalue().count("未排定") == 1 and out.getvalue().count("下次") == len(NAMES) - 1
    with pytest.raises(CommandError, match="没有名为“policy”的定时任务"):
        call_command("schedule", "policy")
    with pytest.raises(CommandError, match="没有名为“x”的定时任务"):
        call_command("schedule", "--run", "x")


@pytest.mark.django_db
def test_the_verification_and_policy_pages_say_when_the_next_runs_are(taizhou):
    worker = user_with_role(Role.COUNTY_APPROVER, HAILING)
    c = Client()
    c.force_login(worker)
    assert "每月全量核对（每月1日 01:30）：后台任务进程未排定" in text(c.get("/verify/"))
    assert "每晚政策找人（每天 02:15）：后台任务进程未排定" in text(c.get("/policy/runs/"))
    when = schedule_ensure()
    page = text(c.get("/verify/"))
    assert f"每晚增量核对（每天 02:25）：下次 {when['verify_nightly']:%Y-%m-%d} 02:25" in page
    assert "未排定" not in page
    assert "每晚政策找人（每天 02:15）：下次" in text(c.get("/policy/runs/"))


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_runs_the_due_batches_and_queues_their_next_ones(taizhou):
    """db_worker --batch: the monthly full 核对 and the nightly incremental one, both due, run
    in their order with their kwargs; each leaves its next occurrence waiting, not run early."""
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    hh, wife, husband, app, _ = couple_on_roll(approver, first_village("321202001000"))
    feed_import(
        actor=None,
        department="market",
        file_name="m.csv",
        data=csv_bytes(
            "market",
            [
                f"MS1,91321202MA1SCH0001,泰州定时商贸有限公司,{husband.id_number},张建国,,"
                "legal_rep,100000.00,active,2021-03-01,321202001001"
            ],
        ),
    )
    now = datetime.datetime.now(tz=SHANGHAI)
    for minutes, name in ((10, "verify_monthly"), (5, "verify_nightly")):
        job = job_get(name)
        job.task.using(run_after=now - datetime.timedelta(minutes=minutes)).enqueue(
            scheduled=name, **job.kwargs_for(now.date())
        )
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    done = DBTaskResult.objects.filter(
        task_path="jiuzhu.verify.tasks.batch_check_task", status__in=("SUCCESSFUL", "FAILED")
    ).order_by("finished_at")
    assert [(r.args_kwargs["kwargs"]["scheduled"], r.status) for r in done] == [
        ("verify_monthly", "SUCCESSFUL"),
        ("verify_nightly", "SUCCESSFUL"),
    ], [r.traceback for r in done]
    full, incremental = CheckBatch.objects.order_by("id")
    assert (full.reason, full.stats["incremental"]) == ("每月定期核对（全量）", False)
    assert (incremental.reason, incremental.stats["incremental"]) == ("每晚增量核对", True)
    assert full.stats["findings"] > 0
    waiting = schedule_waiting()
    assert set(waiting) == {"verify_monthly", "verify_nightly"}
    for name in waiting:
        assert waiting[name].run_after == job_get(name).when.next_after()
    out = StringIO()
    call_command("schedule", "--list", "verify_nightly", stdout=out)
    assert "成功" in out.getvalue() and "下次" in out.getvalue()
