"""Columnar adapters: read the registry into Polars frames and write results back in bulk.

No ORM objects: on PostgreSQL ``COPY (query) TO STDOUT`` streams CSV straight into Polars; on
SQLite a raw cursor fetch with dates and money read as text/integers (no per-row converters).
Writes use ``COPY FROM STDIN`` (PostgreSQL) or ``executemany`` (SQLite).
"""

from __future__ import annotations

import datetime
import io

import polars as pl
from django.db import connection

from jiuzhu.policy.engine.features import INPUT_SCHEMAS

PERSON_STATUS_SCHEMA = {
    "person_id": pl.Int64,
    "orphan": pl.Boolean,
    "unsupported_child": pl.Boolean,
    "obligor_status": pl.Utf8,
}


def _vendor() -> str:
    return connection.vendor


def _fen(col: str) -> str:
    if _vendor() == "postgresql":
        return f"ROUND({col} * 100)::bigint"
    return f"CAST(ROUND({col} * 100) AS INTEGER)"


def _text(col: str) -> str:
    if _vendor() == "postgresql":
        return f"{col}::text"
    # COALESCE: text even where NULL ("" reads as a missing date in _read).
    return f"COALESCE({col} || '', '')"


def _bool(col: str) -> str:
    if _vendor() == "postgresql":
        return f"{col}::int"
    return col


def _area_filter(alias: str, area_prefix: str, params: list) -> str:
    if not area_prefix:
        return ""
    params.append(area_prefix + "%")
    return f" AND {alias}.hukou_area_id LIKE %s"


