"""The shared database → Polars reader and bulk writer (``jiuzhu.core.frames``).

Backend-neutral: the suite runs these on SQLite and, with ``JIUZHU_TEST_DATABASE_URL``, on
PostgreSQL, where the same frames must come back (COPY CSV there, Django's cursor here).
"""

import datetime
from decimal import Decimal

import polars as pl
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from jiuzhu.core import frames
from jiuzhu.core.frames import date_sql, fen_sql, read_frame, read_frames, write_frame

TABLE = "core_frames_probe"

COLUMNS = {
    # name: (PostgreSQL type, SQLite type — the names Django declares, so its converters run)
    "id": ("bigint PRIMARY KEY", "integer PRIMARY KEY"),
    "name": ("text", "text"),
    "born": ("date", "date"),
    "flag": ("boolean", "bool"),
    "amount": ("numeric(14, 2)", "decimal"),
    "ratio": ("double precision", "real"),
    "stamp": ("timestamp with time zone", "datetime"),
}

SCHEMA = {
    "id": pl.Int64,
    "name": pl.Utf8,
    "born": pl.Date,
    "born_text": pl.Date,
    "flag": pl.Boolean,
    "amount_fen": pl.Int64,
    "ratio": pl.Float64,
}

ROWS = [
    (1, "张三", "1950-03-01", True, "1234.56", 0.25, "2026-11-01 08:30:00"),
    (2, "", "2008-12-31", False, "0.01", 1.0, None),
    (3, None, None, None, None, None, None),
    (4, '李四, "老四"\n第二行', "2026-02-28", True, "99999999.99", 0.1, None),
]


def _create_table() -> None:
    pg = connection.vendor == "postgresql"
    cols = ", ".join(f"{name} {types[0] if pg else types[1]}" for name, types in COLUMNS.items())
    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE {TABLE} ({cols})")


def _insert(rows) -> None:
    marks = ", ".join(["%s"] * len(COLUMNS))
    with connection.cursor() as cur:
        cur.executemany(f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({marks})", rows)


def _select(where: str = "") -> str:
    return (
        f"SELECT id, name, born, {date_sql('born')}, flag, {fen_sql('amount')}, ratio "
        f"FROM {TABLE}{where} ORDER BY id"
    )


@pytest.fixture
def probe(db):
    _create_table()
    _insert(ROWS)


def test_types_nulls_dates_money_and_chinese_text(probe):
    frame = read_frame(_select(), None, SCHEMA)

    assert frame.schema == pl.Schema(SCHEMA)
    assert frame.rows() == [
        (
            1,
            "张三",
            datetime.date(1950, 3, 1),
            datetime.date(1950, 3, 1),
            True,
            123456,
            0.25,
        ),
        (2, "", datetime.date(2008, 12, 31), datetime.date(2008, 12, 31), False, 1, 1.0),
        (3, None, None, None, None, None, None),
        (
            4,
            '李四, "老四"\n第二行',
            datetime.date(2026, 2, 28),
            datetime.date(2026, 2, 28),
            True,
            9999999999,
            0.1,
        ),
    ]


def test_blank_text_reads_as_null_only_when_asked(probe):
    sql = f"SELECT id, name FROM {TABLE} WHERE id IN (2, 3) ORDER BY id"
    schema = {"id": pl.Int64, "name": pl.Utf8}

    assert read_frame(sql, None, schema)["name"].to_list() == ["", None]
    assert read_frame(sql, None, schema, blank_as_null=True)["name"].to_list() == [None, None]


def test_a_timestamp_read_as_text_is_the_database_s_text(probe):
    # Monitoring compares roll entries' updated_at as text with a stamp in this form.
    frame = read_frame(
        f"SELECT stamp, stamp FROM {TABLE} WHERE id = 1", None, {"stamp": pl.Utf8, "day": pl.Date}
    )

    assert frame["stamp"][0].startswith("2026-11-01 08:30:00")
    assert frame["day"].to_list() == [datetime.date(2026, 11, 1)]


def test_empty_result_has_the_schema(probe):
    frame = read_frame(_select(" WHERE id < 0"), None, SCHEMA)

    assert frame.height == 0
    assert frame.schema == pl.Schema(SCHEMA)


def test_params_fill_placeholders_and_none_runs_the_sql_as_written(probe):
    schema = {"id": pl.Int64}
    by_param = read_frame(
        f"SELECT id FROM {TABLE} WHERE name LIKE %s OR id = %s ORDER BY id", ["张%", 2], schema
    )
    escaped = read_frame(f"SELECT id FROM {TABLE} WHERE name LIKE '李%%' ORDER BY id", [], schema)
    literal = read_frame(f"SELECT id FROM {TABLE} WHERE name LIKE '李%' ORDER BY id", None, schema)

    assert by_param["id"].to_list() == [1, 2]
    assert escaped["id"].to_list() == [4]
    assert literal["id"].to_list() == [4]


def test_a_schema_that_does_not_match_the_query_is_refused(probe):
    with pytest.raises(pl.exceptions.SchemaError, match="column"):
        read_frame(f"SELECT id, name FROM {TABLE}", None, {"id": pl.Int64})


def test_a_result_spanning_blocks_with_a_column_null_in_a_whole_block(probe, monkeypatch):
    # Ids 101..2600: in the first 1,000 (one whole SQLite block) name and born are NULL, so
    # that block's columns have no type of their own; later ones hold text and dates.
    monkeypatch.setattr(frames, "BLOCK", 1000)
    rows = [
        (
            i,
            None if i <= 1100 else f"户主{i}",
            None if i <= 1100 else datetime.date(2000, 1, 1) + datetime.timedelta(days=i),
            i % 2 == 0,
            f"{i}.05",
            None,
            None,
        )
        for i in range(101, 2601)
    ]
    _insert(rows)

    frame = read_frame(_select(" WHERE id > 100"), None, SCHEMA)

    assert frame.schema == pl.Schema(SCHEMA)
    assert frame.height == 2500
    assert frame["id"].to_list() == list(range(101, 2601))
    assert frame["name"].null_count() == 1000
    last = datetime.date(2000, 1, 1) + datetime.timedelta(days=2600)
    assert frame.filter(pl.col("id") == 2600).row(0) == (
        2600,
        "户主2600",
        last,
        last,
        True,
        260005,
        None,
    )
    assert frame["born"].equals(frame["born_text"])
    assert frame["amount_fen"].sum() == sum(i * 100 + 5 for i in range(101, 2601))


def test_a_large_result_in_the_default_blocks(probe):
    n = frames.BLOCK * 2 + 17
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {TABLE} (id, name, born, flag, amount) "
            "WITH RECURSIVE s(i) AS (SELECT 1000 UNION ALL SELECT i + 1 FROM s WHERE i < %s) "
            "SELECT i, '名' || i, '2026-01-01', i %% 3 = 0, i FROM s",
            [999 + n],
        )

    frame = read_frame(
        f"SELECT id, name, flag, {fen_sql('amount')} FROM {TABLE} WHERE id >= 1000",
        None,
        {"id": pl.Int64, "name": pl.Utf8, "flag": pl.Boolean, "fen": pl.Int64},
    )

    assert frame.height == n
    assert frame["id"].n_unique() == n
    assert frame["flag"].sum() == sum(1 for i in range(1000, 1000 + n) if i % 3 == 0)
    assert frame["fen"].sum() == 100 * sum(range(1000, 1000 + n))
    assert frame.filter(pl.col("id") == 1000)["name"].to_list() == ["名1000"]


