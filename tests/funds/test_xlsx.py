"""Excel (xlsx) bank files: the 代发 file keeps account and ID numbers as text and amounts exact;
an xlsx return file goes through the same checks and reconciliation as a CSV one."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from jiuzhu.demo.funds_synthetic import return_file_for
from jiuzhu.funds.bankfiles import DEFAULT_PROFILES, bank_profiles_ensure
from jiuzhu.funds.models import BankFile, BankProfile, LineStatus, PayrollLine, ReissueStatus
from jiuzhu.funds.services import bank_file_export, bank_return_import
from tests.funds.conftest import household, on_roll
from tests.funds.helpers import released
from tests.funds.test_return_file import _refused

pytestmark = pytest.mark.django_db
POST_BANK = "中国邮政储蓄银行泰州分行"  # the xlsx layout's bank: its file holds only its payees


@pytest.fixture
def xlsx_profile(bank_profiles):
    return BankProfile.objects.get(file_format="xlsx")


@pytest.fixture
def payroll(officers):
    for i in range(3):
        hh, head = household(officers["zijin"], name=f"户{i}", bank=POST_BANK)
        head.id_number = f"32120219800101{i:03d}X"
        head.save(update_fields=["id_number"])
        on_roll(hh, amount=f"{600 + i}.10")
    return released(officers)


def _sheet(data: bytes) -> list[list]:
    wb = load_workbook(io.BytesIO(data))
    return [list(r) for r in wb.worksheets[0].iter_rows()]


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _return_rows(payroll, officers, profile, *, fail=()):
    """The bank's answer as rows of values: the exported sheet plus result and reason columns."""
    bf = bank_file_export(actor=officers["zijin"], payroll_id=payroll.pk, profile_id=profile.pk)
    rows = [[c.value for c in r] for r in _sheet(bytes(bf.content))]
    header, body = rows[0], rows[1:]
    ref = header.index(dict(profile.columns)["ref"])
    out = [header + [profile.result_header, profile.reason_header]]
    for r in body:
        if r[0] == "合计":
            out.append(r + [None, None])
            continue
        reason = dict(fail).get(int(r[ref].rsplit("-", 1)[1]))
        out.append(r + (["失败", reason] if reason else ["成功", None]))
    return out


def test_a_default_profile_is_excel_and_ensure_adds_it_once(bank_profiles):
    assert any(p["file_format"] == "xlsx" for p in DEFAULT_PROFILES)
    assert BankProfile.objects.filter(file_format="xlsx").count() == 1
    assert bank_profiles_ensure() == 0
    BankProfile.objects.filter(file_format="xlsx").delete()
    assert bank_profiles_ensure() == 1


def test_export_keeps_numbers_as_text_and_amounts_exact(officers, payroll, xlsx_profile):
    bf = bank_file_export(
        actor=officers["caiwu"], payroll_id=payroll.pk, profile_id=xlsx_profile.pk
    )
    assert bf.file_name.endswith(".xlsx")
    rows = _sheet(bytes(bf.content))
    header = [c.value for c in rows[0]]
    assert header == [h for _, h in xlsx_profile.columns]
    acct, ident, amount = (
        header.index("收款人账号"),
        header.index("证件号码"),
        header.index("金额(元)"),
    )
    lines = list(PayrollLine.objects.filter(payroll=payroll).order_by("seq"))
    body, total = rows[1:-1], rows[-1]
    assert len(body) == 3
    for line, row in zip(lines, body, strict=True):
        assert row[acct].data_type == "s" and row[acct].value == line.account_number
        assert row[acct].number_format == "@"
        assert row[ident].data_type == "s"
        # The full ID number (issue 13.17): a bank cannot match a masked one to its customer.
        assert row[ident].value == line.household.members.get(relation="head").id_number
        assert row[amount].data_type == "n" and row[amount].number_format == "0.00"
        assert Decimal(str(row[amount].value)) == line.amount
    assert total[0].value == "合计"
    assert Decimal(str(total[amount].value)) == Decimal("1803.30")
    # The numbers are written exactly as the Decimal's digits, never through a float.
    sheet_xml = zipfile.ZipFile(io.BytesIO(bytes(bf.content))).read("xl/worksheets/sheet1.xml")
    written = [Decimal(v.decode()) for v in re.findall(rb"<v>(\d+\.\d+)</v>", sheet_xml)]
    assert written == [Decimal("600.10"), Decimal("601.10"), Decimal("602.10"), Decimal("1803.30")]


