"""Policy API (django-ninja): the calculator and 政策找人 results, scoped like the pages.

Errors use the API's one shape (``jiuzhu.api``): a refused document is a ``ServiceError`` whose
field is the document path (``members[0].monthly_income``).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Query, Router, Schema

from jiuzhu.accounts.scoping import access, require_capability
from jiuzhu.audit.services import audit_read
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.policy import selectors
from jiuzhu.policy.engine.calculator import DocumentError
from jiuzhu.policy.engine.errors import EngineError
from jiuzhu.policy.messages import engine_refusal
from jiuzhu.policy.models import PolicyRun
from jiuzhu.policy.permissions import POLICY_VIEW
from jiuzhu.registry.models import Household

router = Router(tags=["policy"])


class CalculateIn(Schema):
    household: dict
    area_code: str
    date: datetime.date | None = None
    overrides: dict | None = None


def _refuse(exc: Exception) -> ServiceError:
    """A refused document in the user's language; the field is the document path at fault."""
    own = exc.field if isinstance(exc, EngineError) else ""
    return engine_refusal(exc, field=own or "household", code="invalid_document")


@router.post("/calculate", response=dict)
def calculate(request, payload: CalculateIn):
    """政策计算器: a household document (docs/policy-calculator.md) → per programme result + why."""
    scope = require_capability(request.user, POLICY_VIEW)
    if not scope.contains(payload.area_code):
        raise PermissionDenied("area_code")
    try:
        return selectors.calculate_document(
            doc=payload.household,
            area_code=payload.area_code,
            on=payload.date or clock.today(),
            overrides=payload.overrides,
        )
    except (DocumentError, ValueError) as exc:
        raise _refuse(exc) from None


@router.get("/households/{household_id}/calculate", response=dict)
def calculate_household(request, household_id: int, date: datetime.date | None = None):
    """The calculator for a household in the registry (404 outside the user's areas)."""
    access(Household, request.user, POLICY_VIEW, pk=household_id)
    audit_read(
        request.user,
        "policy_calculator.view",
        subject_type="household",
        subject_id=household_id,
        household_id=household_id,
    )
    try:
        return selectors.calculate_household(household_id=household_id, on=date or clock.today())
    except (DocumentError, ValueError) as exc:
        raise _refuse(exc) from None


class DeterminationOut(Schema):
    household_id: int
    area_code: str
    programme: str
    eligible: bool
    amount: str
    roll_amount: str | None
    on_roll: bool
    flag: str
    failed: int


@router.get("/runs/{run_id}/determinations", response=list[DeterminationOut])
def run_determinations(
    request,
    run_id: int,
    flag: str | None = None,
    programme: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10**9),
):
    """A run's determinations in the user's areas (missed / wrongly_included / amount_diff)."""
    require_capability(request.user, POLICY_VIEW)
    run = PolicyRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404
    qs = selectors.run_determinations(
        user=request.user, run=run, flag=flag, programme=programme
    ).order_by("id")
    limit = max(1, min(limit, 1000))
    return [
        {
            "household_id": d.household_id,
            "area_code": d.area_code,
            "programme": d.programme,
            "eligible": d.eligible,
            "amount": str(d.amount),
            "roll_amount": str(d.roll_amount) if d.roll_amount is not None else None,
            "on_roll": d.on_roll,
            "flag": d.flag,
            "failed": d.failed,
        }
        for d in qs[offset : offset + limit]
    ]
