"""Department data feeds (部门数据): the formats, and reading and checking a file.

Plain Python (no Django). One format per department, documented in ``docs/data-formats.md`` and
shipped as a JSON Schema per feed (``jiuzhu/verify/schemas/<department>.schema.json``, generated
from ``FEEDS`` by ``json_schema``; a test keeps them in step).

A feed is Excel (xlsx), CSV (UTF-8, with or without BOM, or GBK/GB18030 — detected) or Parquet.
The header row names the columns, in English, in the Chinese label or a known alias; an extra
column is ignored and a missing optional one read as empty (warnings). Every row is checked; rows
are numbered as the registry import numbers them (header = row 1). A row with an error is left
out and reported; the good rows are kept where the department's ``mode`` is "rows" (all but the
bank). Values are read forgivingly: dates in common forms, Chinese code labels and aliases, "-"
for none, 6/9-digit area codes padded. ID numbers go through ``core.idcard.normalise``; a dirty
but plausible number is kept (for the matching engine) with a warning, Excel-damaged ones
(scientific notation, a zeroed tail) are blanked with a warning, a 17-digit one is completed.
See docs/data-formats.md.
"""

from __future__ import annotations

import csv
import datetime
import functools
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from jiuzhu.core.idcard import (
    IdNumberError,
    check_digit,
    is_scientific,
    looks_zeroed,
    parse_id_number,
)
from jiuzhu.core.idcard import normalise as normalise_id
from jiuzhu.core.spreadsheet import safe_cell


def gettext_noop(text: str) -> str:
    """Marks a label for the translation catalogue (``makemessages`` finds this name) without
    importing Django: this module stays Django-free. Pages translate the label when they show it;
    stored texts (import reports) keep the Chinese."""
    return text


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str  # str, id_number, date, month, money, int, decimal, code, area
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 200
    # A column added to a format later: files without it in the header are still accepted
    # (their rows read it as empty), so departments' existing exports keep working.
    optional_in_header: bool = False


@dataclass(frozen=True)
class Feed:
    department: str
    label: str  # 公安 …
    description: str
    kind_column: str | None  # the column that says what a row is (event, kind …)
    date_column: str  # the date the row describes (its "as of")
    amount_column: str | None
    columns: tuple[Column, ...]
    # What happens to a file with bad rows: "rows" imports the good rows and reports the bad ones
    # by row; "whole" imports nothing (a snapshot read as a whole, e.g. the bank's balances).
    mode: str = "rows"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def base_column_names(self) -> list[str]:
        """The columns every file has (without those added later as optional)."""
        return [c.name for c in self.columns if not c.optional_in_header]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _person(with_sex: bool = False) -> tuple[Column, ...]:
    cols = [
        Column("id_number", gettext_noop("身份证号"), "id_number"),
        Column("name", gettext_noop("姓名"), "str", True, max_length=60),
    ]
    if with_sex:
        cols.append(Column("sex", gettext_noop("性别"), "code", False, ("M", "F")))
    cols.append(Column("birth_date", gettext_noop("出生日期"), "date"))
    return tuple(cols)


# 教育 学籍状态: 在读 (the default when the column is absent or empty), 毕业, 退学, 休学, 转出.
SCHOOL_STATUSES = ("enrolled", "graduated", "dropped_out", "suspended", "transferred_out")
SCHOOL_LEFT = ("graduated", "dropped_out", "suspended", "transferred_out")


def _key(label: str) -> Column:
    return Column("record_id", label, "str", True, max_length=64)


