"""Who handles an alert or review in a village: the village worker, else the street, else county.

A programme may be set to start higher (``ProgrammeRoute``: e.g. 特困/孤儿 at the county, 临时救助
at the street); the level then goes up the same way when nobody holds the role there. Built once
per run from the role assignments and the routes (small tables), then applied to whole frames.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from jiuzhu.accounts.models import RoleAssignment
from jiuzhu.accounts.roles import Role
from jiuzhu.core import clock
from jiuzhu.monitoring.models import LEVEL_ROLE, Level, ProgrammeRoute

LEVELS = [Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY]
PREFIX = {Level.VILLAGE: 12, Level.TOWNSHIP: 9, Level.COUNTY: 6}


@dataclass(frozen=True)
class Assignee:
    level: str
    role: str
    user_id: int | None
    office: str


class Router:
    def __init__(self, on: datetime.date | None = None):
        on = on or clock.today()
        self.by_level: dict[str, dict[str, tuple[int, str]]] = {lv: {} for lv in LEVELS}
        rows = (
            RoleAssignment.objects.active(on)
            .filter(role__in=list(LEVEL_ROLE.values()), user__is_active=True)
            .select_related("user__org_unit")
            .order_by("user_id")
        )
        role_level = {v: k for k, v in LEVEL_ROLE.items()}
        for a in rows:
            level = role_level[a.role]
            prefix = a.area_id[: PREFIX[level]]
            office = a.user.org_unit.name if a.user.org_unit_id else ""
            self.by_level[level].setdefault(prefix, (a.user_id, office))

        # programme → [(area prefix, level)], the longest prefix first
        self.routes: dict[str, list[tuple[str, str]]] = {}
        for r in ProgrammeRoute.objects.order_by("programme", "-area_prefix"):
            self.routes.setdefault(r.programme, []).append((r.area_prefix, r.level))
        for prefixes in self.routes.values():
            prefixes.sort(key=lambda pl: -len(pl[0]))

    def start_level(self, area_code: str, programme: str = "") -> str:
        """The level a ``programme``'s work in ``area_code`` starts at (the village by default)."""
        for prefix, level in self.routes.get(programme or "", ()):
            if area_code.startswith(prefix):
                return level
        return Level.VILLAGE

    def route(self, area_code: str, start: str | None = None, programme: str = "") -> Assignee:
        """The first level from ``start`` (else the programme's level) up with a worker over
        ``area_code``."""
        if start is None:
            start = self.start_level(area_code, programme)
        for level in LEVELS[LEVELS.index(start) :]:
            hit = self.by_level[level].get(area_code[: PREFIX[level]])
            if hit is not None:
                return Assignee(level, LEVEL_ROLE[level], hit[0], hit[1])
        return Assignee(Level.COUNTY, Role.COUNTY_APPROVER, None, "")

    def next_level(self, level: str) -> str | None:
        i = LEVELS.index(level)
        return LEVELS[i + 1] if i + 1 < len(LEVELS) else None
