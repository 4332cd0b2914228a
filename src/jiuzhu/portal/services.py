"""The citizen side's writes: sign-in codes, identity binding, applying, uploads, 举报.

Citizens are not staff users: a signed-in citizen is a ``Citizen`` row in the session, bound to
one registry person and household. Writes to a case go through the cases services exactly as at
the window, with ``channel="online"``; the acting account there is the portal's channel principal
(``portal-online``, no password, cannot sign in, no role: ``accounts.channels``), allowed intake
only, in the household's own village, for that one call; the audit log names the channel and
the citizen it acted for.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.accounts.channels import channel_principal
from jiuzhu.accounts.models import User
from jiuzhu.accounts.roles import Role
from jiuzhu.accounts.scoping import scoped, user_roles
from jiuzhu.areas.models import Area, AreaLevel
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.cases import services as cases_services
from jiuzhu.cases.models import Application, MaterialKind
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.portal import sms
from jiuzhu.portal.models import (
    Citizen,
    PhoneLock,
    Report,
    ReportCategory,
    ReportOffice,
    ReportPhoto,
    SignatureEvidence,
    SmsCode,
)
from jiuzhu.registry.models import Person

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
CODE_TTL = datetime.timedelta(minutes=5)
RESEND_AFTER = datetime.timedelta(seconds=60)
CODES_PER_HOUR = 5
MAX_FAILURES = 5
LOCK_FOR = datetime.timedelta(minutes=30)
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_SIGNATURE_BYTES = 300 * 1024
CHANNEL_USERNAME = "portal-online"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
IMAGE_MAGIC = {PNG_MAGIC: "image/png", b"\xff\xd8\xff": "image/jpeg"}
WINDOW_HINT = gettext_lazy("请携带身份证到村（社区）或乡镇（街道）社会救助窗口核实信息")


def _hash(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _audit(action: str, *, subject_type: str, subject_id, household_id=None, area="", **after):
    citizen = after.pop("acting", None)
    if getattr(citizen, "acting_for", None) is not None:
        after["acting_for_grant"] = citizen.acting_for.pk
    audit_record(
        actor=None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        household_id=household_id,
        area_code=area,
        after=after or None,
    )


def _check_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if not PHONE_RE.match(phone):
        raise ServiceError(_("手机号：请填写11位手机号码"), field="phone")
    return phone


def _locked(phone: str, now) -> PhoneLock | None:
    lock = PhoneLock.objects.filter(phone=phone, locked_until__gt=now).first()
    return lock


# ---------------------------------------------------------------- sign-in


@transaction.atomic
def code_request(*, phone: str) -> None:
    """Send a 6-digit sign-in code; at most one a minute and five an hour per phone."""
    phone = _check_phone(phone)
    now = clock.now()
    if _locked(phone, now):
        raise ServiceError(_("验证码错误次数过多，该手机号已锁定30分钟，请稍后再试"), code="locked")
    recent = SmsCode.objects.select_for_update().filter(
        phone=phone, created_at__gt=now - datetime.timedelta(hours=1)
    )
    rows = list(recent.order_by("-created_at"))
    if rows and rows[0].created_at > now - RESEND_AFTER:
        raise ServiceError(_("验证码已发送，请60秒后再获取"), field="phone", code="too_soon")
    if len(rows) >= CODES_PER_HOUR:
        raise ServiceError(
            _("该手机号1小时内获取验证码已达5次，请稍后再试"), field="phone", code="rate"
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    SmsCode.objects.create(
        phone=phone, code_hash=_hash(phone, code), created_at=now, expires_at=now + CODE_TTL
    )
    _audit("portal.code.send", subject_type="phone", subject_id=phone[-4:], area=NATIONAL)
    transaction.on_commit(
        lambda: sms.send(
            phone,
            _("【智慧救助】您的登录验证码为%(code)s，5分钟内有效。请勿告诉他人。") % {"code": code},
        )
    )


def code_verify(*, phone: str, code: str) -> Citizen:
    """Check the code; five wrong codes lock the phone for 30 minutes. Returns the citizen.

    A wrong code is counted in its own committed transaction, then refused.
    """
    phone = _check_phone(phone)
    now = clock.now()
    locked_msg = _("验证码错误次数过多，该手机号已锁定30分钟，请稍后再试")
    with transaction.atomic():
        if _locked(phone, now):
            raise ServiceError(locked_msg, code="locked")
        sent = (
            SmsCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        good = sent is not None and hmac.compare_digest(
            sent.code_hash, _hash(phone, (code or "").strip())
        )
        if good:
            sent.used_at = now
            sent.save(update_fields=["used_at"])
            PhoneLock.objects.filter(phone=phone).update(failures=0)
            citizen, _created = Citizen.objects.get_or_create(phone=phone)
            Citizen.objects.filter(pk=citizen.pk).update(last_login_at=now)
            _audit("portal.login", subject_type="citizen", subject_id=citizen.pk, area=NATIONAL)
            return citizen
        lock, _created = PhoneLock.objects.select_for_update().get_or_create(phone=phone)
        lock.failures += 1
        now_locked = lock.failures >= MAX_FAILURES
        if now_locked:
            lock.locked_until, lock.failures = now + LOCK_FOR, 0
        lock.save()
        _audit(
            "portal.login.fail",
            subject_type="phone",
            subject_id=phone[-4:],
            locked=now_locked,
            area=NATIONAL,
        )
    if now_locked:
        raise ServiceError(locked_msg, code="locked")
    raise ServiceError(_("验证码：不正确或已过期，请重新输入或重新获取"), field="code")


@transaction.atomic
def identity_bind(*, citizen: Citizen, name: str, id_number: str) -> Citizen:
    """First sign-in: bind to the registry person whose name, ID and phone all match."""
    errors: dict[str, list[str]] = {}
    name, id_number = (name or "").strip(), (id_number or "").strip().upper()
    if not name:
        errors["name"] = [_("姓名：请填写身份证上的姓名")]
    if not re.match(r"^\d{17}[\dX]$", id_number):
        errors["id_number"] = [_("身份证号：须为18位（最后一位可为X）")]
    if errors:
        raise ServiceError(errors=errors)
    citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
    person = (
        Person.objects.select_related("household")
        .filter(id_number=id_number, death_date__isnull=True)
        .first()
    )
    phones = {person.phone, person.household.phone} if person else set()
    if person is None or person.name != name or citizen.phone not in phones:
        _audit("portal.bind.fail", subject_type="citizen", subject_id=citizen.pk, area=NATIONAL)
        raise ServiceError(
            _("姓名、身份证号、手机号与登记信息不一致。") + str(WINDOW_HINT), code="mismatch"
        )
    other = Citizen.objects.filter(person=person).exclude(pk=citizen.pk).first()
    if other is not None:
        raise ServiceError(_("该身份已绑定其他手机号。") + str(WINDOW_HINT), code="bound_elsewhere")
    citizen.person, citizen.household, citizen.bound_at = person, person.household, clock.now()
    citizen.save(update_fields=["person", "household", "bound_at"])
    _audit(
        "portal.bind",
        subject_type="citizen",
        subject_id=citizen.pk,
        household_id=person.household_id,
        area=person.household.hukou_area_id,
        person=person.pk,
    )
    return citizen


# ---------------------------------------------------------------- the channel account


def channel_actor(area_code: str, citizen: Citizen | None = None) -> User:
    """The online channel's principal for one cases-service call: intake rights only, in this
    one village, held by this object alone — no role assignment (``accounts.channels``)."""
    return channel_principal(
        channel="online",
        username=CHANNEL_USERNAME,
        full_name="网上申请（群众端）",
        area_code=area_code,
        on_behalf_of=f"群众#{citizen.pk}" if citizen is not None else "群众",
    )


def _require_bound(citizen: Citizen) -> None:
    if citizen.household_id is None:
        raise ServiceError(_("请先完成实名认证"), code="unbound")


def _image(uploaded, *, field: str, limit: int) -> tuple[bytes, str]:
    data = uploaded.read() if hasattr(uploaded, "read") else bytes(uploaded)
    if not data:
        raise ServiceError(_("%(field)s：文件为空，请重新拍照") % {"field": field}, field=field)
    if len(data) > limit:
        raise ServiceError(
            _("%(field)s：图片不得超过 %(mb)s MB")
            % {"field": field, "mb": limit // 1024 // 1024 or 1},
            field=field,
        )
    for magic, ctype in IMAGE_MAGIC.items():
        if data.startswith(magic):
            return data, ctype
    raise ServiceError(_("%(field)s：只接受 JPG 或 PNG 图片") % {"field": field}, field=field)


def _signature(data: bytes, field: str, label: str) -> bytes:
    if not data:
        raise ServiceError(_("%(label)s：请用手指在框内签名") % {"label": label}, field=field)
    if not data.startswith(PNG_MAGIC) or len(data) > MAX_SIGNATURE_BYTES:
        raise ServiceError(_("%(label)s：签名图像无效，请重新签名") % {"label": label}, field=field)
    return data


QUESTIONS = {
    "income": gettext_lazy("近12个月全家总收入（元，估计即可）"),
    "members": gettext_lazy("共同生活的家庭人数"),
    "illness": gettext_lazy("家中是否有重病、残疾或失能人员"),
}


@transaction.atomic
def apply(
    *,
    citizen: Citizen,
    reason: str,
    answers: dict,
    photos: list,
    pledge_png: bytes,
    authorisation_png: bytes,
    client_ref: str = "",
) -> Application:
    """模糊申请 from the phone: lands in the cases process as at the window (channel online)."""
    _require_bound(citizen)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if len(reason) < 5:
        errors["reason"] = [_("困难情况：请用几句话说明（至少5个字）")]
    income = (answers.get("income") or "").strip()
    if income and not re.match(r"^\d{1,9}(\.\d{1,2})?$", income):
        errors["income"] = [_("近12个月全家总收入：请填写金额数字，如 3600")]
    members = (answers.get("members") or "").strip()
    if members and not (members.isdigit() and 1 <= int(members) <= 30):
        errors["members"] = [_("共同生活的家庭人数：请填写1到30之间的整数")]
    try:
        pledge_png = _signature(pledge_png, "pledge", _("诚信承诺书"))
    except ServiceError as exc:
        errors.update(exc.errors)
    try:
        authorisation_png = _signature(authorisation_png, "authorisation", _("核对授权书"))
    except ServiceError as exc:
        errors.update(exc.errors)
    files = []
    for i, p in enumerate(photos):
        try:
            data, _ctype = _image(p, field="photos", limit=MAX_PHOTO_BYTES)
        except ServiceError as exc:
            errors.update(exc.errors)
            continue
        files.append(
            (MaterialKind.OTHER if i else MaterialKind.ID_CARD, ContentFile(data, name=p.name))
        )
    if errors:
        raise ServiceError(errors=errors)
    person = citizen.person
    facts = [reason]
    if income:
        facts.append(_("近12个月全家总收入约%(v)s元") % {"v": income})
    if members:
        facts.append(_("共同生活%(v)s人") % {"v": members})
    if answers.get("illness") == "yes":
        facts.append(_("家中有重病、残疾或失能人员"))
    actor = channel_actor(person.household.hukou_area_id, citizen)
    app = cases_services.intake_submit(
        actor=actor,
        household_id=citizen.household_id,
        files=files,
        applicant_id=person.pk,
        reason="；".join(facts),
        pledge={"signer_name": person.name},
        authorisation={"signer_name": person.name},
        channel="online",
        client_ref=client_ref or None,
    )
    for kind, png in (("pledge", pledge_png), ("authorisation", authorisation_png)):
        SignatureEvidence.objects.create(
            application=app,
            citizen=citizen,
            kind=kind,
            png=png,
            sha256=hashlib.sha256(png).hexdigest(),
        )
    _audit(
        "portal.apply",
        subject_type="application",
        subject_id=app.pk,
        household_id=app.household_id,
        area=app.area_id,
        citizen=citizen.pk,
        acting=citizen,
        photos=len(files),
    )
    number = app.number
    transaction.on_commit(
        lambda: sms.send(
            citizen.phone,
            _("【智慧救助】您的救助申请已提交，编号%(n)s。可在“掌上办”查看办理进度。")
            % {"n": number},
        )
    )
    return app


@transaction.atomic
def upload_missing(*, citizen: Citizen, application_id: int, kind: str, uploaded) -> None:
    """补齐材料 from the progress page (the outstanding item is marked received)."""
    _require_bound(citizen)
    app = Application.objects.filter(pk=application_id, household_id=citizen.household_id).first()
    if app is None:
        from django.http import Http404

        raise Http404
    data, _ctype = _image(uploaded, field="file", limit=MAX_PHOTO_BYTES)
    actor = channel_actor(app.household.hukou_area_id, citizen)
    m = cases_services.material_upload(
        actor=actor,
        household_id=app.household_id,
        kind=kind,
        uploaded=ContentFile(data, name=getattr(uploaded, "name", "photo")),
        application_id=app.pk,
    )
    _audit(
        "portal.upload",
        subject_type="application",
        subject_id=app.pk,
        household_id=app.household_id,
        area=app.area_id,
        citizen=citizen.pk,
        acting=citizen,
        material=m.pk,
        kind=kind,
    )


# ---------------------------------------------------------------- 举报 / 投诉

# Who handles what: favours and misconduct go to the discipline office of the county, suspected
# fraud to the county civil-affairs bureau, service complaints to the township. Working days.
ROUTES = {
    ReportCategory.FRAUD: (ReportOffice.COUNTY, AreaLevel.COUNTY, 15),
    ReportCategory.FAVOUR: (ReportOffice.DISCIPLINE, AreaLevel.COUNTY, 15),
    ReportCategory.MISCONDUCT: (ReportOffice.DISCIPLINE, AreaLevel.COUNTY, 15),
    ReportCategory.SERVICE: (ReportOffice.TOWNSHIP, AreaLevel.TOWNSHIP, 5),
}
# The role that answers for each office, inside the office's area.
OFFICE_ROLES = {
    ReportOffice.TOWNSHIP: Role.TOWNSHIP_REVIEWER,
    ReportOffice.COUNTY: Role.COUNTY_APPROVER,
    ReportOffice.DISCIPLINE: Role.AUDITOR,
}
OFFICE_CAPABILITY = {
    ReportOffice.TOWNSHIP: "case.review",
    ReportOffice.COUNTY: "case.approve",
    ReportOffice.DISCIPLINE: "audit.view",
}


def query_hash(code: str) -> str:
    return hashlib.sha256(f"report:{(code or '').strip().upper()}".encode()).hexdigest()


@transaction.atomic
def report_submit(
    *,
    category: str,
    area_code: str,
    text: str,
    anonymous: bool,
    reporter_name: str = "",
    reporter_phone: str = "",
    photos: list = (),
) -> tuple[Report, str]:
    """File a 举报/投诉; returns it and its query code (shown once, only its hash is kept)."""
    errors: dict[str, list[str]] = {}
    if category not in ReportCategory.values:
        errors["category"] = [_("类别：请选择举报或投诉的类别")]
    area = Area.objects.filter(pk=area_code).first()
    if area is None or area.level not in (AreaLevel.TOWNSHIP, AreaLevel.VILLAGE):
        errors["area"] = [_("所在地：请选择乡镇（街道）或村（社区）")]
    text = (text or "").strip()
    if len(text) < 10:
        errors["text"] = [_("内容：请具体说明情况（至少10个字）")]
    if len(text) > 2000:
        errors["text"] = [_("内容：不超过2000字")]
    if not anonymous:
        if not (reporter_name or "").strip():
            errors["reporter_name"] = [_("姓名：实名举报请填写姓名，或选择匿名")]
        if not PHONE_RE.match((reporter_phone or "").strip()):
            errors["reporter_phone"] = [_("手机号：实名举报请填写11位手机号码")]
    kept = []
    for p in photos:
        try:
            kept.append(_image(p, field="photos", limit=MAX_PHOTO_BYTES))
        except ServiceError as exc:
            errors.update(exc.errors)
    if len(kept) > 6:
        errors["photos"] = [_("照片：最多6张")]
    if errors:
        raise ServiceError(errors=errors)
    office, level, days = ROUTES[category]
    office_area = next(a for a in [area, *area.ancestors()] if a.level == level)
    code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))
    now = clock.now()
    report = Report.objects.create(
        number=f"JB{now:%Y%m%d}{secrets.randbelow(10**6):06d}",
        query_hash=query_hash(code),
        category=category,
        area=area,
        office=office,
        office_area=office_area,
        text=text,
        anonymous=anonymous,
        reporter_name="" if anonymous else reporter_name.strip(),
        reporter_phone="" if anonymous else reporter_phone.strip(),
        due_date=add_working_days(now.date(), days),
        created_at=now,
    )
    for data, ctype in kept:
        ReportPhoto.objects.create(report=report, content_type=ctype, data=data, size=len(data))
    _audit(
        "portal.report.submit",
        subject_type="report",
        subject_id=report.pk,
        area=area.code,
        office=office,
        office_area=office_area.code,
    )
    return report, code


def reports_for(user):
    """The reports routed to the offices this user answers for (one scoping mechanism)."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for office, cap in OFFICE_CAPABILITY.items():
        if any(a.role == OFFICE_ROLES[office] for a in user_roles(user)):
            q |= Q(office=office, pk__in=scoped(Report.objects.all(), user, cap).values("pk"))
    return Report.objects.filter(q)