def test_xlsx_round_trip_reconciles(officers, payroll, xlsx_profile):
    rows = _return_rows(payroll, officers, xlsx_profile, fail={2: "户名不符"})
    summary = bank_return_import(
        actor=officers["zijin"],
        payroll_id=payroll.pk,
        data=_xlsx(rows),
        file_name="回盘.xlsx",
        profile_id=xlsx_profile.pk,
    )
    assert (summary["paid"], summary["failed"]) == (2, 1)
    assert summary["failed_amount"] == Decimal("601.10")
    failed = PayrollLine.objects.get(payroll=payroll, seq=2)
    assert failed.status == LineStatus.FAILED
    assert failed.failure_reason == "name_mismatch"
    assert failed.reissue_status == ReissueStatus.QUEUED
    assert PayrollLine.objects.filter(payroll=payroll, status=LineStatus.PAID).count() == 2
    assert BankFile.objects.filter(payroll=payroll, kind="return").count() == 1


def test_demo_return_file_in_excel_reconciles(officers, payroll, xlsx_profile):
    data = return_file_for(payroll, fail=1, profile=xlsx_profile)
    assert data.startswith(b"PK")
    summary = bank_return_import(
        actor=officers["zijin"],
        payroll_id=payroll.pk,
        data=data,
        file_name="demo.xlsx",
        profile_id=xlsx_profile.pk,
    )
    assert (summary["paid"], summary["failed"]) == (2, 1)


def test_numbers_typed_by_the_bank_are_read_without_float_noise(officers, payroll, xlsx_profile):
    rows = _return_rows(payroll, officers, xlsx_profile)
    amount = rows[0].index("金额(元)")
    for r in rows[1:]:
        r[amount] = float(r[amount])  # the bank's Excel stored plain numbers
    summary = bank_return_import(
        actor=officers["zijin"],
        payroll_id=payroll.pk,
        data=_xlsx(rows),
        file_name="r.xlsx",
        profile_id=xlsx_profile.pk,
    )
    assert summary["paid"] == 3


def test_xlsx_unknown_line_and_wrong_total_are_refused_by_row(officers, payroll, xlsx_profile):
    rows = _return_rows(payroll, officers, xlsx_profile)
    extra = list(rows[1])
    extra[0] = payroll.number + "-000099"
    rows.insert(-1, extra)
    rows[-1][rows[0].index("金额(元)")] = Decimal("1.00")
    report = _refused(
        officers,
        payroll,
        _xlsx(rows),
        "不在本批次的代发明细中",
        file_name="r.xlsx",
        profile=xlsx_profile,
    )
    assert any(p.startswith("第 5 行") for p in report)
    assert any("合计金额 1.00 元" in p for p in report)


def test_xlsx_of_another_payroll_is_refused(officers, payroll, xlsx_profile):
    rows = _return_rows(payroll, officers, xlsx_profile)
    for r in rows[1:-1]:
        r[1] = "FF202610-321202-dibao"
        r[0] = "FF202610-321202-dibao-" + r[0].rsplit("-", 1)[1]
    _refused(officers, payroll, _xlsx(rows), "不是本批次", file_name="r.xlsx", profile=xlsx_profile)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ref,batch\r\n1,2\r\n", "文件不是 Excel（.xlsx）文件"),
        (b"PK\x03\x04 truncated archive", "Excel 文件已损坏或不完整"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "旧版 Excel 97-2003（.xls）"),
    ],
)
def test_malformed_xlsx_is_refused_in_chinese(officers, payroll, xlsx_profile, data, message):
    _refused(officers, payroll, data, message, file_name="r.xlsx", profile=xlsx_profile)


def test_xlsx_without_the_result_header_is_refused(officers, payroll, xlsx_profile):
    rows = _return_rows(payroll, officers, xlsx_profile)
    rows[0][rows[0].index("处理结果")] = "状态"
    rows[0][rows[0].index("收款人账号")] = "账户"
    report = _refused(
        officers, payroll, _xlsx(rows), "表头缺少列", file_name="r.xlsx", profile=xlsx_profile
    )
    assert "收款人账号" in report[0] and "处理结果" in report[0]


