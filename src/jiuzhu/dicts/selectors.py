"""Reads of the dictionaries: the entries in force, falling back to the registered seed."""

from __future__ import annotations

from django.utils.translation import gettext

from jiuzhu.dicts.kinds import KINDS
from jiuzhu.dicts.models import ChangeStatus, DictChange, DictEntry


def _shown(label: str) -> str:
    # a seed label is a msgid (translated for an English reader); a site's own text is itself
    return gettext(label) if label else label


def entries(kind: str) -> list[dict]:
    """Every entry of a dictionary (active or not), in display order."""
    rows = list(DictEntry.objects.filter(kind=kind).order_by("sort_order", "code"))
    if rows:
        return [
            {
                "code": r.code,
                "label": _shown(r.label),
                "stored": r.label,
                "sort_order": r.sort_order,
                "active": r.active,
            }
            for r in rows
        ]
    seed = KINDS[kind].defaults if kind in KINDS else ()
    return [
        {"code": c, "label": _shown(lbl), "stored": lbl, "sort_order": (i + 1) * 10, "active": True}
        for i, (c, lbl) in enumerate(seed)
    ]


def choices(kind: str) -> list[tuple[str, str]]:
    """The active entries as (code, label), for a form or a checklist."""
    return [(e["code"], e["label"]) for e in entries(kind) if e["active"]]


def label_of(kind: str, code: str) -> str:
    for e in entries(kind):
        if e["code"] == code:
            return e["label"]
    return code


def kinds_overview() -> list[dict]:
    pending = {}
    for k in DictChange.objects.filter(status=ChangeStatus.PENDING).values_list("kind", flat=True):
        pending[k] = pending.get(k, 0) + 1
    return [
        {
            "key": k.key,
            "label": gettext(k.label),
            "help": gettext(k.help) if k.help else "",
            "count": len(entries(k.key)),
            "pending": pending.get(k.key, 0),
            "fixed_codes": k.fixed_codes,
        }
        for k in sorted(KINDS.values(), key=lambda k: k.key)
    ]


def changes(kind: str):
    return DictChange.objects.filter(kind=kind).select_related("proposed_by", "decided_by")