FEEDS: dict[str, Feed] = {
    f.department: f
    for f in [
        Feed(
            "police",
            gettext_noop("公安"),
            gettext_noop("户籍登记与死亡注销"),
            "event",
            "event_date",
            None,
            (
                _key(gettext_noop("记录编号")),
                *_person(with_sex=True),
                Column("area_code", gettext_noop("户籍地区划代码"), "area"),
                Column("address", gettext_noop("户籍地址"), "str"),
                Column("event", gettext_noop("事项"), "code", True, ("hukou", "death", "move_out")),
                Column("event_date", gettext_noop("事项日期"), "date", True),
            ),
        ),
        Feed(
            "hrss",
            gettext_noop("人社"),
            gettext_noop("社保缴费、工资、养老金、失业金（按月）"),
            "kind",
            "month",
            "amount",
            (
                _key(gettext_noop("记录编号")),
                *_person(),
                Column("employer", gettext_noop("单位名称"), "str"),
                Column(
                    "kind",
                    gettext_noop("类别"),
                    "code",
                    True,
                    ("wage", "pension", "unemployment", "contribution"),
                ),
                Column("month", gettext_noop("所属月份"), "month", True),
                Column("amount", gettext_noop("金额(元)"), "money", True),
            ),
        ),
        Feed(
            "market",
            gettext_noop("市场监管"),
            gettext_noop("市场主体登记及其法定代表人、股东"),
            "role",
            "registered_on",
            "registered_capital",
            (
                _key(gettext_noop("记录编号")),
                Column("credit_code", gettext_noop("统一社会信用代码"), "str", True, max_length=18),
                Column("company_name", gettext_noop("市场主体名称"), "str", True),
                *_person(),
                Column(
                    "role",
                    gettext_noop("身份"),
                    "code",
                    True,
                    ("legal_rep", "shareholder", "owner"),
                ),
                Column("registered_capital", gettext_noop("注册资本(元)"), "money"),
                Column(
                    "status",
                    gettext_noop("登记状态"),
                    "code",
                    True,
                    ("active", "revoked", "closed"),
                ),
                Column("registered_on", gettext_noop("成立日期"), "date", True),
                Column("area_code", gettext_noop("登记地区划代码"), "area"),
            ),
        ),
        Feed(
            "property",
            gettext_noop("不动产"),
            gettext_noop("不动产登记（权利人）"),
            "use",
            "registered_on",
            "value",
            (
                _key(gettext_noop("不动产权证号")),
                *_person(),
                Column("address", gettext_noop("坐落"), "str", True),
                Column("area_code", gettext_noop("坐落区划代码"), "area"),
                Column(
                    "use",
                    gettext_noop("用途"),
                    "code",
                    True,
                    ("residential", "commercial", "other"),
                ),
                Column("floor_area", gettext_noop("建筑面积(平方米)"), "decimal"),
                Column("value", gettext_noop("评估价值(元)"), "money"),
                Column("registered_on", gettext_noop("登记日期"), "date", True),
            ),
        ),
        Feed(
            "vehicles",
            gettext_noop("车管"),
            gettext_noop("机动车登记（所有人）"),
            "vehicle_type",
            "registered_on",
            "value",
            (
                _key(gettext_noop("记录编号")),
                Column("plate_no", gettext_noop("号牌号码"), "str", True, max_length=16),
                *_person(),
                Column(
                    "vehicle_type",
                    gettext_noop("车辆类型"),
                    "code",
                    True,
                    ("car", "truck", "motorcycle", "disability_scooter"),
                ),
                Column("value", gettext_noop("估值(元)"), "money"),
                Column("registered_on", gettext_noop("登记日期"), "date", True),
                Column("area_code", gettext_noop("登记地区划代码"), "area"),
            ),
        ),
        Feed(
            "bank",
            gettext_noop("银行"),
            gettext_noop("存款及金融资产余额"),
            "kind",
            "balance_date",
            "balance",
            (
                _key(gettext_noop("记录编号")),
                Column("bank_name", gettext_noop("机构名称"), "str", True),
                *_person(),
                Column(
                    "kind", gettext_noop("类别"), "code", True, ("deposit", "wealth", "security")
                ),
                Column("balance", gettext_noop("余额(元)"), "money", True),
                Column("balance_date", gettext_noop("余额日期"), "date", True),
            ),
            mode="whole",
        ),
        Feed(
            "tax",
            gettext_noop("税务"),
            gettext_noop("个人所得税应税收入（年度）"),
            "income_kind",
            "period_end",
            "taxable_income",
            (
                _key(gettext_noop("记录编号")),
                *_person(),
                Column(
                    "income_kind",
                    gettext_noop("所得项目"),
                    "code",
                    True,
                    ("wage", "business", "property", "other"),
                ),
                Column("taxable_income", gettext_noop("收入额(元)"), "money", True),
                Column("period_end", gettext_noop("所属期止"), "date", True),
            ),
        ),
        Feed(
            "medical_insurance",
            gettext_noop("医保"),
            gettext_noop("医疗费用结算"),
            None,
            "settled_on",
            "out_of_pocket",
            (
                _key(gettext_noop("结算流水号")),
                *_person(),
                Column("hospital", gettext_noop("医疗机构"), "str"),
                Column("settled_on", gettext_noop("结算日期"), "date", True),
                Column("total_cost", gettext_noop("医疗总费用(元)"), "money", True),
                Column("fund_paid", gettext_noop("统筹支付(元)"), "money", True),
                Column("out_of_pocket", gettext_noop("个人自付(元)"), "money", True),
            ),
        ),
        Feed(
            "disability_federation",
            gettext_noop("残联"),
            gettext_noop("残疾人证"),
            "disability_type",
            "issued_on",
            None,
            (
                _key(gettext_noop("残疾人证号")),
                *_person(),
                Column(
                    "disability_type",
                    gettext_noop("残疾类别"),
                    "code",
                    True,
                    (
                        "physical",
                        "visual",
                        "hearing",
                        "speech",
                        "intellectual",
                        "mental",
                        "multiple",
                    ),
                ),
                Column(
                    "disability_grade", gettext_noop("残疾等级"), "int", True, ("1", "2", "3", "4")
                ),
                Column("issued_on", gettext_noop("发证日期"), "date", True),
            ),
        ),
        Feed(
            "education",
            gettext_noop("教育"),
            gettext_noop("学籍（在校学生及离校变动）"),
            "stage",
            "enrolled_on",
            None,
            (
                _key(gettext_noop("学籍号")),
                *_person(),
                Column("school", gettext_noop("学校"), "str", True),
                Column(
                    "stage",
                    gettext_noop("学段"),
                    "code",
                    True,
                    ("preschool", "primary", "junior", "senior", "vocational", "college"),
                ),
                Column("enrolled_on", gettext_noop("入学日期"), "date", True),
                Column("area_code", gettext_noop("学校区划代码"), "area"),
                Column(
                    "status",
                    gettext_noop("学籍状态"),
                    "code",
                    False,
                    SCHOOL_STATUSES,
                    optional_in_header=True,
                ),
                Column("left_on", gettext_noop("离校日期"), "date", False, optional_in_header=True),
            ),
        ),
    ]
}
DEPARTMENTS = list(FEEDS)
DEPARTMENT_LABELS = {d: f.label for d, f in FEEDS.items()}

