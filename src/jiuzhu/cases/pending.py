"""Pending uploads: files chosen on a form that was refused for another reason are kept.

A page that fails validation cannot put a file back into a browser's file input, so the files
that arrived with the refused post are stored under ``pending/<token>/`` and listed in the
user's session under the token; the form is rendered again with the token in a hidden field and
the names of the kept files, and the next post brings them along. Only the same user's session
can use a token; a file that is itself the problem (too large, not JPG/PNG/PDF) is not kept.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tasks import task

from jiuzhu.cases.services import MAX_UPLOAD_BYTES, sniff_upload

SESSION_KEY = "pending_uploads"
MAX_TOKENS = 5  # per session; the oldest is dropped


def _entries(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def kept(request, token: str) -> list[dict]:
    """The files kept under ``token``: [{"field", "name", "path", "size"}]."""
    return list(_entries(request).get(token or "", []))


def stash(
    request, token: str, files: list[tuple[str, object]], *, replace: bool = True
) -> tuple[str, list[dict]]:
    """Keep ``files`` ([(field, uploaded)]) with those already kept under ``token``; returns the
    token (new if none) and everything now kept. ``replace``: a new file for a field replaces the
    one kept for it (one file per field); else they add up (photos)."""
    entries = _entries(request)
    token = token if token in entries else secrets.token_urlsafe(16)
    items = list(entries.get(token, []))
    if replace:
        fresh = {field for field, _f in files}
        _delete([i for i in items if i["field"] in fresh])
        items = [i for i in items if i["field"] not in fresh]
    for field, f in files:
        size = getattr(f, "size", 0) or 0
        if size <= 0 or size > MAX_UPLOAD_BYTES:
            continue
        f.seek(0)
        data = f.read()
        if sniff_upload(data[:16]) is None:
            continue
        path = default_storage.save(f"pending/{token}/{secrets.token_hex(8)}", ContentFile(data))
        items.append(
            {"field": field, "name": getattr(f, "name", "") or "upload", "path": path, "size": size}
        )
    entries[token] = items
    while len(entries) > MAX_TOKENS:
        oldest = next(iter(entries))
        _delete(entries.pop(oldest))
    request.session[SESSION_KEY] = entries
    request.session.modified = True
    return token, items


def files(request, token: str) -> list[tuple[str, ContentFile]]:
    """The kept files as uploads again: [(field, file)]."""
    out = []
    for item in kept(request, token):
        if not default_storage.exists(item["path"]):
            continue
        with default_storage.open(item["path"], "rb") as fh:
            out.append((item["field"], ContentFile(fh.read(), name=item["name"])))
    return out


def drop(request, token: str) -> None:
    """Forget and delete the files kept under ``token`` (after a successful post)."""
    entries = _entries(request)
    if token in entries:
        _delete(entries.pop(token))
        request.session[SESSION_KEY] = entries
        request.session.modified = True


def _delete(items: list[dict]) -> None:
    for item in items:
        with contextlib.suppress(OSError):
            default_storage.delete(item["path"])


# ---------------------------------------------------------------- the scheduled clean-up

PREFIX = "pending"


def pending_sweep(*, older_than_hours: int | None = None, now=None) -> int:
    """Delete kept uploads older than ``older_than_hours`` (setting
    ``JIUZHU_PENDING_UPLOAD_HOURS``, default 48): a form refused and never sent again leaves its
    files behind (a session that ends forgets the token, not the files). Returns the number of
    files deleted; the count is audited (``pending.sweep``) when there were any."""
    from django.conf import settings
    from django.db import transaction

    from jiuzhu.audit.models import NATIONAL
    from jiuzhu.audit.services import audit_record
    from jiuzhu.core import clock

    hours = older_than_hours
    if hours is None:
        hours = int(getattr(settings, "JIUZHU_PENDING_UPLOAD_HOURS", 48))
    limit = (now or clock.now()) - datetime.timedelta(hours=hours)
    deleted, tokens = 0, 0
    try:
        dirs, _files = default_storage.listdir(PREFIX)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    for token in dirs:
        folder = f"{PREFIX}/{token}"
        _sub, names = default_storage.listdir(folder)
        left = len(names)
        for name in names:
            path = f"{folder}/{name}"
            with contextlib.suppress(OSError):
                if default_storage.get_modified_time(path) < limit:
                    default_storage.delete(path)
                    deleted += 1
                    left -= 1
        if left == 0 and not _sub:
            tokens += 1
            with contextlib.suppress(OSError, NotImplementedError):
                os.rmdir(default_storage.path(folder))
    if deleted:
        with transaction.atomic():
            audit_record(
                actor=None,
                action="pending.sweep",
                subject_type="pending_upload",
                subject_id="",
                area_code=NATIONAL,
                reason=f"删除超过{hours}小时未再提交的暂存上传文件",
                after={"deleted": deleted, "folders": tokens, "older_than_hours": hours},
            )
    return deleted


@task()
def pending_sweep_task(scheduled: str = "") -> dict:
    """The scheduled clean-up of abandoned kept uploads (``core.schedule`` job
    ``pending_sweep``)."""
    from jiuzhu.core.schedule import schedule_chain

    with schedule_chain(scheduled):
        return {"deleted": pending_sweep()}
