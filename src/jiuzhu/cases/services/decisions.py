"""Review and decision: the reviewer's and approver's moves, returns, refusal and withdrawal."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Role
from jiuzhu.cases import calculator
from jiuzhu.cases.models import (
    TRACK_OPEN,
    Application,
    Programme,
    PublicNotice,
    Purpose,
    State,
    TaskKind,
    TrackStatus,
)
from jiuzhu.cases.services._common import (
    _holds_role,
    _letter,
    _money,
    _move,
    _task_open,
    _tasks_close,
)
from jiuzhu.cases.services.adjustments import _adjust_roll, _origin_hold_release
from jiuzhu.cases.services.declarations import _declarations_withdraw
from jiuzhu.cases.services.notices import _notice_post
from jiuzhu.cases.services.roll import _roll_add
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock, events
from jiuzhu.core.errors import ServiceError


def _amount_against_calculator(app: Application, value, amount_reason: str | None) -> dict:
    """The calculator's amount for this household beside the one chosen. A page passes
    ``amount_reason`` (None: a caller that does not show the calculator); a chosen amount other
    than the calculator's needs a reason, kept in the case's event."""
    calculated = calculator.programme_amount(household=app.household, programme=app.programme)
    data = {"calculated": calculated}
    if amount_reason is None:
        return data
    amount_reason = amount_reason.strip()
    if calculated is not None and value != calculated and not amount_reason:
        raise ServiceError(
            _("金额 %(amount)s 元与测算金额 %(calculated)s 元不同，须填写调整金额的理由")
            % {"amount": value, "calculated": calculated},
            field="amount_reason",
            code="amount_reason_required",
        )
    if amount_reason:
        data["amount_reason"] = amount_reason
    return data


def _amount_given(amount, field: str = "amount"):
    """An amount field posted empty is an error, never "use the proposed amount"."""
    if isinstance(amount, str) and not amount.strip():
        raise ServiceError(
            _("请填写金额（可参考系统测算金额）"), field=field, code="amount_required"
        )
    return amount


def application_review(
    *,
    actor,
    application_id: int,
    version: int,
    recommend: bool,
    reason: str,
    amount=None,
    amount_reason: str | None = None,
) -> Application:
    """初审: recommend (with the proposed amount) → 公示; or not → straight to the decider."""

    def body(app):
        app.reviewed_by = actor
        _tasks_close(app, TaskKind.REVIEW)
        if app.is_adjustment:
            return _review_adjustment(app, recommend=recommend, amount=amount)
        if not recommend:
            _task_open(
                app,
                TaskKind.APPROVE,
                app.chain["approve_role"],
                add_working_days(clock.today(), app.chain["refusal_notice_days"]),
            )
            return State.APPROVING, {"recommend": False}
        value = _money(_amount_given(amount), "amount")
        against = _amount_against_calculator(app, value, amount_reason)
        if app.programme == Programme.TEMPORARY_AID:
            app.one_off_amount = value
            app.monthly_amount = None
        else:
            app.monthly_amount = value
        notice = _notice_post(app, value)
        _task_open(
            app,
            TaskKind.NOTICE,
            app.chain["review_role"],
            notice.end_date + datetime.timedelta(days=1),
        )
        return State.NOTICE, {
            "recommend": True,
            "amount": value,
            **against,
            "notice": notice.pk,
            "notice_end": notice.end_date,
        }

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="review",
        reason=reason,
        body=body,
    )


def _review_adjustment(app: Application, *, recommend: bool, amount) -> tuple[str, dict]:
    """初审 of a change/stop/渐退 case: straight to the decider (no 公示 of a reduction)."""
    data = {"recommend": recommend, "purpose": app.purpose}
    if recommend and app.purpose == Purpose.CHANGE and amount not in (None, ""):
        app.monthly_amount = _money(amount, "amount")
        data["amount"] = app.monthly_amount
    _task_open(
        app,
        TaskKind.APPROVE,
        app.chain["approve_role"],
        add_working_days(clock.today(), app.chain["approve_days"]),
    )
    return State.APPROVING, data


def _close_notices(app: Application) -> None:
    PublicNotice.objects.filter(application=app, closed=False).update(closed=True)


# Back and forth: the task closed, the task opened and for whom (``_hand_over``).
_HAND_OVERS = {
    "return_to_worker": dict(
        name="return_to_worker",
        close=TaskKind.REVIEW,
        kind=TaskKind.CORRECT,
        role=Role.VILLAGE_WORKER,
    ),
    "resubmit": dict(
        name="resubmit",
        close=TaskKind.CORRECT,
        kind=TaskKind.REVIEW,
        chain_role="review_role",
        due=lambda app: app.review_due,
    ),
    "return_to_reviewer": dict(
        name="return_to_reviewer",
        close=TaskKind.APPROVE,
        kind=TaskKind.REVIEW,
        chain_role="review_role",
        before=_close_notices,
    ),
}


def _hand_over(
    *,
    actor,
    application_id: int,
    version: int,
    name: str,
    reason: str,
    close: str,
    kind: str,
    role: str = "",
    chain_role: str = "",
    due=None,
    before=None,
) -> Application:
    """Move a case back or forth by handing its work on: the open ``close`` tasks are closed
    and a ``kind`` task opened for ``role`` (or the case chain's ``chain_role``), due ``due``
    (default: 5 working days, the reason as its note); ``before(app)`` runs first."""

    def body(app):
        _tasks_close(app, close)
        if before is not None:
            before(app)
        if due is None:
            deadline, note = add_working_days(clock.today(), 5), reason[:200]
        else:
            deadline, note = due(app), ""
        _task_open(app, kind, app.chain[chain_role] if chain_role else role, deadline, note=note)
        return None, {}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name=name,
        reason=reason,
        body=body,
    )


def application_return_to_worker(
    *, actor, application_id: int, version: int, reason: str
) -> Application:
    return _hand_over(**locals(), **_HAND_OVERS["return_to_worker"])


def application_resubmit(
    *, actor, application_id: int, version: int, reason: str = ""
) -> Application:
    return _hand_over(**locals(), **_HAND_OVERS["resubmit"])


def application_return_to_reviewer(
    *, actor, application_id: int, version: int, reason: str
) -> Application:
    return _hand_over(**locals(), **_HAND_OVERS["return_to_reviewer"])


def application_approve(
    *,
    actor,
    application_id: int,
    version: int,
    reason: str,
    amount=None,
    amount_reason: str | None = None,
) -> Application:
    """批准: the decision, the decision letter, and the roll entry from the following month.

    ``amount`` None keeps the amount proposed at 初审 (and shown in the 公示); an amount posted
    empty is refused — a page pre-fills it, so an empty field is a mistake, never a default."""

    def body(app):
        if _holds_role(actor, Role.PAYMENTS_OFFICER):
            raise ServiceError(_("审批与发放分离：资金发放人员不能审批"), code="same_person")
        _panel_closed(app)
        if app.reviewed_by_id is None:
            raise ServiceError(_("该申请未经初审，不能批准"), code="wrong_state")
        if app.is_adjustment:
            app.decided_by = actor
            app.decided_on = clock.today()
            app.decision_reason = reason
            data = _adjust_roll(app, actor, amount, reason)
            _tasks_close(app)
            data["letter"] = _letter(app, actor, "adjustment", reason).number
            # The roll has changed now: the hold the alert placed is settled (confirmed).
            data["hold_released"] = _origin_hold_release(app, actor, confirmed=True, note=reason)
            return None, data
        _amount_given(amount)
        value = _money(
            amount
            if amount is not None
            else (
                app.one_off_amount
                if app.programme == Programme.TEMPORARY_AID
                else app.monthly_amount
            ),
            "amount",
        )
        one_off = app.programme == Programme.TEMPORARY_AID
        against = {}
        if amount_reason is not None:  # from the page: the calculator and 初审 beside it
            proposed = app.one_off_amount if one_off else app.monthly_amount
            if proposed is not None and value != proposed and not amount_reason.strip():
                raise ServiceError(
                    _("批准金额 %(amount)s 元与初审、公示金额 %(proposed)s 元不同，须填写理由")
                    % {"amount": value, "proposed": proposed},
                    field="amount_reason",
                    code="amount_reason_required",
                )
            against = _amount_against_calculator(app, value, None)  # recorded beside it
            if amount_reason.strip():
                against["amount_reason"] = amount_reason.strip()
        if one_off:
            app.one_off_amount = value
        else:
            app.monthly_amount = value
        app.decided_by = actor
        app.decided_on = clock.today()
        app.decision_reason = reason
        _roll_add(app, actor, value, one_off=one_off)
        _tasks_close(app)
        letter = _letter(app, actor, "approval", reason)
        # 联动保障 and any other subscriber: published on commit.
        events.publish(
            events.CaseDecided(
                application_id=app.pk,
                purpose=str(app.purpose or ""),
                origin=app.origin or "",
                approved=True,
                actor_id=getattr(actor, "pk", None),
                note=reason[:300],
                programme=app.programme,
            )
        )
        return None, {
            "amount": value,
            **against,
            "letter": letter.number,
            "roll_entry": app.roll_entry_id,
            "start_month": app.roll_entry.start_month,
        }

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="approve",
        reason=reason,
        body=body,
    )


def _panel_closed(app) -> None:
    """疑难案例会商: the case waits for its open panel's decision (issue 19)."""
    if app.panels.filter(decided_at__isnull=True).exists():
        raise ServiceError(_("本案的疑难案例会商尚未形成结论，暂不能决定"), code="panel_open")


def application_refuse(*, actor, application_id: int, version: int, reason: str) -> Application:
    def body(app):
        _panel_closed(app)
        app.decided_by = actor
        app.decided_on = clock.today()
        app.decision_reason = reason
        _tasks_close(app)
        app.notices.filter(closed=False).update(closed=True)
        letter = _letter(app, actor, "refusal", reason)
        data = {"letter": letter.number}
        if app.is_adjustment:  # the stop/change was refused: the alert's hold was not warranted
            data["hold_released"] = _origin_hold_release(app, actor, confirmed=False, note=reason)
        return None, data

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="refuse",
        reason=reason,
        body=body,
    )


def application_withdraw(*, actor, application_id: int, version: int, reason: str) -> Application:
    def body(app):
        _tasks_close(app)
        app.paused = False
        app.notices.filter(closed=False).update(closed=True)
        withdrawn = _declarations_withdraw(app, actor, reason)
        # the applicant withdrew the whole application: its open tracks (转办 too) end with it
        tracks = app.tracks.filter(status__in=TRACK_OPEN).update(status=TrackStatus.WITHDRAWN)
        return None, {"declarations_withdrawn": withdrawn, "tracks_withdrawn": tracks}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="withdraw",
        reason=reason,
        body=body,
    )
