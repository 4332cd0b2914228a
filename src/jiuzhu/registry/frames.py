"""The registry's columnar readers: its tables as typed Polars frames for the engines.

Other apps (the policy engine's loader, …) read the registry through these functions, never with
their own SQL on the registry's tables. Reads go through ``jiuzhu.core.frames``.
"""

from __future__ import annotations

import datetime

import polars as pl

from jiuzhu.core.frames import date_sql, fen_sql, read_frame

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


# ------------------------------------------------------------------ SQL for other apps' readers
# Another app's columnar reader that must join the registry in the database (a join of millions
# of rows cannot go through Python) takes these fragments: the registry's table names and the
# meaning of its columns (an area subtree, a current roll entry, a household's head) stay here.
# The columns another app may read: person ``id, household_id, id_number, name, relation,
# death_date, disability_grade, school_stage``; household ``id, hukou_area_id, status``;
# roll entry ``id, household_id, person_id, programme, monthly_amount, start_month, end_month,
# status, decision_ref``; asset ``household_id, kind, registration_no``.


def person_table(alias: str) -> str:
    """``FROM`` item: the registry's persons as ``alias``."""
    return f"registry_person {alias}"


def household_table(alias: str) -> str:
    """``FROM`` item: the registry's households as ``alias``."""
    return f"registry_household {alias}"


def roll_entry_table(alias: str) -> str:
    """``FROM`` item: the registry's roll entries as ``alias``."""
    return f"registry_rollentry {alias}"


def join_person(alias: str, on: str, *, left: bool = False) -> str:
    """``JOIN`` the person whose id is ``on`` as ``alias``."""
    return f"{'LEFT ' if left else ''}JOIN registry_person {alias} ON {alias}.id = {on}"


def join_person_by_id_number(alias: str, id_number: str) -> str:
    """``JOIN`` the person whose (clean, 18-character) ID number is ``id_number``."""
    return f"JOIN registry_person {alias} ON {alias}.id_number = {id_number}"


def join_household(alias: str, on: str) -> str:
    """``JOIN`` the household whose id is ``on`` as ``alias``."""
    return f"JOIN registry_household {alias} ON {alias}.id = {on}"


def join_roll_entry(alias: str, on: str) -> str:
    """``JOIN`` the roll entry whose id is ``on`` as ``alias``."""
    return f"JOIN registry_rollentry {alias} ON {alias}.id = {on}"


def in_area(alias: str) -> str:
    """The household ``alias`` lies in an area subtree: two parameters, ``[prefix, prefix_end]``."""
    return f"{alias}.hukou_area_id >= %s AND {alias}.hukou_area_id < %s"


def head_of(household: str) -> str:
    """A sub-query: the id of the head of the household whose id is ``household``."""
    return (
        f"(SELECT hd.id FROM registry_person hd WHERE hd.household_id = {household} "
        "AND hd.relation = 'head' ORDER BY hd.id LIMIT 1)"
    )


def on_roll_households_sql() -> str:
    """A sub-query: the ids of the households with an active roll entry."""
    return "SELECT household_id FROM registry_rollentry WHERE status = 'active'"


def declared_asset_exists(household: str, kind: str, ref: str) -> str:
    """A condition: the household ``household`` declared an asset of ``kind`` registered as ``ref``
    (a non-empty registration number)."""
    return (
        f"EXISTS (SELECT 1 FROM registry_asset a WHERE a.household_id = {household} "
        f"AND a.kind = {kind} AND a.registration_no <> '' AND a.registration_no = {ref})"
    )


# ------------------------------------------------------------------ columnar readers


ROLL_ENTRY_SCHEMA = {
    "entry_id": pl.Int64,
    "household_id": pl.Int64,
    "person_id": pl.Int64,
    "programme": pl.Utf8,
    "monthly_fen": pl.Int64,
    "start_month": pl.Date,
    "end_month": pl.Date,
    "status": pl.Utf8,
    "decision_ref": pl.Utf8,
    "source": pl.Utf8,
    "hukou_area_id": pl.Utf8,
}


