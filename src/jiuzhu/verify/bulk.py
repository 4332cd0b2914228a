"""Columnar reads and writes between the database and Polars, for runs over millions of rows.

PostgreSQL: ``COPY (query) TO STDOUT`` and ``COPY table FROM STDIN`` in CSV through psycopg 3 —
one round trip per table, no Python object per row on the way in. SQLite: one streaming query,
fetched in blocks of ``BLOCK`` rows straight into column lists, and ``executemany`` on the raw
connection for writes. Both run on Django's connection, inside the caller's transaction.

Queries here are fixed SQL written in this module (table and column names, integers); no user
input is ever formatted into them.
"""

from __future__ import annotations

import io

import polars as pl
from django.db import connection

BLOCK = 200_000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def json_text(column: str, key: str) -> str:
    """SQL for one text field of a JSON column (``data->>'key'`` / ``json_extract``)."""
    if is_postgresql():
        return f"{column}->>'{key}'"
    return f"json_extract({column}, '$.{key}')"


def read_frame(sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The rows of ``sql`` (columns in the order of ``schema``) as a frame of that schema.

    Empty strings come back as null in text columns (callers rely on it, as the engine treats a
    blank ID number or area as missing)."""
    if is_postgresql():
        return _read_postgresql(sql, schema)
    return _read_sqlite(sql, schema)


def _read_postgresql(sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    buf = io.BytesIO()
    statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    with connection.cursor() as cur, cur.cursor.copy(statement) as copy:
        for block in copy:
            buf.write(block)
    if buf.tell() == 0:
        return pl.DataFrame(schema=schema)
    buf.seek(0)
    text_schema = {name: (pl.Utf8 if dtype == pl.Date else dtype) for name, dtype in schema.items()}
    frame = pl.read_csv(
        buf,
        has_header=False,
        new_columns=list(schema),
        schema=text_schema,
    )
    return _finish(frame, schema)


def _read_sqlite(sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    raw = connection.connection if connection.connection else None
    if raw is None:
        connection.ensure_connection()
        raw = connection.connection
    cur = raw.execute(sql)
    parts = []
    names = list(schema)
    text_schema = {name: (pl.Utf8 if dtype == pl.Date else dtype) for name, dtype in schema.items()}
    while True:
        rows = cur.fetchmany(BLOCK)
        if not rows:
            break
        columns = list(zip(*rows, strict=True))
        parts.append(
            pl.DataFrame(
                {n: list(c) for n, c in zip(names, columns, strict=True)},
                schema=text_schema,
                strict=False,
            )
        )
    if not parts:
        return pl.DataFrame(schema=schema)
    return _finish(pl.concat(parts), schema)


def _finish(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    exprs = []
    for name, dtype in schema.items():
        col = pl.col(name)
        if dtype == pl.Date:
            exprs.append(col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
        elif dtype == pl.Utf8:
            exprs.append(pl.when(col == "").then(None).otherwise(col).alias(name))
        else:
            exprs.append(col)
    return frame.select(exprs)


REBUILD_ABOVE = 200_000  # rows; a larger PostgreSQL write drops and re-creates keys and indexes


def write_frame(table: str, frame: pl.DataFrame) -> None:
    """Insert the rows of ``frame`` into ``table`` (its column names are the table's)."""
    if frame.is_empty():
        return
    frame = frame.with_columns(
        pl.col(c).cast(pl.Int8) for c, dt in frame.schema.items() if dt == pl.Boolean
    )
    cols = ", ".join(frame.columns)
    if is_postgresql():
        with connection.cursor() as cur:
            restore = _drop_keys(cur, table) if frame.height > REBUILD_ABOVE else []
            # NULL is written as \N, so an empty field is an empty string (NOT NULL text columns)
            statement = f"COPY {table} ({cols}) FROM STDIN (FORMAT csv, NULL '\\N')"
            with cur.cursor.copy(statement) as copy:
                for start in range(0, frame.height, BLOCK):
                    buf = io.BytesIO()
                    frame.slice(start, BLOCK).write_csv(
                        buf, include_header=False, quote_style="necessary", null_value="\\N"
                    )
                    copy.write(buf.getvalue())
            for create in restore:
                cur.execute(create)
            if restore:  # the planner's row counts are stale after a large write
                cur.execute(f"ANALYZE {table}")
        return
    connection.ensure_connection()
    raw = connection.connection
    marks = ", ".join("?" * len(frame.columns))
    sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608 - fixed names
    for start in range(0, frame.height, BLOCK):
        raw.executemany(sql, frame.slice(start, BLOCK).iter_rows())


def _drop_keys(cur, table: str) -> list[str]:
    """Drop the foreign keys and plain indexes of ``table``; return the statements that put
    them back. Re-adding a foreign key checks every row with one join, instead of one trigger
    call per row at COMMIT (Django's keys are DEFERRABLE INITIALLY DEFERRED), and an index is
    built with one sort. Unique indexes stay. All of it runs inside the caller's transaction."""
    # Rows written earlier in this transaction (the run, the batch) have deferred key checks
    # pending, and PostgreSQL will not alter a table they touch until those have run.
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cur.execute(
        "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.contype = 'f' AND c.conrelid = %s::regclass",
        [table],
    )
    keys = cur.fetchall()
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary",
        [table],
    )
    indexes = cur.fetchall()
    for name, _ in keys:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    return (
        [create for _, create in indexes]
        + [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in keys]
        + ["SET CONSTRAINTS ALL DEFERRED"]
    )
