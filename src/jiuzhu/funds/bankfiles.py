"""Bank files (社会化发放): writing the 代发 file and reading the bank's return file (回盘).

A ``BankProfile`` says the file format (CSV or Excel xlsx), the columns (field → header), the
encoding (UTF-8 or GBK, CSV only), the delimiter (CSV only) and whether amounts are yuan with two
decimals or integer fen. The return file has the same columns plus a result column (成功/失败)
and a failure-reason column. Both files end with a ``合计`` row carrying the total. In xlsx files
every cell is text (account and ID numbers keep their digits; Excel would turn them into floats)
except the amount, an exact number from the fen (``Decimal``, format ``0.00``, or integer fen).
Reading is all-or-nothing: any problem gives a row-level report and nothing is written (see
``services.bank_return_import``); a CSV and an xlsx return file go through the same checks.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io

import polars as pl
from django.utils.translation import gettext as _

from jiuzhu.core.money import fen_to_text
from jiuzhu.core.spreadsheet import csv_writer, safe_cell
from jiuzhu.funds.models import BankProfile, FailureReason

FIELD_LABELS = {
    "ref": "明细编号",
    "batch": "批次号",
    "account_number": "账号",
    "holder_name": "户名",
    "amount": "金额",
    "bank_name": "开户行",
    "programme": "项目",
    "month": "发放月份",
    "id_number": "证件号码",
}
# A layout saved before the bank files carried the full ID number names the column this way; it
# is written in full too (a bank cannot match a masked number to its customer).
ID_FIELDS = ("id_number", "id_number_masked")
# The generic layout (bank "通用") carries every line: a site paying through one bank uses it. A
# bank's own layout carries only the lines whose account is at that bank (prefix of the name:
# "中国邮政储蓄银行" covers "中国邮政储蓄银行泰州分行").
GENERIC_BANK = "通用"
# The layouts a new site starts with (data migrations 0002 and 0004): a generic UTF-8 CSV in
# yuan, the 农商银行 GBK CSV in fen and the 邮储银行 Excel file in yuan. Banks' own layouts are
# added as BankProfile rows by an administrator.
_COMMON_COLUMNS = [
    ["ref", "明细编号"],
    ["batch", "批次号"],
    ["account_number", "账号"],
    ["holder_name", "户名"],
    ["amount", "金额"],
    ["bank_name", "开户行"],
    ["programme", "项目"],
    ["month", "发放月份"],
]
DEFAULT_PROFILES = [
    {
        "name": "通用代发(UTF-8,元)",
        "bank_name": "通用",
        "file_format": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "amount_unit": "yuan",
        "columns": _COMMON_COLUMNS,
        "is_default": True,
    },
    {
        "name": "农商银行代发(GBK,分)",
        "bank_name": "江苏泰州农村商业银行",
        "file_format": "csv",
        "encoding": "gbk",
        "delimiter": "|",
        "amount_unit": "fen",
        "columns": [
            ["ref", "流水号"],
            ["batch", "批次"],
            ["account_number", "收款账号"],
            ["holder_name", "收款户名"],
            ["amount", "金额(分)"],
        ],
        "result_header": "结果",
        "reason_header": "原因",
    },
    {
        "name": "邮储银行代发(Excel,元)",
        "bank_name": "中国邮政储蓄银行",
        "file_format": "xlsx",
        "encoding": "utf-8",
        "delimiter": ",",
        "amount_unit": "yuan",
        "columns": [
            ["ref", "业务流水号"],
            ["batch", "批次号"],
            ["account_number", "收款人账号"],
            ["holder_name", "收款人户名"],
            ["id_number", "证件号码"],
            ["amount", "金额(元)"],
            ["month", "发放月份"],
        ],
        "result_header": "处理结果",
        "reason_header": "失败原因",
    },
]


def bank_profiles_ensure(model=BankProfile) -> int:
    """Create the default layouts that are missing (by name); returns how many were created.

    ``model`` is the migration's historical model in data migrations: keys of
    ``DEFAULT_PROFILES`` that the model does not have yet are left out, so an older migration
    keeps working when a later one adds a field. Existing profiles (an administrator may have
    edited them) are never changed."""
    known = {f.name for f in model._meta.get_fields()}
    created = 0
    for profile in DEFAULT_PROFILES:
        fields = {k: v for k, v in profile.items() if k in known}
        _obj, new = model.objects.get_or_create(name=fields.pop("name"), defaults=fields)
        created += new
    return created


REQUIRED_FIELDS = ("ref", "batch", "account_number", "holder_name", "amount")
TOTAL_MARK = "合计"
RESULT_PAID = "成功"
RESULT_FAILED = "失败"
REASON_TEXT = {
    FailureReason.WRONG_ACCOUNT: "账号错误",
    FailureReason.CLOSED_ACCOUNT: "账户已销户",
    FailureReason.NAME_MISMATCH: "户名不符",
    FailureReason.OTHER: "其他",
}
REASON_BY_TEXT = {v: k for k, v in REASON_TEXT.items()} | {str(k): k for k in REASON_TEXT}
MAX_REPORTED = 200


def amount_text(fen_expr: pl.Expr, unit: str) -> pl.Expr:
    return fen_expr.cast(pl.Utf8) if unit == "fen" else fen_to_text(fen_expr)


def write_file(
    profile: BankProfile, frame: pl.DataFrame, *, extra: list[tuple[str, pl.Expr]] = ()
) -> bytes:
    """``frame`` has ref, batch, account_number, holder_name, amount_fen, bank_name, programme,
    month; ``extra`` adds (header, expression) columns after the profile's (return files)."""
    cols = [
        (
            header,
            amount_text(pl.col("amount_fen"), profile.amount_unit)
            if field == "amount"
            else pl.col(field).cast(pl.Utf8),
        )
        for field, header in profile.columns
    ] + list(extra)
    out = frame.select([expr.alias(header) for header, expr in cols])
    total_fen = int(frame["amount_fen"].sum() or 0)
    trailer = {h: "" for h, _field in cols}
    first = cols[0][0]
    trailer[first] = TOTAL_MARK
    amount_header = dict(profile.columns).get("amount")
    if amount_header:
        trailer[amount_header] = (
            str(total_fen)
            if profile.amount_unit == "fen"
            else f"{total_fen // 100}.{total_fen % 100:02d}"
        )
    out = pl.concat([out, pl.DataFrame([trailer], schema={h: pl.Utf8 for h, _field in cols})])
    if profile.file_format == "xlsx":
        return _xlsx_bytes(
            out, amount_header=amount_header, unit=profile.amount_unit, returned=bool(extra)
        )
    buf = io.StringIO()
    writer = csv_writer(buf, delimiter=profile.delimiter, lineterminator="\r\n")
    writer.writerow(out.columns)
    writer.writerows(out.rows())
    text = buf.getvalue()
    try:
        return text.encode(profile.encoding)
    except UnicodeEncodeError:
        raise FileProblems(_unencodable(profile, out)) from None


