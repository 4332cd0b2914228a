"""Cells the system writes into a spreadsheet (CSV or xlsx): the one guard against formula
injection (CSV injection).

Excel, WPS and LibreOffice treat a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, after
a tab or carriage return, the same) as a formula, so a household name such as
``=HYPERLINK("http://…","点击")`` written into a bank file or an export runs when a clerk opens
it. Every text cell goes through :func:`safe_cell`, which puts a single quote in front of such a
value (OWASP's recommendation; the quote is not shown by Excel). A plain number (``-12.50``) is
left as it is: it is not a formula and an amount column must stay a number.

Use :func:`csv_writer` instead of ``csv.writer`` and :func:`safe_cell` for every text cell of an
xlsx sheet; ``tests/core/test_spreadsheet.py`` fails if a module under ``src/`` calls
``csv.writer`` or writes an openpyxl workbook without them.
"""

from __future__ import annotations

import csv
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def safe_cell(value):
    """``value`` with a leading ``'`` when it would start a formula; other values unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def safe_row(row) -> list:
    return [safe_cell(v) for v in row]


class _SafeWriter:
    """``csv.writer`` whose rows pass through :func:`safe_cell`."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row):
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(out, **kwargs) -> _SafeWriter:
    """A ``csv.writer`` (same arguments) that escapes formula-looking cells."""
    return _SafeWriter(out, **kwargs)
