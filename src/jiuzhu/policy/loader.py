"""The registry as the policy engine's input frames, and the run's results written back in bulk.

Reads and writes go through ``jiuzhu.core.frames`` (COPY on PostgreSQL; Django's cursor on
SQLite); this module holds only the policy queries: dates read as text, money as integer fen.
"""

from __future__ import annotations

import datetime

import polars as pl
from django.db import connection

from jiuzhu.core.frames import (
    date_sql,
    fen_sql,
    is_postgresql,
    json_text,
    read_frames,
    write_frame,
)
from jiuzhu.policy.engine.features import INPUT_SCHEMAS, VERIFIED_KINDS

# Facts that differ from their defaults for a few people in a hundred: read apart and joined on.
PERSON_STATUS_SCHEMA = {
    "person_id": pl.Int64,
    "orphan": pl.Boolean,
    "unsupported_child": pl.Boolean,
    "cannot_live_independently": pl.Boolean,
    "religious_site_years": pl.Int64,
    "in_prison": pl.Boolean,
    "in_drug_rehab": pl.Boolean,
    "declared_missing": pl.Boolean,
    "other_exclusion": pl.Boolean,
    "obligors_checked": pl.Boolean,
}
SELF_CARE_SCHEMA = {
    "person_id": pl.Int64,
    "as_of": pl.Date,
    "assessment_id": pl.Int64,
    "adl_unable": pl.Int64,
}
_ITEMS = ("eating", "dressing", "transfer", "toileting", "walking", "bathing")


def _flag(expr: str) -> str:
    return f"CASE WHEN {expr} THEN 1 ELSE 0 END"


def _area_filter(alias: str, area_prefix: str, params: list) -> str:
    if not area_prefix:
        return ""
    params.append(area_prefix + "%")
    return f" AND {alias}.hukou_area_id LIKE %s"


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
    # The facts, never the registry's conclusions: who is counted (低保办法 Art. 7) from the
    # relation, co-residence and exclusion facts; self-care from the six items; obligors from
    # their Art. 8 facts (features.person_facts decides, as for the calculator).
    jobs["persons"] = (
        f"SELECT m.id, m.household_id, {date_sql('m.birth_date')}, {date_sql('m.death_date')}, "
        f"m.disability_type, m.disability_grade, "
        f"m.major_illness, m.labour_capacity, m.employment, "
        "m.school_stage, m.relation, m.lives_together "
        "FROM registry_person m JOIN registry_household h ON h.id = m.household_id "
        "WHERE h.status = 'active'" + scope("h", p),
        p,
        [
            "person_id",
            "household_id",
            "birth_date",
            "death_date",
            "disability_type",
            "disability_grade",
            "major_illness",
            "labour_capacity",
            "employment",
            "school_stage",
            "relation",
            "lives_together",
        ],
        hs["persons"],
    )
    # Child status, Art. 7 exclusions and whether the obligors were checked: read only where they
    # differ from the defaults (a few people in a hundred), then joined on.
    p = []
    has_obligor = "EXISTS (SELECT 1 FROM registry_obligor o WHERE o.person_id = m.id)"
    checked = f"(m.obligors_checked_on IS NOT NULL OR {has_obligor})"
    orphan = _flag("m.child_status = 'orphan'")
    unsupported = _flag("m.child_status = 'unsupported'")
    other = _flag("m.other_exclusion <> ''")
    jobs["person_status"] = (
        f"SELECT m.id, {orphan}, {unsupported}, "
        f"{_flag('m.cannot_live_independently')}, m.religious_site_years, "
        f"{_flag('m.in_prison')}, {_flag('m.in_drug_rehab')}, {_flag('m.declared_missing')}, "
        f"{other}, {_flag(checked)} "
        "FROM registry_person m JOIN registry_household h ON h.id = m.household_id "
        "WHERE h.status = 'active' AND (m.child_status <> 'none' OR m.cannot_live_independently "
        "OR m.religious_site_years IS NOT NULL OR m.in_prison OR m.in_drug_rehab "
        f"OR m.declared_missing OR m.other_exclusion <> '' OR {checked})" + scope("h", p),
        p,
        list(PERSON_STATUS_SCHEMA),
        PERSON_STATUS_SCHEMA,
    )
    # Each person's self-care assessments (the latest is used: 特困办法 Art. 20–23).
    p = []
    unable = " + ".join(_flag(f"NOT s.{k}") for k in _ITEMS)
    jobs["self_care"] = (
        f"SELECT s.person_id, {date_sql('s.as_of')}, s.id, {unable} "
        "FROM registry_selfcareassessment s JOIN registry_household h ON h.id = s.household_id "
        "WHERE h.status = 'active' AND s.person_id IS NOT NULL" + scope("h", p),
        p,
        list(SELF_CARE_SCHEMA),
        SELF_CARE_SCHEMA,
    )
    p = []
    jobs["obligors"] = (
        f"SELECT o.household_id, o.person_id, {date_sql('o.birth_date')}, "
        f"{_flag('o.on_tekun')}, {_flag('o.on_dibao')}, o.disability_type, o.disability_grade, "
        f"{fen_sql('o.income_year')}, o.property_within_limits, "
        f"{_flag('o.no_legal_capacity')}, {_flag('o.declared_missing')}, {_flag('o.in_prison')} "
        "FROM registry_obligor o JOIN registry_household h ON h.id = o.household_id "
        "WHERE h.status = 'active' AND o.person_id IS NOT NULL" + scope("h", p),
        p,
        [
            "household_id",
            "person_id",
            "birth_date",
            "on_tekun",
            "on_dibao",
            "disability_type",
            "disability_grade",
            "income_year_fen",
            "property_within_limits",
            "no_legal_capacity",
            "declared_missing",
            "in_prison",
        ],
        hs["obligors"],
    )
    p = []
    jobs["job_offers"] = (
        f"SELECT j.household_id, j.person_id, {date_sql('j.as_of')}, {_flag('j.refused')} "
        "FROM registry_joboffer j JOIN registry_household h ON h.id = j.household_id "
        "WHERE h.status = 'active' AND j.person_id IS NOT NULL" + scope("h", p),
        p,
        ["household_id", "person_id", "offered_on", "refused"],
        hs["job_offers"],
    )
    since_sql = ""
    p = []
    if since is not None:
        since_sql = " AND i.period_end >= %s"
    q = (
        f"SELECT i.household_id, i.person_id, i.kind, {fen_sql('i.amount')}, "
        f"{date_sql('i.period_start')}, {date_sql('i.period_end')}, i.excluded, i.category "
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
            "category",
        ],
        hs["income"],
    )
    p = []
    jobs["assets"] = (
        f"SELECT a.household_id, a.kind, {fen_sql('a.value')}, a.exempt, a.residential "
        "FROM registry_asset a JOIN registry_household h ON h.id = a.household_id "
        "WHERE h.status = 'active'" + scope("h", p),
        p,
        ["household_id", "kind", "value_fen", "exempt", "residential"],
        hs["assets"],
    )
    p = []
    q = (
        f"SELECT i.household_id, i.kind, {fen_sql('i.amount')}, {date_sql('i.period_start')}, "
        f"{date_sql('i.period_end')} FROM registry_rigidexpense i "
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
        f"SELECT e.household_id, e.kind, {date_sql('e.event_date')}, {fen_sql('e.loss')} "
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
        f"SELECT r.household_id, r.person_id, r.programme, {fen_sql('r.monthly_amount')}, "
        f"{date_sql('r.start_month')}, {date_sql('r.end_month')}, r.status FROM registry_rollentry r "
        "JOIN registry_household h ON h.id = r.household_id "
        "WHERE h.status = 'active' AND r.status = 'active'" + scope("h", p),
        p,
        [
            "household_id",
            "person_id",
            "programme",
            "monthly_amount_fen",
            "start_month",
            "end_month",
            "status",
        ],
        hs["roll"],
    )
    p = []
    jobs["verified"] = (_verified_sql(scope("h", p)), p, list(hs["verified"]), hs["verified"])
    queries = {
        name: (sql, params, {c: schema[c] for c in columns})
        for name, (sql, params, columns, schema) in jobs.items()
    }
    frames = read_frames(queries, parallel=household_ids is None)
    status = frames.pop("person_status")
    care = (
        frames.pop("self_care")
        .sort("person_id", "as_of", "assessment_id")
        .unique("person_id", keep="last")
        .select("person_id", "adl_unable")
    )
    frames["persons"] = (
        frames["persons"]
        .join(status, on="person_id", how="left")
        .join(care, on="person_id", how="left")
        .with_columns(
            pl.col(
                "orphan",
                "unsupported_child",
                "cannot_live_independently",
                "in_prison",
                "in_drug_rehab",
                "declared_missing",
                "other_exclusion",
                "obligors_checked",
            ).fill_null(False)
        )
    )
    return frames