def sees_reporter(user, report: Report) -> bool:
    """Only the discipline role (纪检) of the area sees who reported."""
    return any(
        a.role == Role.AUDITOR and report.office_area_id.startswith(a.area.prefix)
        for a in user_roles(user)
    )


@transaction.atomic
def report_reply(*, actor, report_id: int, reply: str) -> Report:
    from django.http import Http404

    report = reports_for(actor).select_for_update().filter(pk=report_id).first()
    if report is None:
        raise Http404
    reply = (reply or "").strip()
    if len(reply) < 5:
        raise ServiceError(_("答复：请写明核查情况和处理结果（至少5个字）"), field="reply")
    if report.replied_at is not None:
        raise ServiceError(_("该件已答复，不能重复答复"), code="replied")
    Report.objects.filter(pk=report.pk).update(
        reply=reply, replied_at=clock.now(), replied_by=actor
    )
    report.refresh_from_db()
    audit_record(
        actor=actor,
        action="portal.report.reply",
        subject_type="report",
        subject_id=report.pk,
        area_code=report.area_id,
        after={"reply": reply[:500]},
    )
    return report


# ---------------------------------------------------------------- 满意度

AFTER_VISIT = {"reviewing", "returned", "community_review", "notice", "approving"}
DECIDED = {"approved", "refused"}


