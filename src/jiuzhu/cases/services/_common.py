"""Shared steps of the cases services: the move of a case (lock, guard, event, audit, tasks), numbering, approval chains."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiuzhu.accounts.roles import Role
from jiuzhu.accounts.scoping import user_roles
from jiuzhu.areas.models import Area, AreaLevel
from jiuzhu.audit.services import audit_record, jsonable
from jiuzhu.cases.models import (
    Application,
    ApprovalChain,
    CaseEvent,
    DecisionLetter,
    Programme,
    Purpose,
    Task,
)
from jiuzhu.cases.workflow import TRANSITIONS, guard
from jiuzhu.core import clock
from jiuzhu.core.errors import ConcurrentEditError, ServiceError

# The event labels of opening a change/stop/渐退 case (stored in Chinese, shown translated).
ADJUSTMENT_LABELS = {
    Purpose.CHANGE: gettext_noop("发起变更救助金额"),
    Purpose.STOP: gettext_noop("发起停发"),
    Purpose.PHASE_OUT: gettext_noop("发起渐退"),
}

# Legal limits that differ from the 低保 defaults (特困人员认定办法 Art. 10–18).
PROGRAMME_DEFAULTS = {
    Programme.TEKUN: {"review_days": 15, "approve_days": 15, "total_days": 40},
}


# ---------------------------------------------------------------- approval chains


def chain_for(*, area_code: str, programme: str) -> dict:
    """The chain a new case gets: the most specific active chain for the place and programme."""
    prefixes = [area_code[:n] for n in (12, 9, 6, 4, 2)]
    candidates = [
        c
        for c in ApprovalChain.objects.filter(active=True, programme__in=[programme, ""])
        .select_related("area")
        .order_by("-programme")
        if area_code.startswith(c.area.prefix)
    ]
    candidates.sort(key=lambda c: (-len(c.area.prefix), c.programme == ""))
    if candidates:
        return candidates[0].snapshot()
    snap = ApprovalChain(area_id=prefixes[0]).snapshot()
    snap.update(PROGRAMME_DEFAULTS.get(programme, {}))
    return snap


# ---------------------------------------------------------------- tasks


def _task_open(app: Application, kind: str, role: str, due, *, assigned_to=None, note="") -> Task:
    return Task.objects.create(
        application=app,
        kind=kind,
        area_id=app.area_id,
        role=role,
        assigned_to=assigned_to,
        due_date=due,
        note=note,
    )


def _tasks_close(app: Application, *kinds: str) -> None:
    qs = Task.objects.filter(application=app, done_at__isnull=True)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    qs.update(done_at=timezone.now())


def _ymd(day: datetime.date) -> str:
    """A date in a message: 2025年03月07日 in Chinese."""
    return _("%(y)s年%(m)s月%(d)s日") % {"y": f"{day:%Y}", "m": f"{day:%m}", "d": f"{day:%d}"}


# ---------------------------------------------------------------- intake


def _number(app: Application) -> str:
    """申请编号: county code, date, and the row id — unique by construction, no counter to race."""
    return f"A{app.area_id[:6]}{clock.today():%Y%m%d}{app.pk:08d}"


def _event(app, *, actor, action, label, from_state, to_state, role="", reason="", data=None):
    data = jsonable(data or {})
    CaseEvent.objects.create(
        application=app,
        action=action,
        action_label=label,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(
            actor.get_full_name() or getattr(actor, "full_name", "") or actor.get_username()
        )
        if getattr(actor, "pk", None)
        else "公众",
        actor_role=role,
        reason=reason,
        data=data or {},
    )
    audit_record(
        actor=actor if getattr(actor, "pk", None) else None,
        action=f"case.{action}",
        subject_type="application",
        subject_id=app.pk,
        household_id=app.household_id,
        area_code=app.area_id,
        reason=reason,
        before={"state": from_state} if from_state else None,
        after={"state": to_state, **(data or {})},
    )


def _intake_role(actor, area_code: str) -> str:
    for a in user_roles(actor):
        if a.role in (Role.VILLAGE_WORKER, Role.TOWNSHIP_REVIEWER) and area_code.startswith(
            a.area.prefix
        ):
            return a.role
    return ""


# ---------------------------------------------------------------- the moves


def _move(
    *,
    actor,
    application_id: int,
    version: int,
    name: str,
    reason: str = "",
    body: Callable[[Application], tuple[str | None, dict]] | None = None,
) -> Application:
    """Run move ``name``: ``body(app)`` does the work and returns (target state, event data)."""
    t = TRANSITIONS[name]
    with transaction.atomic():
        app = Application.objects.select_for_update().filter(pk=application_id).first()
        if app is None:
            raise ServiceError(_("申请不存在"), code="not_found")
        refusal, role = guard(actor, app, name)
        if refusal is not None and refusal.code in ("wrong_role", "wrong_area", "unknown"):
            raise ServiceError(refusal.message, code=refusal.code)
        if app.version != version:  # changed since the caller read it: never act on a stale view
            raise ConcurrentEditError(_("该申请"))
        if refusal is not None:
            raise ServiceError(refusal.message, code=refusal.code)
        reason = (reason or "").strip()
        if t.needs_reason and not reason:
            raise ServiceError(
                _("办理“%(step)s”须填写理由或意见") % {"step": _(t.label)},
                field="reason",
                code="reason_required",
            )
        from_state = app.state
        target, data = body(app) if body else (None, {})
        target = target or t.target
        app.state = target
        app.version = F("version") + 1
        app.save()
        app.refresh_from_db()
        _event(
            app,
            actor=actor,
            action=name,
            label=t.label,
            from_state=from_state,
            to_state=target,
            role=role or "",
            reason=reason,
            data=data,
        )
        return app


def assigned_to_id_or_none(user_id):
    from jiuzhu.accounts.models import User

    return User.objects.filter(pk=user_id).first() if user_id else None


def _coord(value, limit, field):
    if value in (None, ""):
        return None
    try:
        d = decimal.Decimal(str(value)).quantize(decimal.Decimal("0.000001"))
    except decimal.InvalidOperation as exc:
        raise ServiceError(_("定位坐标须为数字"), field=field) from exc
    if abs(d) > limit:
        raise ServiceError(_("定位坐标超出范围"), field=field)
    return d


def _money(value, field) -> decimal.Decimal:
    try:
        d = decimal.Decimal(str(value))
    except (decimal.InvalidOperation, TypeError) as exc:
        raise ServiceError(_("金额须为数字"), field=field) from exc
    if not d.is_finite() or d <= 0:
        raise ServiceError(_("金额须大于0"), field=field)
    if d != d.quantize(decimal.Decimal("0.01")):
        raise ServiceError(_("金额最多保留两位小数（到分）"), field=field)
    if d >= decimal.Decimal("1e9"):
        raise ServiceError(_("金额超出允许范围"), field=field)
    return d


def _month_after(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _holds_role(user, role: str) -> bool:
    return any(a.role == role for a in user_roles(user))


# ---------------------------------------------------------------- letters


def _letter(app: Application, actor, kind: str, reason: str) -> DecisionLetter:
    from jiuzhu.cases.letters import letter_pdf

    seq = DecisionLetter.objects.filter(application=app).count() + 1
    number = f"{app.number}-{kind[:3].upper()}{seq}"
    pdf = letter_pdf(app=app, kind=kind, number=number, reason=reason, actor=actor)
    return DecisionLetter.objects.create(
        application=app, kind=kind, number=number, pdf=pdf, issued_by=actor
    )


def village_of(area_code: str) -> Area | None:
    return Area.objects.filter(code=area_code, level=AreaLevel.VILLAGE).first()
