"""Issue 14.7: a batch 核对 started from the page covers the starting user's areas only, and one
run at a time for an area."""

import pytest
from django_tasks_db.models import DBTaskResult

from jiuzhu.accounts.roles import Role
from jiuzhu.verify.services import batch_check
from tests.conftest import CHENGDONG, HAILING, JIANGYAN_STREET
from tests.factories import first_village, user_with_role
from tests.verify.helpers import couple_on_roll

pytestmark = pytest.mark.django_db


def _queued() -> list[list[str]]:
    return [
        r.args_kwargs["kwargs"].get("area_prefixes")
        for r in DBTaskResult.objects.filter(status="READY", task_path__endswith="batch_check_task")
    ]


def test_a_village_clerk_queues_a_batch_for_the_village_only_once(client, taizhou):
    village = first_village(CHENGDONG)
    clerk = user_with_role(Role.VILLAGE_WORKER, village)
    client.force_login(clerk)
    r = client.post("/verify/batch/", {"reason": "月度核对"}, follow=True)
    assert "本辖区" in r.content.decode()
    assert _queued() == [[village]]
    # Again while the first is queued: refused, nothing queued.
    r = client.post("/verify/batch/", {"reason": "月度核对"}, follow=True)
    assert "已有一项批量核对" in r.content.decode()
    assert len(_queued()) == 1
    # Another county's officer is not blocked by it.
    other = user_with_role(Role.VILLAGE_WORKER, first_village(JIANGYAN_STREET))
    client.force_login(other)
    client.post("/verify/batch/", {"reason": "月度核对"})
    assert len(_queued()) == 2


def test_a_scoped_batch_checks_only_the_households_of_the_area(taizhou):
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    village = first_village(CHENGDONG)
    couple_on_roll(approver, village)
    couple_on_roll(approver, first_village("321202002000"))
    assert batch_check(reason="全量").stats["households"] == 2
    assert batch_check(reason="本村", area_prefixes=[village]).stats["households"] == 1
