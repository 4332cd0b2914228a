"""The registry export format (docs/registry-export.md), shared by `jiuzhu synth` and the import.

One file per table (CSV in UTF-8 or Parquet), plus ``manifest.json``. Every column has a logical
type; the import reads every column as text and checks it against that type, so CSV and Parquet
go through the same rules. Money is a decimal yuan string with exactly two places ("1234.50"),
never a float. Rows of other files refer to a household by ``household_number`` and to a member
by ``(household_number, member_no)``.

This module is plain Python: no Django.
"""

from __future__ import annotations

FORMAT_NAME = "jiuzhu-registry-export"
FORMAT_VERSION = 3
# Versions the import reads. Version 1 has no ``emergency_events`` file and no child / obligor
# columns in ``persons``: those read as their defaults (``ADDED_COLUMNS``). Version 3 holds the
# facts the rules test instead of conclusions: the Art. 7 relation facts in ``persons`` and the
# files ``self_care_assessments``, ``obligors`` and ``job_offers``; the version 1–2 conclusion
# columns ``self_care``, ``obligor_status`` and ``obligor_unable_reason`` are not read (see
# docs/registry-export.md: such a file's people read as not assessed / obligors not checked).
READABLE_VERSIONS = (1, 2, 3)
MANIFEST = "manifest.json"
GROUND_TRUTH = "ground_truth.csv"

# Logical types: str, code (one of a fixed set), int, bool, date (YYYY-MM-DD), month (YYYY-MM-01),
# money (yuan with 2 places), id_number, area (12-digit code that exists), phone, count (a whole
# number ≥ 0). A code column also takes its Chinese label (户主, 城市, 肢体 …); a bool takes 是/否.
# (column, type, required)
TABLES: dict[str, list[tuple[str, str, bool]]] = {
    "households": [
        ("number", "str", True),
        ("hukou_area", "area", True),
        ("residence_area", "area", False),
        ("urban_rural", "code", True),
        ("address", "str", False),
        ("phone", "phone", False),
        ("phone_updated_on", "date", False),
        ("status", "code", True),
    ],
    "persons": [
        ("household_number", "ref", True),
        ("member_no", "int", True),
        ("relation", "code", True),
        ("is_counted", "bool", True),
        ("id_number", "id_number", False),
        ("name", "str", True),
        ("sex", "code", True),
        ("birth_date", "date", True),
        ("phone", "phone", False),
        ("disability_type", "code", False),
        ("disability_grade", "int", False),
        ("disability_certificate", "str", False),
        ("major_illness", "bool", True),
        ("chronic_illness", "bool", True),
        ("illness_note", "str", False),
        ("labour_capacity", "code", True),
        ("employment", "code", True),
        ("school_stage", "code", True),
        ("death_date", "date", False),
        ("child_status", "code", False),
        ("phone_updated_on", "date", False),
        ("support_mode", "code", False),
        ("care_institution", "str", False),
        # 共同生活家庭成员的事实 (低保办法第七条); empty lives_together = not checked
        ("lives_together", "bool", False),
        ("cannot_live_independently", "bool", False),
        ("religious_site_years", "count", False),
        ("in_prison", "bool", False),
        ("in_drug_rehab", "bool", False),
        ("declared_missing", "bool", False),
        ("other_exclusion", "str", False),
        # 法定义务人核实日期: the obligors are rows of ``obligors``; empty = not checked
        ("obligors_checked_on", "date", False),
    ],
    "income_items": [
        ("household_number", "ref", True),
        ("member_no", "int", False),
        ("kind", "code", True),
        ("amount", "money", True),
        ("period_start", "month", True),
        ("period_end", "month", True),
        ("excluded", "bool", True),
        ("source", "source", True),
        ("as_of", "date", True),
        ("note", "str", False),
    ],
    "assets": [
        ("household_number", "ref", True),
        ("member_no", "int", False),
        ("kind", "code", True),
        ("value", "money", True),
        ("description", "str", False),
        ("registration_no", "str", False),
        ("exempt", "bool", True),
        ("source", "source", True),
        ("as_of", "date", True),
        ("note", "str", False),
    ],
    "rigid_expenses": [
        ("household_number", "ref", True),
        ("member_no", "int", False),
        ("kind", "code", True),
        ("amount", "money", True),
        ("period_start", "month", True),
        ("period_end", "month", True),
        ("source", "source", True),
        ("as_of", "date", True),
        ("note", "str", False),
    ],
    "emergency_events": [
        ("household_number", "ref", True),
        ("member_no", "int", False),
        ("kind", "code", True),
        ("event_date", "date", True),
        ("loss", "money", True),
        ("source", "source", True),
        ("as_of", "date", True),
        ("note", "str", False),
    ],
    # 自理能力评估 (特困办法第二十条): true = can do the item unaided
    "self_care_assessments": [
        ("household_number", "ref", True),
        ("member_no", "int", True),
        ("eating", "bool", True),
        ("dressing", "bool", True),
        ("transfer", "bool", True),
        ("toileting", "bool", True),
        ("walking", "bool", True),
        ("bathing", "bool", True),
        ("assessor", "str", True),
        ("source", "source", True),
        ("as_of", "date", True),
        ("note", "str", False),
    ],
    # 法定义务人 (特困办法第八条) of the member ``member_no``
    "obligors": [
        ("household_number", "ref", True),
        ("member_no", "int", True),
        ("kind", "code", True),
        ("name", "str", False),
        ("birth_date", "date", False),
        ("on_tekun", "bool", False),
        ("on_dibao", "bool", False),
        ("disability_type", "code", False),
        ("disability_grade", "int", False),
        ("income_year", "money", False),
        ("property_within_limits", "bool", False),
        ("no_legal_capacity", "bool", False),
        ("declared_missing", "bool", False),
        ("in_prison", "bool", False),
        ("source", "source", True),
        ("as_of", "date", True),
        ("note", "str", False),
    ],
    # 就业推荐 (低保办法第三十四条)
    "job_offers": [
        ("household_number", "ref", True),
        ("member_no", "int", True),
        ("kind", "code", True),
        ("employer", "str", True),
        ("refused", "bool", True),
        ("source", "source", True),
        ("as_of", "date", True),
        ("note", "str", False),
    ],
    "roll_entries": [
        ("household_number", "ref", True),
        ("member_no", "int", False),
        ("programme", "str", True),
        ("monthly_amount", "money", True),
        ("start_month", "month", True),
        ("end_month", "month", False),
        ("status", "code", True),
        ("decision_ref", "str", False),
        ("source", "source", True),
    ],
}
TABLE_ORDER = list(TABLES)
# Files an export may leave out (an empty table); the others must be present.
OPTIONAL_TABLES = {"emergency_events", "self_care_assessments", "obligors", "job_offers"}
# Columns added after version 1: a file without them reads as these values in every row
# (None: empty, the column's default).
ADDED_COLUMNS: dict[tuple[str, str], str | None] = {
    ("persons", "child_status"): "none",
    # Added in the same version without a bump (optional, blank by default): the phone's last
    # confirmation (blank: the import date when there is a phone) and the 特困 support mode.
    ("households", "phone_updated_on"): "",
    ("persons", "phone_updated_on"): "",
    ("persons", "support_mode"): "",
    ("persons", "care_institution"): "",
    **{
        ("persons", c): None
        for c in (
            "lives_together",
            "cannot_live_independently",
            "religious_site_years",
            "in_prison",
            "in_drug_rehab",
            "declared_missing",
            "other_exclusion",
            "obligors_checked_on",
        )
    },
}

