"""Export pages: start an export of a list, follow its progress, download the file.

Who may export a list is who may see it (the list's capability); the rows are the ones the page
shows (same query, same scoping). A job and its file belong to the user who asked: anyone else
gets 404.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.audit import exports
from jiuzhu.audit.models import ExportJob, ExportStatus
from jiuzhu.core.downloads import STRICT_CSP
from jiuzhu.core.export import CONTENT_TYPES, WRITERS
from jiuzhu.core.pagination import list_query, list_spec, paginate


def _attachment(fileobj, *, fmt: str, filename: str) -> FileResponse:
    response = FileResponse(
        fileobj, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt]
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = STRICT_CSP
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def export_start(request, name: str):
    spec = list_spec(name)
    if spec is None:
        raise Http404(name)
    if not exports.may_export(spec, request.user):
        raise PermissionDenied(spec.capability)
    fmt = request.POST.get("fmt", "xlsx")
    if fmt not in WRITERS:
        fmt = "xlsx"
    reveal = request.POST.get("reveal") == "1"
    if reveal and not exports.may_reveal(spec, request.user):
        raise PermissionDenied("pii.reveal")
    query = list_query(spec, QueryDict(request.POST.get("query", "")), session=request.session)
    total = exports.export_count(spec, request.user, query)
    if total <= exports.DIRECT_MAX:
        out, _rows = exports.export_direct(
            spec=spec, user=request.user, query=query, fmt=fmt, reveal=reveal
        )
        return _attachment(out, fmt=fmt, filename=exports.export_filename(spec, fmt))
    job = exports.export_queue(spec=spec, user=request.user, query=query, fmt=fmt, reveal=reveal)
    return redirect("audit:export_job", pk=job.pk)


def _own_job(request, pk: int) -> ExportJob:
    return get_object_or_404(ExportJob, pk=pk, user=request.user)


@login_required
def export_job(request, pk: int):
    job = _own_job(request, pk)
    spec = list_spec(job.list_name)
    context = {"job": job, "spec": spec}
    if request.headers.get("HX-Request"):
        return render(request, "audit/_export_progress.html", context)
    return render(request, "audit/export_job.html", context)


@login_required
def export_download(request, pk: int):
    job = _own_job(request, pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    from django.conf import settings

    path = settings.MEDIA_ROOT / job.file
    if not path.exists():
        raise Http404
    return _attachment(open(path, "rb"), fmt=job.fmt, filename=job.filename)


@login_required
def export_list(request):
    """我的导出: the user's own export jobs, newest first (the notification of a finished one)."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    page = paginate(ExportJob.objects.filter(user=request.user), page=number, per_page=20)
    for job in page.items:
        spec = list_spec(job.list_name)
        job.title = spec.title if spec else job.list_name
    return render(request, "audit/export_list.html", {"page": page})
