"""`jiuzhu ledger verify` as the scheduled job ``ledger_daily``: a broken ledger chain fails the
task loudly, and the next day's check is queued all the same."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from jiuzhu.core.schedule import job_get, schedule_cancel, schedule_ensure, schedule_waiting
from jiuzhu.funds.models import LedgerEntry
from jiuzhu.funds.tasks import LedgerChainBroken, ledger_verify_task
from tests.funds.conftest import household, on_roll
from tests.funds.helpers import released

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def ledger(officers):
    for i in range(3):
        hh, _ = household(officers["zijin"], name=f"户{i}")
        on_roll(hh, amount=f"{600 + i}.00")
    released(officers)
    return LedgerEntry.objects.count()


def test_the_daily_ledger_check_is_a_registered_job():
    job = job_get("ledger_daily")
    assert str(job.label) == "每日资金台账校验" and job.when.text() == "每天 04:10"
    assert job.task is ledger_verify_task
    # After the audit chain check (04:00), before the morning.
    assert job.when.at > job_get("audit_daily").when.at


def test_an_intact_ledger_passes_and_queues_tomorrows_check(ledger):
    result = ledger_verify_task.call(scheduled="ledger_daily")
    assert result == {"checked": ledger, "message": f"资金台账完整，共 {ledger} 条分录"}
    waiting = schedule_waiting()
    assert set(waiting) == {"ledger_daily"}
    assert waiting["ledger_daily"].run_after == job_get("ledger_daily").when.next_after()
    assert waiting["ledger_daily"].args_kwargs["kwargs"] == {"scheduled": "ledger_daily"}


def test_a_tampered_ledger_fails_the_task_and_still_queues_the_next_one(ledger, caplog):
    amount = LedgerEntry.objects.get(seq=2).amount
    with connection.cursor() as cur:
        cur.execute("UPDATE funds_ledgerentry SET amount = 1 WHERE seq = 2")
    with pytest.raises(LedgerChainBroken, match="资金台账第 2 号分录内容被修改"):
        ledger_verify_task.call(scheduled="ledger_daily")
    assert "资金台账校验失败" in caplog.text
    assert set(schedule_waiting()) == {"ledger_daily"}  # only the failed job's own next run
    # A deleted tail is caught too (the head row remembers the last entry).
    with connection.cursor() as cur:
        cur.execute("UPDATE funds_ledgerentry SET amount = %s WHERE seq = 2", [amount])
    assert ledger_verify_task.call()["checked"] == ledger  # put back: intact again
    with connection.cursor() as cur:
        cur.execute("DELETE FROM funds_ledgerentry WHERE seq = %s", [ledger])
    with pytest.raises(LedgerChainBroken, match="资金台账链尾不符"):
        ledger_verify_task.call()
    # A manual run queues nothing.
    schedule_cancel()
    with pytest.raises(LedgerChainBroken):
        ledger_verify_task.call()
    assert schedule_waiting() == {}


def test_ensure_queues_the_ledger_check_at_ten_past_four():
    now = datetime.datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI)
    nexts = schedule_ensure(now=now)
    assert nexts["ledger_daily"] == datetime.datetime(2026, 12, 1, 4, 10, tzinfo=SHANGHAI)