# Maximum lengths of text columns (the database's).
MAX_LENGTH = {
    ("households", "number"): 24,
    ("households", "address"): 200,
    ("households", "phone"): 20,
    ("persons", "name"): 60,
    ("persons", "phone"): 20,
    ("persons", "disability_certificate"): 24,
    ("persons", "illness_note"): 200,
    ("persons", "care_institution"): 100,
    ("persons", "other_exclusion"): 200,
    ("self_care_assessments", "assessor"): 60,
    ("obligors", "name"): 60,
    ("job_offers", "employer"): 100,
    ("assets", "description"): 200,
    ("assets", "registration_no"): 64,
    ("roll_entries", "programme"): 40,
    ("roll_entries", "decision_ref"): 64,
}
for _t in (
    "income_items",
    "assets",
    "rigid_expenses",
    "emergency_events",
    "self_care_assessments",
    "obligors",
    "job_offers",
):
    MAX_LENGTH[(_t, "note")] = 200
    MAX_LENGTH[(_t, "source")] = 40
MAX_LENGTH[("roll_entries", "source")] = 40

# Money columns that may be negative (a business can make a net loss).
SIGNED_MONEY = {("income_items", "amount")}

TABLE_LABELS = {
    "households": "家庭",
    "persons": "家庭成员",
    "income_items": "收入",
    "assets": "财产",
    "rigid_expenses": "刚性支出",
    "emergency_events": "急难事件",
    "self_care_assessments": "自理能力评估",
    "obligors": "法定义务人",
    "job_offers": "就业推荐",
    "roll_entries": "救助名册",
}


def file_name(table: str, fmt: str) -> str:
    return f"{table}.{fmt}"
