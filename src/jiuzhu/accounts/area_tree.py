"""Reads of the area tree for the area picker, inside a user's areas (``accounts.scoping``)."""

from __future__ import annotations

from django.db.models import Q

from jiuzhu.accounts.roles import ROLE_CAPABILITIES
from jiuzhu.accounts.scoping import _minimal, user_roles, user_scope
from jiuzhu.areas.models import PREFIX_LENGTH, Area, AreaLevel

SEARCH_LIMIT = 30
ALL_CAPABILITIES = frozenset().union(*ROLE_CAPABILITIES.values())


def picker_prefixes(user, capability: str = "") -> tuple[str, ...]:
    """Area-code prefixes the picker may show: where ``user`` holds ``capability`` (a known
    capability), else every area of every active role the user holds."""
    if capability in ALL_CAPABILITIES:
        return user_scope(user, capability).prefixes
    return _minimal(
        {a.area.code[: PREFIX_LENGTH[AreaLevel(a.area.level)]] for a in user_roles(user)}
    )


def _in(prefixes) -> Q:
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(code__startswith=p)
    return q


def ancestor_codes(code: str) -> list[str]:
    return [
        code[:n].ljust(12, "0")
        for n in (4, 6, 9)
        if len(code) == 12 and code[:n].ljust(12, "0") != code
    ]


def area_path_label(code: str) -> str:
    """“海陵区 城东街道 东风村” for a village: the names from the county down (a code unknown
    to the table reads as itself, so nothing is lost on a bad value)."""
    names = dict(
        Area.objects.filter(code__in=[*ancestor_codes(code), code]).values_list("code", "name")
    )
    if code not in names:
        return code
    chain = [c for c in ancestor_codes(code)[1:] if c in names] + [code]
    return " ".join(names[c] for c in chain)


def _with_children(areas: list[Area]) -> list[dict]:
    parents = set(
        Area.objects.filter(parent_id__in=[a.code for a in areas])
        .values_list("parent_id", flat=True)
        .distinct()
    )
    return [
        {
            "code": a.code,
            "name": a.name,
            "level": a.level,
            "level_label": str(AreaLevel(a.level).label),
            "has_children": a.code in parents,
        }
        for a in areas
    ]


def tree_nodes(prefixes, parent: str = "") -> list[dict]:
    """The roots of the user's tree (their own areas), or the children of ``parent`` inside it."""
    if not prefixes:
        return []
    if parent:
        if not any(parent.startswith(p) for p in prefixes):
            return []
        areas = list(Area.objects.filter(parent_id=parent).order_by("code"))
    else:
        areas = list(
            Area.objects.filter(code__in=[p.ljust(12, "0") for p in prefixes]).order_by("code")
        )
    return _with_children(areas)


def search_nodes(prefixes, q: str, levels=()) -> tuple[list[dict], bool]:
    """Areas inside the prefixes whose name contains ``q`` (or whose code starts with it),
    at most SEARCH_LIMIT, with their path; and whether there were more."""
    q = q.strip()
    if not q or not prefixes:
        return [], False
    qs = Area.objects.filter(_in(prefixes)).exclude(level=AreaLevel.PROVINCE)
    qs = qs.filter(code__startswith=q) if q.isdigit() else qs.filter(name__icontains=q)
    if levels:
        qs = qs.filter(level__in=levels)
    areas = list(qs.order_by("code")[: SEARCH_LIMIT + 1])
    more = len(areas) > SEARCH_LIMIT
    nodes = _with_children(areas[:SEARCH_LIMIT])
    wanted = {c for n in nodes for c in ancestor_codes(n["code"])}
    names = dict(Area.objects.filter(code__in=wanted).values_list("code", "name"))
    for n in nodes:
        chain = [names[c] for c in ancestor_codes(n["code"])[1:] if c in names]
        n["path"] = " ".join([*chain, n["name"]])
    return nodes, more
