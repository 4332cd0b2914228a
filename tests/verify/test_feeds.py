"""Feed imports: encodings, dates, bad headers, truncated rows, idempotence, departments."""

import datetime
import hashlib
import random

import pytest
from django.core.management import CommandError, call_command

from jiuzhu.accounts.models import RoleAssignment
from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.verify.feeds import FEEDS, SCHEMA_DIR, json_schema, parse_feed
from jiuzhu.verify.models import FeedImport, FeedRecord
from jiuzhu.verify.services import feed_import
from tests.conftest import HAILING
from tests.factories import UserFactory
from tests.verify.helpers import csv_bytes

ROW = "P1,321202197506210031,张建国,M,1975/6/21,321202001001,泰州市海陵区某路1号,death,2026年9月1日"


def dept_user(department: str):
    user = UserFactory()
    RoleAssignment.objects.create(
        user=user,
        role=Role.DEPARTMENT_DATA,
        area_id=HAILING,
        department=department,
        valid_from=datetime.date(2020, 1, 1),
    )
    return user


def test_schemas_shipped_match_code():
    import json

    for dept in FEEDS:
        shipped = json.loads((SCHEMA_DIR / f"{dept}.schema.json").read_text(encoding="utf-8"))
        assert shipped == json_schema(dept)


@pytest.mark.parametrize(
    "encoding,label", [("utf-8", "utf-8"), ("gbk", "gbk"), ("utf-8-sig", "utf-8-sig")]
)
def test_encodings_detected_and_dates_normalised(encoding, label):
    parsed = parse_feed("police", csv_bytes("police", [ROW], encoding), "p.csv")
    assert parsed.ok, [i.text() for i in parsed.issues]
    assert parsed.encoding == label
    assert parsed.rows[0]["birth_date"] == "1975-06-21"
    assert parsed.rows[0]["event_date"] == "2026-09-01"
    assert parsed.rows[0]["name"] == "张建国"


def test_chinese_header_accepted():
    header = "记录编号,身份证号,姓名,性别,出生日期,户籍地区划代码,户籍地址,事项,事项日期"
    parsed = parse_feed("police", (header + "\n" + ROW + "\n").encode("gbk"), "p.csv")
    assert parsed.ok


def test_bad_date_and_bad_id_named_by_row_and_field():
    rows = [
        ROW,
        ROW.replace("P1", "P2")
        .replace("1975/6/21", "21-06-1975")
        .replace("321202197506210031", "12345"),
    ]
    parsed = parse_feed("police", csv_bytes("police", rows), "p.csv")
    texts = [i.text() for i in parsed.issues]
    # the second data row is row 3, as the registry import (and the spreadsheet) counts it
    assert any("第3行" in t and "birth_date" in t and "无法识别" in t for t in texts)
    assert any("第3行" in t and "id_number" in t and "不像身份证号" in t for t in texts)


@pytest.mark.django_db
def test_wrong_header_rejected_and_nothing_imported(taizhou):
    data = "record_id,name,whatever\nP1,张三,x\n".encode()
    result = feed_import(actor=None, department="police", data=data, file_name="bad.csv")
    assert result.feed_import.status == "rejected"
    assert "表头" in result.feed_import.report[0]["reason"]
    assert FeedRecord.objects.count() == 0


@pytest.mark.django_db
def test_other_departments_file_is_named(taizhou):
    data = csv_bytes("vehicles", ["V1,苏M12345,321202197506210031,张建国,,car,1.00,2020-01-01,"])
    result = feed_import(actor=None, department="police", data=data, file_name="v.csv")
    assert result.feed_import.status == "rejected"
    assert "车管" in result.feed_import.report[0]["reason"]


@pytest.mark.django_db
def test_truncated_file_quarantined_nothing_half_imported(taizhou):
    good = [ROW.replace("P1", f"P{i}") for i in range(1, 6)]
    data = csv_bytes("police", good)[:-25]  # cut inside the last row
    result = feed_import(actor=None, department="police", data=data, file_name="cut.csv")
    imp = result.feed_import
    assert imp.status == "quarantined"
    # rows are counted as the registry import counts them: the header is row 1
    assert any("第6行" in f"第{r['row']}行" and "截断" in r["reason"] for r in imp.report)
    assert FeedRecord.objects.count() == 0