def rating_stage(app: Application) -> str:
    """Which step may be rated now: the decision once decided, the visit once it is done."""
    if app.state in DECIDED:
        return "decision"
    if app.state in AFTER_VISIT:
        return "visit"
    return ""


@transaction.atomic
def rate(*, citizen: Citizen, application_id: int, score, comment: str = "") -> None:
    from django.http import Http404

    from jiuzhu.portal.models import Rating

    _require_bound(citizen)
    app = Application.objects.filter(pk=application_id, household_id=citizen.household_id).first()
    if app is None:
        raise Http404
    stage = rating_stage(app)
    if not stage:
        raise ServiceError(_("入户调查完成或审批决定后才能评价"), code="too_early")
    if str(score) not in {"1", "2", "3", "4", "5"}:
        raise ServiceError(_("满意度：请选择1到5颗星"), field="score")
    comment = (comment or "").strip()
    if len(comment) > 300:
        raise ServiceError(_("意见：不超过300字"), field="comment")
    if Rating.objects.filter(application=app, stage=stage).exists():
        raise ServiceError(_("您已评价过这一环节，谢谢"), code="rated")
    r = Rating.objects.create(
        application=app,
        citizen=citizen,
        area_id=app.area_id,
        stage=stage,
        score=int(score),
        comment=comment,
    )
    _audit(
        "portal.rate",
        subject_type="application",
        subject_id=app.pk,
        household_id=app.household_id,
        area=app.area_id,
        rating=r.pk,
        score=r.score,
        stage=stage,
    )


