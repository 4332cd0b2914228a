"""Pages: report scoping matrix, review queue decisions, duplicates, batch task, CLI, Parquet."""

import datetime
import io

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from jiuzhu.accounts.roles import Role
from jiuzhu.verify.models import FeedImport, FeedRecord, LinkStatus, MatchRun, RecordLink
from tests.conftest import CHENGXI, HAILING
from tests.factories import first_village, household_with_head, user_with_role
from tests.verify.helpers import csv_bytes
from tests.verify.test_feeds import ROW, dept_user


@pytest.mark.django_db
def test_report_page_permission_matrix(client, taizhou):
    hh = household_with_head(hukou_area_id=first_village("321202001000"))
    url = f"/verify/households/{hh.pk}/report/"
    assert client.get(url).status_code == 302  # anonymous → login
    for user, status in [
        (dept_user("police"), 404),  # department data users read no registry
        (user_with_role(Role.VILLAGE_WORKER, first_village(CHENGXI)), 404),  # another street
        (user_with_role(Role.COUNTY_APPROVER, HAILING), 200),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status


@pytest.mark.django_db
def test_review_queue_confirm_is_remembered(client, taizhou):
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    hh = household_with_head(hukou_area_id=first_village("321202001000"))
    person = hh.members.get()
    from jiuzhu.verify.services import feed_import

    imp = feed_import(
        actor=None, department="police", data=csv_bytes("police", [ROW]), file_name="p.csv"
    )
    record = FeedRecord.objects.get(feed_import=imp.feed_import)
    run = MatchRun.objects.create()
    link = RecordLink.objects.create(
        record=record,
        person=person,
        run=run,
        method="probabilistic",
        status=LinkStatus.REVIEW,
        match_probability=0.8,
        comparison={"name": {"level": 3}},
    )
    client.force_login(approver)
    page = client.get("/verify/review/")
    assert page.status_code == 200 and person.name in page.content.decode()
    client.post(f"/verify/review/{link.pk}/", {"decision": "confirmed"})
    link.refresh_from_db()
    assert (link.status, link.method) == ("accepted", "confirmed")
    # the engine obeys the decision in the next run even without a model
    from jiuzhu.verify import adapters

    assert adapters.decisions_frame().row(0)[:3] == (record.pk, person.pk, "confirmed")


@pytest.mark.django_db
def test_batch_button_enqueues_a_task(client, taizhou):
    from django_tasks_db.models import DBTaskResult

    client.force_login(user_with_role(Role.COUNTY_APPROVER, HAILING))
    assert client.post("/verify/batch/", {"reason": "月度核对"}).status_code == 302
    assert DBTaskResult.objects.count() == 1
    client.force_login(user_with_role(Role.PAYMENTS_OFFICER, HAILING))
    assert client.post("/verify/batch/").status_code == 403
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_cli_import_feed(tmp_path, taizhou):
    path = tmp_path / "police.csv"
    path.write_bytes(csv_bytes("police", [ROW], "gbk"))
    out = io.StringIO()
    call_command("import", "feed", "police", str(path), "--extracted", "2026-10-31", stdout=out)
    assert "gbk" in out.getvalue() and "新增 1" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("police", [ROW.replace("death", "born")]))
    with pytest.raises(CommandError, match="第2行 event"):
        call_command("import", "feed", "police", str(bad))


@pytest.mark.django_db
def test_parquet_feed(tmp_path, taizhou):
    from jiuzhu.verify.services import feed_import

    header = csv_bytes("police", []).decode().strip().split(",")
    frame = pl.DataFrame([dict(zip(header, ROW.split(","), strict=True))])
    buf = io.BytesIO()
    frame.write_parquet(buf)
    result = feed_import(
        actor=None,
        department="police",
        data=buf.getvalue(),
        file_name="p.parquet",
        extracted_on=datetime.date(2026, 10, 31),
    )
    imp = FeedImport.objects.get(pk=result.feed_import.pk)
    assert (imp.status, imp.file_format, imp.rows_created) == ("accepted", "parquet", 1)


@pytest.mark.django_db
def test_web_upload_records_who_when_and_what(client, taizhou):
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    police = dept_user("police")
    client.force_login(police)
    data = csv_bytes("police", [ROW, ROW.replace("P1", "P2"), ROW.replace("P1", "P3")])
    url = "/verify/feeds/upload/"
    # a malformed extraction date: refused, nothing imported
    bad = client.post(
        url,
        {
            "department": "police",
            "extracted_on": "2026/13/01",
            "file": SimpleUploadedFile("p.csv", data),
        },
    )
    assert bad.status_code == 400 and "数据提取日期" in bad.content.decode()
    assert FeedImport.objects.count() == 0 and FeedRecord.objects.count() == 0

    response = client.post(
        url,
        {
            "department": "police",
            "extracted_on": "2026-10-30",
            "file": SimpleUploadedFile("户籍.csv", data),
        },
    )
    imp = FeedImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/verify/feeds/{imp.pk}/"
    assert (imp.department, imp.uploaded_by, imp.extracted_on, imp.file_name) == (
        "police",
        police,
        datetime.date(2026, 10, 30),
        "户籍.csv",
    )
    assert (imp.rows_total, imp.rows_created, imp.status) == (3, 3, "accepted")
    assert imp.checksum == hashlib.sha256(data).hexdigest()
    page = client.get(f"/verify/feeds/{imp.pk}/").content.decode()
    assert imp.checksum in page and "2026-10-30" in page and police.username in page
    assert "共 3" in page and "新增 3" in page
