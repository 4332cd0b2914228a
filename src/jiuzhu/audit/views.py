from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability, scoped
from jiuzhu.audit.models import AuditEvent


@login_required
def event_list(request):
    if not has_capability(request.user, Capability.AUDIT_VIEW):
        raise PermissionDenied
    events = scoped(AuditEvent.objects.all(), request.user, Capability.AUDIT_VIEW).order_by("-seq")[
        :100
    ]
    return render(request, "audit/event_list.html", {"events": events})
