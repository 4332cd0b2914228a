"""The registry's columnar readers: its tables as typed Polars frames for the engines.

Other apps (the policy engine's loader, …) read the registry through these functions, never with
their own SQL on the registry's tables. Reads go through ``jiuzhu.core.frames``.
"""

from __future__ import annotations

import datetime

import polars as pl

from jiuzhu.core.frames import date_sql, fen_sql

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


def registry_frame_queries(
    *,
    schemas: dict[str, dict],
    area_prefix: str = "",
    household_ids: list[int] | None = None,
    since: datetime.date | None = None,
    extra: dict | None = None,
) -> dict[str, tuple]:
    """The queries (``core.frames.read_frames``) for the registry's active households in a
    subtree, typed by ``schemas`` (the caller's input contract, e.g. the policy engine's).

    ``since``: skip income and expense items that ended before this date (outside every window).
    ``extra``: name → ``f(scope_sql, params) -> (sql, columns, schema)`` for another owner's
    query restricted to the same households (alias ``h`` is ``registry_household``).
    ``person_status`` comes back as its own frame: join it with ``persons_with_status``.
    """
    hs = schemas
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
    for name, build in (extra or {}).items():
        p = []
        sql, columns, schema = build(scope("h", p), p)
        jobs[name] = (sql, p, columns, schema)
    return {
        name: (sql, params, {c: schema[c] for c in columns})
        for name, (sql, params, columns, schema) in jobs.items()
    }


def persons_with_status(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Join the few non-default facts (child status, Art. 7 exclusions, obligors checked) and each
    person's latest self-care assessment (特困办法 Art. 20–23) onto the persons frame (in place)."""
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
