"""List exports (导出): the rows of any registered list (``core.pagination.ListSpec``) as xlsx
or CSV, exactly the filter the page shows.

- Masked unless the user may reveal (the list's ``can_reveal``) AND ticks 显示完整证件号; both
  kinds of export are audited (``list.export`` / ``list.export_reveal``) with the row count and
  the filter.
- The sheet's first rows say which list, who exported it, when, and with which filter.
- Rows are read with ``iterator(chunk_size=…)`` (a server-side cursor on PostgreSQL) and written
  one by one (``core.export``), so a million rows never sit in memory.
- Up to ``DIRECT_MAX`` rows the file is written in the request; above, an ``ExportJob`` runs on
  the task worker (``export_task``) and the page polls its progress (HTMX) and offers the file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.accounts.scoping import has_capability, user_scope
from jiuzhu.audit.models import NATIONAL, ExportJob, ExportStatus
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.export import WRITERS
from jiuzhu.core.masking import mask_account, mask_id_number, mask_phone
from jiuzhu.core.pagination import ListQuery, ListSpec, iter_chunks, list_query, list_rows

DIRECT_MAX = 5_000  # rows written in the request; a longer export runs as a task
CHUNK = 2_000
MASKS = {"id_number": mask_id_number, "phone": mask_phone, "account_number": mask_account}


def may_export(spec: ListSpec, user) -> bool:
    return has_capability(user, spec.capability)


def may_reveal(spec: ListSpec, user) -> bool:
    return bool(spec.can_reveal and spec.can_reveal(user))


def _masked_q(q: str) -> str:
    """The name/ID box as the header shows it: an ID number typed whole is masked."""
    digits = q.replace(" ", "")
    if len(digits) >= 15 and digits[:15].isdigit():
        return mask_id_number(digits)
    return q


def describe_query(spec: ListSpec, query: ListQuery) -> str:
    """The filter in words, for the sheet header: 区域：海陵区；项目：最低生活保障；…"""
    parts = []
    if query.area:
        name = spec.area_name(query.area) if spec.area_name else query.area
        parts.append(_("区域：%(v)s") % {"v": name})
    if query.programme and spec.programmes:
        parts.append(_("项目：%(v)s") % {"v": dict(spec.programmes()).get(query.programme)})
    if query.state and spec.states:
        parts.append(_("状态：%(v)s") % {"v": dict(spec.states()).get(query.state)})
    if query.kind and spec.kinds:
        parts.append(_("类别：%(v)s") % {"v": dict(spec.kinds()).get(query.kind)})
    if query.date_from or query.date_to:
        parts.append(
            _("%(what)s：%(a)s 至 %(b)s")
            % {
                "what": spec.date_label or _("日期"),
                "a": query.date_from or "…",
                "b": query.date_to or "…",
            }
        )
    if query.overdue:
        parts.append(_("仅超期"))
    if query.q:
        parts.append(_("姓名/证件号：%(v)s") % {"v": _masked_q(query.q)})
    sort_key = query.sort.removeprefix("-")
    header = next((c.header for c in spec.columns if c.sort == sort_key), None)
    if header:
        parts.append(
            _("排序：%(v)s%(d)s")
            % {"v": header, "d": _("（降序）") if query.sort.startswith("-") else ""}
        )
    return "；".join(str(p) for p in parts) or str(_("全部（本人权限范围内）"))


def header_rows(spec: ListSpec, user, query: ListQuery, total: int, reveal: bool) -> list[list]:
    who = getattr(user, "full_name", "") or user.get_username()
    when = clock.local(timezone.now()).strftime("%Y-%m-%d %H:%M")
    return [
        [str(spec.title)],
        [
            _("导出人：%(who)s（%(user)s）　导出时间：%(when)s")
            % {"who": who, "user": user.get_username(), "when": when}
        ],
        [_("查询条件：%(f)s") % {"f": describe_query(spec, query)}],
        [
            _("共 %(n)s 条；%(m)s")
            % {
                "n": total,
                "m": _("证件号、电话、账号为完整显示（已记入审计日志）")
                if reveal
                else _("证件号、电话、账号已脱敏"),
            }
        ],
        [],
    ]


def _cell(column, row, reveal: bool):
    value = column.value(row)
    if column.sensitive and not reveal and value:
        value = MASKS.get(column.sensitive, mask_id_number)(str(value))
    return value


def export_write(
    *, spec: ListSpec, user, query: ListQuery, fmt: str, reveal: bool, out, progress=None
) -> int:
    """Write the list (header rows, column headers, every row) into ``out``; the row count."""
    rows = list_rows(spec, user, query)
    is_qs = isinstance(rows, QuerySet)
    total = rows.count() if is_qs else len(rows)
    if progress:
        progress(0, total)
    columns = spec.columns
    writer = WRITERS[fmt](out, sheet_name=str(spec.title), widths=[18] * len(columns))
    for i, line in enumerate(header_rows(spec, user, query, total, reveal)):
        writer.write_row(line, bold=i == 0)
    writer.write_row([str(c.header) for c in columns], bold=True)
    source = rows.iterator(chunk_size=CHUNK) if is_qs else iter(rows)
    written = 0
    for chunk in iter_chunks(source, CHUNK):
        if spec.prepare is not None:
            spec.prepare(chunk)
        for row in chunk:
            writer.write_row([_cell(c, row, reveal) for c in columns])
        written += len(chunk)
        if progress:
            progress(written, total)
    writer.close()
    return written


def _area_for_audit(spec: ListSpec, user, query: ListQuery) -> str:
    if query.area:
        return query.area.ljust(12, "0")
    prefixes = user_scope(user, spec.capability).prefixes
    return prefixes[0].ljust(12, "0") if len(prefixes) == 1 else NATIONAL


def export_audit(
    *, spec: ListSpec, user, query: ListQuery, fmt: str, reveal: bool, rows: int, job=None
):
    with transaction.atomic():
        audit_record(
            actor=user,
            action="list.export_reveal" if reveal else "list.export",
            subject_type="list",
            subject_id=spec.name,
            area_code=_area_for_audit(spec, user, query),
            extra={
                "list": spec.name,
                "rows": rows,
                "format": fmt,
                "reveal": reveal,
                "filter": describe_query(spec, query),
                "query": urlencode([*query.params(), ("sort", query.sort)]),
                "job": job.pk if job else None,
            },
        )


def export_filename(spec: ListSpec, fmt: str) -> str:
    return f"{spec.title}_{clock.local(timezone.now()):%Y%m%d_%H%M}.{fmt}"


def export_count(spec: ListSpec, user, query: ListQuery) -> int:
    rows = list_rows(spec, user, query)
    return rows.count() if isinstance(rows, QuerySet) else len(rows)


def export_direct(*, spec: ListSpec, user, query: ListQuery, fmt: str, reveal: bool):
    """A short export, written now into a temporary file (returned open at its start)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed open to the response, which closes it
    rows = export_write(spec=spec, user=user, query=query, fmt=fmt, reveal=reveal, out=out)
    export_audit(spec=spec, user=user, query=query, fmt=fmt, reveal=reveal, rows=rows)
    out.seek(0)
    return out, rows