# ---------------------------------------------------------------- 主动申报


def change_report(
    *,
    citizen: Citizen,
    change: str,
    text: str,
    person_id=None,
    event_date: str = "",
    amount: str = "",
    household_id: int | None = None,
):
    """主动申报 a change of the household: a routed monitoring alert (cause ``self_report``)."""
    from jiuzhu.monitoring import self_reports

    _require_bound(citizen)
    household_id = household_id or citizen.household_id
    day = None
    errors: dict[str, list[str]] = {}
    if (event_date or "").strip():
        try:
            day = datetime.date.fromisoformat(event_date.strip())
        except ValueError:
            errors["event_date"] = [_("发生日期：请按 年-月-日 填写，如 2026-11-01")]
    amount = (amount or "").strip()
    if amount and not re.match(r"^\d{1,9}(\.\d{1,2})?$", amount):
        errors["amount"] = [_("每月金额：请填写金额数字，如 1500")]
    pid = None
    if person_id not in (None, ""):
        try:
            pid = int(person_id)
        except (TypeError, ValueError):
            errors["person"] = [_("家庭成员：请从本户成员中选择")]
    try:
        with transaction.atomic():  # every field checked at once; nothing kept on an error
            alert = self_reports.self_report_raise(
                household_id=household_id,
                change=change,
                text=text,
                person_id=pid,
                event_date=day,
                amount=amount,
                reported_by=f"portal:citizen:{citizen.pk}",
            )
            if errors:
                raise ServiceError(errors=errors)
    except ServiceError as exc:
        raise ServiceError(errors={**exc.errors, **errors}) from exc
    transaction.on_commit(
        lambda: sms.send(
            citizen.phone,
            _("【智慧救助】您申报的家庭变化已转%(office)s办理，办理期限%(due)s。")
            % {"office": alert.get_level_display(), "due": f"{alert.due_date:%Y-%m-%d}"},
        )
    )
    return alert