def _unencodable(profile: BankProfile, out: pl.DataFrame) -> list[str]:
    """Row-level report of the values the profile's encoding cannot carry (生僻字 in GBK)."""
    from jiuzhu.funds.accountcheck import outside_gbk

    problems = []
    for i, row in enumerate(out.rows(), start=2):
        for header, value in zip(out.columns, row, strict=True):
            if not value:
                continue
            try:
                value.encode(profile.encoding)
            except UnicodeEncodeError:
                chars = "、".join(outside_gbk(value)) or value
                problems.append(
                    _(
                        "第 %(row)s 行“%(column)s”中的“%(chars)s”不在 %(encoding)s 字符集内，"
                        "无法写入银行文件；请按银行开户登记的户名更正发放账户"
                    )
                    % {
                        "row": i,
                        "column": header,
                        "chars": chars,
                        "encoding": profile.encoding.upper(),
                    }
                )
    return problems


def _xlsx_bytes(
    df: pl.DataFrame, *, amount_header: str | None, unit: str, returned: bool = False
) -> bytes:
    """One sheet: a header row, the lines, the 合计 row. Every cell is a text cell (type ``s``,
    format ``@``: account and ID numbers keep all their digits and leading zeros, and a name
    beginning with ``=`` stays text, never a formula) except the amount: an exact number,
    ``Decimal`` yuan formatted ``0.00`` or integer fen."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("回盘" if returned else "代发")
    amount_pos = df.columns.index(amount_header) if amount_header in df.columns else -1
    for i in range(len(df.columns)):
        ws.column_dimensions[_column_letter(i)].width = 14 if i == amount_pos else 24

    def text(value: str | None) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=safe_cell(value) or None)
        if value:
            cell.data_type = "s"
        cell.number_format = "@"
        return cell

    def amount(value: str | None) -> WriteOnlyCell:
        if not value:
            return text(value)
        cell = WriteOnlyCell(ws, value=decimal.Decimal(value) if unit == "yuan" else int(value))
        cell.number_format = "0.00" if unit == "yuan" else "0"
        return cell

    ws.append([text(h) for h in df.columns])
    for row in df.iter_rows():
        ws.append([amount(v) if i == amount_pos else text(v) for i, v in enumerate(row)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


class FileProblems(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems[:5]))


def decode_text(profile: BankProfile, data: bytes) -> str:
    """Decode as the profile says, refusing a file in another encoding (detected, not guessed)."""
    expected = profile.encoding
    if data.startswith(b"\xef\xbb\xbf"):
        if expected != "utf-8":
            raise FileProblems(
                [
                    _("文件编码为 UTF-8（带 BOM），与银行配置的 %(encoding)s 不符")
                    % {"encoding": expected.upper()}
                ]
            )
        data = data[3:]
    non_ascii = any(b > 0x7F for b in data[:1_000_000])
    if expected == "gbk":
        if non_ascii:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                raise FileProblems(
                    [_("文件编码为 UTF-8，与银行配置的 GBK 不符，请按 GBK 编码上传")]
                )
        try:
            return data.decode("gbk")
        except UnicodeDecodeError as exc:
            raise FileProblems(
                [_("文件不是有效的 GBK 编码（第 %(byte)s 字节）") % {"byte": exc.start}]
            ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            data.decode("gbk")
        except UnicodeDecodeError:
            raise FileProblems(
                [_("文件不是有效的 UTF-8 编码（第 %(byte)s 字节）") % {"byte": exc.start}]
            ) from exc
        raise FileProblems(
            [_("文件编码为 GBK，与银行配置的 UTF-8 不符，请按 UTF-8 编码上传")]
        ) from exc


def read_return(profile: BankProfile, data: bytes, file_name: str) -> tuple[pl.DataFrame, dict]:
    """Parse a return file into (rows, trailer). Rows: row_no, ref, batch, account_number,
    holder_name, amount_fen (null when unparsable), result, reason. Structural problems raise
    ``FileProblems``; row-level checks against the payroll are the caller's."""
    if profile.file_format == "xlsx":
        table = _read_xlsx(profile, data)
    elif data.startswith((ZIP_MAGIC, OLE_MAGIC)) or file_name.lower().endswith((".xlsx", ".xls")):
        raise FileProblems(
            [
                _("文件为 Excel 格式，与银行配置“%(profile)s”的 CSV 格式不符")
                % {"profile": profile.name}
            ]
        )
    else:
        text = decode_text(profile, data)
        table = list(csv.reader(io.StringIO(text), delimiter=profile.delimiter))
    table = [r for r in table if any(c.strip() for c in r)]
    if not table:
        raise FileProblems([_("文件为空")])
    header = [h.strip() for h in table[0]]
    wanted = {field: h for field, h in profile.columns}
    missing = [h for f, h in wanted.items() if f in REQUIRED_FIELDS and h not in header]
    for h in (profile.result_header, profile.reason_header):
        if h not in header:
            missing.append(h)
    if missing:
        raise FileProblems(
            [
                _("表头缺少列：%(columns)s（按银行配置“%(profile)s”）")
                % {"columns": "、".join(missing), "profile": profile.name}
            ]
        )
    pos = {f: header.index(h) for f, h in wanted.items() if h in header}
    pos["result"] = header.index(profile.result_header)
    pos["reason"] = header.index(profile.reason_header)
    body = table[1:]
    trailer: dict = {}
    if body and body[-1] and body[-1][0].strip() == TOTAL_MARK:
        last = body.pop()
        trailer = {
            "amount": last[pos["amount"]].strip() if len(last) > pos["amount"] else "",
        }
    width = len(header)
    rows = [r + [""] * (width - len(r)) if len(r) < width else r for r in body]
    fields = ["ref", "batch", "account_number", "holder_name", "amount", "result", "reason"]
    df = pl.DataFrame(
        {f: [r[pos[f]].strip() for r in rows] for f in fields},
        schema={f: pl.Utf8 for f in fields},
    ).with_row_index("row_no", offset=2)
    df = df.with_columns(parse_amount(pl.col("amount"), profile.amount_unit).alias("amount_fen"))
    if trailer:
        trailer["amount_fen"] = pl.select(
            parse_amount(pl.lit(trailer["amount"]), profile.amount_unit)
        ).item()
    return df, trailer


