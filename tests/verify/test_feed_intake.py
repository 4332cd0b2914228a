"""Department files as departments really write them (issues 13.3, 13.10, 13.12, 22.2, 22.6).

GBK CSV with Chinese headers and Chinese code values, xlsx whose ID cells are number-formatted
(Excel kept 15 significant digits) or in scientific notation, IDs typed with a Chinese IME in
full width, '-' for "none", 6-digit county codes, an extra column, a missing optional column.
The good rows are kept (where the department's mode allows it) and each bad row is named by the
row number the registry import would give it (header = row 1)."""

import datetime
import io

import openpyxl
import pytest

from jiuzhu.core.errors import ServiceError
from jiuzhu.verify.feeds import FEEDS, normalise_name, parse_feed
from jiuzhu.verify.models import FeedImport, FeedRecord
from jiuzhu.verify.services import feed_import
from tests.clock import travel_to


@pytest.fixture(autouse=True)
def _written_on():
    """The dates in these tests were written on 2026-12-07: that is today for them."""
    with travel_to(datetime.date(2026, 12, 7)):
        yield


EXTRACTED = datetime.date(2026, 11, 30)
GOOD_ID = "321202197506210031"
# Chinese header, the way the 公安 system exports it, plus a column we do not use (备注)
POLICE_HEADER = (
    "记录编号,公民身份号码,姓名,性别,出生日期,户籍地区划代码,户籍地址,事项,事项日期,备注"
)


def police_csv(rows: list[str], encoding: str = "gbk") -> bytes:
    return ("\r\n".join([POLICE_HEADER, *rows]) + "\r\n").encode(encoding)


def test_gbk_file_with_chinese_values_aliases_dash_and_county_code_is_read():
    rows = [
        f"P1,{GOOD_ID},张建国,男,1975/6/21,321202,海陵区某路1号,死亡,2026年9月1日,-",
        "P2,-,李秀英,女,1978-03-09,-,-,户籍迁出,2026-10-02,无",
        "P3,,阿不都-热合曼,1,1980-01-01,321202001001,,hukou,2026-10-03,",
    ]
    parsed = parse_feed("police", police_csv(rows), "公安.csv", extracted_on=EXTRACTED)
    assert parsed.ok, [i.text() for i in parsed.issues]
    assert parsed.encoding == "gbk"
    p1, p2, p3 = parsed.rows
    assert (p1["sex"], p1["event"], p1["area_code"]) == ("M", "death", "321202000000")
    assert (p2["id_number"], p2["area_code"], p2["event"], p2["sex"]) == ("", "", "move_out", "F")
    assert p3["name"] == "阿不都·热合曼" and p3["sex"] == "M"
    # the extra column is ignored with a warning, not a rejection
    assert any("备注" in w.reason and "忽略" in w.reason for w in parsed.warnings)


@pytest.mark.parametrize(
    "name", ["阿不都・热合曼", "阿不都-热合曼", "阿不都·热合曼", "阿不都 • 热合曼"]
)
def test_minority_name_separators_normalised(name):
    assert normalise_name(name) == "阿不都·热合曼"


def test_full_width_id_is_normalised_on_the_feed_path():
    row = "P1,３２１２０２１９７５０６２１００３１,张建国,男,1975-06-21,,,死亡,2026-09-01,"
    parsed = parse_feed("police", police_csv([row]), "p.csv", extracted_on=EXTRACTED)
    assert parsed.ok and parsed.rows[0]["id_number"] == GOOD_ID


def test_missing_optional_column_is_a_warning_not_a_rejection():
    header = "记录编号,身份证号,姓名,出生日期,事项,事项日期"  # no 性别, 区划代码, 地址
    data = (header + "\n" + f"P1,{GOOD_ID},张建国,1975-06-21,death,2026-09-01\n").encode()
    parsed = parse_feed("police", data, "p.csv", extracted_on=EXTRACTED)
    assert not parsed.fatal and parsed.ok
    assert parsed.rows[0].get("sex", "") == ""
    assert any("性别" in w.reason for w in parsed.warnings)


def test_missing_required_column_still_rejects_the_file():
    data = f"记录编号,身份证号,姓名\nP1,{GOOD_ID},张建国\n".encode()
    parsed = parse_feed("police", data, "p.csv")
    assert parsed.fatal and any("必填列" in i.reason for i in parsed.errors)


