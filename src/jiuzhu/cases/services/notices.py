"""The public notice (公示) and objections raised during it."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiuzhu.accounts.roles import Role
from jiuzhu.cases.models import (
    Application,
    HomeVisit,
    Objection,
    Programme,
    PublicNotice,
    State,
    TaskKind,
)
from jiuzhu.cases.services._common import (
    _event,
    _month_after,
    _move,
    _task_open,
    _tasks_close,
    _ymd,
)
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.masking import mask_id_number, mask_name
from jiuzhu.registry import services as registry_services


def _notice_area(app: Application) -> str:
    return app.area_id


def _notice_post(app: Application, amount) -> PublicNotice:
    today = clock.today()
    days = int(app.chain.get("notice_days", 7))
    applicant = app.applicant
    start_month = _month_after(today)
    one_off = app.programme == Programme.TEMPORARY_AID
    return PublicNotice.objects.create(
        application=app,
        area_id=_notice_area(app),
        masked_name=mask_name(applicant.name),
        masked_id=mask_id_number(applicant.id_number or ""),
        household_size=app.household.size,
        programme=app.programme,
        amount=amount,
        amount_is_monthly=not one_off,
        period="一次性" if one_off else f"{start_month:%Y年%m月}起",
        start_date=today,
        end_date=today + datetime.timedelta(days=days - 1),
    )


def application_close_notice(
    *,
    actor,
    application_id: int,
    version: int,
    reason: str = "",
    today: datetime.date | None = None,
) -> Application:
    """公示期满 with no open objection: on to the decider."""

    def body(app):
        notice = app.notices.filter(closed=False).order_by("-id").first()
        day = today or clock.today()
        if notice is None:
            raise ServiceError(_("没有进行中的公示"), code="wrong_state")
        if day <= notice.end_date:
            raise ServiceError(
                _("公示期至 %(end)s 止，期满后方可进入审批") % {"end": _ymd(notice.end_date)},
                code="notice_running",
            )
        if app.objections.filter(resolved=False).exists():
            raise ServiceError(_("有未处理的异议"), code="paused")
        notice.closed = True
        notice.save(update_fields=["closed"])
        _tasks_close(app, TaskKind.NOTICE)
        _task_open(
            app,
            TaskKind.APPROVE,
            app.chain["approve_role"],
            add_working_days(day, app.chain["approve_days"]),
        )
        return None, {"notice": notice.pk}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="close_notice",
        reason=reason or "公示期满无异议",
        body=body,
    )


# Public objections (issue 14.14): per source address at most this many an hour and a day; a
# source whose objection a reviewer marked abusive is refused for ABUSE_BLOCK_DAYS.
OBJECTIONS_PER_HOUR = 3
OBJECTIONS_PER_DAY = 10
ABUSE_BLOCK_DAYS = 30


def objection_client_hash(address: str) -> str:
    """A keyed hash of the submitter's address: enough to rate-limit, not to identify."""
    if not address:
        return ""
    key = settings.SECRET_KEY.encode()
    return hashlib.sha256(key + b"|objection|" + address.encode()).hexdigest()


def _objection_limits(*, notice, client_hash: str, contact_phone: str) -> None:
    now = timezone.now()
    if client_hash:
        mine = Objection.objects.filter(client_hash=client_hash)
        if mine.filter(
            outcome="abusive", resolved_at__gte=now - datetime.timedelta(days=ABUSE_BLOCK_DAYS)
        ).exists():
            raise ServiceError(
                _(
                    "来自该网络的异议曾被认定为恶意或滥用，暂不接受在线提交；"
                    "请拨打监督电话或到村（居）委会当面提出"
                ),
                code="abusive_source",
            )
        if (
            mine.filter(submitted_at__gte=now - datetime.timedelta(hours=1)).count()
            >= OBJECTIONS_PER_HOUR
            or mine.filter(submitted_at__gte=now - datetime.timedelta(days=1)).count()
            >= OBJECTIONS_PER_DAY
        ):
            raise ServiceError(
                _("提交过于频繁，请一小时后再试，或拨打监督电话反映"), code="rate_limited"
            )
    if Objection.objects.filter(
        notice=notice, contact_phone=contact_phone.strip(), resolved=False
    ).exists():
        raise ServiceError(_("您对该户的异议已在核查中，无需重复提交"), code="duplicate_objection")


