"""Spreadsheet writers for list exports: xlsx and CSV, row by row, in constant memory.

Why not openpyxl's write-only workbook: it holds memory flat too, but writes about 7,000 rows a
second on the shared machine (measured in ``bench/bench_export.py``, same run), so a million-row
roll would take two and a half minutes. ``XlsxStream`` writes the same Office Open XML parts
(the workbook, one sheet with inline strings, a style sheet with a bold header) straight into a
``zipfile`` member as the rows come, so the sheet is never held in memory and a million rows take
seconds; openpyxl reads the result back in the tests. Text cells go through
``core.spreadsheet.safe_cell`` (formula injection) like every other sheet the system writes.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape

from jiuzhu.core.spreadsheet import csv_writer, safe_cell

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _workbook(sheet_name: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(sheet_name[:31], {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )


def _text(value) -> str:
    if isinstance(value, datetime.datetime | datetime.date):
        return (
            value.isoformat(sep=" ")[:19]
            if isinstance(value, datetime.datetime)
            else value.isoformat()
        )
    return str(value)


def _cell(value, bold: bool) -> str:
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        value = "是" if value else "否"
    elif isinstance(value, int | Decimal) or (isinstance(value, float) and value == value):
        return f"<c><v>{value}</v></c>"
    text = _BAD_XML.sub("", str(safe_cell(_text(value))))
    style = ' s="1"' if bold else ""
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{escape(text)}</t></is></c>'


class XlsxStream:
    """An xlsx workbook of one sheet, written row by row into ``fileobj`` (seekable or not)."""

    def __init__(self, fileobj, *, sheet_name: str = "Sheet1", widths: list[int] | None = None):
        self._zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
        self._zip.writestr("_rels/.rels", _RELS)
        self._zip.writestr("xl/workbook.xml", _workbook(sheet_name))
        self._zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        head = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        )
        if widths:
            head += "<cols>" + "".join(
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                for i, w in enumerate(widths, 1)
            )
            head += "</cols>"
        self._sheet.write((head + "<sheetData>").encode())
        self._buffer: list[str] = []
        self.rows = 0

    def write_row(self, cells, *, bold: bool = False) -> None:
        self._buffer.append("<row>" + "".join(_cell(v, bold) for v in cells) + "</row>")
        self.rows += 1
        if len(self._buffer) >= 2000:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._sheet.write("".join(self._buffer).encode())
            self._buffer = []

    def close(self) -> None:
        self._flush()
        self._sheet.write(b"</sheetData></worksheet>")
        self._sheet.close()
        self._zip.close()


class CsvStream:
    """The same rows as CSV (UTF-8 with BOM so Excel opens it in Chinese), formula-safe."""

    def __init__(self, fileobj, **_):
        import io

        self._text = io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="")
        self._writer = csv_writer(self._text)
        self.rows = 0

    def write_row(self, cells, *, bold: bool = False) -> None:
        self._writer.writerow(["" if v is None else _text(v) for v in cells])
        self.rows += 1

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


WRITERS = {"xlsx": XlsxStream, "csv": CsvStream}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
