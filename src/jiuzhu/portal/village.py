"""一码通办 and the village's public side: a QR code per village that opens the portal there,
the printable poster, the village's 公示 and objections filed with a receipt number."""

from __future__ import annotations

import io
import secrets

import segno
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.areas.models import Area, AreaLevel
from jiuzhu.audit.services import audit_record
from jiuzhu.cases import selectors as cases_selectors
from jiuzhu.cases import services as cases_services
from jiuzhu.core import clock
from jiuzhu.portal.models import ObjectionReceipt


def village_get(code: str) -> Area:
    area = Area.objects.filter(pk=code, level=AreaLevel.VILLAGE).first()
    if area is None:
        raise Http404
    return area


def village_url(code: str, base: str = "") -> str:
    """The address the village's QR code opens (the configured public address, else ``base``)."""
    root = settings.JIUZHU_PORTAL_URL or base.rstrip("/")
    return root + reverse("portal:village", kwargs={"village_code": code})


def village_qr(url: str) -> segno.QRCode:
    # Error correction Q: a poster on a village notice board gets dirty and torn.
    return segno.make_qr(url, error="q", boost_error=False)


def qr_png(url: str, scale: int = 12) -> bytes:
    buf = io.BytesIO()
    village_qr(url).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def poster_pdf(*, area: Area, url: str) -> bytes:
    """An A4 poster for the village notice board: the QR code and what it opens."""
    from jiuzhu.core.pdf import Gap, Heading, Para, Picture, render_pdf

    return render_pdf(
        title=_("%(area)s 社会救助 一码通办") % {"area": area.full_name},
        blocks=[
            Para(_("微信或手机浏览器扫一扫，足不出户办理社会救助：")),
            Gap(4),
            Picture(qr_png(url), width_mm=110),
            Gap(4),
            Para(url, small=True),
            Heading(_("扫码可以办理")),
            Para(
                _(
                    "申请救助（说清困难，系统帮您找项目）、查询办理进度、主动申报家庭变化、"
                    "查看本村（社区）公示和救助名单、查询救助标准、举报投诉（可匿名）。"
                )
            ),
            Para(
                _(
                    "不会用手机的，可请家人代办，或到村（社区）社会救助工作站、乡镇（街道）窗口办理。"
                ),
                small=True,
            ),
        ],
        footer=area.name,
    )


def poster_for_staff(*, user, village_code: str, base: str) -> tuple[Area, bytes]:
    """The poster of a village inside the user's scope (404 otherwise); the download audited."""
    from jiuzhu.accounts.roles import Capability
    from jiuzhu.accounts.scoping import user_scope

    area = village_get(village_code)
    if not user_scope(user, Capability.CASE_VIEW).contains(area.code):
        raise Http404
    pdf = poster_pdf(area=area, url=village_url(area.code, base))
    with transaction.atomic():
        audit_record(
            actor=user,
            action="portal.poster",
            subject_type="area",
            subject_id=area.code,
            area_code=area.code,
        )
    return area, pdf


def villages_for_staff(user):
    from jiuzhu.accounts.roles import Capability
    from jiuzhu.accounts.scoping import user_scope

    scope = user_scope(user, Capability.CASE_VIEW)
    qs = Area.objects.filter(level=AreaLevel.VILLAGE).order_by("code")
    return qs.none() if scope.empty else qs.filter(scope.q("code"))


# ---------------------------------------------------------------- 公示 and objections


def notices(village_code: str) -> tuple[Area, list]:
    """The village's notices running now, as masked as the 公示 page posts them (cached like the
    other public pages; dropped when this process sees a case of the village move)."""
    from jiuzhu.portal.selectors import public_cached

    def build():
        area = Area.objects.filter(pk=village_code, level=AreaLevel.VILLAGE).first()
        if area is None:
            return None
        _area, rows = cases_selectors.public_notices(area_code=area.code)
        return area, rows

    found = public_cached("notices", village_code, build)
    if found is None:
        raise Http404
    return found


def _receipt_number() -> str:
    return f"YY{clock.today():%Y%m%d}{secrets.randbelow(10**6):06d}"


@transaction.atomic
def objection_file(
    *,
    village_code: str,
    notice_id: int,
    contact_name: str,
    contact_phone: str,
    content: str,
    client_address: str = "",
) -> ObjectionReceipt:
    """An objection to one household on the village's 公示, with a receipt number to look up."""
    area = village_get(village_code)
    o = cases_services.objection_submit(
        notice_id=notice_id,
        contact_name=contact_name,
        contact_phone=contact_phone,
        content=content,
        area_code=area.code,
        client_address=client_address,
    )
    for _try in range(5):
        number = _receipt_number()
        if not ObjectionReceipt.objects.filter(number=number).exists():
            break
    receipt = ObjectionReceipt.objects.create(number=number, objection=o, created_at=clock.now())
    audit_record(
        actor=None,
        action="portal.objection",
        subject_type="objection",
        subject_id=o.pk,
        household_id=o.application.household_id,
        area_code=area.code,
        after={"receipt": number},
    )
    return receipt


def objection_lookup(*, number: str, phone: str) -> dict | None:
    """The objection behind a receipt number, for the phone it was filed with; else None."""
    number = (number or "").strip().upper()
    if not number or not (phone or "").strip():
        return None
    receipt = ObjectionReceipt.objects.filter(number=number).first()
    if receipt is None:
        return None
    status = cases_selectors.objection_status(
        objection_id=receipt.objection_id, contact_phone=phone
    )
    if status is not None:
        status["number"] = receipt.number
    return status
