"""The monthly form as xlsx (in the form's own layout) and CSV. Text cells that a spreadsheet
would read as a formula (= + - @) are escaped with a leading apostrophe."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils.translation import gettext as _

from jiuzhu.core.spreadsheet import csv_writer, safe_cell


def safe_text(value) -> str:
    """Text for a cell, escaped by the one spreadsheet helper."""
    return safe_cell("" if value is None else str(value))


def _number_format(unit: str) -> str:
    if unit == "万元":
        return "#,##0.0"
    if unit.startswith("元"):
        return "#,##0.00"
    return "#,##0"


def headers() -> list[str]:
    return [_("指标名称"), _("单位"), _("代码"), _("本期"), _("上期"), _("环比(%)")]


def period_text(report) -> str:
    m = report["month"]
    return _("%(y)s年%(m)s月") % {"y": m.year, "m": m.month}


def report_xlsx(report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    form = report["form"]
    wb = Workbook()
    ws = wb.active
    ws.title = safe_text(form.table_no or "月报")[:31]
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.merge_cells("A1:F1")
    ws["A1"] = safe_text(form.title)
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["E2"] = safe_text(_("表号：%(no)s") % {"no": form.table_no})
    ws["E3"] = safe_text(_("制表机关：%(a)s") % {"a": form.authority})
    ws["E4"] = safe_text(_("批准机关：%(a)s") % {"a": form.approver})
    ws["A3"] = safe_text(_("编制单位：%(unit)s") % {"unit": report["area"].full_name()})
    ws["A4"] = safe_text(_("统计期：%(p)s") % {"p": period_text(report)})
    head_row = 6
    for col, text in enumerate(headers(), start=1):
        cell = ws.cell(row=head_row, column=col, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        cell.border = box
    r = head_row
    for row in report["rows"]:
        r += 1
        name = ws.cell(row=r, column=1, value=safe_text(("　" * row["indent"]) + row["name"]))
        ws.cell(row=r, column=2, value=safe_text(row["unit"]))
        ws.cell(row=r, column=3, value=safe_text(row["code"]))
        for col, key in ((4, "current"), (5, "previous"), (6, "change")):
            value = row[key]
            cell = ws.cell(row=r, column=col, value=value if value is not None else "—")
            if isinstance(value, Decimal):
                cell.number_format = "0.0" if key == "change" else _number_format(row["unit"])
            cell.alignment = Alignment(horizontal="right")
        for col in range(1, 7):
            ws.cell(row=r, column=col).border = box
        name.alignment = Alignment(horizontal="left")
    if report["has_adjustment"]:
        r += 1
        ws.cell(row=r, column=1, value=safe_text(_("结账后更正（调整数）")))
        for row in report["rows"]:
            if row["adjustment"]:
                r += 1
                ws.cell(
                    row=r, column=1, value=safe_text(_("调整：%(name)s") % {"name": row["name"]})
                )
                ws.cell(row=r, column=2, value=safe_text(row["unit"]))
                ws.cell(row=r, column=3, value=safe_text(row["code"]))
                ws.cell(row=r, column=4, value=row["adjustment"])
    r += 2
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
    ws.cell(row=r, column=1, value=safe_text(form.footnote))
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 16
    for col in ("D", "E", "F"):
        ws.column_dimensions[col].width = 14
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_csv(report) -> str:
    buf = io.StringIO()
    w = csv_writer(buf)
    form = report["form"]
    w.writerow(
        [
            safe_text(form.title),
            safe_text(form.table_no),
            safe_text(report["area"].full_name()),
            period_text(report),
        ]
    )
    w.writerow(headers())
    for row in report["rows"]:
        w.writerow(
            [
                safe_text(row["name"]),
                safe_text(row["unit"]),
                safe_text(row["code"]),
                "" if row["current"] is None else row["current"],
                "" if row["previous"] is None else row["previous"],
                "" if row["change"] is None else row["change"],
            ]
        )
    w.writerow([safe_text(form.footnote)])
    return "\ufeff" + buf.getvalue()


def report_text(report) -> str:
    """The form as plain text for the console (``jiuzhu report monthly``)."""
    form = report["form"]
    lines = [
        form.title,
        f"{form.table_no}  {report['area'].full_name()}  {period_text(report)}",
        "",
    ]
    lines.append(" | ".join(headers()))
    for row in report["rows"]:

        def v(x):
            return "—" if x is None else str(x)

        lines.append(
            " | ".join(
                [
                    "  " * row["indent"] + row["name"],
                    row["unit"],
                    row["code"],
                    v(row["current"]),
                    v(row["previous"]),
                    v(row["change"]),
                ]
            )
        )
    if report["has_adjustment"]:
        lines.append("")
        for row in report["rows"]:
            if row["adjustment"]:
                lines.append(f"调整 {row['name']}: {row['adjustment']}")
    lines += ["", form.footnote]
    return "\n".join(lines)
