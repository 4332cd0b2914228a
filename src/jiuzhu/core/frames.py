"""Database tables ↔ Polars frames: the one reader (and bulk writer) for columnar work.

Every module that reads query results into Polars (policy, monitoring, funds, verification)
goes through ``read_frame``; every bulk insert of a frame through ``write_frame``.

- **PostgreSQL**: ``COPY (query) TO STDOUT (FORMAT csv)`` through psycopg 3, parsed by Polars
  with the caller's schema — one round trip per query, no Python object per row. Writes are
  ``COPY table FROM STDIN``.
- **SQLite**: Django's own cursor, ``fetchmany`` in blocks of ``BLOCK`` rows, each block turned
  into one typed Series per column. Writes are ``executemany`` on the same connection.

Both run on Django's connection, so inside the caller's transaction and seeing its uncommitted
rows. Never open a second SQLite library in the process (ADBC, connectorx, a DuckDB attach, a
``sqlite3`` connection of our own to the same file): two copies of SQLite do not share POSIX
locks, and closing one deleted the WAL under Django's live connection (commit b3b26e9).

Types: Date columns may be selected as dates or as ISO text (``date_sql``; a timestamp is cut to
its day); Boolean columns as booleans or 0/1; money as integer fen (``fen_sql``), never a float.
NULL is null in every column; an empty string stays an empty string unless ``blank_as_null``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter

import polars as pl
import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections

BLOCK = 100_000  # rows per SQLite fetch (and per write batch)
REBUILD_KEYS_ABOVE = 200_000  # rows; see ``write_frame(rebuild_keys=True)``

_TRUE = ("t", "true", "1")
_FALSE = ("f", "false", "0")


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


# --------------------------------------------------------------------------- SQL fragments


def fen_sql(column: str) -> str:
    """A Decimal yuan column as integer fen (exact: rounded in the database, never a float)."""
    if is_postgresql():
        return f"ROUND({column} * 100)::bigint"
    return f"CAST(ROUND({column} * 100) AS INTEGER)"


def date_sql(column: str) -> str:
    """A date column as 'YYYY-MM-DD' text: on SQLite this skips Django's per-row date converter;
    on PostgreSQL ``::text`` (ISO output, checked in ``read_frame``) costs a quarter less than
    ``to_char``."""
    if is_postgresql():
        return f"{column}::text"
    return f"SUBSTR({column}, 1, 10)"


def json_text(column: str, key: str) -> str:
    """One field of a JSON column as text (``->>`` on PostgreSQL, ``json_extract`` on SQLite)."""
    if is_postgresql():
        return f"({column}->>'{key}')"
    return f"json_extract({column}, '$.{key}')"


# --------------------------------------------------------------------------- reading


def read_frame(
    sql: str,
    params: Sequence | None,
    schema: dict[str, pl.DataType],
    *,
    blank_as_null: bool = False,
) -> pl.DataFrame:
    """The rows of ``sql`` as a frame of ``schema`` (the query's columns, in order).

    ``params`` fill ``%s`` placeholders, as with Django's cursor (then ``%%`` is a literal
    ``%``); with ``None`` the SQL runs as written. ``blank_as_null``: empty strings in text
    columns read as null.
    """
    if is_postgresql():
        frame = _read_postgresql(sql, params, schema)
    else:
        frame = _read_sqlite(sql, params, schema)
    return _finish(frame, schema, blank_as_null=blank_as_null)


def read_frames(
    queries: dict[str, tuple[str, Sequence | None, dict[str, pl.DataType]]],
    *,
    parallel: bool = True,
) -> dict[str, pl.DataFrame]:
    """Several ``read_frame`` calls, ``{name: (sql, params, schema)}`` → ``{name: frame}``.

    On PostgreSQL outside a transaction, three at a time on their own connections (the server
    scans while Polars parses the previous CSV). Inside a transaction, and always on SQLite,
    one after another on Django's connection.
    """
    if not (parallel and is_postgresql() and not connection.in_atomic_block):
        return {name: read_frame(*query) for name, query in queries.items()}

    def one(query):
        try:
            return read_frame(*query)
        finally:
            connections.close_all()  # this worker thread's own connection

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(one, query) for name, query in queries.items()}
        return {name: future.result() for name, future in futures.items()}


def _raw_dtype(dtype: pl.DataType) -> pl.DataType:
    """What Polars reads from PostgreSQL's CSV before ``_finish`` converts it."""
    return pl.Utf8 if dtype in (pl.Date, pl.Boolean) else dtype


def _read_postgresql(sql: str, params: Sequence | None, schema: dict) -> pl.DataFrame:
    buf = io.BytesIO()
    with connection.cursor() as cur:
        pg = cur.cursor
        if pl.Date in schema.values():
            # Dates arrive as PostgreSQL prints them; only the ISO style is 'YYYY-MM-DD'.
            style = pg.connection.info.parameter_status("DateStyle") or ""
            if not style.startswith("ISO"):
                raise ImproperlyConfigured(f"PostgreSQL DateStyle must be ISO, not {style!r}")
        if params is not None:  # COPY takes no parameters: bind them client-side
            mogrify = getattr(pg, "mogrify", None) or psycopg.ClientCursor(pg.connection).mogrify
            sql = mogrify(sql, params)
            if isinstance(sql, bytes):
                sql = sql.decode()
        with pg.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                buf.write(block)
    raw = {name: _raw_dtype(dtype) for name, dtype in schema.items()}
    if buf.tell() == 0:
        return pl.DataFrame(schema=raw)
    buf.seek(0)
    return pl.read_csv(buf, has_header=False, new_columns=list(schema), schema=raw)