TYPE_JSON = {
    "str": {"type": "string"},
    "id_number": {"type": "string", "pattern": "^(\\d{15}|\\d{17}[\\dXx])$"},
    "date": {"type": "string", "format": "date"},
    "month": {"type": "string", "pattern": "^\\d{4}-\\d{2}$"},
    "money": {"type": "string", "pattern": "^\\d+(\\.\\d{1,2})?$"},
    "decimal": {"type": "string", "pattern": "^\\d+(\\.\\d+)?$"},
    "int": {"type": "string", "pattern": "^\\d+$"},
    "area": {"type": "string", "pattern": "^\\d{12}$"},
}


def json_schema(department: str) -> dict:
    """JSON Schema (draft 2020-12) of one row of the feed, after normalisation."""
    feed = FEEDS[department]
    props = {}
    for c in feed.columns:
        spec = dict(TYPE_JSON.get(c.type, {"type": "string"}))
        if c.choices:
            spec = {"type": "string", "enum": list(c.choices)}
        if c.type == "str":
            spec["maxLength"] = c.max_length
        spec["title"] = c.label
        props[c.name] = spec if c.required else {"anyOf": [spec, {"const": ""}], "title": c.label}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"jiuzhu:feed:{department}",
        "title": f"{feed.label}部门数据：{feed.description}",
        "type": "object",
        "properties": props,
        "required": [c.name for c in feed.columns if not c.optional_in_header],
        "additionalProperties": False,
    }


SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def write_schemas(directory: Path = SCHEMA_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for dept in FEEDS:
        (directory / f"{dept}.schema.json").write_text(
            json.dumps(json_schema(dept), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


# --------------------------------------------------------------------------- reading


@dataclass
class Issue:
    file: str
    # data row as the registry import counts it: the header is row 1, the first data row is row 2
    # (the row number a spreadsheet shows); None for the file as a whole
    row: int | None
    field: str
    reason: str
    severity: str = "error"  # "error": the row (or file) is refused; "warning": kept, reported

    def text(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        col = f"字段“{self.field}”" if self.field else ""
        note = "（提示）" if self.severity == "warning" else ""
        return f"{self.file} {where}{col}{note}：{self.reason}"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "reason": self.reason,
            "severity": self.severity,
        }


@dataclass
class Parsed:
    department: str
    file_name: str
    checksum: str
    encoding: str
    file_format: str
    rows: list[dict] = field(default_factory=list)  # normalised good rows, in file order
    issues: list[Issue] = field(default_factory=list)
    fatal: bool = False  # the file as a whole is unusable (header, encoding, format)
    truncated: bool = False  # cut mid-row: the file is incomplete, nothing of it is imported
    rows_read: int = 0

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def bad_rows(self) -> set[int]:
        return {i.row for i in self.errors if i.row}

    @property
    def ok(self) -> bool:
        return not self.errors


class FeedFormatError(ValueError):
    pass


class RowWarning(ValueError):
    """A value kept (perhaps repaired or blanked) but worth telling the department about."""

    def __init__(self, value: str, message: str, **flags):
        super().__init__(message)
        self.value = value
        self.flags = flags


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM or not) or GBK/GB18030, detected: UTF-8 is strict, so GBK bytes fail it.

    A text file in either never holds a NUL byte; UTF-16/UTF-32 files (half their bytes NUL for
    Latin text) would otherwise decode as GB18030 and fail later on a garbled header."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FeedFormatError(
            f"文件编码无法识别（既不是UTF-8也不是GBK）：第{nul}字节是空字符，"
            "可能是UTF-16等编码，请另存为UTF-8或GBK"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            # cut inside the last character: a truncated UTF-8 file (its last row is reported)
            return data[: exc.start].decode("utf-8"), "utf-8"
    try:
        return data.decode("gb18030"), "gbk"
    except UnicodeDecodeError as exc:
        raise FeedFormatError(
            f"文件编码无法识别（既不是UTF-8也不是GBK）：第{exc.start}字节附近有非法字符"
        ) from exc


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def parse_date(value: str) -> datetime.date:
    if _ISO_DATE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    v = unicodedata.normalize("NFKC", value).strip()
    v = re.sub(r"[T ]00:00(:00)?$", "", v)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    raise ValueError(
        f"日期“{value}”无法识别，应为 YYYY-MM-DD（也接受 2024/3/5、20240305、2024年3月5日）"
    )


def parse_month(value: str) -> str:
    v = unicodedata.normalize("NFKC", value).strip()
    m = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})月?", v)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"月份“{value}”无法识别，应为 YYYY-MM")
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


# What departments write for "none" in an optional column.
NONE_VALUES = frozenset(
    ["-", "－", "—", "--", "/", "无", "空", "null", "NULL", "None", "N/A", "n/a"]
)

# Known aliases of code values (beyond the Chinese labels in CODE_LABELS, accepted too), as
# departments' own systems export them. Matched per column, only among that column's codes.
CODE_ALIASES: dict[str, str] = {
    "男性": "M",
    "女性": "F",
    "1": "M",  # GB/T 2261.1: 1 男, 2 女
    "2": "F",
    "死亡": "death",
    "死亡注销": "death",
    "注销户口": "death",
    "户籍迁出": "move_out",
    "迁出": "move_out",
    "户口登记": "hukou",
    "登记": "hukou",
    "工资薪金": "wage",
    "工资薪金所得": "wage",
    "退休金": "pension",
    "基本养老金": "pension",
    "失业保险金": "unemployment",
    "缴费": "contribution",
    "社保缴费": "contribution",
    "经营所得": "business",
    "生产经营所得": "business",
    "财产租赁所得": "property",
    "其他所得": "other",
    "法人": "legal_rep",
    "法定代表人": "legal_rep",
    "投资人": "shareholder",
    "负责人": "owner",
    "个体户经营者": "owner",
    "在业": "active",
    "存续（在营、开业、在册）": "active",
    "开业": "active",
    "在营": "active",
    "轿车": "car",
    "小型轿车": "car",
    "小型普通客车": "car",
    "货车": "truck",
    "普通二轮摩托车": "motorcycle",
    "存款": "deposit",
    "活期存款": "deposit",
    "定期存款": "deposit",
    "理财产品": "wealth",
    "股票": "security",
    "基金": "security",
    "住宅": "residential",
    "商业服务": "commercial",
    "一级": "1",
    "二级": "2",
    "三级": "3",
    "四级": "4",
}

# Header names departments' own systems use, besides our English and Chinese column names.
HEADER_ALIASES: dict[str, str] = {
    "公民身份号码": "id_number",
    "身份证号码": "id_number",
    "证件号码": "id_number",
    "身份证件号码": "id_number",
    "性别代码": "sex",
    "出生年月日": "birth_date",
}

_NAME_SEPARATORS = re.compile(r"\s*[・･•‧∙⋅·\-－—–‐]\s*")


def normalise_name(value: str) -> str:
    """A name as the registry stores it: the separator of a minority name (阿不都·热合曼) written
    with ``・``, ``-``, ``•`` or a full-width dash becomes the middle dot ``·``."""
    name = value.strip()
    name = _NAME_SEPARATORS.sub("·", name).strip("·")
    return re.sub(r"\s+", "", name) if re.search(r"[\u4e00-\u9fff]", name) else name


