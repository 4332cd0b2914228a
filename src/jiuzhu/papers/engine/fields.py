"""Field extraction: the text rows of one paper → its fields, by kind.

Kinds: ``id_front`` / ``id_back`` (居民身份证), ``hukou`` (户口簿 常住人口登记卡), ``disability``
(残疾人证), ``bank_card``, ``medical`` (医疗费用票据/结算单), ``income`` (收入证明). Values are
strings in a canonical form: dates ``YYYY-MM-DD``, sex ``M``/``F``, amounts ``1234.50``, the
disability grade ``1``..``4``, ID numbers repaired where a letter-shaped misreading can be undone
(``repair_id_number``)."""

from __future__ import annotations

import re
import unicodedata

from jiuzhu.core import idcard

KINDS = ("id_front", "id_back", "hukou", "disability", "bank_card", "medical", "income")

# Fields each kind yields, in display order.
FIELDS = {
    "id_front": ("name", "sex", "ethnicity", "birth_date", "address", "id_number"),
    "id_back": ("issuer", "valid_from", "valid_to"),
    "hukou": ("name", "relation", "sex", "birth_date", "id_number"),
    "disability": ("name", "sex", "id_number", "category", "grade", "certificate"),
    "bank_card": ("bank", "card_number"),
    "medical": ("hospital", "date", "total", "self_paid"),
    "income": ("employer", "amount", "period_from", "period_to"),
}

_KIND_WORDS = (  # the first kind whose words appear wins
    ("id_back", ("签发机关", "有效期限")),
    ("disability", ("残疾人证", "残疾类别", "残疾等级")),
    ("hukou", ("常住人口登记卡", "与户主关系", "户主或")),
    ("id_front", ("公民身份号码",)),
    ("medical", ("医疗", "结算单", "住院", "门诊", "自付")),
    ("income", ("收入证明",)),
    ("bank_card", ("银联", "UnionPay", "借记卡", "储蓄卡")),
)

# Characters OCR confuses with digits. Only non-digits are mapped: a digit read as a digit is
# never changed, so a wrong check digit printed on a card stays wrong and is flagged.
_DIGIT_LIKE = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "I": "1",
        "l": "1",
        "|": "1",
        "Z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "G": "6",
        "b": "6",
        "g": "9",
        "q": "9",
        "x": "X",
        "×": "X",
        "乂": "X",
    }
)
_GRADES = {"一": "1", "二": "2", "三": "3", "四": "4", "1": "1", "2": "2", "3": "3", "4": "4"}
DISABILITY_CATEGORIES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
RELATIONS = (
    "户主",
    "配偶",
    "妻",
    "夫",
    "长子",
    "次子",
    "长女",
    "次女",
    "子",
    "女",
    "父亲",
    "母亲",
    "父",
    "母",
    "孙子",
    "孙女",
    "兄",
    "弟",
    "姐",
    "妹",
    "儿媳",
    "女婿",
    "祖父",
    "祖母",
)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("：", ":")


def detect_kind(rows: list[str]) -> str:
    """The kind of paper from its words, or "" when none is recognised."""
    text = "".join(rows).replace(" ", "")
    for kind, words in _KIND_WORDS:
        if any(w in text for w in words):
            return kind
    digits = re.sub(r"\s", "", text)
    if re.search(r"\d{16,19}", digits) and "银行" in text:
        return "bank_card"
    return ""


def repair_id_number(raw: str, *, birth_date: str = "", sex: str = "") -> str:
    """The ID number as printed, with OCR's letter-for-digit slips undone. Where the first 17
    characters hold a non-digit that cannot be mapped, the digits of the birth date printed on
    the same paper fill positions 7-14 when that makes the check digit agree."""
    text = _clean(raw).replace(" ", "")
    text = text.translate(_DIGIT_LIKE).upper()
    text = re.sub(r"[^0-9X]", "", text)
    if len(text) == 18 and "X" in text[:17]:
        text = text[:17].replace("X", "") + text[17]
    if (
        len(text) == 18
        and birth_date
        and text[:17].isdigit()
        and idcard.check_digit(text[:17]) != text[17]
    ):
        candidate = text[:6] + birth_date.replace("-", "") + text[14:]
        if len(candidate) == 18 and idcard.check_digit(candidate[:17]) == candidate[17]:
            return candidate
    return text