# ---------------------------------------------------------------- 代办

MAX_PROXY_DAYS = 366


def _proxy_fields(agent_phone, agent_name, relation, valid_until) -> tuple:
    errors: dict[str, list[str]] = {}
    agent_phone = (agent_phone or "").strip()
    if not PHONE_RE.match(agent_phone):
        errors["agent_phone"] = [_("代办人手机号：请填写11位手机号码")]
    agent_name = (agent_name or "").strip()
    if not agent_name:
        errors["agent_name"] = [_("代办人姓名：请填写")]
    relation = (relation or "").strip()
    if not relation:
        errors["relation"] = [_("与被代办人关系：请填写，如 子女")]
    today = clock.today()
    until = None
    try:
        until = datetime.date.fromisoformat((valid_until or "").strip())
    except ValueError:
        errors["valid_until"] = [_("有效期至：请按 年-月-日 填写")]
    if until is not None and not (
        today <= until <= today + datetime.timedelta(days=MAX_PROXY_DAYS)
    ):
        errors["valid_until"] = [_("有效期至：须在今天到一年之内")]
    return errors, agent_phone, agent_name[:60], relation[:30], until


@transaction.atomic
def proxy_grant_online(
    *, citizen: Citizen, agent_phone: str, agent_name: str, relation: str, valid_until: str
):
    """The member, signed in themselves, lets another phone act for the household."""
    from jiuzhu.portal.models import ProxyGrant, ProxyHow

    _require_bound(citizen)
    if getattr(citizen, "acting_for", None) is not None:
        raise ServiceError(_("代办人不能再转授权"), code="agent")
    errors, phone, name, relation, until = _proxy_fields(
        agent_phone, agent_name, relation, valid_until
    )
    if phone == citizen.phone:
        errors["agent_phone"] = [_("代办人手机号：不能是本人的手机号")]
    if errors:
        raise ServiceError(errors=errors)
    grant = ProxyGrant.objects.create(
        grantor=citizen.person,
        agent_phone=phone,
        agent_name=name,
        relation=relation,
        how=ProxyHow.ONLINE,
        granted_by_citizen=citizen,
        valid_from=clock.today(),
        valid_until=until,
        created_at=clock.now(),
    )
    _audit(
        "portal.proxy.grant",
        subject_type="proxy_grant",
        subject_id=grant.pk,
        household_id=citizen.household_id,
        area=citizen.household.hukou_area_id,
        how="online",
        agent=phone[-4:],
        until=until,
    )
    return grant


