"""One application, many programmes (一门受理、协同办理): the tracks of a case.

A case asks for its own programme (``Application.programme``, the ``main`` track, which follows
the case's chain) and may ask for more at the same window with the same papers. Each further
programme is a track: a civil-affairs programme waits for the case's approver (``pending``);
another department's programme is referred (转办) to that department's office with a due date
in working days, where a 部门经办 records the outcome. Approving 低保 or 特困 refers the
household for the linked programmes (联动保障: ``tracks_link``, from the ``CaseDecided`` event).
"""

from __future__ import annotations

import decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import department_scope_q, user_scope
from jiuzhu.areas.models import OrgUnit, OrgUnitKind
from jiuzhu.audit.services import audit_record
from jiuzhu.cases.models import (
    Application,
    CaseEvent,
    CaseTrack,
    State,
    TrackHandling,
    TrackStatus,
)
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.policy.register import Entry, office_label, programme_register
from jiuzhu.registry.models import Person

# Working days a department has for a referred track (a process default, like the chain's
# limits; the referral letter names the date).
REFERRAL_DAYS = 10

# 联动保障: approving one of these refers the household for the programmes listed.
LINKED = {
    "dibao": ("medical_premium_subsidy", "education_aid", "utilities_discount"),
    "tekun": ("medical_premium_subsidy", "education_aid", "utilities_discount"),
}
SCHOOL_STAGES = ("preschool", "primary", "junior", "senior", "vocational", "college")

# Stored event labels (Chinese msgids, shown translated).
LABEL_REFER = gettext_noop("转办")
LABEL_TRACK_DECIDE = gettext_noop("决定并办事项")
LABEL_OUTCOME = gettext_noop("转办事项办结")
LABEL_LINK = gettext_noop("联动转办")


def _office_for(area_code: str, department: str) -> tuple[OrgUnit | None, str]:
    """The department's office nearest above the case's place (longest area prefix)."""
    units = [
        u
        for u in OrgUnit.objects.filter(
            kind=OrgUnitKind.DEPARTMENT, department=department
        ).select_related("area")
        if area_code.startswith(u.area.prefix)
    ]
    units.sort(key=lambda u: -len(u.area.prefix))
    if units:
        return units[0], units[0].name
    return None, office_label(department)


def _actor_name(actor) -> str:
    return actor.get_full_name() or getattr(actor, "full_name", "") or actor.get_username()


def _case_event(app: Application, actor, *, action: str, label: str, reason: str, data: dict):
    CaseEvent.objects.create(
        application=app,
        action=action,
        action_label=label,
        from_state=app.state,
        to_state=app.state,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=_actor_name(actor) if getattr(actor, "pk", None) else "系统",
        reason=reason,
        data=data,
    )


def _new_track(app: Application, entry: Entry, *, main: bool, linked_from: str = "") -> CaseTrack:
    track = CaseTrack(
        application=app,
        household_id=app.household_id,
        area_id=app.area_id,
        programme=entry.code,
        main=main,
        owner=entry.owner,
        handling=TrackHandling.REFER if entry.referred and not main else TrackHandling.DECIDE,
        linked_from=linked_from,
    )
    if main:
        track.status = TrackStatus.MAIN
    elif entry.referred:
        today = clock.today()
        track.office, track.office_name = _office_for(app.area_id, entry.owner)
        track.status = TrackStatus.REFERRED
        track.referred_on = today
        track.due_date = add_working_days(today, REFERRAL_DAYS)
    else:
        track.status = TrackStatus.PENDING
    track.save()
    return track


def tracks_check(programme: str, also: list[str] | None) -> list[str]:
    """The further programmes asked for: known to the register, each once, not the case's own."""
    register = programme_register()
    out, bad = [], []
    for code in dict.fromkeys(c for c in also or [] if c):
        if code not in register:
            bad.append(code)
        elif code != programme:
            out.append(code)
    if bad:
        raise ServiceError(
            _("同时申请的救助项目不存在：%(codes)s") % {"codes": "、".join(bad)},
            field="also_programmes",
        )
    return out


def _tracks_open(app: Application, actor, also: list[str]) -> list[CaseTrack]:
    """Open the case's tracks when it is registered (inside application_create's transaction)."""
    register = programme_register()
    tracks = []
    if app.programme and app.programme in register:
        tracks.append(_new_track(app, register[app.programme], main=True))
    for code in also:
        tracks.append(_new_track(app, register[code], main=False))
    referred = [t for t in tracks if t.status == TrackStatus.REFERRED]
    if referred:
        data = {
            "tracks": [
                {
                    "programme": t.programme,
                    "owner": t.owner,
                    "office": t.office_name,
                    "due": t.due_date.isoformat(),
                }
                for t in referred
            ]
        }
        _case_event(app, actor, action="refer", label=LABEL_REFER, reason="", data=data)
        audit_record(
            actor=actor,
            action="case.refer",
            subject_type="application",
            subject_id=app.pk,
            household_id=app.household_id,
            area_code=app.area_id,
            after=data,
        )
    return tracks


def main_track_ensure(app: Application) -> None:
    """A 模糊申请 settles its programme later: its main track is opened then."""
    if not app.programme or app.tracks.filter(main=True).exists():
        return
    register = programme_register()
    if app.programme in register:
        app.tracks.filter(programme=app.programme).delete()
        _new_track(app, register[app.programme], main=True)


