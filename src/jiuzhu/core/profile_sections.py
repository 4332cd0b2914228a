"""Sections other apps add to the household profile page (so registry need not know every app).

An app registers a section in ``AppConfig.ready()``::

    register_profile_section("monitoring/_household_alerts.html", selectors.household_section)

``context(user=…, household=…)`` returns the template's context, or ``None`` to show nothing
(e.g. the user lacks the capability). Sections render in ``order`` below the registry's own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProfileSection:
    template: str
    context: object
    order: int


_SECTIONS: list[ProfileSection] = []


def register_profile_section(template: str, context, *, order: int = 50) -> None:
    section = ProfileSection(template, context, order)
    if section not in _SECTIONS:
        _SECTIONS.append(section)


def profile_sections(*, user, household) -> list[dict]:
    out = []
    for s in sorted(_SECTIONS, key=lambda s: (s.order, s.template)):
        ctx = s.context(user=user, household=household)
        if ctx is not None:
            out.append({"template": s.template, "context": ctx})
    return out