@transaction.atomic
def proxy_grant_at_window(
    *,
    actor,
    id_number: str,
    agent_phone: str,
    agent_name: str,
    relation: str,
    valid_until: str,
    note: str = "",
):
    """A worker records the authorisation the member gave in person at the window."""
    from jiuzhu.accounts.roles import Capability
    from jiuzhu.accounts.scoping import scoped as _scoped
    from jiuzhu.portal.models import ProxyGrant, ProxyHow

    errors, phone, name, relation, until = _proxy_fields(
        agent_phone, agent_name, relation, valid_until
    )
    person = (
        _scoped(Person.objects.select_related("household"), actor, Capability.CASE_INTAKE)
        .filter(id_number=(id_number or "").strip().upper(), death_date__isnull=True)
        .first()
    )
    if person is None:
        errors["id_number"] = [_("被代办人身份证号：本辖区登记人员中没有此人")]
    if errors:
        raise ServiceError(errors=errors)
    grant = ProxyGrant.objects.create(
        grantor=person,
        agent_phone=phone,
        agent_name=name,
        relation=relation,
        how=ProxyHow.WINDOW,
        recorded_by=actor,
        valid_from=clock.today(),
        valid_until=until,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="portal.proxy.grant",
        subject_type="proxy_grant",
        subject_id=grant.pk,
        household_id=person.household_id,
        area_code=person.household.hukou_area_id,
        reason=(note or "").strip()[:200],
        after={"how": "window", "agent": phone[-4:], "until": until},
    )
    return grant


