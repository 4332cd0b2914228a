"""`jiuzhu cases_demo`: example applications at every stage, made through the real services
with the demo accounts (run after `jiuzhu demo` has created them; idempotent)."""

from __future__ import annotations

import datetime
import struct
import zlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError

from jiuzhu.accounts.models import User
from jiuzhu.cases import services as s
from jiuzhu.cases.models import Application
from jiuzhu.core import clock
from jiuzhu.core.idcard import make_id_number
from jiuzhu.registry.models import Household
from jiuzhu.registry.services import household_create


def tiny_png(rgb: tuple[int, int, int], tag: int) -> bytes:
    """A real 8×8 one-colour PNG (viewable), different per ``tag``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + bytes(rgb) * 8 for _ in range(8))
    ihdr = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    text = chunk(b"tEXt", b"Comment\x00jiuzhu-demo-%d" % tag)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + text
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class Command(BaseCommand):
    help = "Create demo applications (低保, 特困, 临时救助) at every stage with the demo accounts."

    def handle(self, *args, **opts):
        users = {
            u.username: u for u in User.objects.filter(username__in=["cunju", "jiedao", "quxian"])
        }
        if len(users) < 3:
            raise CommandError("先运行 jiuzhu demo（需要演示账号 cunju、jiedao、quxian）")
        if Application.objects.filter(reason__startswith="【演示】").exists():
            self.stdout.write("演示申请已存在，跳过")
            return
        cunju, jiedao, quxian = users["cunju"], users["jiedao"], users["quxian"]
        village = cunju.role_assignments.first().area_id
        free = list(
            Household.objects.filter(hukou_area_id=village, applications__isnull=True)
            .exclude(members__isnull=True)
            .order_by("id")[:6]
        )
        n = 0
        while len(free) < 6:
            n += 1
            birth = datetime.date(1948 + n, 3, 9)
            free.append(
                household_create(
                    actor=cunju,
                    hukou_area_code=village,
                    urban_rural="urban",
                    head={
                        "name": f"演示户{n}",
                        "sex": "F",
                        "birth_date": birth,
                        "id_number": make_id_number("321202", birth, 700 + n, "F"),
                    },
                )
            )
        counter = iter(range(1, 1000))

        def papers(hh, kinds=("id_card", "hukou", "income_proof", "medical_record")):
            for k in kinds:
                s.material_upload(
                    actor=cunju,
                    household_id=hh.pk,
                    kind=k,
                    uploaded=ContentFile(tiny_png((200, 200, 200), next(counter)), name=f"{k}.png"),
                )

        def create(hh, programme, kind="", **kw):
            sig = {"signer_name": hh.head_name}
            return s.application_create(
                actor=cunju,
                household_id=hh.pk,
                programme=programme,
                temp_aid_kind=kind,
                reason=f"【演示】{kw.pop('why')}",
                pledge=sig,
                authorisation=sig,
                **kw,
            )

        def visit(app):
            sig = s.material_upload(
                actor=cunju,
                household_id=app.household_id,
                kind="signature",
                uploaded=ContentFile(tiny_png((0, 0, 0), next(counter)), name="sig.png"),
                application_id=app.pk,
            )
            return s.home_visit_submit(
                actor=cunju,
                application_id=app.pk,
                version=app.version,
                checklist={"housing_poor": True, "matches_declaration": True},
                findings="【演示】住房简陋，与申报一致",
                latitude="32.4906",
                longitude="119.9229",
                second_visitor="网格员",
                signature_material_id=sig.pk,
            )

        def to_notice(app, amount):
            app = s.application_accept(actor=jiedao, application_id=app.pk, version=app.version)
            app = visit(app)
            return s.application_review(
                actor=jiedao,
                application_id=app.pk,
                version=app.version,
                recommend=True,
                amount=amount,
                reason="入户属实，建议批准",
            )

        def to_approving(app, amount):
            app = to_notice(app, amount)
            end = app.notices.get(closed=False).end_date
            return s.application_close_notice(
                actor=jiedao,
                application_id=app.pk,
                version=app.version,
                today=end + datetime.timedelta(days=1),
            )

        def standard_of(hh) -> str:
            from jiuzhu.policy.selectors import parameter_for_areas

            area = hh.hukou_area_id
            value = parameter_for_areas(name="dibao.standard", area_codes=[area], on=clock.today())
            return f"{Decimal(str(value[area])):.2f}"

        done = []
        hh = free[0]
        papers(hh)
        # No income: the full 低保标准 of the household's area, from the policy parameters.
        app = to_approving(create(hh, "dibao", why="无固定收入"), standard_of(hh))
        app = s.application_approve(
            actor=quxian,
            application_id=app.pk,
            version=app.version,
            reason="经审核确认，符合低保条件",
        )
        done.append(("低保 已批准、已列入名册", app))
        hh = free[1]
        papers(hh)
        done.append(
            ("低保 公示中（见公示页）", to_notice(create(hh, "dibao", why="患病失业"), "520.00"))
        )
        hh = free[2]
        papers(hh)
        done.append(
            (
                "特困 待县级审批",
                to_approving(create(hh, "tekun", why="独居老人无劳动能力"), "1266.00"),
            )
        )
        hh = free[3]
        app = create(hh, "temporary_aid", "emergency", why="家中失火")
        app = s.application_grant_emergency(
            actor=jiedao,
            application_id=app.pk,
            version=app.version,
            amount="3000.00",
            reason="急难型，先行救助",
        )
        done.append(("临时救助（急难型） 先行救助", app))
        hh = free[4]
        papers(hh, ("id_card",))
        done.append(
            ("模糊申请 缺材料，待街道受理", create(hh, "", why="生活困难，不清楚能申请什么"))
        )
        hh = free[5]
        papers(hh)
        app = create(hh, "temporary_aid", "expenditure", why="子女上学费用")
        done.append(
            (
                "临时救助（支出型） 待入户调查",
                s.application_accept(actor=jiedao, application_id=app.pk, version=app.version),
            )
        )
        for label, app in done:
            self.stdout.write(f"{app.number}  {label}")
        self.stdout.write(f"公示页：/gongshi/{village}/")
