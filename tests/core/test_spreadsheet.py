"""Formula injection (issue 14.12): every CSV/xlsx cell the system writes that would start a
formula is escaped by the one helper, and no module writes a CSV or workbook around it."""

import csv
import io
import pathlib
import re

import pytest

from jiuzhu.core.spreadsheet import csv_writer, safe_cell

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "jiuzhu"


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x","点击")', "@SUM(A1:A9)", "+1+1", "-2+3", "\t=1", "\r=1", "=1"],
)
def test_formula_starts_are_escaped(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["张伟", "710.00", "-12.50", "+86", "", None, 5, "a=b"])
def test_plain_values_are_unchanged(value):
    assert safe_cell(value) == value


def test_csv_writer_escapes_every_row():
    buf = io.StringIO()
    w = csv_writer(buf, lineterminator="\n")
    w.writerow(["=1+1", "ok"])
    w.writerows([["@x", "-1"]])
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows == [["'=1+1", "ok"], ["'@x", "-1"]]


def test_no_module_writes_a_spreadsheet_around_the_helper():
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "spreadsheet.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bcsv\.(writer|DictWriter)\(", text):
            offenders.append(f"{path.relative_to(SRC)}: csv.writer")
        if re.search(r"\bWorkbook\(", text) and "safe_cell" not in text:
            offenders.append(f"{path.relative_to(SRC)}: openpyxl Workbook without safe_cell")
    assert offenders == []
