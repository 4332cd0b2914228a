"""Issue 14.4: approval chains and the working-day calendar are edited in the application,
validated against the national rules, applied only when a second administrator approves, and
audited; the Django admin cannot change them."""

import datetime

import pytest
from django.contrib.admin.sites import site

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.services import audit_verify
from jiuzhu.cases import config
from jiuzhu.cases.models import ApprovalChain, ConfigChange, WorkingDayOverride
from jiuzhu.cases.workdays import is_working_day
from jiuzhu.core.errors import ServiceError
from tests.cases.helpers import make_cast, new_case
from tests.conftest import HAILING
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

GOOD = {
    "area_id": HAILING,
    "programme": "dibao",
    "review_role": Role.TOWNSHIP_REVIEWER,
    "approve_role": Role.COUNTY_APPROVER,
    "separate_decider": "on",
    "active": "on",
    "notice_days": "7",
    "intake_days": "3",
    "visit_days": "3",
    "review_days": "15",
    "approve_days": "10",
    "total_days": "30",
    "refusal_notice_days": "3",
}


@pytest.fixture
def admins(taizhou):
    return (
        user_with_role(Role.SYSADMIN, "321200000000", username="admin_a"),
        user_with_role(Role.SYSADMIN, "321200000000", username="admin_b"),
    )


def _errors(raw) -> dict:
    with pytest.raises(ServiceError) as exc:
        config.chain_clean(raw)
    return exc.value.errors


def test_the_probes_chain_is_refused_by_the_national_rules(admins):
    # approver = village clerk, no separate reviewer, a 0-day 公示
    probe = GOOD | {
        "review_role": Role.VILLAGE_WORKER,
        "approve_role": Role.VILLAGE_WORKER,
        "separate_decider": "",
        "notice_days": "0",
    }
    errors = _errors(probe)
    assert "不得少于 7 天" in errors["notice_days"][0]
    assert "村居经办不能初审" in errors["review_role"][0]
    assert "村居经办不能审批" in errors["approve_role"][0]
    assert "谁审核谁不审批" in errors["separate_decider"][0]
    # level ordering: a township approver over a township reviewer needs 初审即终审
    same = GOOD | {"approve_role": Role.TOWNSHIP_REVIEWER}
    assert "层级须高于" in _errors(same)["approve_role"][0]
    assert config.chain_clean(same | {"review_is_final": "on"})["review_is_final"]
    assert "1–45" in _errors(GOOD | {"total_days": "60"})["total_days"][0]
    with pytest.raises(ServiceError):
        config.chain_propose(actor=admins[0], raw=probe, reason="试")
    assert not ConfigChange.objects.exists() and not ApprovalChain.objects.exists()


def test_a_chain_takes_effect_only_when_a_second_admin_approves(admins):
    a, b = admins
    change = config.chain_propose(actor=a, raw=GOOD | {"notice_days": "10"}, reason="本县公示延长")
    assert not ApprovalChain.objects.exists()  # nothing applies yet
    with pytest.raises(ServiceError, match="另一名管理员"):
        config.config_change_approve(actor=a, change_id=change.pk)
    config.config_change_approve(actor=b, change_id=change.pk)
    chain = ApprovalChain.objects.get(area_id=HAILING, programme="dibao")
    assert chain.notice_days == 10
    cast = make_cast()
    assert new_case(cast).chain["notice_days"] == 10
    # A change of the chain: before and after in the audit chain.
    edit = config.chain_propose(
        actor=b, raw=GOOD | {"notice_days": "8"}, reason="恢复", chain_id=chain.pk
    )
    config.config_change_approve(actor=a, change_id=edit.pk)
    chain.refresh_from_db()
    assert chain.notice_days == 8
    event = AuditEvent.objects.filter(action="cases.chain_change").order_by("-seq").first()
    assert event.before["notice_days"] == 10 and event.after["notice_days"] == 8
    assert event.actor_id == a.pk
    assert audit_verify().ok
    # Only administrators configure.
    clerk = user_with_role(Role.VILLAGE_WORKER, cast.village)
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        config.chain_propose(actor=clerk, raw=GOOD, reason="x")


def test_a_refused_change_changes_nothing(admins):
    a, b = admins
    change = config.chain_propose(actor=a, raw=GOOD, reason="新增")
    with pytest.raises(ServiceError):
        config.config_change_reject(actor=b, change_id=change.pk, note="")
    config.config_change_reject(actor=b, change_id=change.pk, note="无依据")
    assert not ApprovalChain.objects.exists()
    with pytest.raises(ServiceError, match="已处理"):
        config.config_change_approve(actor=b, change_id=change.pk)


def test_a_working_day_correction_is_maker_checker_too(admins):
    a, b = admins
    day = datetime.date(2027, 10, 9)  # a Saturday
    change = config.workday_propose(
        actor=a, day=day, is_working_day=True, note="调休上班", reason="国务院通知"
    )
    assert not WorkingDayOverride.objects.exists()
    config.config_change_approve(actor=b, change_id=change.pk)
    assert is_working_day(day)
    assert AuditEvent.objects.filter(action="cases.workday_change").exists()


def test_the_django_admin_is_read_only_for_chains_and_the_calendar(admins, rf):
    request = rf.get("/admin/")
    request.user = admins[0]
    for model in (ApprovalChain, WorkingDayOverride, ConfigChange):
        admin = site._registry[model]
        assert not admin.has_add_permission(request)
        assert not admin.has_change_permission(request)
        assert not admin.has_delete_permission(request)


def test_the_page_keeps_typed_input_after_an_error_and_lists_pending_changes(client, admins):
    a, b = admins
    client.force_login(a)
    r = client.post("/cases/config/chains/", GOOD | {"notice_days": "3", "reason": "试行"})
    body = r.content.decode()
    assert r.status_code == 400 and "不得少于 7 天" in body
    assert 'value="试行"' in body and f'value="{HAILING}"' in body and 'value="3"' in body
    r = client.post("/cases/config/chains/", GOOD | {"reason": "新增海陵区低保流程"}, follow=True)
    assert "须由另一名管理员复核" in r.content.decode()
    change = ConfigChange.objects.get()
    assert "本人提出" in client.get("/cases/config/").content.decode()
    client.force_login(b)
    client.post(f"/cases/config/changes/{change.pk}/", {"decision": "approve"})
    assert ApprovalChain.objects.filter(area_id=HAILING).exists()