def _code(col: Column, value: str) -> str:
    if value in col.choices:
        return value
    lowered = {c.lower(): c for c in col.choices}
    if value.lower() in lowered:
        return lowered[value.lower()]
    for code in col.choices:
        if CODE_LABELS.get(code) == value:
            return code
    alias = CODE_ALIASES.get(value)
    if alias in col.choices:
        return alias
    allowed = "/".join(f"{c}（{CODE_LABELS[c]}）" if c in CODE_LABELS else c for c in col.choices)
    raise ValueError(f"“{value}”不在允许值 {allowed} 中")


def _id_number(value: str) -> str:
    """A feed's ID cell: normalised (core.idcard), repaired where it safely can be, else blanked
    with a warning; a dirty but plausible number is kept for the matching engine."""
    v = value if _CLEAN_ID.match(value) else normalise_id(value)
    if not v:
        return ""
    if is_scientific(value):
        raise RowWarning(
            "",
            f"身份证号“{value.strip()}”是Excel科学计数法，后几位已丢失，无法恢复：本行按无身份证号处理"
            "（请把该列设为“文本”格式后重新导出）",
            id_raw=value.strip(),
        )
    if re.fullmatch(r"\d{17}", v):
        fixed = v + check_digit(v)
        raise RowWarning(
            fixed,
            f"身份证号“{v}”只有17位，已按前17位补全校验码为“{fixed}”（末位X可能被Excel删去），请核实",
            id_repaired=True,
        )
    if not re.fullmatch(r"\d{15}|\d{17}[\dX]", v):
        raise ValueError(f"“{value.strip()}”不像身份证号（应为15位数字或18位，末位可为X）")
    if looks_zeroed(v):
        raise RowWarning(
            "",
            f"身份证号“{v}”以000结尾，疑似Excel按数字存储丢失了末3位：本行按无身份证号处理"
            "（校验码通过也不可信，请把该列设为“文本”格式后重新导出）",
            id_raw=v,
        )
    if len(v) == 18:
        problem = _id_problem(v)
        if problem:
            raise RowWarning(v, f"{problem}：保留原号供匹配核对，不覆盖已有记录", id_invalid=True)
    return v


_CLEAN_ID = re.compile(r"[0-9]{17}[0-9X]\Z")  # ASCII only: \\d also matches ３


@functools.lru_cache(maxsize=65_536)
def _id_problem(number: str) -> str:
    """Why an 18-character number is not a valid ID ("" when it is); one person's number comes
    in many rows of a monthly feed, so the answer is cached."""
    try:
        parse_id_number(number)
    except IdNumberError as exc:
        return exc.message
    return ""


def _area(value: str) -> str:
    v = unicodedata.normalize("NFKC", value).strip()
    if re.fullmatch(r"\d{12}", v):
        return v
    if re.fullmatch(r"\d{6}|\d{9}", v):
        return v.ljust(12, "0")  # a county (6) or township (9) code: the area's 12-digit form
    raise ValueError(f"区划代码“{value}”应为12位数字（也接受6位县级、9位乡级代码）")


def _check_value(col: Column, raw: str) -> str:
    value = raw.strip()
    if value in NONE_VALUES:
        value = ""
    if value == "":
        if col.required:
            raise ValueError("必填字段为空")
        return ""
    t = col.type
    if t == "str":
        if col.name == "name":
            value = normalise_name(value)
        if len(value) > col.max_length:
            raise ValueError(f"长度{len(value)}超过上限{col.max_length}")
        return value
    if t == "id_number":
        return _id_number(value)
    if t == "date":
        return parse_date(value).isoformat()
    if t == "month":
        return parse_month(value)
    if t in ("money", "decimal"):
        try:
            d = Decimal(unicodedata.normalize("NFKC", value).replace(",", "").replace("，", ""))
        except InvalidOperation as exc:
            raise ValueError(f"“{value}”不是数字") from exc
        if not d.is_finite() or d < 0:
            raise ValueError(f"“{value}”不是非负数")
        if t == "money":
            if d != d.quantize(Decimal("0.01")):
                raise ValueError(f"金额“{value}”超过两位小数")
            return str(d.quantize(Decimal("0.01")))
        return str(d)
    if t == "int":
        value = unicodedata.normalize("NFKC", value)
        if col.choices and value not in col.choices:
            value = CODE_ALIASES.get(value, value)
        if not value.isdigit():
            raise ValueError(f"“{value}”不是整数")
        if col.choices and str(int(value)) not in col.choices:
            raise ValueError(f"“{value}”不在允许值 {'/'.join(col.choices)} 中")
        return str(int(value))
    if t == "code":
        return _code(col, value)
    if t == "area":
        return _area(value)
    raise AssertionError(t)