def parse_amount(expr: pl.Expr, unit: str) -> pl.Expr:
    """'123.45' → 12345 (yuan) or '12345' → 12345 (fen); anything else → null. No floats."""
    if unit == "fen":
        return pl.when(expr.str.contains(r"^\d+$")).then(expr.cast(pl.Int64, strict=False))
    parts = expr.str.extract_groups(r"^(\d+)(?:\.(\d{1,2}))?$")
    yuan = parts.struct.field("1").cast(pl.Int64, strict=False)
    cents = parts.struct.field("2").fill_null("0").str.pad_end(2, "0").cast(pl.Int64, strict=False)
    return pl.when(yuan.is_not_null()).then(yuan * 100 + cents)


ZIP_MAGIC = b"PK\x03\x04"  # an xlsx file is a zip archive
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls)


def _read_xlsx(profile: BankProfile, data: bytes) -> list[list[str]]:
    """The first sheet as rows of text, each cell as ``cell_text`` gives it."""
    from openpyxl import load_workbook

    if data.startswith(OLE_MAGIC):
        raise FileProblems(
            [_("文件为旧版 Excel 97-2003（.xls）格式，请在 Excel 中另存为 .xlsx 后上传")]
        )
    if not data.startswith(ZIP_MAGIC):
        raise FileProblems(
            [
                _("文件不是 Excel（.xlsx）文件，无法打开；银行配置“%(profile)s”要求 Excel 格式")
                % {"profile": profile.name}
            ]
        )
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not wb.worksheets:
                raise FileProblems([_("Excel 文件中没有工作表")])
            rows = [
                [cell_text(v) for v in row] for row in wb.worksheets[0].iter_rows(values_only=True)
            ]
        finally:
            wb.close()
    except FileProblems:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one refusal
        raise FileProblems(
            [_("Excel 文件已损坏或不完整，无法读取；请上传银行返回的原始 .xlsx 文件")]
        ) from exc
    return rows


def cell_text(value) -> str:
    """An xlsx cell as the text a CSV would carry: numbers without float noise (710.5, not
    710.50000001; 71000, not 71000.0), dates as YYYY-MM-DD, empty cells as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(decimal.Decimal(repr(value)), "f")
    if isinstance(value, (int, decimal.Decimal)):
        return format(value, "f") if isinstance(value, decimal.Decimal) else str(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