def proxy_active(agent_phone: str):
    """The grants a phone may act on today (not expired, not revoked, grantor alive)."""
    from jiuzhu.portal.models import ProxyGrant

    today = clock.today()
    return ProxyGrant.objects.select_related("grantor__household").filter(
        agent_phone=agent_phone,
        revoked_at__isnull=True,
        valid_from__lte=today,
        valid_until__gte=today,
        grantor__death_date__isnull=True,
    )


@transaction.atomic
def proxy_revoke(*, grant_id: int, citizen: Citizen | None = None, actor=None, reason: str = ""):
    """The member (signed in), the agent, or a worker of the area revokes a grant."""
    from django.http import Http404

    from jiuzhu.accounts.roles import Capability
    from jiuzhu.accounts.scoping import scoped as _scoped
    from jiuzhu.portal.models import ProxyGrant

    rows = ProxyGrant.objects.select_for_update().filter(pk=grant_id, revoked_at__isnull=True)
    if actor is not None:
        rows = _scoped(rows, actor, Capability.CASE_INTAKE)
    elif citizen is not None and getattr(citizen, "acting_for", None) is None:
        from django.db.models import Q

        rows = rows.filter(Q(grantor_id=citizen.person_id) | Q(agent_phone=citizen.phone))
    else:
        rows = rows.none()
    grant = rows.select_related("grantor__household").first()
    if grant is None:
        raise Http404
    grant.revoked_at = clock.now()
    grant.revoke_reason = (reason or "").strip()[:200]
    grant.save(update_fields=["revoked_at", "revoke_reason"])
    audit_record(
        actor=actor,
        action="portal.proxy.revoke",
        subject_type="proxy_grant",
        subject_id=grant.pk,
        household_id=grant.grantor.household_id,
        area_code=grant.grantor.household.hukou_area_id,
        reason=grant.revoke_reason,
        after={"by_citizen": citizen.pk if citizen is not None else None},
    )
    return grant


# ---------------------------------------------------------------- 举报 escalation

ESCALATION_DAYS = 5  # working days the office above gets
# An overdue report goes to the office one level up: the township's to the county bureau; the
# county bureau's and the discipline office's to the same office of the area above.
ESCALATE_OFFICE = {
    ReportOffice.TOWNSHIP: ReportOffice.COUNTY,
    ReportOffice.COUNTY: ReportOffice.COUNTY,
    ReportOffice.DISCIPLINE: ReportOffice.DISCIPLINE,
}


@transaction.atomic
def reports_escalate(*, today: datetime.date | None = None) -> int:
    """督办: unanswered reports past their working-day deadline go to the level above with a
    new deadline (run nightly by the scheduler). Returns how many were escalated."""
    today = today or clock.today()
    overdue = list(
        Report.objects.select_for_update()
        .select_related("office_area")
        .filter(replied_at__isnull=True, due_date__lt=today)
    )
    due = add_working_days(today, ESCALATION_DAYS)
    moved = 0
    for r in overdue:
        above = r.office_area.parent
        if above is None:  # already at the top: stays, flagged by its overdue date
            continue
        step = {
            "at": today.isoformat(),
            "from_office": r.office,
            "from_area": r.office_area_id,
            "to_office": ESCALATE_OFFICE[r.office],
            "to_area": above.code,
            "due": due.isoformat(),
        }
        Report.objects.filter(pk=r.pk).update(
            office=step["to_office"],
            office_area=above,
            due_date=due,
            escalations=r.escalations + 1,
            history=[*r.history, step],
        )
        audit_record(
            actor=None,
            action="portal.report.escalate",
            subject_type="report",
            subject_id=r.pk,
            area_code=r.area_id,
            reason="举报投诉逾期未答复，升级至上一级",
            before={"office": r.office, "office_area": r.office_area_id, "due": r.due_date},
            after={"office": step["to_office"], "office_area": above.code, "due": due},
        )
        moved += 1
    return moved
