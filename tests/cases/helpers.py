"""The cast and the paths of the cases tests: build a case in any state in few queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.accounts.roles import Role
from jiuzhu.cases import services as s
from jiuzhu.cases.models import Application, Material, MaterialKind, State
from tests.conftest import CHENGDONG, HAILING, JIANGYAN, JIANGYAN_STREET
from tests.factories import first_village, household_with_head, user_with_role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png(name="scan.png", extra=b""):
    return SimpleUploadedFile(name, PNG + extra, content_type="image/png")


@dataclass
class Cast:
    village: str
    worker: object
    reviewer: object
    reviewer2: object
    approver: object
    payer: object
    auditor: object
    admin: object
    dept: object
    out: dict  # role -> user of the same role in another county


def make_cast() -> Cast:
    village = first_village(CHENGDONG)
    out_village = first_village(JIANGYAN_STREET)
    return Cast(
        village=village,
        worker=user_with_role(Role.VILLAGE_WORKER, village, full_name="村居经办甲"),
        reviewer=user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="街道审核乙"),
        reviewer2=user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="街道审核丙"),
        approver=user_with_role(Role.COUNTY_APPROVER, HAILING, full_name="县级审批丁"),
        payer=user_with_role(Role.PAYMENTS_OFFICER, HAILING),
        auditor=user_with_role(Role.AUDITOR, HAILING),
        admin=user_with_role(Role.SYSADMIN, HAILING),
        dept=user_with_role(Role.DEPARTMENT_DATA, HAILING),
        out={
            Role.VILLAGE_WORKER: user_with_role(Role.VILLAGE_WORKER, out_village),
            Role.TOWNSHIP_REVIEWER: user_with_role(Role.TOWNSHIP_REVIEWER, JIANGYAN_STREET),
            Role.COUNTY_APPROVER: user_with_role(Role.COUNTY_APPROVER, JIANGYAN),
        },
    )


def new_case(
    cast: Cast, *, programme="dibao", papers=True, signatures=True, **kwargs
) -> Application:
    hh = household_with_head(hukou_area_id=cast.village)
    if papers:
        for kind in (
            MaterialKind.ID_CARD,
            MaterialKind.HUKOU,
            MaterialKind.INCOME_PROOF,
            MaterialKind.MEDICAL_RECORD,
        ):
            s.material_upload(
                actor=cast.worker,
                household_id=hh.pk,
                kind=kind,
                uploaded=png(extra=kind.encode() + str(hh.pk).encode()),
            )
    sig = {"signer_name": "张伟"} if signatures else None
    return s.application_create(
        actor=cast.worker,
        household_id=hh.pk,
        programme=programme,
        pledge=sig,
        authorisation=sig,
        reason="生活困难",
        **kwargs,
    )


def _sig(cast, app):
    m = s.material_upload(
        actor=cast.worker,
        household_id=app.household_id,
        kind=MaterialKind.SIGNATURE,
        uploaded=png(extra=b"sig%d" % app.pk),
    )
    return m.pk


def advance(cast: Cast, app: Application, to: str) -> Application:
    """Drive ``app`` along the normal path until it reaches state ``to``."""
    side = {
        State.REJECTED_INTAKE: (
            State.SUBMITTED,
            lambda a: s.application_reject_intake(
                actor=cast.reviewer, application_id=a.pk, version=a.version, reason="不符合户籍要求"
            ),
        ),
        State.RETURNED: (
            State.REVIEWING,
            lambda a: s.application_return_to_worker(
                actor=cast.reviewer, application_id=a.pk, version=a.version, reason="收入证明不清晰"
            ),
        ),
        State.REFUSED: (
            State.APPROVING,
            lambda a: s.application_refuse(
                actor=cast.approver, application_id=a.pk, version=a.version, reason="收入超标"
            ),
        ),
        State.WITHDRAWN: (
            State.SUBMITTED,
            lambda a: s.application_withdraw(
                actor=cast.worker, application_id=a.pk, version=a.version, reason="申请人撤回"
            ),
        ),
        State.STOPPED: (
            State.APPROVED,
            lambda a: s.roll_stop(
                actor=cast.approver, application_id=a.pk, version=a.version, reason="收入增加"
            ),
        ),
        State.COMMUNITY_REVIEW: (State.INVESTIGATING, None),
    }
    if to in side:
        before, fn = side[to]
        app = advance(cast, app, before)
        if to == State.COMMUNITY_REVIEW:
            app.chain = {**app.chain, "community_review": True}
            app.save(update_fields=["chain"])
            return _step(cast, app, State.INVESTIGATING)
        return fn(app)
    while app.state != to:
        app = _step(cast, app, app.state)
    return app


def _step(cast, app, state):
    v = dict(application_id=app.pk, version=app.version)
    if state == State.SUBMITTED:
        return s.application_accept(actor=cast.reviewer, **v)
    if state == State.INVESTIGATING:
        return s.home_visit_submit(
            actor=cast.worker,
            checklist={"housing_poor": True},
            findings="家中陈设简陋，与申报一致",
            latitude="32.49",
            longitude="119.92",
            signature_material_id=_sig(cast, app),
            **v,
        )
    if state == State.REVIEWING:
        return s.application_review(
            actor=cast.reviewer, recommend=True, amount="710.00", reason="符合条件，建议批准", **v
        )
    if state == State.NOTICE:
        end = app.notices.get(closed=False).end_date
        return s.application_close_notice(
            actor=cast.reviewer, today=end + datetime.timedelta(days=1), **v
        )
    if state == State.APPROVING:
        return s.application_approve(actor=cast.approver, reason="经审核符合条件", **v)
    raise AssertionError(state)


__all__ = ["Material"]
