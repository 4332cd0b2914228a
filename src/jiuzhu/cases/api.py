"""REST API for applications, their moves and materials (thin: parse, call a service, shape)."""

from __future__ import annotations

import datetime
import inspect
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jiuzhu.audit.services import audit_read
from jiuzhu.cases import selectors, services
from jiuzhu.cases.models import Application, Material, State
from jiuzhu.cases.workflow import TRANSITIONS, available
from jiuzhu.core.errors import ServiceError

router = Router(tags=["cases"])


class SignatureIn(Schema):
    signer_name: str = ""
    method: str = "on_screen"
    material_id: int | None = None


class ApplicationIn(Schema):
    household_id: int
    programme: str = ""
    temp_aid_kind: str = ""
    applicant_id: int | None = None
    reason: str = ""
    declared: dict[str, list[dict[str, Any]]] | None = None
    members: list[dict[str, Any]] | None = None
    pledge: SignatureIn | None = None
    authorisation: SignatureIn | None = None
    client_ref: str | None = None
    channel: str = "api"


class OutstandingOut(Schema):
    kind: str
    due_date: datetime.date
    received: bool


class ApplicationOut(Schema):
    id: int
    number: str
    household_id: int
    area_code: str
    programme: str
    programme_label: str
    vague: bool
    proposed_programmes: list[dict[str, Any]]
    temp_aid_kind: str
    state: str
    state_label: str
    paused: bool
    version: int
    monthly_amount: Decimal | None
    one_off_amount: Decimal | None
    submitted_at: datetime.datetime
    intake_due: datetime.date | None
    visit_due: datetime.date | None
    decision_due: datetime.date | None
    decision_reason: str
    decided_by: str | None
    reviewed_by: str | None
    outstanding: list[OutstandingOut]


class EventOut(Schema):
    action: str
    label: str
    from_state: str
    to_state: str
    actor_name: str
    actor_role: str
    reason: str
    at: datetime.datetime


class MaterialOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime


class TransitionIn(Schema):
    version: int
    reason: str = ""
    data: dict[str, Any] = {}


class MoveOut(Schema):
    name: str
    label: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]]


INTERNAL_PARAMS = frozenset({"today", "now", "visited_at"})


def _out(app: Application) -> dict:
    return {
        "id": app.pk,
        "number": app.number,
        "household_id": app.household_id,
        "area_code": app.area_id,
        "programme": app.programme,
        "programme_label": app.programme_label,
        "vague": app.vague,
        "proposed_programmes": app.proposed_programmes,
        "temp_aid_kind": app.temp_aid_kind,
        "state": app.state,
        "state_label": str(State(app.state).label),
        "paused": app.paused,
        "version": app.version,
        "monthly_amount": app.monthly_amount,
        "one_off_amount": app.one_off_amount,
        "submitted_at": app.submitted_at,
        "intake_due": app.intake_due,
        "visit_due": app.visit_due,
        "decision_due": app.decision_due,
        "decision_reason": app.decision_reason,
        "decided_by": str(app.decided_by) if app.decided_by_id else None,
        "reviewed_by": str(app.reviewed_by) if app.reviewed_by_id else None,
        "outstanding": [
            {"kind": o.kind, "due_date": o.due_date, "received": o.received_id is not None}
            for o in app.outstanding.all()
        ],
    }


@router.get("/applications", response=list[ApplicationOut])
def application_list(
    request,
    state: str = "",
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10**9),
):
    if state and state not in State.values:
        raise ServiceError(
            _("状态 state 应为 %(allowed)s 之一，实为“%(value)s”")
            % {"allowed": "、".join(State.values), "value": state},
            field="state",
        )
    qs = selectors.applications_visible(request.user).select_related("decided_by", "reviewed_by")
    if state:
        qs = qs.filter(state=state)
    qs = qs.order_by("-id").prefetch_related("outstanding")[offset : offset + limit]
    return [_out(a) for a in qs]


