"""Validators and the cross-check, as findings: ``{"code", "field", "params"}`` dicts.

A finding's text is chosen on the Django side from its code (``papers.labels.FINDINGS``), so the
engine stays free of Django and a stored finding is shown in the reader's language."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from jiuzhu.core import idcard


def luhn_ok(number: str) -> bool:
    """The Luhn (mod 10) check of a bank card number."""
    if not number.isdigit() or len(number) < 12:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _finding(code: str, field: str, **params) -> dict:
    return {"code": code, "field": field, "params": {k: str(v) for k, v in params.items()}}


def _dec(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def validate(kind: str, fields: dict[str, str], *, today: datetime.date) -> list[dict]:
    """What the paper says that cannot be right on its own: a bad check digit, a number that
    disagrees with the birth date or sex printed beside it, an expired card, a card failing Luhn."""
    out: list[dict] = []
    number = fields.get("id_number", "")
    if kind in ("id_front", "hukou", "disability"):
        if not number:
            out.append(_finding("unread", "id_number"))
        else:
            try:
                parsed = idcard.parse_id_number(number, today=today)
            except idcard.IdNumberError as exc:
                code = "id_check_digit" if exc.part == "check_digit" else "id_invalid"
                out.append(_finding(code, "id_number"))
            else:
                birth = fields.get("birth_date", "")
                if birth and birth != parsed.birth_date.isoformat():
                    out.append(_finding("id_birth_mismatch", "birth_date", printed=birth))
                sex = fields.get("sex", "")
                if sex and sex != parsed.sex:
                    out.append(_finding("id_sex_mismatch", "sex"))
    if kind == "id_back":
        end = fields.get("valid_to", "")
        if not end:
            out.append(_finding("unread", "valid_to"))
        elif end != "长期":
            try:
                if datetime.date.fromisoformat(end) < today:
                    out.append(_finding("expired", "valid_to", date=end))
            except ValueError:
                out.append(_finding("unread", "valid_to"))
    if kind == "bank_card":
        card = fields.get("card_number", "")
        if not card:
            out.append(_finding("unread", "card_number"))
        elif not luhn_ok(card):
            out.append(_finding("luhn", "card_number"))
    if kind == "medical":
        total, paid = _dec(fields.get("total", "")), _dec(fields.get("self_paid", ""))
        if total is not None and paid is not None and paid > total:
            out.append(_finding("self_paid_over_total", "self_paid"))
    return out


def cross_check(kind: str, fields: dict[str, str], expected: dict) -> list[dict]:
    """Compare the paper with what was typed or what the registry holds.

    ``expected``: ``members`` (list of dicts: name, id_number, sex, birth_date, disability_grade),
    ``person`` (the one member the paper is about, when known), ``declared`` (``medical_self_paid``,
    ``income_12m``: what the applicant declared for 12 months, text amounts). Each mismatch names the field
    and carries the registered value (the page masks ID numbers)."""
    out: list[dict] = []
    members = expected.get("members") or []
    number = fields.get("id_number", "")
    if kind in ("id_front", "hukou", "disability") and number and members:
        person = expected.get("person")
        by_number = next((m for m in members if m.get("id_number") == number), None)
        if person is None:
            person = by_number
        if by_number is None:
            name_hit = next((m for m in members if m.get("name") == fields.get("name")), None)
            if name_hit is not None:
                out.append(
                    _finding("id_number_differs", "id_number", expected=name_hit["id_number"])
                )
                person = name_hit
            else:
                out.append(_finding("other_person", "id_number"))
        elif person.get("id_number") != number:
            out.append(_finding("id_number_differs", "id_number", expected=person["id_number"]))
        if person is not None:
            name = fields.get("name", "")
            if name and person.get("name") and name != person["name"]:
                out.append(_finding("name_differs", "name", expected=person["name"]))
            for f in ("sex", "birth_date"):
                if fields.get(f) and person.get(f) and fields[f] != person[f]:
                    out.append(_finding(f"{f}_differs", f, expected=person[f]))
            if kind == "disability":
                grade = fields.get("grade", "")
                have = str(person.get("disability_grade") or "")
                if grade and grade != have:
                    out.append(_finding("grade_differs", "grade", expected=have or "—"))
    declared = expected.get("declared") or {}
    if kind == "medical":
        paid, said = _dec(fields.get("self_paid", "")), _dec(declared.get("medical_self_paid", ""))
        if paid is not None and said is not None and paid > said:
            out.append(_finding("self_paid_over_declared", "self_paid", expected=said))
    if kind == "income":
        amount = _dec(fields.get("amount", ""))
        said = _dec(declared.get("income_12m", ""))
        if amount is not None and said is not None and amount * 12 > said:
            out.append(_finding("income_over_declared", "amount", expected=said))
    return out
