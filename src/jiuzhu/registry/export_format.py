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
FORMAT_VERSION = 2
# Versions the import reads. Version 1 has no ``emergency_events`` file and no child / obligor
# columns in ``persons``: those read as their defaults (``ADDED_COLUMNS``).
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
GROUND_TRUTH = "ground_truth.csv"

# Logical types: str, code (one of a fixed set), int, bool, date (YYYY-MM-DD), month (YYYY-MM-01),
# money (yuan with 2 places), id_number, area (12-digit code that exists), phone.
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
        ("self_care", "code", True),
        ("employment", "code", True),
        ("school_stage", "code", True),
        ("death_date", "date", False),
        ("child_status", "code", False),
        ("obligor_status", "code", False),
        ("obligor_unable_reason", "code", False),
        ("phone_updated_on", "date", False),
        ("support_mode", "code", False),
        ("care_institution", "str", False),
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
OPTIONAL_TABLES = {"emergency_events"}
# Columns added after version 1: a file without them reads as these values in every row.
ADDED_COLUMNS: dict[tuple[str, str], str] = {
    ("persons", "child_status"): "none",
    ("persons", "obligor_status"): "unknown",
    ("persons", "obligor_unable_reason"): "",
    # Added in the same version without a bump (optional, blank by default): the phone's last
    # confirmation (blank: the import date when there is a phone) and the 特困 support mode.
    ("households", "phone_updated_on"): "",
    ("persons", "phone_updated_on"): "",
    ("persons", "support_mode"): "",
    ("persons", "care_institution"): "",
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
    ("assets", "description"): 200,
    ("assets", "registration_no"): 64,
    ("roll_entries", "programme"): 40,
    ("roll_entries", "decision_ref"): 64,
}
for _t in ("income_items", "assets", "rigid_expenses", "emergency_events"):
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
    "roll_entries": "救助名册",
}


def file_name(table: str, fmt: str) -> str:
    return f"{table}.{fmt}"
