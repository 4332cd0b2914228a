"""One place for every label a person reads instead of a code.

Kinds: programmes (``PROGRAMME``), departments (``DEPARTMENT``), vehicle kinds (``VEHICLE_KIND``),
audit actions (``AUDIT_ACTION``), and the field names and coded values of stored records
(``FIELD``, ``FIELD_VALUE``). The app that owns the codes registers them from its
``AppConfig.ready()`` with ``labels_register`` (core imports no domain app); every page, export and
filter reads them through ``label(kind, code)`` / ``labels(kind)``. Labels are lazy translations:
Chinese first, English from the .po file.
"""

from __future__ import annotations

from collections.abc import Mapping

PROGRAMME = "programme"
DEPARTMENT = "department"
VEHICLE_KIND = "vehicle_kind"
AUDIT_ACTION = "audit_action"
# Field names and coded values in stored records (audit events, case events): ``FIELD`` maps a
# field name to its label, ``FIELD_VALUE`` maps "field:value" to the value's label.
FIELD = "field"
FIELD_VALUE = "field_value"

_LABELS: dict[str, dict[str, object]] = {}


def labels_register(kind: str, mapping: Mapping[str, object]) -> None:
    """Add (or replace) labels of ``kind``; registering the same code twice keeps the last."""
    _LABELS.setdefault(kind, {}).update(mapping)


def labels(kind: str) -> dict[str, str]:
    """Every registered code of ``kind`` → its label in the active language (registration order)."""
    return {code: str(text) for code, text in _LABELS.get(kind, {}).items()}


def label(kind: str, code: str) -> str:
    """The label of ``code``; an unknown code is shown as it is (never an error on a page)."""
    text = _LABELS.get(kind, {}).get(code)
    return str(text) if text is not None else code


def is_registered(kind: str, code: str) -> bool:
    return code in _LABELS.get(kind, {})
