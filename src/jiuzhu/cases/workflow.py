"""The process as one table: every move a case may make, from which states, by whom.

``TRANSITIONS`` is the only place that says which state may follow which. ``guard`` is the only
place that decides whether an actor may make a move now; every service in
``jiuzhu.cases.services`` calls it before it changes anything, and the to-do list and the case
page ask it which buttons to show.

Who may act is either a fixed set of roles (``intake``/``visit``) or a step of the case's own
approval chain (``review``/``approve``), copied from the area's ``ApprovalChain`` when the case
was registered. The actor must hold that role *over the case's area* (the shared scoping rule:
the assignment's area prefix contains the case's village code).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiuzhu.accounts.roles import Role
from jiuzhu.accounts.scoping import user_roles
from jiuzhu.areas.models import PREFIX_LENGTH, AreaLevel
from jiuzhu.cases.models import State

INTAKE_ROLES = (Role.VILLAGE_WORKER, Role.TOWNSHIP_REVIEWER)
VISIT_ROLES = (Role.VILLAGE_WORKER, Role.TOWNSHIP_REVIEWER)

OPEN_STATES = (
    State.SUBMITTED,
    State.INVESTIGATING,
    State.COMMUNITY_REVIEW,
    State.REVIEWING,
    State.RETURNED,
    State.NOTICE,
    State.APPROVING,
)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # Chinese, stored as CaseEvent.action_label; shown with gettext(label)
    sources: tuple[str, ...]
    target: str | None  # None: the service chooses among ``targets``
    actor: str  # "intake" | "visit" | "review" | "approve"
    targets: tuple[str, ...] = ()
    while_paused: bool = False  # allowed while an objection pauses the case
    only_paused: bool = False
    emergency_only: bool = False
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "accept", gettext_noop("受理"), (State.SUBMITTED,), State.INVESTIGATING, "review"
        ),
        Transition(
            "accept_with_pledge",
            gettext_noop("容缺受理"),
            (State.SUBMITTED,),
            State.INVESTIGATING,
            "review",
        ),
        Transition(
            "reject_intake",
            gettext_noop("不予受理"),
            (State.SUBMITTED,),
            State.REJECTED_INTAKE,
            "review",
            needs_reason=True,
        ),
        Transition(
            "grant_emergency",
            gettext_noop("先行救助"),
            (State.SUBMITTED,),
            State.APPROVED,
            "review",
            emergency_only=True,
            needs_reason=True,
        ),
        Transition(
            "submit_visit",
            gettext_noop("提交入户调查"),
            (State.INVESTIGATING,),
            None,
            "visit",
            targets=(State.COMMUNITY_REVIEW, State.REVIEWING),
        ),
        Transition(
            "record_community_review",
            gettext_noop("录入民主评议"),
            (State.COMMUNITY_REVIEW,),
            State.REVIEWING,
            "review",
        ),
        Transition(
            "review",
            gettext_noop("初审"),
            (State.REVIEWING,),
            None,
            "review",
            targets=(State.NOTICE, State.APPROVING),
            needs_reason=True,
        ),
        Transition(
            "return_to_worker",
            gettext_noop("退回补正"),
            (State.REVIEWING,),
            State.RETURNED,
            "review",
            needs_reason=True,
        ),
        Transition(
            "resubmit", gettext_noop("补正后重新提交"), (State.RETURNED,), State.REVIEWING, "intake"
        ),
        Transition(
            "close_notice", gettext_noop("公示期满"), (State.NOTICE,), State.APPROVING, "review"
        ),
        Transition(
            "resolve_objection",
            gettext_noop("处理异议"),
            (State.NOTICE,),
            None,
            "approve",
            targets=(State.NOTICE, State.INVESTIGATING),
            while_paused=True,
            only_paused=True,
            needs_reason=True,
        ),
        Transition(
            "return_to_reviewer",
            gettext_noop("退回初审"),
            (State.APPROVING,),
            State.REVIEWING,
            "approve",
            needs_reason=True,
        ),
        Transition(
            "approve",
            gettext_noop("批准"),
            (State.APPROVING,),
            State.APPROVED,
            "approve",
            needs_reason=True,
        ),
        Transition(
            "refuse",
            gettext_noop("不予批准"),
            (State.APPROVING,),
            State.REFUSED,
            "approve",
            needs_reason=True,
        ),
        Transition(
            "withdraw",
            gettext_noop("撤回申请"),
            OPEN_STATES,
            State.WITHDRAWN,
            "intake",
            while_paused=True,
            needs_reason=True,
        ),
        Transition(
            "change_amount",
            gettext_noop("变更救助金额"),
            (State.APPROVED,),
            State.APPROVED,
            "approve",
            needs_reason=True,
        ),
        Transition(
            "stop",
            gettext_noop("停发"),
            (State.APPROVED,),
            State.STOPPED,
            "approve",
            needs_reason=True,
        ),
    ]
}


@dataclass(frozen=True)
class Refusal:
    code: str  # wrong_role | wrong_area | wrong_state | paused | not_emergency | same_person
    message: str


def roles_for(transition: Transition, chain: dict) -> tuple[str, ...]:
    if transition.actor == "intake":
        return INTAKE_ROLES
    if transition.actor == "visit":
        return VISIT_ROLES
    if transition.actor == "review":
        return (chain.get("review_role") or Role.TOWNSHIP_REVIEWER,)
    return (chain.get("approve_role") or Role.COUNTY_APPROVER,)


def _role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def acting_role(user, roles, area_code: str) -> tuple[str | None, bool]:
    """(the role the user acts in over ``area_code`` or None, whether they hold a role at all)."""
    holds_any = False
    for a in user_roles(user):
        if a.role not in roles:
            continue
        holds_any = True
        prefix = a.area.code[: PREFIX_LENGTH[AreaLevel(a.area.level)]]
        if area_code.startswith(prefix):
            return a.role, True
    return None, holds_any


def guard(user, application, name: str) -> tuple[Refusal | None, str | None]:
    """Whether ``user`` may make move ``name`` on ``application`` now: (refusal, acting role)."""
    t = TRANSITIONS.get(name)
    if t is None:
        return Refusal("unknown", _("没有“%(name)s”这一办理环节") % {"name": name}), None
    label = _(t.label)
    roles = roles_for(t, application.chain or {})
    role, holds_any = acting_role(user, roles, application.area_id)
    if not holds_any:
        needed = "、".join(_role_label(r) for r in roles)
        return Refusal(
            "wrong_role",
            _("“%(step)s”须由%(roles)s办理，您没有该岗位") % {"step": label, "roles": needed},
        ), None
    if role is None:
        return Refusal(
            "wrong_area", _("该申请不在您的管辖区域内，不能办理“%(step)s”") % {"step": label}
        ), None
    if application.state not in t.sources:
        state = State(application.state).label
        return Refusal(
            "wrong_state",
            _("申请当前为“%(state)s”，不能办理“%(step)s”") % {"state": state, "step": label},
        ), role
    if application.paused and not t.while_paused:
        return Refusal(
            "paused",
            _("公示期间收到异议，申请已暂停，处理异议前不能办理“%(step)s”") % {"step": label},
        ), role
    if t.only_paused and not application.paused:
        return Refusal("wrong_state", _("该申请没有待处理的异议")), role
    if t.emergency_only and not application.emergency:
        return Refusal("not_emergency", _("先行救助仅适用于急难型临时救助")), role
    if (
        name in ("approve", "refuse")
        and (application.chain or {}).get("separate_decider", True)
        and application.reviewed_by_id == user.pk
    ):
        return Refusal("same_person", _("谁审核谁不审批：您已办理该申请的初审，须由他人审批")), role
    return None, role


def available(user, application) -> list[Transition]:
    """The moves ``user`` may make on ``application`` now (for buttons)."""
    return [t for name, t in TRANSITIONS.items() if guard(user, application, name)[0] is None]