def _after(rows: list[str], label: str) -> str:
    """The text after ``label`` on its row, or the next row when the label stands alone."""
    for i, row in enumerate(rows):
        flat = row.replace(" ", "")
        j = flat.find(label)
        if j >= 0:
            rest = flat[j + len(label) :].lstrip(":")
            if rest:
                return rest
            if i + 1 < len(rows):
                return rows[i + 1].replace(" ", "")
    return ""


def _until(value: str, labels: tuple[str, ...]) -> str:
    for lab in labels:
        k = value.find(lab)
        if k > 0:
            value = value[:k]
    return value


def _date(text: str) -> str:
    m = re.search(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})", text)
    if not m:
        m = re.search(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)", text)
    if not m:
        return ""
    y, mo, d = (int(g) for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}" if 1 <= mo <= 12 and 1 <= d <= 31 else ""


def _amount(text: str) -> str:
    m = re.search(r"(\d[\d,]*\.\d{1,2}|\d[\d,]*)", text.replace(" ", ""))
    if not m:
        return ""
    value = m.group(1).replace(",", "")
    if "." in value:
        whole, frac = value.split(".")
        return f"{int(whole)}.{frac.ljust(2, '0')}"
    return f"{int(value)}.00"


def _sex(text: str) -> str:
    m = re.search(r"性别:?\s*([男女])", text)
    return {"男": "M", "女": "F"}.get(m.group(1), "") if m else ""


def _id_in(rows: list[str], labels: tuple[str, ...], *, birth_date="", sex="") -> str:
    for lab in labels:
        value = _after(rows, lab)
        if value:
            number = repair_id_number(value, birth_date=birth_date, sex=sex)
            if len(number) >= 15:
                return number[:18]
    flat = "".join(rows).replace(" ", "")
    m = re.search(r"\d{17}[0-9Xx×]", flat)
    return repair_id_number(m.group(0), birth_date=birth_date, sex=sex) if m else ""