def _xlsx(header: list[str], rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_xlsx_number_formatted_and_scientific_ids_are_flagged_row_by_row():
    header = ["记录编号", "身份证号", "姓名", "性别", "出生日期", "事项", "事项日期"]
    rows = [
        # an ID cell formatted as number: Excel kept 15 digits, the last three are zero
        [
            "P1",
            3.21202197506210e17,
            "张建国",
            "男",
            datetime.date(1975, 6, 21),
            "死亡",
            "2026-09-01",
        ],
        # the same cell shown (and saved as text) in scientific notation
        ["P2", "3.21202E+17", "李秀英", "女", "1978-03-09", "死亡", "2026-09-02"],
        # a 17-digit number: the X check digit dropped
        ["P3", "11010119901231003", "王芳", "女", "1990-12-31", "death", "2026-09-03"],
        ["P4", GOOD_ID, "张建国", "男", "1975-06-21", "户籍登记", "2026-09-04"],
    ]
    parsed = parse_feed("police", _xlsx(header, rows), "公安.xlsx", extracted_on=EXTRACTED)
    assert parsed.file_format == "xlsx" and parsed.ok, [i.text() for i in parsed.issues]
    by_row = {r["_row"]: r for r in parsed.rows}
    assert by_row[2]["id_number"] == "" and by_row[2]["_id_raw"] == "321202197506210000"
    assert by_row[3]["id_number"] == ""
    assert by_row[4]["id_number"] == "11010119901231003X"
    assert by_row[5]["id_number"] == GOOD_ID
    texts = {w.row: w.reason for w in parsed.warnings}
    assert "000结尾" in texts[2] and "科学计数法" in texts[3] and "17位" in texts[4]


@pytest.mark.django_db
def test_bad_rows_reported_by_row_and_good_rows_kept(taizhou):
    rows = [
        f"P1,{GOOD_ID},张建国,男,1975-06-21,,,死亡,2026-09-01,",
        "P2,123,李秀英,女,1978-03-09,,,死亡,2026-09-01,",  # not an ID at all: row refused
        "P3,,王芳,女,1990-12-31,,,出生,2026-09-01,",  # unknown code value: row refused
        "P4,,赵强,男,1960-01-01,,,死亡,2026-09-01,",
    ]
    result = feed_import(
        actor=None,
        department="police",
        data=police_csv(rows),
        file_name="p.csv",
        extracted_on=EXTRACTED,
    )
    imp = result.feed_import
    assert imp.status == "accepted" and imp.rows_created == 2 and imp.rows_rejected == 2
    assert sorted(FeedRecord.objects.values_list("record_key", flat=True)) == ["P1", "P4"]
    errors = {(r["row"], r["field"].split("(")[0]) for r in imp.report if r["severity"] == "error"}
    assert errors == {(3, "id_number"), (4, "event")}


@pytest.mark.django_db
def test_whole_file_mode_keeps_nothing_when_a_row_is_bad(taizhou):
    assert FEEDS["bank"].mode == "whole"
    header = "record_id,bank_name,id_number,name,birth_date,kind,balance,balance_date"
    data = (
        header
        + f"\nB1,某银行,{GOOD_ID},张建国,,存款,100.00,2026-10-31"
        + f"\nB2,某银行,{GOOD_ID},张建国,,存款,abc,2026-10-31\n"
    ).encode("gbk")
    imp = feed_import(
        actor=None, department="bank", data=data, file_name="b.csv", extracted_on=EXTRACTED
    ).feed_import
    assert imp.status == "quarantined" and FeedRecord.objects.count() == 0


@pytest.mark.django_db
def test_bad_check_digit_row_does_not_overwrite_the_stored_record(taizhou):
    first = [f"P1,{GOOD_ID},张建国,男,1975-06-21,,,户籍登记,2026-09-01,"]
    feed_import(
        actor=None,
        department="police",
        data=police_csv(first),
        file_name="a.csv",
        extracted_on=EXTRACTED,
    )
    typo = GOOD_ID[:17] + "9"  # the check digit is wrong
    second = [
        f"P1,{typo},张建国,男,1975-06-21,,,死亡,2026-09-05,",
        f"P2,{typo},张建国,男,1975-06-21,,,户籍登记,2026-09-05,",
    ]
    imp = feed_import(
        actor=None,
        department="police",
        data=police_csv(second),
        file_name="b.csv",
        extracted_on=EXTRACTED,
    ).feed_import
    assert imp.status == "accepted"
    kept = FeedRecord.objects.get(record_key="P1")
    assert kept.id_number == GOOD_ID and kept.kind == "hukou"  # not overwritten
    # a new record with a dirty ID is kept for the matching engine, and reported
    assert FeedRecord.objects.get(record_key="P2").id_number == typo
    reasons = [r["reason"] for r in imp.report if r["row"] == 2]
    assert any("校验码" in r for r in reasons) and any("未覆盖" in r for r in reasons)


@pytest.mark.django_db
def test_future_extraction_date_refused(taizhou, monkeypatch):
    from jiuzhu.core import clock

    monkeypatch.setattr(clock, "today", lambda: datetime.date(2026, 12, 7))
    rows = [f"P1,{GOOD_ID},张建国,男,1975-06-21,,,死亡,2026-09-01,"]
    with pytest.raises(ServiceError) as exc:
        feed_import(
            actor=None,
            department="police",
            data=police_csv(rows),
            file_name="p.csv",
            extracted_on=datetime.date(2030, 1, 1),
        )
    assert "extracted_on" in exc.value.errors and "晚于今天" in exc.value.text()
    assert FeedImport.objects.count() == 0


@pytest.mark.django_db
def test_death_after_the_extraction_date_is_refused_never_stored(taizhou):
    rows = [
        f"P1,{GOOD_ID},张建国,男,1975-06-21,,,死亡,2026-12-20,",  # after 2026-11-30
        "P2,,李秀英,女,1978-03-09,,,死亡,2026-11-30,",
    ]
    imp = feed_import(
        actor=None,
        department="police",
        data=police_csv(rows),
        file_name="p.csv",
        extracted_on=EXTRACTED,
    ).feed_import
    assert list(FeedRecord.objects.values_list("record_key", flat=True)) == ["P2"]
    bad = [r for r in imp.report if r["row"] == 2]
    assert bad and "死亡日期" in bad[0]["reason"] and "晚于数据提取日期" in bad[0]["reason"]


@pytest.mark.parametrize("department", list(FEEDS))
def test_templates_read_back_as_an_empty_file_of_their_feed(department):
    from jiuzhu.verify.feeds import template_csv, template_xlsx

    for data in (template_csv(department), template_xlsx(department)):
        parsed = parse_feed(department, data, "template")
        assert not parsed.fatal and not parsed.warnings, [i.text() for i in parsed.issues]
        assert parsed.rows_read == 0
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(department)))
    header = [c.value for c in book.active[1]]
    assert header == [c.label for c in FEEDS[department].columns]
    assert all(
        book.active.cell(row=2, column=i + 1).number_format == "@" for i in range(len(header))
    )
