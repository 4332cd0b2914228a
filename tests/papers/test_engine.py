"""The reader on synthetic papers it draws itself (no database). OCR is slow: one image per
case, the engine loaded once per process."""

from __future__ import annotations

import datetime
import random

import pytest
from PIL import Image, ImageFilter

from jiuzhu.core import idcard
from jiuzhu.demo import paper_images as pi
from jiuzhu.papers.engine import checks, fields, quality
from jiuzhu.papers.engine.read import read_paper
from tests.papers.conftest import TODAY

PERSON = {
    "name": "陈秀兰",
    "sex": "F",
    "ethnicity": "汉",
    "birth_date": "1958-03-09",
    "address": "江苏省泰州市海陵区城东街道凤凰路118号6幢302室",
    "id_number": idcard.make_id_number("321202", datetime.date(1958, 3, 9), 127, "F"),
    "issuer": "泰州市公安局海陵分局",
    "valid_from": "2016-05-01",
    "valid_to": "2036-05-01",
}


def codes(result) -> list[str]:
    return [f["code"] for f in result["findings"]]


def test_id_card_front_every_field_exact(ocr_engine):
    rng = random.Random(5)
    data = pi.noisy(pi.id_front(PERSON), rng)  # rotated, blurred, JPEG quality 40
    r = read_paper(data, kind="id_card", today=TODAY)
    assert r["kind"] == "id_front"
    assert r["fields"] == {k: PERSON[k] for k in fields.FIELDS["id_front"]}
    assert codes(r) == []


def test_wrong_check_digit_is_flagged_not_repaired(ocr_engine):
    number = PERSON["id_number"]
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    r = read_paper(pi.png(pi.id_front({**PERSON, "id_number": wrong})), today=TODAY)
    assert r["fields"]["id_number"] == wrong
    assert "id_check_digit" in codes(r)


def test_expired_card_is_flagged(ocr_engine):
    old = {**PERSON, "valid_from": "2005-07-01", "valid_to": "2025-07-01"}
    r = read_paper(pi.png(pi.id_back(old)), kind="id_card", today=TODAY)
    assert r["kind"] == "id_back"
    assert r["fields"]["valid_to"] == "2025-07-01"
    assert codes(r) == ["expired"]
    assert checks.validate("id_back", {"valid_to": "长期"}, today=TODAY) == []


def test_bank_card_failing_luhn_is_flagged(ocr_engine):
    good = pi.luhn_complete("622848001234567890")
    bad = good[:-1] + str((int(good[-1]) + 3) % 10)
    r = read_paper(pi.png(pi.bank_card("中国农业银行", bad)), today=TODAY)
    assert r["kind"] == "bank_card"
    assert r["fields"] == {"bank": "中国农业银行", "card_number": bad}
    assert codes(r) == ["luhn"]
    assert checks.validate("bank_card", {"card_number": good}, today=TODAY) == []


# ---------------------------------------------------------------- without OCR


def test_luhn():
    assert checks.luhn_ok("4111111111111111")
    assert not checks.luhn_ok("4111111111111112")
    assert checks.luhn_ok(pi.luhn_complete("62170012345678901"))


def test_repair_undoes_letter_slips_but_never_a_digit():
    number = PERSON["id_number"]
    slipped = number.replace("0", "O", 1).replace("1", "l", 1)
    assert fields.repair_id_number(slipped) == number
    assert fields.repair_id_number(number[:17] + "x") == number[:17] + "X"
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert fields.repair_id_number(wrong) == wrong  # a wrong digit stays wrong (and is flagged)


def test_cross_check_other_person_and_mismatches():
    members = [
        {
            "id": 1,
            "name": "陈秀兰",
            "id_number": PERSON["id_number"],
            "sex": "F",
            "birth_date": "1958-03-09",
            "disability_grade": 2,
        },
    ]
    other = idcard.make_id_number("321204", datetime.date(1990, 1, 2), 11, "M")
    read = {"name": "王强", "id_number": other, "sex": "M", "birth_date": "1990-01-02"}
    assert [f["code"] for f in checks.cross_check("id_front", read, {"members": members})] == [
        "other_person"
    ]
    read = {"name": "陈秀英", "id_number": PERSON["id_number"], "grade": "3"}
    got = {f["code"] for f in checks.cross_check("disability", read, {"members": members})}
    assert got == {"name_differs", "grade_differs"}
    bill = {"self_paid": "3200.00", "total": "9000.00"}
    found = checks.cross_check("medical", bill, {"declared": {"medical_self_paid": "3000.00"}})
    assert [f["code"] for f in found] == ["self_paid_over_declared"]