def _read(
    sql: str, params: list, columns: list[str], schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """Run ``sql`` and return a frame with ``columns`` cast to ``schema`` (dates parsed)."""
    raw_schema = {
        c: (pl.Utf8 if schema[c] == pl.Date else pl.Int64 if schema[c] == pl.Boolean else schema[c])
        for c in columns
    }
    if _vendor() == "postgresql":
        with connection.cursor() as cur:
            pg = cur.cursor
            query = pg.mogrify(sql.replace("%s", "%s"), params) if params else sql
            if isinstance(query, bytes):
                query = query.decode()
            buf = io.BytesIO()
            with pg.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for data in copy:
                    buf.write(data)
        buf.seek(0)
        if buf.getbuffer().nbytes == 0:
            df = pl.DataFrame(schema=raw_schema)
        else:
            df = pl.read_csv(buf, has_header=False, new_columns=columns, schema=raw_schema)
    else:
        # SQLite through Django's own connection. Not through a second SQLite library in the same
        # process (ADBC links its own copy): closing one copy's file drops the other's POSIX locks,
        # and SQLite may then delete the WAL under a live connection ("disk I/O error").
        with connection.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
        df = pl.DataFrame(rows, schema=raw_schema, orient="row")
    casts = []
    for c in columns:
        t = schema[c]
        if t == pl.Date:
            casts.append(
                pl.when(pl.col(c).str.len_chars() >= 10)
                .then(pl.col(c).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
                .alias(c)
            )
        elif t == pl.Boolean:
            casts.append(pl.col(c).cast(pl.Boolean))
    return df.with_columns(casts) if casts else df


def registry_frames(
    *,
    area_prefix: str = "",
    household_ids: list[int] | None = None,
    since: datetime.date | None = None,
) -> dict[str, pl.DataFrame]:
    """The registry's active households in a subtree as the engine's input frames.

    ``since``: skip income and expense items that ended before this date (outside every window).
    """
    hs = INPUT_SCHEMAS
    jobs: dict[str, tuple] = {}

    def scope(alias: str, params: list) -> str:
        s = _area_filter(alias, area_prefix, params)
        if household_ids is not None:
            ids = ",".join(str(int(i)) for i in household_ids) or "NULL"
            s += f" AND {alias}.id IN ({ids})"
        return s

    p: list = []
    jobs["households"] = (
        "SELECT h.id, h.hukou_area_id, h.urban_rural FROM registry_household h "
        "WHERE h.status = 'active'" + scope("h", p),
        p,
        ["household_id", "area_code", "urban_rural"],
        hs["households"],
    )
    p = []
    jobs["persons"] = (
        f"SELECT m.id, m.household_id, {_text('m.birth_date')}, {_text('m.death_date')}, "
        f"{_bool('m.is_counted')}, m.disability_type, m.disability_grade, "
        f"{_bool('m.major_illness')}, m.labour_capacity, m.self_care, m.employment, "
        "m.school_stage FROM registry_person m JOIN registry_household h ON h.id = m.household_id "
        "WHERE h.status = 'active'" + scope("h", p),
        p,
        [
            "person_id",
            "household_id",
            "birth_date",
            "death_date",
            "is_counted",
            "disability_type",
            "disability_grade",
            "major_illness",
            "labour_capacity",
            "self_care",
            "employment",
            "school_stage",
        ],
        hs["persons"],
    )
    # Child and obligor status: read only where they differ from the defaults (a few people in a
    # hundred), then joined on — cheaper than carrying two more columns for every person.
    p = []
    jobs["person_status"] = (
        "SELECT m.id, CASE WHEN m.child_status = 'orphan' THEN 1 ELSE 0 END, "
        "CASE WHEN m.child_status = 'unsupported' THEN 1 ELSE 0 END, m.obligor_status "
        "FROM registry_person m JOIN registry_household h ON h.id = m.household_id "
        "WHERE h.status = 'active' AND (m.child_status <> 'none' OR m.obligor_status <> 'unknown')"
        + scope("h", p),
        p,
        ["person_id", "orphan", "unsupported_child", "obligor_status"],
        PERSON_STATUS_SCHEMA,
    )
    since_sql = ""
    p = []
    if since is not None:
        since_sql = " AND i.period_end >= %s"
    q = (
        f"SELECT i.household_id, i.person_id, i.kind, {_fen('i.amount')}, "
        f"{_text('i.period_start')}, {_text('i.period_end')}, {_bool('i.excluded')} "
        "FROM registry_incomeitem i JOIN registry_household h ON h.id = i.household_id "
        "WHERE h.status = 'active'"
    )
    q += scope("h", p)
    if since is not None:
        q += since_sql
        p.append(since.isoformat())
    jobs["income"] = (
        q,
        p,
        [
            "household_id",
            "person_id",
            "kind",
            "amount_fen",
            "period_start",
            "period_end",
            "excluded",
        ],
        hs["income"],
    )
    p = []
    jobs["assets"] = (
        f"SELECT a.household_id, a.kind, {_fen('a.value')}, {_bool('a.exempt')} "
        "FROM registry_asset a JOIN registry_household h ON h.id = a.household_id "
        "WHERE h.status = 'active'" + scope("h", p),
        p,
        ["household_id", "kind", "value_fen", "exempt"],
        hs["assets"],
    )
    p = []
    q = (
        f"SELECT i.household_id, i.kind, {_fen('i.amount')}, {_text('i.period_start')}, "
        f"{_text('i.period_end')} FROM registry_rigidexpense i "
        "JOIN registry_household h ON h.id = i.household_id WHERE h.status = 'active'"
    )
    q += scope("h", p)
    if since is not None:
        q += " AND i.period_end >= %s"
        p.append(since.isoformat())
    jobs["expenses"] = (
        q,
        p,
        ["household_id", "kind", "amount_fen", "period_start", "period_end"],
        hs["expenses"],
    )
    p = []
    q = (
        f"SELECT e.household_id, e.kind, {_text('e.event_date')}, {_fen('e.loss')} "
        "FROM registry_emergencyevent e JOIN registry_household h ON h.id = e.household_id "
        "WHERE h.status = 'active'"
    )
    q += scope("h", p)
    if since is not None:
        q += " AND e.event_date >= %s"
        p.append(since.isoformat())
    jobs["events"] = (
        q,
        p,
        ["household_id", "kind", "event_date", "loss_fen"],
        hs["events"],
    )
    p = []
    jobs["roll"] = (
        f"SELECT r.household_id, r.programme, {_fen('r.monthly_amount')}, "
        f"{_text('r.start_month')}, {_text('r.end_month')}, r.status FROM registry_rollentry r "
        "JOIN registry_household h ON h.id = r.household_id "
        "WHERE h.status = 'active' AND r.status = 'active'" + scope("h", p),
        p,
        ["household_id", "programme", "monthly_amount_fen", "start_month", "end_month", "status"],
        hs["roll"],
    )
    frames = _run_reads(jobs, parallel=household_ids is None)
    status = frames.pop("person_status")
    frames["persons"] = (
        frames["persons"]
        .join(status, on="person_id", how="left")
        .with_columns(
            pl.col("orphan", "unsupported_child").fill_null(False),
            pl.col("obligor_status").fill_null("unknown"),
        )
    )
    return frames


def _run_reads(jobs: dict[str, tuple], *, parallel: bool) -> dict[str, pl.DataFrame]:
    """Run the table reads; on PostgreSQL outside a transaction, three at a time on their own
    connections (the server scans while Python parses the previous CSV)."""
    if not (parallel and _vendor() == "postgresql" and not connection.in_atomic_block):
        return {name: _read(*args) for name, args in jobs.items()}
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def one(args):
        try:
            return _read(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(one, args) for name, args in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def bulk_insert(table: str, columns: list[str], df: pl.DataFrame, *, batch: int = 50_000) -> None:
    """Insert a frame's rows into ``table`` (COPY on PostgreSQL, executemany on SQLite)."""
    if df.height == 0:
        return
    if _vendor() == "postgresql":
        buf = io.BytesIO()
        df.select(columns).write_csv(buf, include_header=False)
        buf.seek(0)
        with (
            connection.cursor() as cur,
            cur.cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
            ) as copy,
        ):
            while chunk := buf.read(1 << 20):
                copy.write(chunk)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cur:
        for start in range(0, df.height, batch):
            part = df.slice(start, batch).select(columns)
            cur.executemany(sql, part.rows())


def bulk_update_scores(df: pl.DataFrame) -> None:
    """Set ``registry_household.hardship_score`` from a frame (household_id, score)."""
    if df.height == 0:
        return
    with connection.cursor() as cur:
        if _vendor() == "postgresql":
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS policy_tmp_score "
                "(id bigint PRIMARY KEY, score numeric(6,2)) ON COMMIT DROP"
            )
            cur.execute("TRUNCATE policy_tmp_score")
        else:
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS policy_tmp_score "
                "(id integer PRIMARY KEY, score text)"
            )
            cur.execute("DELETE FROM policy_tmp_score")
    bulk_insert(
        "policy_tmp_score",
        ["id", "score"],
        df.select(pl.col("household_id").alias("id"), pl.col("score").cast(pl.Utf8).alias("score")),
    )
    with connection.cursor() as cur:
        if _vendor() == "postgresql":
            cur.execute("ANALYZE policy_tmp_score")
            # Only rows whose score changes: a nightly run rewrites few rows, not the table.
            cur.execute(
                "UPDATE registry_household h SET hardship_score = t.score "
                "FROM policy_tmp_score t WHERE h.id = t.id "
                "AND h.hardship_score IS DISTINCT FROM t.score"
            )
        else:
            cur.execute(
                "UPDATE registry_household SET hardship_score = t.score "
                "FROM policy_tmp_score t WHERE registry_household.id = t.id "
                "AND registry_household.hardship_score IS NOT CAST(t.score AS REAL)"
            )
            cur.execute("DROP TABLE policy_tmp_score")