@router.post("/applications", response={201: ApplicationOut, 400: ErrorOut, 404: ErrorOut})
def application_create(request, payload: ApplicationIn):
    data = payload.dict()
    app = services.application_create(actor=request.user, **data)
    return Status(201, _out(app))


@router.get("/applications/{application_id}", response=ApplicationOut)
def application_detail(request, application_id: int):
    app = selectors.application_get(user=request.user, application_id=application_id)
    audit_read(
        request.user,
        "application.view",
        subject_type="application",
        subject_id=app.pk,
        household_id=app.household_id,
    )
    return _out(app)


@router.get("/applications/{application_id}/events", response=list[EventOut])
def application_events(request, application_id: int):
    app = selectors.application_get(user=request.user, application_id=application_id)
    return [
        {
            "action": e.action,
            "label": e.action_display,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "actor_name": e.actor_name,
            "actor_role": e.actor_role,
            "reason": e.reason,
            "at": e.at,
        }
        for e in app.events.all()
    ]


@router.get("/applications/{application_id}/transitions", response=list[MoveOut])
def application_moves(request, application_id: int):
    """The moves the signed-in user may make on this application now."""
    app = selectors.application_get(user=request.user, application_id=application_id)
    return [{"name": t.name, "label": _(t.label)} for t in available(request.user, app)]


@router.post(
    "/applications/{application_id}/transitions/{name}",
    response={200: ApplicationOut, 400: ErrorOut, 409: ErrorOut},
)
def application_move(request, application_id: int, name: str, payload: TransitionIn):
    """Make one move (``accept``, ``review``, ``approve`` …); extra fields go in ``data``."""
    selectors.application_get(user=request.user, application_id=application_id)
    if name not in TRANSITIONS:
        raise ServiceError(_("没有“%(name)s”这一办理环节") % {"name": name}, code="unknown")
    fn = services.MOVES[name]
    signature = inspect.signature(fn).parameters
    # Only the fields a person fills in: the clock and the visit time are the server's
    # (a home visit cannot be back-dated through the API; issue 14).
    params = set(signature) - {"actor", "application_id", "version"} - INTERNAL_PARAMS
    unknown = set(payload.data) - params
    if unknown:
        raise ServiceError(
            _("“%(step)s”不接受字段：%(fields)s")
            % {"step": _(TRANSITIONS[name].label), "fields": "、".join(sorted(unknown))},
            field="data",
        )
    kwargs = dict(payload.data)
    if "reason" in params:
        kwargs["reason"] = payload.reason
    missing = sorted(
        p for p in params if signature[p].default is inspect.Parameter.empty and p not in kwargs
    )
    if missing:
        raise ServiceError(
            _("“%(step)s”缺少字段：%(fields)s")
            % {"step": _(TRANSITIONS[name].label), "fields": "、".join(missing)},
            field="data",
        )
    try:
        app = fn(
            actor=request.user, application_id=application_id, version=payload.version, **kwargs
        )
    except (TypeError, ValueError, ArithmeticError) as exc:  # a value of the wrong kind in data
        raise ServiceError(
            _("“%(step)s”的字段值格式不正确，请检查 data 中各字段")
            % {"step": _(TRANSITIONS[name].label)},
            field="data",
        ) from exc
    return Status(200, _out(app))


@router.get("/applications/{application_id}/materials", response=list[MaterialOut])
def material_list(request, application_id: int):
    app = selectors.application_get(user=request.user, application_id=application_id)
    return list(Material.objects.filter(household_id=app.household_id).order_by("id"))


@router.post(
    "/applications/{application_id}/materials",
    response={201: MaterialOut, 400: ErrorOut},
)
def material_upload(request, application_id: int, kind: Form[str], file: File[UploadedFile]):
    """Upload a JPG/PNG/PDF (≤ 10 MB); it is kept with the household for every later step."""
    app = selectors.application_get(user=request.user, application_id=application_id)
    m = services.material_upload(
        actor=request.user,
        household_id=app.household_id,
        kind=kind,
        uploaded=file,
        application_id=app.pk,
        name=file.name,
    )
    return Status(201, m)
