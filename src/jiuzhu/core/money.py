"""Money in Polars frames: integer fen, and its exact yuan text (never through a float).

Pure Polars, no Django, so the synthetic-data generators and the engines can use it too.
"""

from __future__ import annotations

import polars as pl


def fen_to_text(fen: pl.Expr) -> pl.Expr:
    """Integer fen → yuan text with exactly two places: 71050 → "710.50", -1205 → "-12.05";
    null stays null."""
    a = fen.abs()
    return (
        pl.when(fen < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        + (a // 100).cast(pl.Utf8)
        + pl.lit(".")
        + (a % 100).cast(pl.Utf8).str.zfill(2)
    )
