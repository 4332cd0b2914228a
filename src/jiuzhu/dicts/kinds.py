"""The dictionaries (字典) a site may vary: registered by the app that uses each one.

An app declares a dictionary in ``AppConfig.ready()`` with its current values as the seed::

    dict_kind_register(DictKind("visit_checklist", gettext_noop("入户调查项目"),
                                (("housing_poor", gettext_noop("住房简陋/危房")), ...)))

``fixed_codes``: the codes are fixed by the rules (the services act on them, e.g. material
types); a site may relabel, reorder or switch entries off, but not add a code. Otherwise a site
may add entries of its own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DictKind:
    key: str
    label: str  # a gettext_noop msgid, translated where shown
    defaults: tuple[tuple[str, str], ...]  # (code, label msgid) in display order
    fixed_codes: bool = False
    help: str = ""  # what the list is used for (a gettext_noop msgid)


KINDS: dict[str, DictKind] = {}


def dict_kind_register(kind: DictKind) -> None:
    KINDS[kind.key] = kind
