"""List exports: masked unless revealed (and allowed), the header rows say who/what/when, every
export audited with its row count, long ones run as a task with progress."""

import dataclasses
import io

import openpyxl
import pytest
from django.http import QueryDict
from django.urls import reverse

from jiuzhu.accounts.roles import Role
from jiuzhu.audit import exports
from jiuzhu.audit.models import AuditEvent, ExportJob
from jiuzhu.core.pagination import list_query, list_register, list_spec
from tests.conftest import CHENGDONG, JIANGYAN_STREET
from tests.factories import first_village, household_with_head, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def east():
    return user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="城东审核员")


@pytest.fixture
def households():
    village = first_village(CHENGDONG)
    hhs = [household_with_head(hukou_area_id=village, head_name=f"户主{i}") for i in range(7)]
    household_with_head(hukou_area_id=first_village(JIANGYAN_STREET), head_name="外区户")
    return hhs


def _sheet(data: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(r) for r in book.active.iter_rows(values_only=True)]


def _export(client, query="", **post):
    r = client.post(
        reverse("audit:export_start", args=["households"]),
        {"query": query, "fmt": "xlsx", **post},
    )
    return r, b"".join(r.streaming_content) if r.status_code == 200 else b""


def test_export_is_masked_with_a_header_and_audited_with_its_row_count(client, east, households):
    client.force_login(east)
    r, data = _export(client, f"area={first_village(CHENGDONG)}&sort=-size")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    rows = _sheet(data)
    # the header: the list, who and when, the filter in words, the count and the masking
    assert rows[0][0] == "家庭档案"
    assert "城东审核员" in rows[1][0] and east.username in rows[1][0] and "导出时间" in rows[1][0]
    assert rows[2][0].startswith("查询条件：区域：") and "排序：人数（降序）" in rows[2][0]
    assert rows[3][0].startswith("共 7 条") and "已脱敏" in rows[3][0]
    assert rows[5][:3] == ("家庭编号", "户主", "户主身份证号")
    body = rows[6:]
    assert len(body) == 7  # only the scope's rows, none from 姜堰
    ids = {h.members.get().id_number for h in households}
    assert not any(c in ids for row in body for c in row)  # no full ID anywhere
    assert all("*" in row[2] for row in body)
    event = AuditEvent.objects.get(action="list.export")
    assert event.extra["rows"] == 7 and event.extra["list"] == "households"
    assert event.extra["reveal"] is False and event.actor_id == east.pk
    assert event.area_code == first_village(CHENGDONG)


def test_reveal_shows_full_ids_and_is_audited_as_a_reveal(client, east, households):
    client.force_login(east)
    r, data = _export(client, "", reveal="1")
    body = _sheet(data)[6:]
    ids = {h.members.get().id_number for h in households}
    assert {row[2] for row in body} == ids
    assert "完整显示" in _sheet(data)[3][0]
    assert AuditEvent.objects.get(action="list.export_reveal").extra["rows"] == 7


def test_reveal_without_the_right_is_refused(client, east, households):
    spec = dataclasses.replace(list_spec("households"), name="t_noreveal", can_reveal=None)
    list_register(spec)
    client.force_login(east)
    url = reverse("audit:export_start", args=["t_noreveal"])
    assert client.post(url, {"query": "", "reveal": "1"}).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="list.export").exists()
    r = client.post(url, {"query": "", "fmt": "csv"})
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    assert "户主0" in text and "已脱敏" in text


def test_no_export_without_the_list_capability(client, households):
    data_clerk = user_with_role(Role.DEPARTMENT_DATA, CHENGDONG)
    client.force_login(data_clerk)
    r, _data = _export(client)
    assert r.status_code == 403
    assert client.post(reverse("audit:export_start", args=["nosuch"])).status_code == 404


def test_a_long_export_runs_as_a_task_with_progress(
    client, east, households, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(exports, "DIRECT_MAX", 3)
    monkeypatch.setattr(exports, "CHUNK", 2)  # progress moves chunk by chunk
    client.force_login(east)
    r = client.post(
        reverse("audit:export_start", args=["households"]), {"query": "q=户主", "fmt": "xlsx"}
    )
    job = ExportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("audit:export_job", args=[job.pk])
    page = client.get(r["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'data-status="queued"' in page
    calls = []
    real = exports.export_write

    def spy(**kw):
        report = kw["progress"]
        kw["progress"] = lambda done, total: (calls.append((done, total)), report(done, total))
        return real(**kw)

    monkeypatch.setattr(exports, "export_write", spy)
    exports.export_run(job.pk)  # what the worker's export_task runs
    assert calls == [(0, 7), (2, 7), (4, 7), (6, 7), (7, 7)]
    job.refresh_from_db()
    assert job.status == "done" and job.done == job.total == 7 and job.percent == 100
    page = client.get(r["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in page and 'id="export-download"' in page
    download = client.get(reverse("audit:export_download", args=[job.pk]))
    rows = _sheet(b"".join(download.streaming_content))
    assert rows[2][0] == "查询条件：姓名/证件号：户主；排序：家庭编号" and len(rows[6:]) == 7
    event = AuditEvent.objects.get(action="list.export")
    assert event.extra["rows"] == 7 and event.extra["job"] == job.pk
    # the job and its file are the owner's only
    other = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    client.force_login(other)
    assert client.get(reverse("audit:export_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("audit:export_job", args=[job.pk])).status_code == 404


def test_export_streams_from_an_iterator(east, households, monkeypatch):
    """The rows come through ``iterator(chunk_size=…)`` (a server-side cursor on PostgreSQL),
    never a list of the whole queryset."""
    from django.db.models.query import QuerySet

    calls = []
    real = QuerySet.iterator

    def spy(self, chunk_size=None):
        calls.append(chunk_size)
        return real(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    spec = list_spec("households")
    out = io.BytesIO()
    n = exports.export_write(
        spec=spec,
        user=east,
        query=list_query(spec, QueryDict("")),
        fmt="csv",
        reveal=False,
        out=out,
    )
    assert n == 7 and calls == [exports.CHUNK]
