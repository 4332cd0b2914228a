"""The signed truth pledge (承诺书) and check authorisation (授权书), and the 家庭经济状况核对 they open."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability, Role
from jiuzhu.accounts.scoping import access
from jiuzhu.cases import checks
from jiuzhu.cases.models import (
    Application,
    CheckAuthorisation,
    HomeVisit,
    Material,
    MaterialKind,
    State,
    TaskKind,
    TruthPledge,
)
from jiuzhu.cases.services._common import _task_open, _tasks_close, assigned_to_id_or_none
from jiuzhu.cases.services.materials import (
    SIGNED_PAPERS,
    _authorisation,
    _pledge,
    _record_signed_paper,
    material_upload,
)
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError


@transaction.atomic
def signatures_record(
    *,
    actor,
    application_id: int,
    pledge: bool = False,
    authorisation: bool = False,
    signer_name: str = "",
    uploaded=None,
    kind: str = "",
) -> list[str]:
    """补签: record a missing 诚信承诺书/核对授权书 after submission, on screen (the applicant
    confirms in front of the clerk) or by uploading the signed paper (``uploaded`` of ``kind``
    truth_pledge/check_auth). Each signature is audited; returns what was recorded."""
    app = access(
        Application.objects.select_for_update().select_related("applicant"),
        actor,
        Capability.CASE_INTAKE,
        pk=application_id,
    )
    if app.state in (State.WITHDRAWN, State.REJECTED_INTAKE, State.REFUSED, State.STOPPED):
        raise ServiceError(_("申请已结束，不能再补签"), code="wrong_state")
    done: list[str] = []
    if uploaded is not None:
        if kind not in SIGNED_PAPERS:
            raise ServiceError(_("上传的签字件须为《诚信承诺书》或《核对授权书》"), field="kind")
        which = SIGNED_PAPERS[kind]
        had = (
            app.pledges.filter(kind="truth").exists()
            if which == "pledge"
            else app.authorisations.exists()
        )
        if had:
            raise ServiceError(
                _("%(paper)s已签署，无需重复补签") % {"paper": MaterialKind(kind).label},
                field="kind",
            )
        m = material_upload(  # records the signature of a signed paper (``_record_signed_paper``)
            actor=actor,
            household_id=app.household_id,
            kind=kind,
            uploaded=uploaded,
            application_id=app.pk,
        )
        if m.application_id is None:
            Material.objects.filter(pk=m.pk).update(application=app)
        _record_signed_paper(app, actor, m)  # a paper this household had handed in before
        done.append(which)
    signer_name = (signer_name or "").strip()
    if (pledge or authorisation) and not signer_name:
        raise ServiceError(_("请填写签署人姓名"), field="signer_name")
    if pledge:
        if app.pledges.filter(kind="truth").exists():
            raise ServiceError(_("诚信承诺书已签署，无需重复补签"), field="pledge")
        _pledge(app, actor, kind="truth", signer_name=signer_name)
        done.append("pledge")
    if authorisation:
        if app.authorisations.exists():
            raise ServiceError(_("核对授权书已签署，无需重复补签"), field="authorisation")
        _authorisation(app, actor, signer_name=signer_name)
        done.append("authorisation")
    if not done:
        raise ServiceError(_("请勾选要补签的文书，或上传申请人签字的文书"), field="pledge")
    return done


@transaction.atomic
def pledge_record(*, actor, application_id: int, kind: str = "truth", **kwargs) -> TruthPledge:
    app = access(
        Application.objects.select_for_update(), actor, Capability.CASE_INTAKE, pk=application_id
    )
    return _pledge(app, actor, kind=kind, **kwargs)


@transaction.atomic
def authorisation_record(*, actor, application_id: int, **kwargs) -> CheckAuthorisation:
    app = access(
        Application.objects.select_for_update(), actor, Capability.CASE_INTAKE, pk=application_id
    )
    return _authorisation(app, actor, **kwargs)


def _require_signatures(app: Application) -> None:
    errors: dict[str, list[str]] = {}
    if not app.pledges.filter(kind="truth").exists():
        errors.setdefault("pledge", []).append(_("尚未签署诚信承诺书，不能受理和核对"))
    if not app.authorisations.exists():
        errors.setdefault("authorisation", []).append(
            _("尚未签署核对授权书，不能开展家庭经济状况核对")
        )
    if errors:
        raise ServiceError(errors=errors, code="missing_signature")


def _start_investigation(app: Application, actor, visitor_id: int | None) -> dict:
    today = clock.today()
    chain = app.chain
    app.accepted_on = today
    app.visit_due = add_working_days(today, chain["visit_days"])
    app.review_due = add_working_days(today, chain["review_days"])
    app.decision_due = add_working_days(today, chain["total_days"])
    ref = checks.request_check(app)  # pledge and authorisation are on file (checked above)
    app.check_requested_at = timezone.now()
    app.check_reference = ref or ""
    HomeVisit.objects.create(application=app, assigned_to_id=visitor_id, due_date=app.visit_due)
    _tasks_close(app, TaskKind.ACCEPT)
    _task_open(
        app,
        TaskKind.HOME_VISIT,
        Role.VILLAGE_WORKER,
        app.visit_due,
        assigned_to=assigned_to_id_or_none(visitor_id),
    )
    return {"visit_due": app.visit_due, "decision_due": app.decision_due, "check": ref or ""}