def roll_entries_in_area(
    area_range: list[str], programmes: list[str], month: datetime.date
) -> pl.DataFrame:
    """Every roll entry of ``programmes`` in the area subtree ``[start, end)`` that started by
    ``month`` (stopped and ended ones included: a payroll reads their history)."""
    marks = ", ".join(["%s"] * len(programmes))
    return read_frame(
        f"SELECT r.id, r.household_id, r.person_id, r.programme, {fen_sql('r.monthly_amount')}, "
        f"{date_sql('r.start_month')}, {date_sql('r.end_month')}, r.status, r.decision_ref, "
        "r.source, h.hukou_area_id "
        "FROM registry_rollentry r JOIN registry_household h ON h.id = r.household_id "
        f"WHERE {in_area('h')} AND r.programme IN ({marks}) AND r.start_month <= %s",
        [*area_range, *programmes, month],
        ROLL_ENTRY_SCHEMA,
    )


CURRENT_ENTRY_SCHEMA = {
    "other_entry_id": pl.Int64,
    "household_id": pl.Int64,
    "other_person_id": pl.Int64,
    "other_programme": pl.Utf8,
}


def current_entries_in_area(
    area_range: list[str], programmes: list[str], month: datetime.date
) -> pl.DataFrame:
    """Roll entries of ``programmes`` in the area subtree current in ``month`` (not stopped)."""
    if not programmes:
        return pl.DataFrame(schema=CURRENT_ENTRY_SCHEMA)
    marks = ", ".join(["%s"] * len(programmes))
    return read_frame(
        "SELECT r.id, r.household_id, r.person_id, r.programme "
        "FROM registry_rollentry r JOIN registry_household h ON h.id = r.household_id "
        f"WHERE {in_area('h')} AND r.programme IN ({marks}) AND r.start_month <= %s "
        "AND (r.end_month IS NULL OR r.end_month >= %s) AND r.status <> 'stopped'",
        [*area_range, *programmes, month, month],
        CURRENT_ENTRY_SCHEMA,
    )


def dead_persons_in_area(area_range: list[str]) -> pl.DataFrame:
    """Persons with a death date in the area subtree."""
    return read_frame(
        f"SELECT p.id, p.household_id, p.relation, {date_sql('p.death_date')}, p.name "
        "FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
        f"WHERE {in_area('h')} AND p.death_date IS NOT NULL",
        area_range,
        {
            "person_id": pl.Int64,
            "household_id": pl.Int64,
            "relation": pl.Utf8,
            "death_date": pl.Date,
            "name": pl.Utf8,
        },
    )


def paid_roll(month: str) -> pl.DataFrame:
    """Active roll entries paying in ``month`` (ISO first day): who, programme, fen, area."""
    return read_frame(
        "SELECT r.id, r.household_id, r.person_id, r.programme, "
        f"{fen_sql('r.monthly_amount')}, h.hukou_area_id, r.updated_at "
        "FROM registry_rollentry r JOIN registry_household h ON h.id = r.household_id "
        "WHERE r.status = 'active' AND r.start_month <= %s "
        "AND (r.end_month IS NULL OR r.end_month >= %s)",
        [month, month],
        {
            "roll_entry_id": pl.Int64,
            "household_id": pl.Int64,
            "person_id": pl.Int64,
            "programme": pl.Utf8,
            "amount_fen": pl.Int64,
            "area_code": pl.Utf8,
            "updated_at": pl.Utf8,
        },
    )


MEMBER_SCHEMA = {
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "person_name": pl.Utf8,
    "birth_date": pl.Date,
    "labour_capacity": pl.Utf8,
    "is_counted": pl.Boolean,
}


def _ids(ids) -> str:
    return ", ".join(str(int(i)) for i in ids)


def living_members(household_ids: list[int] | None) -> pl.DataFrame:
    """Living members of the given households (or of every household on a roll)."""
    if household_ids is not None and not household_ids:
        return pl.DataFrame(schema=MEMBER_SCHEMA)
    where = (
        f"p.household_id IN ({_ids(household_ids)})"
        if household_ids is not None
        else f"p.household_id IN ({on_roll_households_sql()})"
    )
    return read_frame(
        "SELECT p.id, p.household_id, p.name, p.birth_date, p.labour_capacity, p.is_counted "
        f"FROM registry_person p WHERE {where} AND p.death_date IS NULL",
        [],
        MEMBER_SCHEMA,
    )


