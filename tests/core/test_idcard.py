import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.core.idcard import (
    IdNumberError,
    check_digit,
    make_id_number,
    parse_id_number,
    upgrade_15,
    validate_id_number,
)


def test_the_standard_test_vector_is_valid():
    parsed = parse_id_number("11010519491231002X")
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.address_code == "110105"


def test_lower_case_x_and_spaces_are_normalised():
    assert parse_id_number(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "part", "fragment"),
    [
        ("1101051949123100", "length", "18位"),
        ("11010519491231002A", "format", "末位"),
        ("99010519491231002X", "address", "省级代码"),
        ("110105194913310028", "birth_date", "不是有效日期"),
        ("110105294912310021", "birth_date", "不在合理范围"),
        ("110105194912310021", "check_digit", "应为“X”"),
    ],
)
def test_each_wrong_part_is_named(value, part, fragment):
    with pytest.raises(IdNumberError) as exc:
        parse_id_number(value, today=datetime.date(2026, 11, 23))
    assert exc.value.part == part
    assert fragment in exc.value.message


def test_birth_date_and_sex_must_agree_with_the_number():
    with pytest.raises(IdNumberError) as exc:
        validate_id_number("11010519491231002X", birth_date=datetime.date(1950, 1, 1))
    assert exc.value.part == "birth_date_mismatch"
    with pytest.raises(IdNumberError) as exc:
        validate_id_number("11010519491231002X", sex="M")
    assert exc.value.part == "sex_mismatch"
    assert "女" in exc.value.message


def test_retired_address_codes_stay_valid():
    # 321283 was once 泰兴县's code family; any 6 digits under a real province pass.
    number = make_id_number("329999", datetime.date(1960, 1, 1), 7, "M")
    assert parse_id_number(number).address_code == "329999"


def test_upgrade_15_digit_number():
    assert upgrade_15("110105491231002") == "11010519491231002X"
    parse_id_number(upgrade_15("110105491231002"))


@given(
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31)),
    st.integers(min_value=0, max_value=499),
    st.sampled_from(["M", "F"]),
)
def test_made_numbers_parse_back(birth, seq, sex):
    number = make_id_number("321202", birth, seq, sex)
    parsed = validate_id_number(number, birth_date=birth, sex=sex)
    assert parsed.number[17] == check_digit(parsed.number[:17])


# ---- 13.10 / 22.6: one normalisation for every input path -------------------------------
from jiuzhu.core.idcard import is_scientific, looks_zeroed  # noqa: E402
from jiuzhu.core.idcard import normalise as normalise_id  # noqa: E402


@pytest.mark.parametrize(
    "typed",
    [
        "３２１２０２１９７５０６２１００３１",  # full-width digits (a Chinese IME in Excel)
        "３２１２０２ １９７５０６２１ ００３１",  # with full-width and ASCII spaces
        "321202-19750621-0031",
        "321202－19750621－0031",  # full-width dash
        "'321202197506210031",  # Excel's "text" apostrophe
        " 321202 19750621 0031 ",
    ],
)
def test_typed_forms_of_one_number_normalise_to_it(typed):
    assert normalise_id(typed) == "321202197506210031"
    assert parse_id_number(typed).number == "321202197506210031"


def test_full_width_and_lower_case_x_become_x():
    assert normalise_id("１１０１０１１９９０１２３１００１ｘ") == "11010119901231001X"
    assert normalise_id("11010119901231001Ｘ") == "11010119901231001X"
    assert normalise_id("11010119901231001x") == "11010119901231001X"


def test_excel_scientific_notation_is_refused_as_unrecoverable():
    assert is_scientific("3.21202E+17") and is_scientific("3.21202e17")
    with pytest.raises(IdNumberError) as exc:
        parse_id_number("3.21202E+17")
    assert exc.value.part == "scientific" and "科学计数法" in exc.value.message


def test_excel_zeroed_tail_is_suspicious_even_with_a_passing_check_digit():
    # search for a …000 number whose check digit passes (about 1 in 11 do)
    from jiuzhu.core.idcard import check_digit

    passing = next(
        f"321202197506{day:02d}{seq}000"
        for day in range(1, 29)
        for seq in range(10)
        if check_digit(f"321202197506{day:02d}{seq}00") == "0"
    )
    assert parse_id_number(passing).number == passing  # the check digit alone does not catch it
    assert looks_zeroed(passing)
    assert not looks_zeroed("321202197506210031")