def _header_map(feed: Feed, header: list[str], file_name: str) -> tuple[list[str], list[Issue]]:
    """Map the header to column names. A missing required column is fatal; an unknown (extra)
    column is ignored and a missing optional one read as empty, each with a warning."""
    names = {}
    for c in feed.columns:
        names[c.name] = c.name
        names[c.name.lower()] = c.name
        names[c.label] = c.name
    for alias, name in HEADER_ALIASES.items():
        if name in names.values():
            names.setdefault(alias, name)
    cleaned = [unicodedata.normalize("NFKC", h or "").strip().lstrip("\ufeff") for h in header]
    mapped = [names.get(h) or names.get(h.replace(" ", "")) for h in cleaned]
    issues = []
    unknown = [h for h, m in zip(cleaned, mapped, strict=True) if m is None and h]
    missing = [c for c in feed.columns if c.name not in mapped and not c.optional_in_header]
    if unknown:
        issues.append(
            Issue(
                file_name,
                None,
                "",
                f"表头有本系统不用的列：{'、'.join(unknown)}，已忽略",
                "warning",
            )
        )
    for c in missing:
        if c.required:
            issues.append(Issue(file_name, None, "", f"表头缺少必填列：{c.name}({c.label})"))
        else:
            issues.append(
                Issue(
                    file_name,
                    None,
                    "",
                    f"表头没有选填列 {c.name}({c.label})，各行按空值处理",
                    "warning",
                )
            )
    dup = {m for m in mapped if m and mapped.count(m) > 1}
    if dup:
        issues.append(Issue(file_name, None, "", f"表头列重复：{'、'.join(sorted(dup))}"))
    return [m or "" for m in mapped], issues


def _too_late(feed: Feed, row: dict, extracted_on: datetime.date | None) -> list[tuple[str, str]]:
    """Dates a row cannot have: after the extraction date (a death next month is bad data)."""
    if extracted_on is None:
        return []
    out = []
    for col in feed.columns:
        value = row.get(col.name)
        if not value or col.type not in ("date", "month"):
            continue
        day = datetime.date.fromisoformat(value + "-01" if col.type == "month" else value)
        if day > extracted_on:
            what = "死亡日期" if row.get("event") == "death" else col.label
            out.append(
                (
                    f"{col.name}({col.label})",
                    f"{what}“{value}”晚于数据提取日期{extracted_on.isoformat()}，"
                    "是不可能的日期，本行不导入",
                )
            )
    return out


def _check_rows(feed: Feed, parsed: Parsed, header: list[str], raw_rows, extracted_on=None) -> None:
    width = len(header)
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_rows, start=2):
        if all((v is None or str(v).strip() == "") for v in raw):
            continue  # blank line (still counted in the row numbers, as a spreadsheet does)
        parsed.rows_read += 1
        if len(raw) != width:
            parsed.issues.append(
                Issue(
                    parsed.file_name,
                    i,
                    "",
                    f"该行有{len(raw)}列，表头为{width}列（行被截断或多出分隔符）",
                )
            )
            continue
        row: dict = {}
        bad = False
        for name, value in zip(header, raw, strict=True):
            if not name:
                continue  # an extra column, ignored
            col = feed.column(name)
            where = f"{name}({col.label})"
            try:
                row[name] = _check_value(col, "" if value is None else str(value))
            except RowWarning as w:
                row[name] = w.value
                for flag, flag_value in w.flags.items():
                    row[f"_{flag}"] = flag_value
                parsed.issues.append(Issue(parsed.file_name, i, where, str(w), "warning"))
            except ValueError as exc:
                bad = True
                parsed.issues.append(Issue(parsed.file_name, i, where, str(exc)))
        for where, reason in _too_late(feed, row, extracted_on):
            bad = True
            parsed.issues.append(Issue(parsed.file_name, i, where, reason))
        key = row.get("record_id")
        if key:
            if key in seen:
                bad = True
                parsed.issues.append(
                    Issue(
                        parsed.file_name,
                        i,
                        "record_id",
                        f"记录编号“{key}”与第{seen[key]}行重复",
                    )
                )
            seen[key] = i
        if not bad:
            row["_row"] = i
            parsed.rows.append(row)


