"""The programme editor (issue 19): a programme written in the application is checked when
proposed, stays inactive until a second administrator approves it, then is evaluated."""

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.policy import selectors, services
from jiuzhu.policy.models import Programme, ProgrammeProposal
from tests.conftest import HAILING
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

NEW = """
code: winter_heating
name: 冬季取暖补贴
tier: special
unit: household
period: once
owner: civil_affairs
handling: decide
description: 低保家庭冬季一次性取暖补贴（演示）。
conditions:
  - {name: on_dibao, label: 属于低保家庭, expr: "eligible.dibao", article: 地方规定, why: 只补贴低保家庭}
amount: "counted_members * housing_aid.rent_subsidy"
"""


def _codes():
    return {d["code"] for d in selectors.programme_documents()}


def test_a_new_programme_is_inactive_until_a_second_administrator_approves_it(taizhou):
    maker = user_with_role(Role.SYSADMIN, HAILING, username="maker")
    checker = user_with_role(Role.SYSADMIN, HAILING, username="checker")
    services.programmes_load()
    before = _codes()
    p = services.programme_propose(actor=maker, text=NEW, reason="冬季取暖")
    row = Programme.objects.get(code="winter_heating")
    assert row.active is False and "winter_heating" not in _codes()
    assert "winter_heating" not in {x.code for x in selectors.current_plan().programmes}
    with pytest.raises(ServiceError) as e:  # the proposer cannot approve it
        services.programme_proposal_decide(actor=maker, proposal_id=p.pk, approve=True)
    assert e.value.code == "same_person"
    assert not Programme.objects.get(code="winter_heating").active
    services.programme_proposal_decide(actor=checker, proposal_id=p.pk, approve=True)
    assert Programme.objects.get(code="winter_heating").active
    assert _codes() == before | {"winter_heating"}
    plan = selectors.current_plan()
    assert "winter_heating" in {x.code for x in plan.programmes}
    assert AuditEvent.objects.filter(action="policy.programme.propose").exists()
    assert AuditEvent.objects.filter(action="policy.programme.approve").exists()
    with pytest.raises(ServiceError):  # decided once
        services.programme_proposal_decide(actor=checker, proposal_id=p.pk, approve=False, note="x")


def test_a_bad_definition_is_refused_naming_the_fault_and_nothing_is_stored(taizhou):
    maker = user_with_role(Role.SYSADMIN, HAILING, username="maker2")
    bad = NEW.replace("eligible.dibao", "eligible.dibao and incomme < 1")
    with pytest.raises(ServiceError, match="incomme"):
        services.programme_propose(actor=maker, text=bad, reason="x")
    with pytest.raises(ServiceError) as e:
        services.programme_propose(actor=maker, text="code: [", reason="x")
    assert "text" in e.value.errors
    assert not ProgrammeProposal.objects.exists()
    assert not Programme.objects.filter(code="winter_heating").exists()


def test_only_administrators_propose_and_a_rejection_needs_a_note(taizhou):
    worker = user_with_role(Role.COUNTY_APPROVER, HAILING, username="approver-x")
    with pytest.raises(ServiceError) as e:
        services.programme_propose(actor=worker, text=NEW, reason="x")
    assert e.value.code == "wrong_role"
    maker = user_with_role(Role.SYSADMIN, HAILING, username="maker3")
    checker = user_with_role(Role.SYSADMIN, HAILING, username="checker3")
    p = services.programme_propose(actor=maker, text=NEW, reason="冬季取暖")
    with pytest.raises(ServiceError):
        services.programme_proposal_decide(actor=checker, proposal_id=p.pk, approve=False)
    services.programme_proposal_decide(
        actor=checker, proposal_id=p.pk, approve=False, note="标准未定"
    )
    assert not Programme.objects.get(code="winter_heating").active