def test_empty_workbook_is_refused(officers, payroll, xlsx_profile):
    _refused(officers, payroll, _xlsx([]), "文件为空", file_name="r.xlsx", profile=xlsx_profile)


def test_excel_file_for_a_csv_profile_is_refused(officers, payroll, xlsx_profile):
    rows = _return_rows(payroll, officers, xlsx_profile)
    csv_profile = BankProfile.objects.get(is_default=True)
    _refused(
        officers,
        payroll,
        _xlsx(rows),
        "与银行配置“通用代发(UTF-8,元)”的 CSV 格式不符",
        file_name="back.dat",
        profile=csv_profile,
    )


def test_holder_name_starting_with_equals_stays_text(officers, xlsx_profile):
    hh, _ = household(officers["zijin"], name="=HYPERLINK(1)", bank=POST_BANK)
    on_roll(hh, amount="500.00")
    p = released(officers)
    bf = bank_file_export(actor=officers["caiwu"], payroll_id=p.pk, profile_id=xlsx_profile.pk)
    rows = _sheet(bytes(bf.content))
    name = [c.value for c in rows[0]].index("收款人户名")
    assert rows[1][name].data_type == "s"
    # Text, and escaped as in every spreadsheet the system writes (issue 14.12): a clerk who
    # re-saves the sheet as CSV does not turn the name into a formula.
    assert rows[1][name].value == "'=HYPERLINK(1)"


def test_formula_names_are_escaped_in_csv_and_xlsx_bank_files(officers, xlsx_profile):
    """Issue 14.12: a holder name that would start a formula is written with a leading quote."""
    import csv as _csv

    hh, head = household(officers["zijin"], name='=HYPERLINK("http://x","点击")', bank=POST_BANK)
    on_roll(hh)
    p = released(officers)
    generic = BankProfile.objects.get(is_default=True)
    bf = bank_file_export(actor=officers["zijin"], payroll_id=p.pk, profile_id=generic.pk)
    rows = list(_csv.reader(io.StringIO(bytes(bf.content).decode("utf-8"))))
    names = [r[rows[0].index("户名")] for r in rows[1:-1]]
    assert names == ['\'=HYPERLINK("http://x","点击")']
    bf = bank_file_export(actor=officers["zijin"], payroll_id=p.pk, profile_id=xlsx_profile.pk)
    sheet = _sheet(bytes(bf.content))
    col = [c.value for c in sheet[0]].index("收款人户名")
    assert sheet[1][col].value.startswith("'=")


def test_a_banks_file_holds_only_that_banks_payees(officers, xlsx_profile):
    """Issue 13.17: the 邮储 file carries the 邮储 payees, the 农商 file the 农商 payees; the
    generic layout (a site paying through one bank) carries every line."""
    for i in range(3):
        hh, _ = household(officers["zijin"], name=f"户{i}", bank=POST_BANK)
        on_roll(hh, amount="600.00")
    hh, _ = household(officers["zijin"], name="农商户")  # 江苏泰州农村商业银行
    on_roll(hh, amount="700.00")
    p = released(officers)
    post = bank_file_export(actor=officers["caiwu"], payroll_id=p.pk, profile_id=xlsx_profile.pk)
    rows = _sheet(bytes(post.content))
    name = [c.value for c in rows[0]].index("收款人户名")
    assert sorted(r[name].value for r in rows[1:-1]) == ["户0", "户1", "户2"]
    assert post.line_count == 3
    rural = BankProfile.objects.get(bank_name="江苏泰州农村商业银行")
    bf = bank_file_export(actor=officers["caiwu"], payroll_id=p.pk, profile_id=rural.pk)
    text = bytes(bf.content).decode("gbk")
    assert "农商户" in text and "户0" not in text and bf.line_count == 1
    generic = BankProfile.objects.get(is_default=True)
    assert (
        bank_file_export(actor=officers["caiwu"], payroll_id=p.pk, profile_id=generic.pk).line_count
        == 4
    )