def _xlsx_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The first sheet of an Excel workbook as text cells. A number-formatted ID cell comes back
    as a number: written out in full (Excel kept 15 significant digits, so it ends in zeros and
    is flagged), never as ``3.21E+17``; a date cell becomes its ISO date."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]

    def text(v) -> str:
        if v is None:
            return ""
        if isinstance(v, datetime.datetime):
            return v.date().isoformat()
        if isinstance(v, datetime.date):
            return v.isoformat()
        if isinstance(v, float) and v.is_integer():
            # Excel holds 15 significant digits: write what it shows, not the binary float's
            # tail (3.2120219750621E+17 is 321202197506210000, not …209984)
            return str(int(Decimal(format(v, ".15g")))) if abs(v) >= 1e15 else str(int(v))
        return str(v)

    rows = [[text(v) for v in r] for r in sheet.iter_rows(values_only=True)]
    book.close()
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        return [], []
    header = rows[0]
    while header and not header[-1]:
        header = header[:-1]
    width = len(header)
    body = []
    for r in rows[1:]:
        extra = r[width:]
        body.append(r[:width] if not any(extra) else r)
    return header, body


ZIP_MAGIC = b"PK\x03\x04"


def parse_feed(
    department: str,
    data: bytes,
    file_name: str,
    *,
    extracted_on: datetime.date | None = None,
) -> Parsed:
    """Read and check a whole file. Never raises for bad content: issues are collected.

    ``parsed.rows`` holds the good rows; rows with an error are reported (by row number, counted
    as the registry import counts them) and left out; warnings keep their row."""
    if department not in FEEDS:
        raise FeedFormatError(f"未知部门“{department}”")
    feed = FEEDS[department]
    if data[:4] == b"PAR1":
        fmt = "parquet"
    elif data[:4] == ZIP_MAGIC:
        fmt = "xlsx"
    else:
        fmt = "csv"
    parsed = Parsed(department, file_name, checksum(data), "", fmt)
    if fmt in ("parquet", "xlsx"):
        try:
            if fmt == "parquet":
                import pyarrow.parquet as pq

                table = pq.read_table(io.BytesIO(data))
                names = table.column_names
                cols = [table.column(i).to_pylist() for i in range(table.num_columns)]
                body = [["" if v is None else str(v) for v in vs] for vs in zip(*cols, strict=True)]
            else:
                names, body = _xlsx_rows(data)
        except Exception as exc:  # noqa: BLE001 - any reader error means the file is unusable
            parsed.fatal = True
            what = "Parquet" if fmt == "parquet" else "Excel"
            parsed.issues.append(Issue(file_name, None, "", f"{what}文件无法读取：{exc}"))
            return parsed
        parsed.encoding = fmt
        if not names:
            parsed.fatal = True
            parsed.issues.append(Issue(file_name, None, "", "文件为空"))
            return parsed
        header, issues = _header_map(feed, names, file_name)
        parsed.issues.extend(issues)
        if any(i.severity == "error" for i in issues):
            parsed.fatal = True
            return parsed
        _check_rows(feed, parsed, header, body, extracted_on)
        if parsed.rows_read == 0:
            parsed.issues.append(Issue(file_name, None, "", "文件只有表头，没有数据行"))
        return parsed
    try:
        text, parsed.encoding = decode(data)
    except FeedFormatError as exc:
        parsed.fatal = True
        parsed.issues.append(Issue(file_name, None, "", str(exc)))
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        parsed.fatal = True
        parsed.issues.append(Issue(file_name, None, "", "文件为空"))
        return parsed
    header, issues = _header_map(feed, header, file_name)
    parsed.issues.extend(issues)
    if any(i.severity == "error" for i in issues):
        parsed.fatal = True
        return parsed
    try:
        _check_rows(feed, parsed, header, reader, extracted_on)
    except csv.Error as exc:
        parsed.fatal = True
        parsed.issues.append(Issue(file_name, reader.line_num, "", f"CSV格式错误：{exc}"))
    last = parsed.issues[-1] if parsed.issues else None
    if (
        not text.endswith(("\n", "\r"))
        and last is not None
        and last.row == parsed.rows_read + 1
        and "列，表头为" in last.reason
    ):
        # the last row is short and the file ends without a newline: cut in transfer
        parsed.truncated = True
        parsed.issues.append(
            Issue(file_name, None, "", "文件在最后一行中间被截断（传输不完整），整个文件不导入")
        )
    if parsed.rows_read == 0 and not parsed.errors:
        parsed.issues.append(Issue(file_name, None, "", "文件只有表头，没有数据行"))
    return parsed


def record_fields(department: str, row: dict) -> dict:
    """The common columns every feed record gets in the database (for matching and reports)."""
    feed = FEEDS[department]
    birth = row.get("birth_date") or None
    event = row.get(feed.date_column) or None
    if event and len(event) == 7:  # a month
        event = f"{event}-01"
    amount = row.get(feed.amount_column) if feed.amount_column else None
    return {
        "record_key": row["record_id"],
        "kind": row.get(feed.kind_column, "") if feed.kind_column else "",
        "id_number": row.get("id_number", ""),
        "name": row.get("name", ""),
        "sex": row.get("sex", ""),
        "birth_date": birth,
        "area_code": row.get("area_code", ""),
        "event_date": event,
        "amount": amount or None,
    }


