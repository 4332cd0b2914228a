"""Integer fen → exact yuan text, the one conversion every columnar writer uses."""

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.core.money import fen_to_text


def _text(values):
    return pl.select(fen_to_text(pl.Series("f", values, dtype=pl.Int64))).to_series().to_list()


def test_two_places_sign_and_null():
    assert _text([71050, 5, 0, 100, -1205, -7, None]) == [
        "710.50",
        "0.05",
        "0.00",
        "1.00",
        "-12.05",
        "-0.07",
        None,
    ]


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_matches_decimal_arithmetic(fen):
    from decimal import Decimal

    assert _text([fen]) == [str((Decimal(fen) / 100).quantize(Decimal("0.01")))]
