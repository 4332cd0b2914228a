"""Columnar adapters for funds: read query results into Polars, write frames in bulk.

PostgreSQL: ``COPY (query) TO STDOUT`` / ``COPY … FROM STDIN`` through psycopg 3. SQLite: a raw
cursor fetch / ``executemany``. Money is read as integer fen (never a float) and written back as
exact decimal text. Everything runs on Django's connection, so inside the caller's transaction.
"""

from __future__ import annotations

import io

import polars as pl
from django.db import connection


def fen_sql(col: str) -> str:
    if connection.vendor == "postgresql":
        return f"ROUND({col} * 100)::bigint"
    return f"CAST(ROUND({col} * 100) AS INTEGER)"


def date_sql(col: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({col}, 'YYYY-MM-DD')"
    return f"SUBSTR({col}, 1, 10)"


def read_frame(sql: str, params: list, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Run ``sql`` (``%s`` placeholders) and return a frame; Date columns are selected as
    'YYYY-MM-DD' text (use ``date_sql``) and parsed here."""
    raw = {c: (pl.Utf8 if t == pl.Date else t) for c, t in schema.items()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            pg = cur.cursor
            query = pg.mogrify(sql, params) if params else sql
            if isinstance(query, bytes):
                query = query.decode()
            buf = io.BytesIO()
            with pg.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for data in copy:
                    buf.write(data)
        buf.seek(0)
        if buf.getbuffer().nbytes == 0:
            df = pl.DataFrame(schema=raw)
        else:
            df = pl.read_csv(
                buf,
                has_header=False,
                new_columns=list(schema),
                schema=raw,
            )
    else:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
        df = pl.DataFrame(rows, schema=raw, orient="row")
    dates = [
        pl.col(c).str.to_date("%Y-%m-%d", strict=False) for c, t in schema.items() if t == pl.Date
    ]
    return df.with_columns(dates) if dates else df


def fen_to_text(expr: pl.Expr) -> pl.Expr:
    """Integer fen → '123.45' (exact; amounts are never negative here)."""
    return pl.concat_str(
        [(expr // 100).cast(pl.Utf8), pl.lit("."), (expr % 100).cast(pl.Utf8).str.zfill(2)]
    )


def write_frame(table: str, df: pl.DataFrame) -> None:
    """Insert every row of ``df`` (columns named as the table's) in bulk."""
    if df.height == 0:
        return
    cols = ", ".join(df.columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                for start in range(0, df.height, 100_000):
                    buf = io.BytesIO()
                    df.slice(start, 100_000).write_csv(buf, include_header=False, null_value="")
                    copy.write(buf.getvalue())
        else:
            marks = ", ".join(["%s"] * len(df.columns))
            sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
            for start in range(0, df.height, 50_000):
                cur.executemany(sql, df.slice(start, 50_000).rows())
