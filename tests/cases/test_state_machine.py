"""The state machine refuses every illegal move for every role, in and out of area.

The expected outcome is computed from an independent statement of the rules below (not from
``workflow.TRANSITIONS``), for every state × move × role × in/out of area; every refused move
is tried through its real service and must leave the case exactly as it was.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases import services as s
from jiuzhu.cases.models import CaseEvent, State
from jiuzhu.cases.services import decisions
from jiuzhu.cases.workflow import TRANSITIONS, guard
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.registry.models import RollEntry
from tests.cases.helpers import advance, make_cast, new_case

pytestmark = pytest.mark.django_db

OPEN = {
    "submitted",
    "investigating",
    "community_review",
    "reviewing",
    "returned",
    "notice",
    "approving",
}
W, T, C = Role.VILLAGE_WORKER, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER
# move: (states it may start from, roles that may make it) — the default chain 村居 → 乡镇 → 县
RULES = {
    "accept": ({"submitted"}, {T}),
    "accept_with_pledge": ({"submitted"}, {T}),
    "reject_intake": ({"submitted"}, {T}),
    "grant_emergency": ({"submitted"}, {T}),
    "submit_visit": ({"investigating"}, {W, T}),
    "record_community_review": ({"community_review"}, {T}),
    "review": ({"reviewing"}, {T}),
    "return_to_worker": ({"reviewing"}, {T}),
    "resubmit": ({"returned"}, {W, T}),
    "close_notice": ({"notice"}, {T}),
    "resolve_objection": ({"notice"}, {C}),
    "return_to_reviewer": ({"approving"}, {C}),
    "approve": ({"approving"}, {C}),
    "refuse": ({"approving"}, {C}),
    "withdraw": (OPEN, {W, T}),
    "change_amount": ({"approved"}, {C}),
    "stop": ({"approved"}, {C}),
}
KWARGS = {
    "accept_with_pledge": {"missing": []},
    "grant_emergency": {"amount": "100", "reason": "x"},
    "submit_visit": {"checklist": {}, "findings": "x"},
    "record_community_review": {
        "held_on": datetime.date(2026, 1, 1),
        "participants": 1,
        "votes_for": 1,
        "votes_against": 0,
        "opinion": "x",
    },
    "review": {"recommend": True, "reason": "x", "amount": "1"},
    "resolve_objection": {"objection_id": 0, "upheld": False, "reason": "x"},
    "approve": {"reason": "x"},
    "change_amount": {"amount": "1", "reason": "x"},
}
STATES = [*State.values, "notice+paused"]


def expected(move, state, role, in_area, *, paused=False, emergency=False, is_reviewer=False):
    sources, roles = RULES[move]
    if role not in roles:
        return "wrong_role"
    if not in_area:
        return "wrong_area"
    if state not in sources:
        return "wrong_state"
    if paused and move not in ("withdraw", "resolve_objection"):
        return "paused"
    if move == "resolve_objection" and not paused:
        return "wrong_state"
    if move == "grant_emergency" and not emergency:
        return "not_emergency"
    if move in ("approve", "refuse") and is_reviewer:
        return "same_person"
    return None


def test_rules_cover_every_move():
    assert set(RULES) == set(TRANSITIONS) == set(s.MOVES)


def test_every_state_move_role_and_area(taizhou):
    cast = make_cast()
    cases = {}
    for st in STATES:
        base = "notice" if st == "notice+paused" else st
        app = advance(cast, new_case(cast), base)
        if st == "notice+paused":
            s.objection_submit(
                notice_id=app.notices.get(closed=False).pk,
                contact_name="王某",
                contact_phone="13800138000",
                content="该户有车辆未申报",
            )
            app.refresh_from_db()
        assert app.state == base, st
        cases[st] = app
    actors = [("anonymous", AnonymousUser(), True)]
    for role, user in [
        (W, cast.worker),
        (T, cast.reviewer),
        (C, cast.approver),
        (Role.PAYMENTS_OFFICER, cast.payer),
        (Role.AUDITOR, cast.auditor),
        (Role.SYSADMIN, cast.admin),
        (Role.DEPARTMENT_DATA, cast.dept),
    ]:
        actors.append((role, user, True))
    for role, user in cast.out.items():
        actors.append((role, user, False))
    checked = refused = 0
    for st, app in cases.items():
        for move in TRANSITIONS:
            for role, user, in_area in actors:
                want = expected(
                    move,
                    app.state,
                    role,
                    in_area,
                    paused=app.paused,
                    is_reviewer=user == getattr(app, "reviewed_by", None),
                )
                got, _ = guard(user, app, move)
                assert (got.code if got else None) == want, (st, move, role, in_area, got)
                checked += 1
                if want is None:
                    continue
                refused += 1
                before = (app.state, app.version, app.paused)
                events = CaseEvent.objects.count()
                with pytest.raises(ServiceError) as err:
                    s.MOVES[move](
                        actor=user,
                        application_id=app.pk,
                        version=app.version,
                        **{"reason": "理由", **KWARGS.get(move, {})},
                    )
                assert err.value.code == want
                assert err.value.text()  # a message in Chinese says why
                app.refresh_from_db()
                assert (app.state, app.version, app.paused) == before
                assert CaseEvent.objects.count() == events
    assert checked == len(STATES) * len(TRANSITIONS) * len(actors)
    assert refused > checked * 0.9


def test_reviewer_may_not_approve_even_with_both_roles(taizhou):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.APPROVING)
    # 初审即终审 chain: the township decides, but never the person who reviewed.
    app.chain = {**app.chain, "approve_role": T}
    app.save(update_fields=["chain"])
    refusal, _ = guard(cast.reviewer, app, "approve")
    assert refusal.code == "same_person"
    assert guard(cast.reviewer2, app, "approve")[0] is None
    app = s.application_approve(
        actor=cast.reviewer2, application_id=app.pk, version=app.version, reason="初审即终审"
    )
    assert app.state == State.APPROVED


def test_payer_may_not_pay_what_they_decided(taizhou):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.APPROVED)
    with pytest.raises(ServiceError):
        s.payment_officer_check(application=app, user=cast.approver)
    s.payment_officer_check(application=app, user=cast.payer)


def test_crash_mid_transition_leaves_previous_state(taizhou, monkeypatch):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.APPROVING)
    audit_before = AuditEvent.objects.count()

    def boom(*a, **k):
        raise RuntimeError("数据库写入中断")

    monkeypatch.setattr(decisions, "_letter", boom)  # after the roll entry was written
    with pytest.raises(RuntimeError):
        s.application_approve(
            actor=cast.approver, application_id=app.pk, version=app.version, reason="符合条件"
        )
    app.refresh_from_db()
    assert app.state == State.APPROVING and app.decided_by is None and app.roll_entry is None
    assert not RollEntry.objects.filter(household=app.household).exists()
    assert AuditEvent.objects.count() == audit_before


def test_concurrent_edit_is_refused_not_overwritten(taizhou):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.REVIEWING)
    stale = app.version
    s.application_return_to_worker(
        actor=cast.reviewer, application_id=app.pk, version=stale, reason="补充材料"
    )
    with pytest.raises(ConcurrentEditError):
        s.application_review(
            actor=cast.reviewer2,
            application_id=app.pk,
            version=stale,
            recommend=True,
            amount="710",
            reason="同意",
        )
    app.refresh_from_db()
    assert app.state == State.RETURNED and app.reviewed_by is None


def test_missing_reason_refused(taizhou):
    cast = make_cast()
    app = new_case(cast)
    with pytest.raises(ServiceError) as e:
        s.application_reject_intake(
            actor=cast.reviewer, application_id=app.pk, version=app.version, reason="  "
        )
    assert e.value.code == "reason_required"