@transaction.atomic
def objection_submit(
    *,
    notice_id: int,
    contact_name: str,
    contact_phone: str,
    content: str,
    area_code: str | None = None,
    client_address: str = "",
) -> Objection:
    """An objection from the public page (no login): pause the case, task the deciding office.

    Accepted only through the notice's own page (``area_code`` is the notice's village or
    community), with a contact name and phone, and within the rate limit of its source."""
    errors: dict[str, list[str]] = {}
    if not (contact_name or "").strip():
        errors.setdefault("contact_name", []).append(_("请填写联系人姓名"))
    if not registry_services.PHONE_RE.match((contact_phone or "").strip()):
        errors.setdefault("contact_phone", []).append(
            _("请填写正确的联系电话（11位手机号或带区号的固话）")
        )
    if len((content or "").strip()) < 5:
        errors.setdefault("content", []).append(_("请具体说明异议内容（至少5个字）"))
    if len(content or "") > 2000:
        errors.setdefault("content", []).append(_("异议内容不超过2000字"))
    if errors:
        raise ServiceError(errors=errors)
    notice = PublicNotice.objects.select_for_update().filter(pk=notice_id, closed=False).first()
    if notice is None:
        raise ServiceError(_("该公示已结束，不能再提出异议"), code="notice_closed")
    if area_code is not None and notice.area_id != area_code:
        raise ServiceError(_("请在该户所在村（社区）的公示页面提出异议"), code="wrong_notice_page")
    app = Application.objects.select_for_update().get(pk=notice.application_id)
    if app.state != State.NOTICE:
        raise ServiceError(_("该公示已结束，不能再提出异议"), code="notice_closed")
    client_hash = objection_client_hash(client_address)
    _objection_limits(notice=notice, client_hash=client_hash, contact_phone=contact_phone)
    o = Objection.objects.create(
        notice=notice,
        application=app,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        content=content.strip(),
        client_hash=client_hash,
    )
    was_paused = app.paused
    Application.objects.filter(pk=app.pk).update(paused=True, version=F("version") + 1)
    app.refresh_from_db()
    _event(
        app,
        actor=None,
        action="objection",
        label=gettext_noop("公示异议"),
        from_state=app.state,
        to_state=app.state,
        reason=content.strip()[:500],
        data={"objection": o.pk, "paused": True, "was_paused": was_paused},
    )
    _task_open(
        app,
        TaskKind.OBJECTION,
        app.chain["approve_role"],
        add_working_days(clock.today(), 10),
        note=content.strip()[:200],
    )
    return o


def objection_resolve(
    *,
    actor,
    application_id: int,
    version: int,
    objection_id: int,
    upheld: bool,
    reason: str,
    abusive: bool = False,
) -> Application:
    """Handle an objection: dismissed → the notice runs on; upheld → investigate again;
    abusive (with a reason) → dismissed, the case un-paused, and its source refused online for a
    while (issue 14.14)."""
    if abusive and not (reason or "").strip():
        raise ServiceError(errors={"reason": [_("认定为恶意或滥用异议须填写理由")]})
    upheld = upheld and not abusive

    def body(app):
        o = app.objections.filter(pk=objection_id, resolved=False).first()
        if o is None:
            raise ServiceError(_("该异议不存在或已处理"), field="objection")
        o.resolved = True
        o.outcome = "abusive" if abusive else "upheld" if upheld else "dismissed"
        o.resolution = reason
        o.resolved_by = actor
        o.resolved_at = timezone.now()
        o.save()
        still_open = app.objections.filter(resolved=False).exists()
        target = State.NOTICE
        if not still_open:
            _tasks_close(app, TaskKind.OBJECTION)
            app.paused = False
        if upheld:
            app.paused = False
            app.objections.filter(resolved=False).update(
                resolved=True,
                outcome="upheld",
                resolution="随同重新调查",
                resolved_by=actor,
                resolved_at=timezone.now(),
            )
            _tasks_close(app)
            app.notices.filter(closed=False).update(closed=True)
            due = add_working_days(clock.today(), 15)
            HomeVisit.objects.create(application=app, due_date=due)
            _task_open(
                app, TaskKind.HOME_VISIT, Role.VILLAGE_WORKER, due, note="异议成立，重新调查"
            )
            target = State.INVESTIGATING
        return target, {"objection": o.pk, "outcome": o.outcome, "paused": app.paused}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="resolve_objection",
        reason=reason,
        body=body,
    )