@pytest.mark.django_db
def test_same_file_twice_changes_nothing(taizhou):
    data = csv_bytes("police", [ROW, ROW.replace("P1", "P2")], "gbk")
    first = feed_import(actor=None, department="police", data=data, file_name="p.csv")
    assert first.feed_import.rows_created == 2
    events, records, imports = (
        AuditEvent.objects.count(),
        FeedRecord.objects.count(),
        FeedImport.objects.count(),
    )
    again = feed_import(actor=None, department="police", data=data, file_name="p.csv")
    assert again.duplicate and again.feed_import.pk == first.feed_import.pk
    assert (AuditEvent.objects.count(), FeedRecord.objects.count(), FeedImport.objects.count()) == (
        events,
        records,
        imports,
    )
    # a new extract with one old row and one new row: the old row is unchanged (natural key)
    third = feed_import(
        actor=None,
        department="police",
        data=csv_bytes("police", [ROW, ROW.replace("P1", "P3")]),
        file_name="p2.csv",
    )
    assert (third.feed_import.rows_created, third.feed_import.rows_unchanged) == (1, 1)


@pytest.mark.django_db
def test_department_user_uploads_only_own_feed(taizhou):
    police = dept_user("police")
    data = csv_bytes("police", [ROW])
    assert (
        feed_import(
            actor=police, department="police", data=data, file_name="p.csv"
        ).feed_import.status
        == "accepted"
    )
    with pytest.raises(ServiceError, match="只能上传本部门"):
        feed_import(actor=police, department="vehicles", data=data, file_name="p.csv")


@pytest.mark.django_db
def test_upload_page_permission_matrix(client, taizhou):
    from tests.factories import user_with_role

    url = "/verify/feeds/upload/"
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(user_with_role(Role.VILLAGE_WORKER, HAILING))
    assert client.get(url).status_code == 403
    vehicles = dept_user("vehicles")
    client.force_login(vehicles)
    assert client.get(url).status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("p.csv", csv_bytes("police", [ROW]))
    response = client.post(url, {"department": "police", "file": upload})
    assert response.status_code == 403
    assert FeedImport.objects.count() == 0


LATIN_ROW = (
    "P1,321202197506210031,ZHANG JIANGUO,M,1975-06-21,321202001001,Hailing 1,death,2026-09-01"
)


def random_bytes(seed: int, low: int, n: int = 3000) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(low, 256) for _ in range(n))


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes("police", [ROW], "utf-16"),  # with a byte-order mark
        csv_bytes("police", [LATIN_ROW], "utf-16-le"),  # no mark, Latin only: half NUL bytes
        csv_bytes("police", [ROW], "utf-32"),
        random_bytes(7, 1),  # no NUL byte
        random_bytes(8, 0),
    ],
    ids=["utf-16", "utf-16-le-latin", "utf-32", "random", "random-with-nul"],
)
@pytest.mark.django_db
def test_neither_utf8_nor_gbk_refused_naming_the_rule(taizhou, tmp_path, data):
    result = feed_import(actor=None, department="police", data=data, file_name="p.csv")
    imp = result.feed_import
    assert imp.status == "rejected" and not result.duplicate
    reasons = [r["reason"] for r in imp.report]
    assert any("编码" in r and "既不是UTF-8也不是GBK" in r for r in reasons), reasons
    assert (FeedRecord.objects.count(), imp.rows_created, imp.rows_total) == (0, 0, 0)
    assert AuditEvent.objects.filter(action="verify.feed_rejected", subject_id=imp.pk).exists()
    # the console command says the same and exits non-zero
    path = tmp_path / "p.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="既不是UTF-8也不是GBK"):
        call_command("import", "feed", "police", str(path))
    assert FeedRecord.objects.count() == 0


@pytest.mark.django_db
def test_cli_import_records_its_metadata(taizhou, tmp_path):
    data = csv_bytes("police", [ROW, ROW.replace("P1", "P2")], "gbk")
    path = tmp_path / "公安户籍死亡.csv"
    path.write_bytes(data)
    call_command("import", "feed", "police", str(path), "--extracted", "2026-10-31")
    imp = FeedImport.objects.get()
    assert (imp.department, imp.file_name, imp.file_format, imp.encoding) == (
        "police",
        "公安户籍死亡.csv",
        "csv",
        "gbk",
    )
    assert imp.extracted_on == datetime.date(2026, 10, 31) and imp.uploaded_by is None
    assert (imp.rows_total, imp.rows_created, imp.rows_updated, imp.rows_unchanged) == (2, 2, 0, 0)
    assert imp.checksum == hashlib.sha256(data).hexdigest()
    assert set(FeedRecord.objects.values_list("feed_import_id", flat=True)) == {imp.pk}
    event = AuditEvent.objects.get(action="verify.feed_imported")
    assert event.after["checksum"] == imp.checksum and event.after["created"] == 2
    assert str(event.after["extracted_on"]).startswith("2026-10-31")