def _read_sqlite(sql: str, params: Sequence | None, schema: dict) -> pl.DataFrame:
    names = list(schema)
    parts = []
    with connection.cursor() as cur:
        cur.execute(sql, params)
        width = len(cur.description)
        if width != len(names):
            raise pl.exceptions.SchemaError(
                f"the query returns {width} columns, the schema names {len(names)}"
            )
        while rows := cur.fetchmany(BLOCK):
            # One list per column (itemgetter in C; zip(*rows) costs twice as much, in the
            # garbage collector), then one typed Series each.
            parts.append(
                pl.DataFrame(
                    [
                        _series(name, list(map(itemgetter(i), rows)), schema[name])
                        for i, name in enumerate(names)
                    ]
                )
            )
    if not parts:
        return pl.DataFrame(schema={name: _raw_dtype(dtype) for name, dtype in schema.items()})
    if len(parts) == 1:
        return parts[0]
    # Blocks may differ where a column was all null in one (dtype Null) or held dates in one
    # and text in another; _finish gives every column its final type.
    return pl.concat(parts, how="vertical_relaxed")


def _series(name: str, values: list, dtype: pl.DataType) -> pl.Series:
    """One fetched column as a Series: ``dtype`` exactly where the values have it, else the
    closest type ``_finish`` converts (dates as text or dates, booleans as 0/1)."""
    if dtype == pl.Date:
        # Text from an expression, datetime.date from Django's converter on a date column.
        return pl.Series(name, values, strict=False)
    if dtype == pl.Boolean:
        return pl.Series(name, values, dtype=pl.Int8, strict=False)
    try:
        return pl.Series(name, values, dtype=dtype)
    except TypeError:
        if dtype == pl.Utf8:  # datetimes from Django's converters, numbers from json_extract
            return pl.Series(name, [None if v is None else str(v) for v in values], dtype=dtype)
        return pl.Series(name, values, dtype=dtype, strict=False)


def _finish(frame: pl.DataFrame, schema: dict, *, blank_as_null: bool) -> pl.DataFrame:
    exprs = []
    for name, dtype in schema.items():
        col, have = pl.col(name), frame.schema[name]
        if dtype == pl.Date:
            if have == pl.Utf8:
                col = col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
            elif have == pl.Datetime:
                col = col.dt.date()
            else:
                col = col.cast(pl.Date)
        elif dtype == pl.Boolean and have == pl.Utf8:
            col = pl.when(col.is_in(_TRUE)).then(True).when(col.is_in(_FALSE)).then(False)
        elif dtype == pl.Utf8 and blank_as_null:
            col = pl.when(col != "").then(col)
        if have != dtype:
            col = col.cast(dtype)
        exprs.append(col.alias(name))
    return frame.select(exprs)


# --------------------------------------------------------------------------- writing


def write_frame(table: str, frame: pl.DataFrame, *, rebuild_keys: bool = False) -> None:
    """Insert every row of ``frame`` into ``table`` (its column names are the table's).

    Null is NULL and an empty string stays empty; booleans are written as 0/1 (accepted by
    boolean and integer columns alike). ``rebuild_keys``: on PostgreSQL, a write of more than
    ``REBUILD_KEYS_ABOVE`` rows drops the table's foreign keys and plain indexes first and puts
    them back after (one join and one sort instead of a check and an index entry per row); on
    SQLite it drops and rebuilds the plain indexes. The one bulk writer: the registry import,
    the policy and verification runs and the ledger all write through it.
    """
    if frame.is_empty():
        return
    frame = frame.with_columns(
        pl.col(c).cast(pl.Int8) for c, dt in frame.schema.items() if dt == pl.Boolean
    )
    cols = ", ".join(frame.columns)
    if is_postgresql():
        with connection.cursor() as cur:
            rebuild = rebuild_keys and frame.height > REBUILD_KEYS_ABOVE
            restore = _drop_keys(cur, table) if rebuild else []
            # NULL is written as \N, so an empty field is an empty string (NOT NULL text columns).
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
    marks = ", ".join(["%s"] * len(frame.columns))
    sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
    with connection.cursor() as cur:
        rebuild = rebuild_keys and frame.height > REBUILD_KEYS_ABOVE
        restore = _drop_sqlite_indexes(cur, table) if rebuild else []
        for start in range(0, frame.height, BLOCK):
            cur.executemany(sql, frame.slice(start, BLOCK).iter_rows())
        for create in restore:
            cur.execute(create)


def _drop_sqlite_indexes(cur, table: str) -> list[str]:
    """SQLite: drop the plain (non-unique) indexes of ``table``, return their CREATE statements:
    one sort each afterwards instead of millions of random B-tree inserts. Unique indexes stay."""
    cur.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name = %s",
        [table],
    )
    indexes = cur.fetchall()
    for name, _sql in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    return [create for _name, create in indexes]


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