def export_queue(*, spec: ListSpec, user, query: ListQuery, fmt: str, reveal: bool) -> ExportJob:
    from jiuzhu.audit.tasks import export_task

    job = ExportJob.objects.create(
        user=user,
        list_name=spec.name,
        query=urlencode([*query.params(full=True), ("sort", query.sort)]),
        fmt=fmt,
        reveal=reveal,
    )
    transaction.on_commit(lambda: export_task.enqueue(job_id=job.pk))
    return job


def export_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_run(job_id: int) -> ExportJob:
    """Run one queued export (the task's body; callable directly in tests and benchmarks)."""
    from jiuzhu.core.pagination import list_spec

    job = ExportJob.objects.select_related("user").get(pk=job_id)
    spec = list_spec(job.list_name)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING)
    target = export_dir() / f"{job.pk}.{job.fmt}"
    try:
        query = list_query(spec, QueryDict(job.query))

        def progress(done: int, total: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(done=done, total=total)

        with open(target, "wb") as out:
            rows = export_write(
                spec=spec,
                user=job.user,
                query=query,
                fmt=job.fmt,
                reveal=job.reveal,
                out=out,
                progress=progress,
            )
        export_audit(
            spec=spec,
            user=job.user,
            query=query,
            fmt=job.fmt,
            reveal=job.reveal,
            rows=rows,
            job=job,
        )
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.DONE,
            done=rows,
            file=str(target.relative_to(settings.MEDIA_ROOT)),
            filename=export_filename(spec, job.fmt),
            finished_at=timezone.now(),
        )
    except Exception as exc:
        if target.exists():
            os.unlink(target)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    job.refresh_from_db()
    return job
