"""The audit-log page (审计日志): scoped, filtered, paginated; the chain is verified on demand."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability, user_scope
from jiuzhu.audit.forms import AuditFilterForm
from jiuzhu.audit.hooks import audit_hooks
from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.selectors import audit_visible
from jiuzhu.audit.services import audit_reads_chain, audit_record, audit_verify
from jiuzhu.core.masking import sensitive_kind
from jiuzhu.core.pagination import list_request, list_spec

PER_PAGE = 50


def _require_audit(request) -> None:
    if not has_capability(request.user, Capability.AUDIT_VIEW):
        raise PermissionDenied(Capability.AUDIT_VIEW)


@login_required
def event_list(request):
    _require_audit(request)
    audit_reads_chain(wait=False)  # the reads waiting in the read log show at once
    form = AuditFilterForm(request.GET or None)
    listing = list_request(request, list_spec("audit"))
    page = listing.page
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "list": listing,
            "page": page,
            "events": audit_hooks().describe_events(page.items),
            "can_reveal": has_capability(request.user, Capability.PII_REVEAL),
            "query": page.query,
            "verify": request.session.pop("audit_verify", None),
        },
    )


@login_required
@require_POST
def verify(request):
    """Recompute the whole hash chain now (it reads every event, so only on request)."""
    _require_audit(request)
    result = audit_verify()
    request.session["audit_verify"] = {
        "ok": result.ok,
        "checked": result.checked,
        "message": result.message,
    }
    return redirect("audit:event_list")


@login_required
@require_POST
def event_reveal(request, seq: int, path: str):
    """Show one masked identifier of an audit event's before/after data; the reveal is audited.

    The viewer must see the event (the audit log in scope, or the household's timeline) and hold
    ``pii.reveal`` over the event's area; only identifier fields can be asked for."""
    side, _sep, key = path.partition(".")
    keys = key.split(".") if key else []
    if side not in ("before", "after") or not keys or sensitive_kind(keys[-1]) is None:
        raise Http404
    event = _visible_event(request.user, seq)
    if not event.area_code or not user_scope(request.user, Capability.PII_REVEAL).contains(
        event.area_code
    ):
        raise PermissionDenied(Capability.PII_REVEAL)
    value = getattr(event, side)
    for k in keys:
        value = value.get(k) if isinstance(value, dict) else None
    if value in (None, "") or isinstance(value, dict | list):
        raise Http404
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="audit.reveal",
            subject_type="audit_event",
            subject_id=event.seq,
            household_id=event.household_id,
            area_code=event.area_code,
            extra={"field": path},
        )
    return HttpResponse(format_html('<span class="revealed">{}</span>', value))


def _visible_event(user, seq: int) -> AuditEvent:
    event = audit_visible(AuditEvent.objects.filter(seq=seq), user).first()
    if event is None:
        event = AuditEvent.objects.filter(seq=seq, household_id__isnull=False).first()
        if event is None or not audit_hooks().household_visible(user, event.household_id):
            raise Http404
    return event
