"""Resident identity card numbers (身份证号), GB 11643-1999.

18 characters: a 6-digit address code, an 8-digit birth date, a 3-digit sequence (odd for men,
even for women) and a check digit (ISO 7064 MOD 11-2). Retired address codes stay valid: people
keep their number when districts are renamed, so the address code is checked for shape only.
This module works without Django so the matching engine can use it too: its messages are
translated only when Django settings are configured (see ``_``).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from jiuzhu.core import clock


def _(message: str) -> str:
    """``gettext`` when Django is set up (a page, a service), else the Chinese message as is."""
    try:
        from django.conf import settings

        if settings.configured:
            from django.utils.translation import gettext

            return gettext(message)
    except ImportError:
        pass
    return message


WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# First two digits of every province-level code that has ever been issued.
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    ]
)


class IdNumberError(ValueError):
    """A number that is not a valid 身份证号; ``part`` says which part is wrong."""

    def __init__(self, part: str, message: str):
        super().__init__(message)
        self.part = part
        self.message = message


def check_digit(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class IdNumber:
    number: str
    address_code: str
    birth_date: datetime.date
    sex: str  # "M" or "F"

    def age_on(self, day: datetime.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


# Characters people and spreadsheets put inside a number: spaces (ASCII, full-width, no-break),
# dashes and hyphens of every width, and Excel's leading apostrophe ("text, not a number").
_NOISE = re.compile(r"[\s\u00a0\u3000'\u2018\u2019`\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d_]")
# Excel's scientific notation (3.21281E+17): the last digits are gone for good.
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")


def normalise(value: str | None) -> str:
    """The one normalisation of an ID number typed or exported anywhere (forms, API, imports,
    feeds, searches): full-width digits and X (３２１２…Ｘ, a Chinese IME) become ASCII, a lower-case
    x becomes X, and spaces, dashes and a leading apostrophe inside the number are dropped. It does
    not validate: ``parse_id_number`` does."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return _NOISE.sub("", text).upper()


def is_scientific(value: str | None) -> bool:
    """Excel showed (and saved) the number as ``3.21281E+17``: unrecoverable, not a typo."""
    return bool(_SCIENTIFIC.match(normalise(value)))


def looks_zeroed(number: str) -> bool:
    """An 18-digit number ending in ``000``: what Excel leaves of an ID stored as a number (15
    significant digits). About 1 in 11 such numbers still passes the check digit, so a passing
    check digit does not clear it; a genuine ``…000`` is rare (sequence ``x00`` and check ``0``)."""
    return len(number) == 18 and number.isdigit() and number.endswith("000")


def parse_id_number(value: str, *, today: datetime.date | None = None) -> IdNumber:
    """Parse and validate; raise ``IdNumberError`` with a Chinese message naming the wrong part."""
    number = normalise(value)
    if _SCIENTIFIC.match(number):
        raise IdNumberError(
            "scientific",
            _(
                "身份证号“%(value)s”是Excel科学计数法，后几位已丢失，无法恢复：请把该列设为文本后重新导出"
            )
            % {"value": str(value).strip()},
        )
    if len(number) != 18:
        raise IdNumberError("length", _("身份证号应为18位，实际为%(n)s位") % {"n": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("format", _("身份证号前17位须为数字，末位须为数字或X"))
    if number[:2] not in PROVINCE_CODES:
        raise IdNumberError(
            "address", _("身份证号地址码（前6位）的省级代码“%(code)s”不存在") % {"code": number[:2]}
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdNumberError(
            "birth_date",
            _("身份证号出生日期（第7–14位）“%(date)s”不是有效日期") % {"date": number[6:14]},
        ) from exc
    today = today or clock.today()
    if birth > today or birth.year < 1880:
        raise IdNumberError(
            "birth_date",
            _("身份证号出生日期（第7–14位）“%(date)s”不在合理范围") % {"date": number[6:14]},
        )
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise IdNumberError(
            "check_digit",
            _("身份证号校验码（第18位）错误：应为“%(expected)s”，实为“%(actual)s”")
            % {"expected": expected, "actual": number[17]},
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumber(number=number, address_code=number[:6], birth_date=birth, sex=sex)


def validate_id_number(
    value: str, *, birth_date: datetime.date | None = None, sex: str | None = None
) -> IdNumber:
    """Validate and, where given, require the birth date and sex to agree with the number."""
    parsed = parse_id_number(value)
    if birth_date is not None and parsed.birth_date != birth_date:
        raise IdNumberError(
            "birth_date_mismatch",
            _("身份证号中的出生日期 %(parsed)s 与填写的出生日期 %(given)s 不一致")
            % {"parsed": f"{parsed.birth_date:%Y-%m-%d}", "given": f"{birth_date:%Y-%m-%d}"},
        )
    if sex is not None and parsed.sex != sex:
        label = {"M": _("男"), "F": _("女")}
        raise IdNumberError(
            "sex_mismatch",
            _("身份证号第17位表示性别为“%(parsed)s”，与填写的性别“%(given)s”不一致")
            % {"parsed": label[parsed.sex], "given": label.get(sex, sex)},
        )
    return parsed


def upgrade_15(value: str) -> str:
    """Convert an old 15-digit number (19xx births) to its 18-digit form."""
    old = normalise(value)
    if len(old) != 15 or not old.isdigit():
        raise IdNumberError("length", _("15位旧身份证号应为15位数字"))
    first17 = old[:6] + "19" + old[6:]
    return first17 + check_digit(first17)


def make_id_number(address_code: str, birth_date: datetime.date, sequence: int, sex: str) -> str:
    """Build a valid number (the synthetic county uses this). ``sequence`` 0–499."""
    seq = sequence * 2 + (1 if sex == "M" else 0)
    seq = seq % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = (seq + 1) % 1000
    first17 = f"{address_code}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)
