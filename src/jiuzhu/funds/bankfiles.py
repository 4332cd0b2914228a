"""Bank files (社会化发放): writing the 代发 file and reading the bank's return file (回盘).

A ``BankProfile`` says the columns (field → header), the encoding (UTF-8 or GBK), the delimiter
and whether amounts are yuan with two decimals or integer fen. The return file has the same
columns plus a result column (成功/失败) and a failure-reason column. Both files end with a
``合计`` row carrying the line count and total. Reading is all-or-nothing: any problem gives a
row-level report and nothing is written (see ``services.bank_return_import``).
"""

from __future__ import annotations

import csv
import io

import polars as pl

from jiuzhu.funds.columnar import fen_to_text
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
}
# The layouts a new site starts with (data migration 0002): a generic UTF-8 CSV in yuan and the
# 农商银行 GBK CSV in fen. Banks' own layouts are added as BankProfile rows by an administrator.
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
]


def bank_profiles_ensure(model=BankProfile) -> int:
    """Create the default layouts that are missing (by name); returns how many were created."""
    created = 0
    for profile in DEFAULT_PROFILES:
        fields = dict(profile)
        _, new = model.objects.get_or_create(name=fields.pop("name"), defaults=fields)
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
    trailer = {h: "" for h, _ in cols}
    first = cols[0][0]
    trailer[first] = TOTAL_MARK
    amount_header = dict(profile.columns).get("amount")
    if amount_header:
        trailer[amount_header] = (
            str(total_fen)
            if profile.amount_unit == "fen"
            else f"{total_fen // 100}.{total_fen % 100:02d}"
        )
    out = pl.concat([out, pl.DataFrame([trailer], schema={h: pl.Utf8 for h, _ in cols})])
    if profile.file_format == "xlsx":
        return _xlsx_bytes(out)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=profile.delimiter, lineterminator="\r\n")
    writer.writerow(out.columns)
    writer.writerows(out.rows())
    return buf.getvalue().encode(profile.encoding)


def _xlsx_bytes(df: pl.DataFrame) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("代发")
    ws.append(df.columns)
    for row in df.iter_rows():
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


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
                [f"文件编码为 UTF-8（带 BOM），与银行配置的 {expected.upper()} 不符"]
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
                raise FileProblems(["文件编码为 UTF-8，与银行配置的 GBK 不符，请按 GBK 编码上传"])
        try:
            return data.decode("gbk")
        except UnicodeDecodeError as exc:
            raise FileProblems([f"文件不是有效的 GBK 编码（第 {exc.start} 字节）"]) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            data.decode("gbk")
        except UnicodeDecodeError:
            raise FileProblems([f"文件不是有效的 UTF-8 编码（第 {exc.start} 字节）"]) from exc
        raise FileProblems(
            ["文件编码为 GBK，与银行配置的 UTF-8 不符，请按 UTF-8 编码上传"]
        ) from exc


def read_return(profile: BankProfile, data: bytes, file_name: str) -> tuple[pl.DataFrame, dict]:
    """Parse a return file into (rows, trailer). Rows: row_no, ref, batch, account_number,
    holder_name, amount_fen (null when unparsable), result, reason. Structural problems raise
    ``FileProblems``; row-level checks against the payroll are the caller's."""
    if profile.file_format == "xlsx" or file_name.lower().endswith(".xlsx"):
        if profile.file_format != "xlsx":
            raise FileProblems(["文件为 Excel 格式，与银行配置的 CSV 不符"])
        table = _read_xlsx(data)
    else:
        text = decode_text(profile, data)
        table = list(csv.reader(io.StringIO(text), delimiter=profile.delimiter))
    table = [r for r in table if any(c.strip() for c in r)]
    if not table:
        raise FileProblems(["文件为空"])
    header = [h.strip() for h in table[0]]
    wanted = {field: h for field, h in profile.columns}
    missing = [h for f, h in wanted.items() if f in REQUIRED_FIELDS and h not in header]
    for h in (profile.result_header, profile.reason_header):
        if h not in header:
            missing.append(h)
    if missing:
        raise FileProblems([f"表头缺少列：{'、'.join(missing)}（按银行配置“{profile.name}”）"])
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


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one refusal
        raise FileProblems([f"无法读取 Excel 文件：{exc}"]) from exc
    ws = wb.worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
