"""Cases and the papers app (智能审核, below cases): what the applicant declared goes down to the
cross-check through a lookup; what the paper said comes back up through the ``PaperRead`` event
and becomes a review flag on the application (办理记录 "证件识别核对"), never a change of what
was entered — the clerk accepts a value read on the reading's page (``papers.services``)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_noop

from jiuzhu.audit.services import audit_record
from jiuzhu.cases.models import Application, CaseEvent, Declaration, State
from jiuzhu.core import events
from jiuzhu.core.language import stored_text
from jiuzhu.papers.labels import FINDINGS
from jiuzhu.papers.services import declared_lookup_register

CLOSED = (State.REJECTED_INTAKE, State.APPROVED, State.REFUSED, State.WITHDRAWN, State.STOPPED)
# a finding that is only "could not read this field" is not a flag on the case
QUIET = {"unread", "unknown_kind"}


def declared_for(application_id: int) -> dict:
    """The 12-month medical expense and income the applicant declared (text amounts)."""
    out: dict[str, str] = {}
    total_income = Decimal(0)
    has_income = False
    for d in Declaration.objects.filter(application_id=application_id):
        if d.fact == "expense" and d.kind == "medical":
            out["medical_self_paid"] = str(d.amount)
        if d.fact == "income":
            total_income += d.amount
            has_income = True
    if has_income:
        out["income_12m"] = str(total_income)
    return out


def _application(event: events.PaperRead) -> Application | None:
    if event.application_id:
        return Application.objects.filter(pk=event.application_id).first()
    if event.household_id is None:
        return None
    return (
        Application.objects.filter(household_id=event.household_id)
        .exclude(state__in=CLOSED)
        .order_by("-id")
        .first()
    )


def paper_flags_record(event: events.PaperRead) -> CaseEvent | None:
    """A paper read with findings: a review flag on the application it belongs to (or the
    household's open one), with the finding codes and the reading to open."""
    codes = [c for c in event.findings if c not in QUIET]
    if not codes:
        return None
    with transaction.atomic():
        app = _application(event)
        if app is None:
            return None
        e = CaseEvent.objects.create(
            application=app,
            action="paper_check",
            action_label=gettext_noop("证件识别核对"),
            from_state=app.state,
            to_state=app.state,
            actor=None,
            actor_name="系统（证件识别）",
            reason="；".join(
                stored_text(FINDINGS[c]) for c in dict.fromkeys(codes) if c in FINDINGS
            ),
            data={
                "reading": event.reading_id,
                "material": event.material_id,
                "findings": codes,
                "duplicate_of": event.duplicate_of,
            },
        )
        audit_record(
            actor=None,
            action="case.paper_check",
            subject_type="application",
            subject_id=app.pk,
            household_id=app.household_id,
            area_code=app.area_id,
            after={"reading": event.reading_id, "findings": codes},
        )
    return e


def register() -> None:
    """Called from ``CasesConfig.ready()``: the declarations lookup (the event's subscriber is in
    ``cases.subscribers``)."""
    declared_lookup_register(declared_for)
