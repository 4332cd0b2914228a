"""Money in funds' columnar work: integer fen in frames, exact decimal text on the way out.

Reading query results into frames and writing frames in bulk is ``jiuzhu.core.frames``.
"""

from __future__ import annotations

import polars as pl


def fen_to_text(expr: pl.Expr) -> pl.Expr:
    """Integer fen → '123.45' (exact; amounts are never negative here)."""
    return pl.concat_str(
        [(expr // 100).cast(pl.Utf8), pl.lit("."), (expr % 100).cast(pl.Utf8).str.zfill(2)]
    )