def extract(kind: str, rows: list[str]) -> dict[str, str]:
    """The fields of one paper of ``kind`` from its text rows (missing ones are "")."""
    rows = [_clean(r) for r in rows if r.strip()]
    flat = "".join(rows).replace(" ", "")
    f: dict[str, str] = dict.fromkeys(FIELDS.get(kind, ()), "")
    if kind == "id_front":
        f["name"] = _until(_after(rows, "姓名"), ("性别",))
        f["sex"] = _sex(flat)
        m = re.search(r"民族:?([^\d\s出]{1,6}?)(?:出生|$)", flat) or re.search(
            r"民族:?(\S{1,4})", flat
        )
        f["ethnicity"] = m.group(1) if m else ""
        m = re.search(r"出生(.{0,20})", flat)
        f["birth_date"] = _date(m.group(1)) if m else ""
        addr = []
        on = False
        for row in rows:
            flat_row = row.replace(" ", "")
            if "公民身份号码" in flat_row or re.search(r"\d{17}[0-9Xx×]", flat_row):
                on = False
            if "住址" in flat_row:
                on = True
                flat_row = flat_row.split("住址", 1)[1]
            if on and flat_row:
                addr.append(flat_row.lstrip(":"))
        f["address"] = "".join(addr)
        f["id_number"] = _id_in(rows, ("公民身份号码",), birth_date=f["birth_date"])
    elif kind == "id_back":
        f["issuer"] = _until(_after(rows, "签发机关"), ("有效期限",))
        m = re.search(
            r"有效期限:?(\d{4})[.\-年]?(\d{2})[.\-月]?(\d{2})日?[-—至~]*(长期|(\d{4})[.\-年]?(\d{2})[.\-月]?(\d{2}))",
            flat,
        )
        if m:
            f["valid_from"] = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
            f["valid_to"] = (
                "长期" if m.group(4) == "长期" else f"{m.group(5)}-{m.group(6)}-{m.group(7)}"
            )
    elif kind == "hukou":
        f["name"] = _until(_after(rows, "姓名"), ("户主或", "与户主关系", "性别"))
        rel = _until(_after(rows, "与户主关系"), ("性别", "姓名"))
        f["relation"] = next((r for r in RELATIONS if rel.startswith(r)), rel[:4])
        f["sex"] = _sex(flat)
        m = re.search(r"出生日期(.{0,20})", flat)
        f["birth_date"] = _date(m.group(1)) if m else ""
        f["id_number"] = _id_in(
            rows, ("公民身份号码", "公民身份证件编号", "身份证件编号"), birth_date=f["birth_date"]
        )
    elif kind == "disability":
        f["name"] = _until(_after(rows, "姓名"), ("性别",))
        f["sex"] = _sex(flat)
        cat = _after(rows, "残疾类别")
        f["category"] = next((c for c in DISABILITY_CATEGORIES if c in cat), "")
        m = re.search(r"残疾等级:?([一二三四1-4])级", flat)
        f["grade"] = _GRADES[m.group(1)] if m else ""
        cert = re.sub(r"\s", "", _after(rows, "证号")).translate(_DIGIT_LIKE).upper()
        cert = re.sub(r"[^0-9X]", "", cert)
        f["certificate"] = cert[:20]
        f["id_number"] = repair_id_number(cert[:18]) if len(cert) >= 18 else ""
    elif kind == "bank_card":
        m = re.search(r"([\u4e00-\u9fa5]{2,12}?银行)", flat)
        f["bank"] = m.group(1) if m else ""
        best = ""
        for row in rows:
            digits = re.sub(r"[\s\-]", "", row).translate(_DIGIT_LIKE)
            for run in re.findall(r"\d{13,19}", digits):
                if len(run) > len(best):
                    best = run
        f["card_number"] = best
    elif kind == "medical":
        m = re.search(r"([\u4e00-\u9fa5]{2,20}?(?:医院|卫生院|医疗中心|社区卫生服务中心))", flat)
        f["hospital"] = m.group(1) if m else ""
        m = re.search(r"(?:结算日期|收费日期|出院日期|日期):?(.{0,20})", flat)
        f["date"] = _date(m.group(1)) if m else _date(flat)
        m = re.search(r"(?:医疗费总额|费用总额|总金额|合计)[^\d]{0,8}([\d,]+\.\d{1,2})", flat)
        f["total"] = _amount(m.group(1)) if m else ""
        m = re.search(r"(?:个人自付|个人支付|自付金额|自付)[^\d]{0,8}([\d,]+\.\d{1,2})", flat)
        f["self_paid"] = _amount(m.group(1)) if m else ""
    elif kind == "income":
        m = re.search(
            r"(?:单位名称|工作单位|单位):?([\u4e00-\u9fa5()（）]{2,30}?(?:公司|厂|合作社|中心|学校|医院|局|店))",
            flat,
        )
        f["employer"] = m.group(1) if m else ""
        m = re.search(r"(?:月收入|月工资|收入)[^\d]{0,8}([\d,]+(?:\.\d{1,2})?)元", flat)
        f["amount"] = _amount(m.group(1)) if m else ""
        m = re.search(r"(\d{4})年(\d{1,2})月(?:至|到|—|-|~)(\d{4})年(\d{1,2})月", flat)
        if m:
            f["period_from"] = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
            f["period_to"] = f"{int(m.group(3)):04d}-{int(m.group(4)):02d}"
    return f