def test_quality_refuses_small_blurred_and_cut_off():
    card = pi.id_front(PERSON)
    assert quality.problems(card) == []
    small = card.resize((300, 200))
    assert [p["code"] for p in quality.problems(small)] == ["too_small"]
    blurred = card.filter(ImageFilter.GaussianBlur(6))
    assert [p["code"] for p in quality.problems(blurred)] == ["blurred"]
    cut = card.crop((200, 0, card.width, card.height))  # the values run past the left edge
    assert "cut_off" in [p["code"] for p in quality.problems(cut)]


def test_near_duplicate_needs_a_close_hash_and_the_same_text():
    import io

    card = pi.id_front(PERSON)
    copy = Image.open(io.BytesIO(pi.jpeg(card.resize((800, 535)), quality=40)))
    other = pi.id_front({**PERSON, "name": "李建国", "id_number": "32120419900102011X"})
    text = "姓名陈秀兰性别女民族汉出生1958年3月9日住址江苏省泰州市海陵区" + PERSON["id_number"]
    h, hc, ho = (quality.phash(i) for i in (card, copy, other))
    assert quality.near_duplicate(h, text, hc, text.replace("泰州", "秦州", 1)) is not None
    # two people's cards share the template: the hashes are close, the texts are not
    assert quality.hamming(h, ho) <= quality.NEAR_DUPLICATE
    other_text = text.replace("陈秀兰", "李建国").replace(PERSON["id_number"], "32120419900102011X")
    other_text = other_text.replace("1958年3月9日", "1990年1月2日").replace("海陵区", "姜堰区")
    assert quality.near_duplicate(h, text, ho, other_text) is None


@pytest.mark.parametrize("kind", ["hukou", "disability", "medical", "income"])
def test_extract_from_rows(kind):
    """Field extraction on text rows as the OCR gives them (labels and values in one row or two)."""
    rows = {
        "hukou": [
            "常住人口登记卡",
            "姓名 陈秀兰",
            "户主或与户主关系 母亲",
            "性别 女",
            "出生日期 1958 年 3 月 9 日",
            f"公民身份号码 {PERSON['id_number']}",
        ],
        "disability": [
            "中华人民共和国残疾人证",
            "姓名 陈秀兰",
            "性别 女",
            "残疾类别 肢体",
            "残疾等级 二级",
            f"证号 {PERSON['id_number']}42",
        ],
        "medical": [
            "住院医疗费用结算单",
            "医疗机构： 泰州市人民医院",
            "结算日期： 2026-10-12",
            "医疗费总额： 12,345.60 元",
            "个人自付： 3456.70 元",
        ],
        "income": [
            "收入证明",
            "兹证明陈秀兰同志系我单位职工，",
            "2026年1月至2026年9月",
            "月收入 2800.00 元。",
            "单位名称：泰州市恒达机械有限公司",
        ],
    }[kind]
    assert fields.detect_kind(rows) == kind
    got = fields.extract(kind, rows)
    want = {
        "hukou": {
            "name": "陈秀兰",
            "relation": "母亲",
            "sex": "F",
            "birth_date": "1958-03-09",
            "id_number": PERSON["id_number"],
        },
        "disability": {
            "name": "陈秀兰",
            "sex": "F",
            "id_number": PERSON["id_number"],
            "category": "肢体",
            "grade": "2",
            "certificate": PERSON["id_number"] + "42",
        },
        "medical": {
            "hospital": "泰州市人民医院",
            "date": "2026-10-12",
            "total": "12345.60",
            "self_paid": "3456.70",
        },
        "income": {
            "employer": "泰州市恒达机械有限公司",
            "amount": "2800.00",
            "period_from": "2026-01",
            "period_to": "2026-09",
        },
    }[kind]
    assert got == want