def test_write_frame_round_trip(db):
    _create_table()
    written = pl.DataFrame(
        {
            "id": [10, 11, 12],
            "name": ["王五", "", None],
            "born": [datetime.date(1990, 5, 6), None, datetime.date(2026, 11, 1)],
            "flag": [True, False, None],
            "amount": [Decimal("12.34"), Decimal("0.00"), None],
        },
        schema={
            "id": pl.Int64,
            "name": pl.Utf8,
            "born": pl.Date,
            "flag": pl.Boolean,
            "amount": pl.Decimal(14, 2),
        },
    )

    write_frame(TABLE, written)
    write_frame(TABLE, written.clear())  # nothing to write is not an error

    back = read_frame(
        f"SELECT id, name, born, flag, {fen_sql('amount')} FROM {TABLE} ORDER BY id",
        None,
        {"id": pl.Int64, "name": pl.Utf8, "born": pl.Date, "flag": pl.Boolean, "fen": pl.Int64},
    )
    assert back.rows() == [
        (10, "王五", datetime.date(1990, 5, 6), True, 1234),
        (11, "", None, False, 0),
        (12, None, datetime.date(2026, 11, 1), None, None),
    ]


def test_read_frames_reads_each_query(probe):
    got = read_frames(
        {
            "all": (_select(), None, SCHEMA),
            "named": (f"SELECT id FROM {TABLE} WHERE name = %s", ["张三"], {"id": pl.Int64}),
        }
    )

    assert got["all"].equals(read_frame(_select(), None, SCHEMA))
    assert got["named"]["id"].to_list() == [1]


@pytest.mark.django_db(transaction=True)
def test_read_frames_outside_a_transaction_on_separate_connections():
    # On PostgreSQL this takes the parallel path (three worker threads, their own connections).
    _create_table()
    try:
        _insert(ROWS)
        queries = {
            f"q{i}": (f"SELECT id FROM {TABLE} WHERE id > %s ORDER BY id", [i], {"id": pl.Int64})
            for i in range(4)
        }
        got = read_frames(queries)
        assert {name: f["id"].to_list() for name, f in got.items()} == {
            "q0": [1, 2, 3, 4],
            "q1": [2, 3, 4],
            "q2": [3, 4],
            "q3": [4],
        }
    finally:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE {TABLE}")


def test_postgresql_dates_are_refused_unless_printed_in_iso_style(probe):
    if connection.vendor != "postgresql":
        pytest.skip("DateStyle is PostgreSQL's")
    with connection.cursor() as cur:
        cur.execute("SET DateStyle = 'SQL, DMY'")  # undone with the test's transaction
    with pytest.raises(ImproperlyConfigured, match="DateStyle"):
        read_frame(_select(), None, SCHEMA)
    assert read_frame(f"SELECT id FROM {TABLE} ORDER BY id", None, {"id": pl.Int64}).height == 4