# The vehicle kinds of the 车管 feed: the one place their labels live (verify's and monitoring's
# rules, the alert-rule forms and jiuzhu.core.labels read them from here).
VEHICLE_KIND_LABELS = {
    "car": gettext_noop("小型汽车"),
    "truck": gettext_noop("货车"),
    "motorcycle": gettext_noop("摩托车"),
    "disability_scooter": gettext_noop("残疾人代步车"),
}

CODE_LABELS = {
    "hukou": gettext_noop("户籍登记"),
    "death": gettext_noop("死亡注销"),
    "move_out": gettext_noop("迁出"),
    "wage": gettext_noop("工资"),
    "pension": gettext_noop("养老金"),
    "unemployment": gettext_noop("失业金"),
    "contribution": gettext_noop("社保缴费"),
    "legal_rep": gettext_noop("法定代表人"),
    "shareholder": gettext_noop("股东"),
    "owner": gettext_noop("经营者"),
    "active": gettext_noop("存续"),
    "revoked": gettext_noop("吊销"),
    "closed": gettext_noop("注销"),
    "residential": gettext_noop("住宅"),
    "commercial": gettext_noop("商业"),
    "other": gettext_noop("其他"),
    **VEHICLE_KIND_LABELS,
    "deposit": gettext_noop("存款"),
    "wealth": gettext_noop("理财"),
    "security": gettext_noop("证券"),
    "business": gettext_noop("经营所得"),
    "property": gettext_noop("财产所得"),
    "physical": gettext_noop("肢体"),
    "visual": gettext_noop("视力"),
    "hearing": gettext_noop("听力"),
    "speech": gettext_noop("言语"),
    "intellectual": gettext_noop("智力"),
    "mental": gettext_noop("精神"),
    "multiple": gettext_noop("多重"),
    "preschool": gettext_noop("学前"),
    "primary": gettext_noop("小学"),
    "junior": gettext_noop("初中"),
    "senior": gettext_noop("普通高中"),
    "vocational": gettext_noop("中职"),
    "college": gettext_noop("大专/本科"),
    "enrolled": gettext_noop("在读"),
    "graduated": gettext_noop("毕业"),
    "dropped_out": gettext_noop("退学"),
    "suspended": gettext_noop("休学"),
    "transferred_out": gettext_noop("转出"),
    "M": gettext_noop("男"),
    "F": gettext_noop("女"),
}


def display_value(column: Column, value: str) -> str:
    """A value as people read it (codes in Chinese)."""
    if column.type == "code" and value in CODE_LABELS:
        return CODE_LABELS[value]
    return value


# --------------------------------------------------------------------------- templates


def template_csv(department: str) -> bytes:
    """An empty file with the Chinese header, UTF-8 with BOM (Excel opens it with the Chinese
    intact); GBK files are accepted too."""
    feed = FEEDS[department]
    return ("\ufeff" + ",".join(c.label for c in feed.columns) + "\r\n").encode("utf-8")


def template_xlsx(department: str) -> bytes:
    """An Excel template: the Chinese header, and every column stored as text ("@") so that
    Excel keeps ID numbers whole (no 3.21E+17, no zeroed last digits) and dates as written."""
    import openpyxl
    from openpyxl.styles import Font

    feed = FEEDS[department]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = feed.label
    for i, c in enumerate(feed.columns, start=1):
        cell = sheet.cell(row=1, column=i, value=safe_cell(c.label))
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(12, len(c.label) * 2 + 4)
        sheet.column_dimensions[letter].number_format = "@"
        for row in range(2, 1002):  # the first thousand rows pre-formatted as text
            sheet.cell(row=row, column=i).number_format = "@"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


TYPE_TEXT = {
    "str": gettext_noop("文字"),
    "id_number": gettext_noop("身份证号（18位，也收15位旧号；全角数字、空格、短横线会自动去掉）"),
    "date": gettext_noop("日期，如 2026-03-05、2026/3/5、2026年3月5日"),
    "month": gettext_noop("月份，如 2026-03"),
    "money": gettext_noop("金额（元），最多两位小数"),
    "decimal": gettext_noop("数字"),
    "int": gettext_noop("整数"),
    "code": gettext_noop("代码，可写中文"),
    "area": gettext_noop("区划代码（12位，也收6位县级、9位乡级代码）"),
}