def persons_born_between(ranges: list[tuple[datetime.date, datetime.date, int]]) -> pl.DataFrame:
    """Living persons of households on a roll born in (start, end] of any range, with the age."""
    if not ranges:
        return pl.DataFrame(schema={**MEMBER_SCHEMA, "age": pl.Int64})
    parts, params = [], []
    for start, end, age in ranges:
        parts.append(
            f"SELECT p.id, p.household_id, p.name, p.birth_date, p.labour_capacity, "
            f"p.is_counted, {int(age)} FROM registry_person p "
            "WHERE p.birth_date > %s AND p.birth_date <= %s AND p.death_date IS NULL "
            f"AND p.household_id IN ({on_roll_households_sql()})"
        )
        params += [start.isoformat(), end.isoformat()]
    return read_frame(" UNION ALL ".join(parts), params, {**MEMBER_SCHEMA, "age": pl.Int64})


def household_areas(household_ids) -> pl.DataFrame:
    """``household_id, area_code`` (the 户籍 village) of the given households."""
    schema = {"household_id": pl.Int64, "area_code": pl.Utf8}
    ids = _ids(household_ids)
    if not ids:
        return pl.DataFrame(schema=schema)
    return read_frame(
        f"SELECT id, hukou_area_id FROM registry_household WHERE id IN ({ids})", [], schema
    )


def declared_registrations(household_ids) -> pl.DataFrame:
    """``household_id, ref``: the registration numbers of the assets the households declared."""
    if not _ids(household_ids):
        return pl.DataFrame(schema={"household_id": pl.Int64, "ref": pl.Utf8})
    return read_frame(
        "SELECT household_id, registration_no FROM registry_asset WHERE registration_no <> '' "
        f"AND household_id IN ({_ids(household_ids)})",
        [],
        {"household_id": pl.Int64, "ref": pl.Utf8},
    )


def name_counts() -> pl.DataFrame:
    """``name, n``: how many registry persons bear each name."""
    return read_frame(
        "SELECT name, COUNT(*) FROM registry_person GROUP BY name",
        None,
        {"name": pl.Utf8, "n": pl.Int64},
    )


def persons_by_id_number(numbers: list[str]) -> pl.DataFrame:
    """``person_id, id_number`` of the persons bearing any of the (clean) ``numbers``."""
    schema = {"person_id": pl.Int64, "id_number": pl.Utf8}
    parts = [pl.DataFrame(schema=schema)]
    for i in range(0, len(numbers), 5000):
        block = numbers[i : i + 5000]
        parts.append(
            read_frame(
                "SELECT id, id_number FROM registry_person "
                f"WHERE id_number IN ({', '.join(['%s'] * len(block))})",
                block,
                schema,
            )
        )
    return pl.concat(parts)


def roll_households(area_range: list[str] | None = None) -> pl.DataFrame:
    """``household_id, head_name`` of every household with an active roll entry (in the area
    subtree ``[start, end)`` if given), by id."""
    where, params = "", []
    if area_range:
        where, params = f" AND {in_area('h')}", list(area_range)
    return read_frame(
        "SELECT DISTINCT h.id, h.head_name FROM registry_household h "
        "JOIN registry_rollentry r ON r.household_id = h.id "
        f"WHERE r.status = 'active'{where} ORDER BY h.id",
        params,
        {"household_id": pl.Int64, "head_name": pl.Utf8},
    )


def roll_heads(programme: str, area_range: list[str] | None = None) -> pl.DataFrame:
    """``entry_id, household_id, head_id``: the open household-level entries of ``programme``
    (active, no end month) whose head is alive (in the area subtree if given), by entry id."""
    where, params = "", [programme]
    if area_range:
        where, params = f" AND {in_area('h')}", [programme, *area_range]
    return read_frame(
        "SELECT r.id, r.household_id, p.id FROM registry_rollentry r "
        "JOIN registry_household h ON h.id = r.household_id "
        "JOIN registry_person p ON p.household_id = h.id AND p.relation = 'head' "
        "WHERE r.programme = %s AND r.status = 'active' AND r.person_id IS NULL "
        f"AND r.end_month IS NULL AND p.death_date IS NULL{where} ORDER BY r.id",
        params,
        {"entry_id": pl.Int64, "household_id": pl.Int64, "head_id": pl.Int64},
    )