# The department record fields that name a vehicle, company or property (the registration number
# a registry asset carries): jiuzhu.verify.adapters.REF_FIELDS.
_REF_FIELDS = ("plate_no", "credit_code", "record_id")


def _verified_sql(scope_sql: str) -> str:
    """核对 findings that are facts about assets and income (features.merge_verified), of each
    household's latest check (the check with the highest id), without the assets the registry
    already holds under the same registration number (a worker entered the car the 核对 found)."""
    kinds = ", ".join(f"'{k}'" for k in VERIFIED_KINDS)
    ref = (
        "COALESCE("
        + ", ".join(f"NULLIF({json_text('r.data', k)}, '')" for k in _REF_FIELDS)
        + ", '')"
    )
    return (
        f"SELECT f.household_id, f.person_id, f.kind, {fen_sql('f.amount')}, "
        f"{date_sql('f.as_of')}, f.department FROM verify_finding f "
        "JOIN registry_household h ON h.id = f.household_id "
        "LEFT JOIN verify_feedrecord r "
        f"ON r.id = CAST({json_text('f.detail', 'record_id')} AS BIGINT) "
        f"WHERE h.status = 'active' AND f.kind IN ({kinds}) "
        "AND f.check_run_id = "
        "(SELECT MAX(c.id) FROM verify_check c WHERE c.household_id = f.household_id) "
        "AND NOT EXISTS (SELECT 1 FROM registry_asset a WHERE a.household_id = f.household_id "
        f"AND a.kind = f.kind AND a.registration_no <> '' AND a.registration_no = {ref})"
        + scope_sql
    )


def bulk_update_scores(df: pl.DataFrame) -> None:
    """Set ``registry_household.hardship_score`` from a frame (household_id, score)."""
    if df.height == 0:
        return
    with connection.cursor() as cur:
        if is_postgresql():
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
    write_frame(
        "policy_tmp_score",
        df.select(pl.col("household_id").alias("id"), pl.col("score").cast(pl.Utf8).alias("score")),
    )
    with connection.cursor() as cur:
        if is_postgresql():
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
