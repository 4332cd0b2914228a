"""Checks on a payment account as it is entered (pure functions, no Django).

* Bank cards (银行卡, 16–19 digits) carry a Luhn check digit (ISO/IEC 7812); a mistyped digit
  fails it, so a card number that fails is refused at entry. Passbooks (存折) have bank-specific
  numbers without a common check digit and are not Luhn-checked.
* Bank files may be GBK (the 农商银行 layout). A holder name with a character outside GBK (a
  生僻字 such as 𠀾) cannot be written into such a file; it is refused at entry with the character
  named, and the clerk enters the name as the bank registered it (banks record such names with
  a substitute character or in pinyin).
"""

from __future__ import annotations


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body`` + digit pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    return number.isdigit() and len(number) > 1 and luhn_check_digit(number[:-1]) == number[-1]


def outside_gbk(text: str) -> list[str]:
    """The characters of ``text`` that GBK cannot encode, in order, each once."""
    out: list[str] = []
    for ch in text:
        try:
            ch.encode("gbk")
        except UnicodeEncodeError:
            if ch not in out:
                out.append(ch)
    return out
