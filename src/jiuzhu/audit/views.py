"""The audit-log page (审计日志): scoped, filtered, paginated; the chain is verified on demand."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.audit.forms import AuditFilterForm
from jiuzhu.audit.selectors import AuditFilters, audit_search
from jiuzhu.audit.services import audit_verify
from jiuzhu.registry.display import describe_events
from jiuzhu.registry.selectors import paginate

PER_PAGE = 50


def _require_audit(request) -> None:
    if not has_capability(request.user, Capability.AUDIT_VIEW):
        raise PermissionDenied(Capability.AUDIT_VIEW)


@login_required
def event_list(request):
    _require_audit(request)
    form = AuditFilterForm(request.GET or None)
    filters = AuditFilters(**form.filters_kwargs()) if request.GET else AuditFilters()
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    page = paginate(
        audit_search(user=request.user, filters=filters), page=number, per_page=PER_PAGE
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "events": describe_events(page.items),
            "query": query.urlencode(),
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
