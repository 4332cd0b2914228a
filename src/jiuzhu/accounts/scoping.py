"""The one mechanism that scopes every list, page, export and API to the user's areas.

A model that belongs to a place declares ``SCOPE_AREA_FIELD``: the path from the model to an
``Area`` foreign key (``"hukou_area"`` for a household, ``"household__hukou_area"`` for a fact).
``scoped(queryset, user, capability)`` keeps only rows whose area code starts with the prefix of
one of the areas where the user holds that capability. Because area codes are hierarchical this is
an indexed prefix match, and it never needs a join on the area table.

``access(model_or_queryset, user, capability, **lookup)`` fetches one row and authorises it in one
step; a row outside the user's scope is *not found* (404), so existence does not leak.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from jiuzhu.accounts.roles import ROLE_CAPABILITIES
from jiuzhu.areas.models import PREFIX_LENGTH, AreaLevel
from jiuzhu.core import clock


@dataclass(frozen=True)
class Scope:
    """Where a user holds a capability: a set of area-code prefixes (empty = nowhere)."""

    capability: str
    prefixes: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.prefixes

    def contains(self, area_code: str) -> bool:
        return any(area_code.startswith(p) for p in self.prefixes)

    def q(self, area_field: str) -> models.Q:
        """Rows whose area code lies in the subtree: ``prefix <= code < next(prefix)``.

        A range rather than ``LIKE 'prefix%'``: it is served by an ordinary B-tree index under
        any collation on PostgreSQL and SQLite alike, and an index on (area, number) then also
        returns the rows already in list order. Codes are digits, so the end of a prefix's range
        is the prefix plus one.
        """
        if not self.prefixes:
            return models.Q(pk__in=[])
        return reduce(
            or_,
            (
                models.Q(**{f"{area_field}__gte": p, f"{area_field}__lt": prefix_end(p)})
                for p in self.prefixes
            ),
        )


def prefix_end(prefix: str) -> str:
    """The smallest digit string of the same length above every code starting with ``prefix``."""
    if not prefix.isdigit():
        raise ValueError(f"area prefixes are digits: {prefix!r}")
    if set(prefix) == {"9"}:
        return ":" * len(prefix)  # ':' sorts right after '9'
    return str(int(prefix) + 1).zfill(len(prefix))


def _minimal(prefixes: set[str]) -> tuple[str, ...]:
    """Drop prefixes inside another prefix (a county already covers its streets)."""
    kept: list[str] = []
    for p in sorted(prefixes, key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return tuple(sorted(kept))


def _assignments(user, on: datetime.date):
    cache = getattr(user, "_jiuzhu_assignments", None)
    if cache is None or cache[0] != on:
        rows = list(
            user.role_assignments.active(on)
            .select_related("area")
            .only("role", "department", "area__code", "area__level", "area__name")
        )
        cache = (on, rows)
        user._jiuzhu_assignments = cache
    return cache[1]


def user_scope(user, capability: str, on: datetime.date | None = None) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope(capability, ())
    grant = getattr(user, "_jiuzhu_channel", None)  # a channel principal (accounts.channels)
    if grant is not None:
        return Scope(capability, (grant.area_code,) if capability in grant.capabilities else ())
    on = on or clock.today()
    prefixes = {
        a.area.code[: PREFIX_LENGTH[AreaLevel(a.area.level)]]
        for a in _assignments(user, on)
        if capability in ROLE_CAPABILITIES.get(a.role, ())
    }
    return Scope(capability, _minimal(prefixes))


def user_roles(user, on: datetime.date | None = None) -> list:
    if user is None or not user.is_authenticated or hasattr(user, "_jiuzhu_channel"):
        return []
    return _assignments(user, on or clock.today())


def has_capability(user, capability: str) -> bool:
    return not user_scope(user, capability).empty


def user_departments(user) -> set[str]:
    return {a.department for a in user_roles(user) if a.department}


def department_scope_q(user, capability: str, department_field: str, area_field: str) -> models.Q:
    """Rows of a department in the areas where ``user`` holds ``capability`` *for that
    department* (the assignment's ``department``): a 部门经办 of 教育 over a county sees the
    county's rows owned by 教育 and nothing else. Nowhere = a Q that matches nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return models.Q(pk__in=[])
    parts = [
        models.Q(**{department_field: a.department})
        & Scope(capability, (a.area.code[: PREFIX_LENGTH[AreaLevel(a.area.level)]],)).q(area_field)
        for a in user_roles(user)
        if a.department and capability in ROLE_CAPABILITIES.get(a.role, ())
    ]
    return reduce(or_, parts) if parts else models.Q(pk__in=[])


def scoped(queryset: models.QuerySet, user, capability: str) -> models.QuerySet:
    """Keep only the rows of ``queryset`` in the areas where ``user`` holds ``capability``."""
    field = getattr(queryset.model, "SCOPE_AREA_FIELD", None)
    if field is None:
        raise TypeError(f"{queryset.model.__name__} declares no SCOPE_AREA_FIELD")
    return queryset.filter(user_scope(user, capability).q(field))


def access(model_or_queryset, user, capability: str, **lookup):
    """Fetch one object inside the user's scope, or raise 404 (never reveal what exists)."""
    qs = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    try:
        return scoped(qs, user, capability).get(**lookup)
    except qs.model.DoesNotExist as exc:
        raise Http404 from exc


def require_capability(user, capability: str) -> Scope:
    scope = user_scope(user, capability)
    if scope.empty:
        raise PermissionDenied(capability)
    return scope


def require_area(user, capability: str, area_code: str) -> None:
    """Refuse an action on a place outside the user's scope (e.g. creating a household there)."""
    if not user_scope(user, capability).contains(area_code):
        raise PermissionDenied(capability)


# --- the area filter of list pages (narrowing inside the scope, never widening it) ---------------


def area_choices(user, capability: str) -> list[tuple[str, str]]:
    """The areas a list's query form offers: each area of the user's scope and the areas one
    level below it (a county user picks the county or a street; a street user a village)."""
    from jiuzhu.areas.models import Area

    scope = user_scope(user, capability)
    if scope.empty:
        return []
    roots = [p.ljust(12, "0") for p in scope.prefixes]
    rows = Area.objects.filter(models.Q(code__in=roots) | models.Q(parent_id__in=roots))
    return [
        (a.code, ("" if a.code in roots else "\u3000") + a.name)
        for a in rows.order_by("code").only("code", "name")
    ]


def area_name(code: str) -> str:
    from jiuzhu.areas.models import Area

    return Area.objects.filter(code=code).values_list("name", flat=True).first() or code


def within_area(area_field: str, code: str) -> models.Q:
    """Rows in the subtree of area ``code`` (an unknown code matches nothing)."""
    from jiuzhu.areas.models import Area

    area = Area.objects.filter(code=code).only("code", "level").first()
    if area is None:
        return models.Q(pk__in=[])
    return Scope("area", (area.prefix,)).q(area_field)


def area_in_scope(capability: str):
    """For a list's ``area_allowed``: is the area inside the user's scope of ``capability``."""

    def check(user, code: str) -> bool:
        return user_scope(user, capability).contains(code)

    return check
