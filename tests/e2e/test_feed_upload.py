"""The 部门数据 upload page as a department's data clerk uses it, at 1440 px and 390 px.

The clerk downloads the Excel template (Chinese header, every column text), fills it the way
Excel users do (an ID in full-width digits, one ID cell left as a number so Excel zeroed its
tail, a Chinese code value, one row with a wrong date), uploads it, and reads the report: the
bad row named by its Excel row number, the good rows imported, the zeroed ID flagged."""

import datetime
import io

import openpyxl
import pytest

from jiuzhu.accounts.models import RoleAssignment
from jiuzhu.accounts.roles import Role
from jiuzhu.core import clock
from jiuzhu.verify.models import FeedImport, FeedRecord
from tests.e2e.test_case_flow import browser_context, login, shots_dir  # noqa: F401
from tests.factories import user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1440, 390])
def test_template_to_report(live_server, taizhou, browser_context, tmp_path, width):  # noqa: F811
    clerk = user_with_role(Role.DEPARTMENT_DATA, "321200000000", full_name="吴部门")
    RoleAssignment.objects.filter(user=clerk).update(department="police")
    page, base, shots = browser_context.new_page(), live_server.url, shots_dir()
    page.set_viewport_size({"width": width, "height": 900})
    login(page, base, clerk.username)
    page.goto(f"{base}/verify/feeds/upload/")
    assert "docs/data-formats.md" not in page.content()
    assert page.get_by_text("下载Excel模板").first.is_visible()
    page.screenshot(path=str(shots / f"feed-upload-{width}.png"), full_page=True)

    with page.expect_download() as dl:
        page.get_by_text("下载Excel模板").first.click()
    template = tmp_path / "template.xlsx"
    dl.value.save_as(template)
    book = openpyxl.load_workbook(template)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["记录编号", "身份证号", "姓名"]
    assert sheet.cell(row=2, column=2).number_format == "@"  # the ID column is text
    rows = [
        [
            "P1",
            "３２１２０２１９７５０６２１００３１",
            "张建国",
            "男",
            "1975-06-21",
            "",
            "",
            "死亡",
            "2026-09-01",
        ],
        ["P2", 3.21202197805210e17, "李秀英", "女", "1978-05-21", "", "", "死亡", "2026-09-02"],
        ["P3", "", "王芳", "女", "1990-13-45", "", "", "死亡", "2026-09-03"],
    ]
    for i, r in enumerate(rows, start=2):  # typed into rows 2–4, below the header
        for j, value in enumerate(r, start=1):
            sheet.cell(row=i, column=j, value=value)
    sheet.cell(row=3, column=2).number_format = "0"  # a cell someone formatted as a number
    filled = tmp_path / "公安死亡注销.xlsx"
    buf = io.BytesIO()
    book.save(buf)
    filled.write_bytes(buf.getvalue())

    page.select_option("select[name=department]", "police")
    page.fill("input[name=extracted_on]", (clock.today() - datetime.timedelta(days=1)).isoformat())
    page.set_input_files("input[name=file]", str(filled))
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    imp = FeedImport.objects.get()
    assert imp.status == "accepted" and imp.rows_created == 2 and imp.rows_rejected == 1
    assert FeedRecord.objects.get(record_key="P1").id_number == "321202197506210031"
    text = page.content()
    assert "错误" in text and "提示" in text and "000结尾" in text
    row4 = page.locator("tr", has_text="1990-13-45")
    assert row4.first.is_visible() and row4.first.locator("td").first.inner_text() == "4"
    assert "birth_date" not in row4.first.inner_text()  # the label, not the column code
    assert imp.rows_total == 3
    page.screenshot(path=str(shots / f"feed-report-{width}.png"), full_page=True)