def _amount(value) -> decimal.Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = decimal.Decimal(str(value))
    except decimal.InvalidOperation as exc:
        raise ServiceError(_("金额须为数字"), field="amount") from exc
    if not d.is_finite() or d < 0 or d != d.quantize(decimal.Decimal("0.01")):
        raise ServiceError(_("金额须为不小于0的数，最多保留两位小数（到分）"), field="amount")
    if d >= decimal.Decimal("1e9"):
        raise ServiceError(_("金额超出允许范围"), field="amount")
    return d


def _settle(track: CaseTrack, actor, *, approved: bool, note: str, amount, action: str, label):
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("办理结果须填写说明（依据或理由）"), field="note")
    value = _amount(amount)
    before = {"status": track.status}
    track.status = TrackStatus.APPROVED if approved else TrackStatus.REFUSED
    track.decided_on = clock.today()
    track.decided_by = actor
    track.outcome_note = note[:300]
    track.amount = value if approved else None
    track.version = F("version") + 1
    track.save()
    track.refresh_from_db()
    data = {
        "track": track.pk,
        "programme": track.programme,
        "status": track.status,
        "amount": str(value) if value is not None and approved else "",
    }
    _case_event(track.application, actor, action=action, label=label, reason=note, data=data)
    audit_record(
        actor=actor,
        action=f"case.{action}",
        subject_type="case_track",
        subject_id=track.pk,
        household_id=track.household_id,
        area_code=track.area_id,
        reason=note,
        before=before,
        after=data,
    )
    return track


@transaction.atomic
def track_outcome_record(
    *, actor, track_id: int, version: int, approved: bool, note: str, amount=None
) -> CaseTrack:
    """A 部门经办 records the outcome of a track referred to their department."""
    track = (
        CaseTrack.objects.select_for_update()
        .select_related("application")
        .filter(department_scope_q(actor, Capability.TRACK_HANDLE, "owner", "area"))
        .filter(pk=track_id, handling=TrackHandling.REFER)
        .first()
    )
    if track is None:
        raise ServiceError(_("转办事项不存在"), code="not_found")
    if track.version != version:
        raise ConcurrentEditError(_("该转办事项"))
    if track.status != TrackStatus.REFERRED:
        raise ServiceError(_("该事项已办结，不能再次录入结果"), code="wrong_state")
    return _settle(
        track,
        actor,
        approved=approved,
        note=note,
        amount=amount,
        action="track_outcome",
        label=LABEL_OUTCOME,
    )


@transaction.atomic
def track_decide(
    *, actor, track_id: int, version: int, approved: bool, note: str, amount=None
) -> CaseTrack:
    """The case's approver decides a further civil-affairs programme of the case (并办), once
    the case itself has been reviewed (待审批 or decided)."""
    track = (
        CaseTrack.objects.select_for_update()
        .select_related("application")
        .filter(pk=track_id, handling=TrackHandling.DECIDE, main=False)
        .first()
    )
    if track is None or not user_scope(actor, Capability.CASE_APPROVE).contains(track.area_id):
        raise ServiceError(_("办理事项不存在"), code="not_found")
    if track.version != version:
        raise ConcurrentEditError(_("该办理事项"))
    if track.status != TrackStatus.PENDING:
        raise ServiceError(_("该事项已办结，不能再次决定"), code="wrong_state")
    if track.application.state not in (State.APPROVING, State.APPROVED, State.REFUSED):
        raise ServiceError(_("本案经初审后（待审批或已决定）才能决定并办事项"), code="wrong_state")
    return _settle(
        track,
        actor,
        approved=approved,
        note=note,
        amount=amount,
        action="track_decide",
        label=LABEL_TRACK_DECIDE,
    )


def _has_students(household_id: int) -> bool:
    return Person.objects.filter(
        household_id=household_id, death_date__isnull=True, school_stage__in=SCHOOL_STAGES
    ).exists()


@transaction.atomic
def tracks_link(*, application_id: int, actor=None) -> list[CaseTrack]:
    """联动保障: the case's 低保/特困 was approved — refer the household for the premium subsidy,
    education aid if a member is at school, and the utilities discount where the area has it.
    A programme already on the case (or not in the register) is skipped; idempotent."""
    from jiuzhu.policy.selectors import parameter_for_areas

    app = Application.objects.select_for_update().filter(pk=application_id).first()
    if app is None or app.state != State.APPROVED or app.programme not in LINKED:
        return []
    register = programme_register()
    have = set(app.tracks.values_list("programme", flat=True))
    made = []
    for code in LINKED[app.programme]:
        if code in have or code not in register:
            continue
        if code == "education_aid" and not _has_students(app.household_id):
            continue
        if code == "utilities_discount":
            enabled = parameter_for_areas(
                name="utilities.enabled", area_codes=[app.area_id], on=clock.today()
            )
            if not enabled.get(app.area_id):
                continue
        entry = register[code]
        made.append(_new_track(app, entry, main=False, linked_from=app.programme))
    if made:
        data = {
            "linked_from": app.programme,
            "tracks": [
                {"programme": t.programme, "owner": t.owner, "office": t.office_name} for t in made
            ],
        }
        _case_event(app, actor, action="link", label=LABEL_LINK, reason="", data=data)
        audit_record(
            actor=actor if getattr(actor, "pk", None) else None,
            action="case.link",
            subject_type="application",
            subject_id=app.pk,
            household_id=app.household_id,
            area_code=app.area_id,
            after=data,
        )
    return made
