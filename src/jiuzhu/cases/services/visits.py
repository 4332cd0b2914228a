"""The home visit (入户调查) and the community review (民主评议)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.cases.models import (
    Application,
    CommunityReview,
    Material,
    MaterialKind,
    State,
    TaskKind,
)
from jiuzhu.cases.services._common import _coord, _move, _task_open, _tasks_close
from jiuzhu.cases.services.materials import _FilesUndo, material_upload
from jiuzhu.core.errors import ServiceError


def home_visit_submit(
    *,
    actor,
    application_id: int,
    version: int,
    checklist: dict,
    findings: str,
    latitude=None,
    longitude=None,
    visited_at=None,
    second_visitor: str = "",
    signature_material_id: int | None = None,
    photo_material_ids: list[int] | None = None,
    reason: str = "",
) -> Application:
    """入户调查 done: the form from the phone moves the case on."""

    def body(app):
        visit = app.visits.filter(done=False).order_by("-id").first()
        if visit is None:
            raise ServiceError(_("没有待办的入户调查"), code="wrong_state")
        if not (findings or "").strip():
            raise ServiceError(_("请填写调查情况"), field="findings")
        if not signature_material_id:
            raise ServiceError(
                _("须由申请人在调查表上签名"), field="signature", code="missing_signature"
            )
        if not Material.objects.filter(
            pk=signature_material_id, household_id=app.household_id
        ).exists():
            raise ServiceError(_("签名文件不属于该家庭"), field="signature")
        visit.done = True
        visit.checklist = {k: bool(v) for k, v in (checklist or {}).items()}
        visit.findings = findings
        visit.second_visitor = second_visitor
        visit.latitude = _coord(latitude, 90, "latitude")
        visit.longitude = _coord(longitude, 180, "longitude")
        visit.visited_at = visited_at or timezone.now()
        visit.signature_id = signature_material_id
        visit.submitted_by = actor
        visit.save()
        if photo_material_ids:
            Material.objects.filter(
                pk__in=photo_material_ids, household_id=app.household_id
            ).update(application=app)
        _tasks_close(app, TaskKind.HOME_VISIT)
        if app.chain.get("community_review"):
            target = State.COMMUNITY_REVIEW
            _task_open(app, TaskKind.COMMUNITY_REVIEW, app.chain["review_role"], app.review_due)
        else:
            target = State.REVIEWING
            _task_open(app, TaskKind.REVIEW, app.chain["review_role"], app.review_due)
        return target, {
            "visit": visit.pk,
            "lat": visit.latitude,
            "lng": visit.longitude,
            "photos": len(photo_material_ids or []),
        }

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="submit_visit",
        reason=findings or reason,
        body=body,
    )


def community_review_record(
    *,
    actor,
    application_id: int,
    version: int,
    held_on,
    participants: int,
    votes_for: int,
    votes_against: int,
    opinion: str,
    reason: str = "",
) -> Application:
    def body(app):
        if votes_for + votes_against > participants:
            raise ServiceError(_("票数不能多于参加人数"), field="votes_for")
        r = CommunityReview.objects.create(
            application=app,
            held_on=held_on,
            participants=participants,
            votes_for=votes_for,
            votes_against=votes_against,
            opinion=opinion,
        )
        _tasks_close(app, TaskKind.COMMUNITY_REVIEW)
        _task_open(app, TaskKind.REVIEW, app.chain["review_role"], app.review_due)
        return None, {"community_review": r.pk, "for": votes_for, "against": votes_against}

    return _move(
        actor=actor,
        application_id=application_id,
        version=version,
        name="record_community_review",
        reason=opinion,
        body=body,
    )


@transaction.atomic
def visit_complete(
    *,
    actor,
    application_id: int,
    version: int,
    signature_png: bytes,
    photos: list,
    **visit,
) -> Application:
    """The phone form: signature and photos are stored and the visit submitted, all or nothing."""
    app = Application.objects.get(pk=application_id)
    if not signature_png:
        raise ServiceError(_("须由申请人在屏幕上签名"), field="signature", code="missing_signature")
    with _FilesUndo() as undo:
        sig = undo.keep(
            material_upload(
                actor=actor,
                household_id=app.household_id,
                kind=MaterialKind.SIGNATURE,
                uploaded=ContentFile(signature_png, name="signature.png"),
                application_id=app.pk,
            )
        )
        photo_ids = [
            undo.keep(
                material_upload(
                    actor=actor,
                    household_id=app.household_id,
                    kind=MaterialKind.VISIT_PHOTO,
                    uploaded=p,
                    application_id=app.pk,
                )
            ).pk
            for p in photos
        ]
        return home_visit_submit(
            actor=actor,
            application_id=application_id,
            version=version,
            signature_material_id=sig.pk,
            photo_material_ids=photo_ids,
            **visit,
        )
