"""The verification pages in English (django_language=en): their own UI text has no Chinese left.

Data values (names, file names) are ASCII here so that any Chinese left on the page is UI text.
Chinese stays the default, and what is stored (reasons, reports) is not translated.
"""

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.verify.models import FeedRecord, LinkStatus, MatchRun, RecordLink
from jiuzhu.verify.services import feed_import
from tests.conftest import HAILING
from tests.factories import first_village, household_with_head, user_with_role
from tests.i18n import assert_no_chinese, english_client, main_text
from tests.verify.helpers import csv_bytes
from tests.verify.test_feeds import dept_user

ROW = "P1,321202197506210031,Zhang Jianguo,M,1975/6/21,321202001001,No 1 Road,death,2026-09-01"


@pytest.mark.django_db
def test_verify_pages_in_english(taizhou):
    hh = household_with_head(hukou_area_id=first_village("321202001000"), head_name="Wang Fang")
    person = hh.members.get()
    imp = feed_import(
        actor=None, department="police", data=csv_bytes("police", [ROW]), file_name="p.csv"
    )
    RecordLink.objects.create(
        record=FeedRecord.objects.get(feed_import=imp.feed_import),
        person=person,
        run=MatchRun.objects.create(),
        method="confirmed",
        status=LinkStatus.ACCEPTED,
        match_probability=1.0,
    )
    client = english_client(user_with_role(Role.COUNTY_APPROVER, HAILING))

    body = client.get(f"/verify/households/{hh.pk}/report/").content.decode()
    assert ">Means-test checks</a>" in body  # the menu entry of this app
    main = main_text(body, without_schedule=True)
    for text in (
        "Means-test check report",
        "household of Wang Fang",
        "Download PDF",
        "Check again",
        "Not checked yet",
        "Differences that need attention",
        "Declared by the household",
        "Data from each department",
        "No records",
        "Hukou address: No 1 Road",  # a department's column label and its value
        "Event: Death deregistration",  # the police 事项 is an event here (a task in cases)
        "Sex: Male",
    ):
        assert text in main, text
    assert_no_chinese(main)
    assert "：" not in main and "；" not in main  # the Chinese punctuation went with the text
    assert "Task:" not in main

    main = main_text(client.get("/verify/").content.decode(), without_schedule=True)
    assert "Check everyone on the roll (runs in the background)" in main
    assert "Matches awaiting confirmation</a> (0)" in main
    assert "Suspected duplicate persons</a> (0)" in main and "（" not in main
    # the batch's reason is stored with every check: it stays Chinese on purpose
    assert_no_chinese(main)

    for url, text in (
        ("/verify/review/", "No matches awaiting confirmation"),
        ("/verify/duplicates/", "No suspected duplicates to handle"),
        ("/verify/quality/", "Recent false-link reports"),
    ):
        main = main_text(client.get(url).content.decode(), without_schedule=True)
        assert text in main
        assert_no_chinese(main)


@pytest.mark.django_db
def test_feed_upload_and_import_report_in_english(taizhou):
    client = english_client(dept_user("police"))
    main = main_text(client.get("/verify/feeds/upload/").content.decode(), without_schedule=True)
    assert "Department data upload" in main and "Recent imports" in main
    assert '<option value="police">Police</option>' in main  # the department, translated
    assert_no_chinese(main)

    data = csv_bytes("police", [ROW])
    upload = {"department": "police", "extracted_on": "2026-10-01"}
    response = client.post(
        "/verify/feeds/upload/", {**upload, "file": _file(data, "police.csv")}, follow=True
    )
    main = main_text(response.content.decode(), without_schedule=True)
    assert "Import report: police.csv" in main
    assert "1 in all; 1 new, 0 updated, 0 unchanged, 0 with errors" in main
    assert_no_chinese(main)

    again = client.post(
        "/verify/feeds/upload/", {**upload, "file": _file(data, "police.csv")}, follow=True
    )
    assert "This file was imported before; nothing was changed" in again.content.decode()

    bad = client.post(
        "/verify/feeds/upload/", {"department": "police", "extracted_on": "2026/13/01"}
    )
    assert bad.status_code == 400
    assert "Extraction date “2026/13/01” must be YYYY-MM-DD" in bad.content.decode()


@pytest.mark.django_db
def test_chinese_stays_the_default(client, taizhou):
    hh = household_with_head(hukou_area_id=first_village("321202001000"))
    client.force_login(user_with_role(Role.COUNTY_APPROVER, HAILING))
    body = client.get(f"/verify/households/{hh.pk}/report/").content.decode()
    assert "家庭经济状况核对报告" in body and "尚未核对" in body and "各部门数据" in body


def _file(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")
