"""Reads from the registry, always through the shared scoping mechanism."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum
from django.db.models.functions import Substr
from django.http import Http404

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import Scope, access, has_capability, scoped, user_scope
from jiuzhu.areas.models import PREFIX_LENGTH, Area, AreaLevel
from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.idcard import normalise as normalise_id
from jiuzhu.core.pagination import COUNT_CAP, Page, paginate  # noqa: F401 - the one paginator
from jiuzhu.registry.models import (
    Household,
    HouseholdStatus,
    Person,
    RollEntry,
    RollStatus,
    UrbanRural,
)

SORTS = {
    # By area, then number: served straight from the (hukou_area, number) index for any scope,
    # so a city-wide first page reads 26 index entries, not a million rows.
    "number": ("hukou_area_id", "number"),
    "-number": ("-hukou_area_id", "-number"),
    # Hardest first (lowest score); households not yet scored go last on both databases.
    "score": (F("hardship_score").asc(nulls_last=True), "id"),
    "size": ("-size", "id"),
    "updated": ("-updated_at", "id"),
}


@dataclass
class HouseholdFilters:
    q: str = ""
    area: str = ""  # an area code inside the user's scope
    urban_rural: str = ""
    programme: str = ""  # on the roll of this programme
    disabled: bool = False  # has a member with a disability certificate
    separated: bool = False  # 人户分离
    sort: str = "number"


def households_visible(user) -> QuerySet[Household]:
    return scoped(Household.objects.all(), user, Capability.REGISTRY_VIEW)


def household_search(*, user, filters: HouseholdFilters) -> QuerySet[Household]:
    qs = households_visible(user).filter(status=HouseholdStatus.ACTIVE)
    q = filters.q.strip().upper()
    as_id = normalise_id(q)
    if q and len(as_id) == 18 and as_id[:17].isdigit():
        q = as_id  # an ID typed with a Chinese IME (full-width) or with spaces
    if q:
        if len(q) == 18 and q[:17].isdigit():
            qs = qs.filter(pk__in=Person.objects.filter(id_number=q).values("household_id"))
        elif (q.startswith("H") and q[1:].isdigit()) or q.isdigit():
            # Household numbers: "H" + area + sequence from household_create, or the plain
            # digits of an imported register (the synthetic county's are 17 digits).
            qs = qs.filter(number__startswith=q)
        else:
            # Members (the head included) whose name starts with q, found on the name index
            # first; the scope then narrows their households.
            qs = qs.filter(
                pk__in=Person.objects.filter(name__startswith=filters.q.strip()).values(
                    "household_id"
                )
            )
    if filters.area:
        area = Area.objects.filter(code=filters.area).first()
        if area is not None:
            qs = qs.filter(Scope("area", (area.prefix,)).q("hukou_area"))
    if filters.urban_rural:
        qs = qs.filter(urban_rural=filters.urban_rural)
    if filters.programme:
        qs = qs.filter(
            Exists(
                RollEntry.objects.filter(
                    household=OuterRef("pk"), programme=filters.programme, status=RollStatus.ACTIVE
                )
            )
        )
    if filters.disabled:
        qs = qs.filter(
            Exists(Person.objects.filter(household=OuterRef("pk"), disability_grade__isnull=False))
        )
    if filters.separated:
        qs = qs.filter(residence_area__isnull=False).exclude(residence_area=F("hukou_area"))
    return qs.order_by(*SORTS.get(filters.sort, SORTS["number"]))


def area_names(codes: set[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def _audit_household_view(user, hh: Household, extra: dict | None = None) -> None:
    """A read of a household's file: every opening is in the audit log."""
    with transaction.atomic():
        audit_record(
            actor=user,
            action="household.view",
            subject_type="household",
            subject_id=hh.pk,
            household_id=hh.pk,
            area_code=hh.hukou_area_id,
            extra=extra,
        )


def household_profile(*, user, household_id: int) -> dict:
    """The 画像 of one household. Opening it is a read of personal files, so it is audited."""
    hh = access(
        Household.objects.select_related("hukou_area", "residence_area"),
        user,
        Capability.REGISTRY_VIEW,
        pk=household_id,
    )
    members = list(hh.members.all())
    members.sort(key=lambda p: (p.relation != "head", p.birth_date))
    _audit_household_view(user, hh)
    return {
        "household": hh,
        "members": members,
        "income_items": list(hh.incomeitems.select_related("person").order_by("-period_end")),
        "assets": list(hh.assets.select_related("person").order_by("kind")),
        "expenses": list(hh.rigidexpenses.select_related("person").order_by("-period_end")),
        "events": list(hh.emergencyevents.select_related("person").order_by("-event_date")),
        "self_care_assessments": list(
            hh.selfcareassessments.select_related("person").order_by("person_id", "-as_of", "-id")
        ),
        "obligors": list(hh.obligors.select_related("person").order_by("person_id", "id")),
        "job_offers": list(hh.joboffers.select_related("person").order_by("person_id", "-as_of")),
        "roll_entries": list(hh.roll_entries.select_related("person").order_by("-start_month")),
        "area_path": [*hh.hukou_area.ancestors(), hh.hukou_area],
        "can_edit": user_scope(user, Capability.REGISTRY_EDIT).contains(hh.hukou_area_id),
        "can_reveal": user_scope(user, Capability.PII_REVEAL).contains(hh.hukou_area_id),
    }


def household_timeline(*, user, household_id: int) -> QuerySet[AuditEvent]:
    """Changes to the household and everything in it, newest first (reads left out); the page
    paginates it."""
    hh = access(Household.objects.all(), user, Capability.REGISTRY_VIEW, pk=household_id)
    return (
        AuditEvent.objects.filter(household_id=hh.pk)
        .exclude(action__endswith=".view")
        .exclude(action__endswith=".reveal")
        .order_by("-seq")
    )


# Fields shown masked unless revealed (audited). The 残疾证号 holds the whole ID number.
REVEALABLE = ("id_number", "phone", "disability_certificate")


def person_reveal(*, user, person_id: int, field: str) -> str:
    """The full ID number, phone or 残疾证号, for roles that need it; every reveal is audited."""
    if field not in REVEALABLE:
        raise ValueError(field)
    person = access(
        Person.objects.select_related("household"), user, Capability.PII_REVEAL, pk=person_id
    )
    with transaction.atomic():
        audit_record(
            actor=user,
            action="person.reveal",
            subject_type="person",
            subject_id=person.pk,
            household_id=person.household_id,
            area_code=person.household.hukou_area_id,
            extra={"field": field},
        )
    return getattr(person, field) or ""


DASHBOARD_CACHE_SECONDS = 300


def dashboard_counts(*, user) -> dict:
    """Households and persons by child area of the user's scope and by urban/rural.

    Aggregated in the database (one GROUP BY on the area-code prefix, persons as the sum of the
    denormalised household sizes, so no join over persons) and cached for a few minutes per
    scope: a city-wide home page over a million households is computed once, not per visit.
    """
    scope = user_scope(user, Capability.STATS_VIEW)
    if scope.empty:
        return {"by_area": [], "by_urban_rural": [], "households": 0, "persons": 0}
    key = "dashboard:" + ",".join(scope.prefixes)
    stats = cache.get(key)
    if stats is None:
        stats = _dashboard_compute(scope)
        cache.set(key, stats, DASHBOARD_CACHE_SECONDS)
    return {**stats, "can_see_registry": has_capability(user, Capability.REGISTRY_VIEW)}


def _dashboard_compute(scope) -> dict:
    hh = Household.objects.filter(status=HouseholdStatus.ACTIVE).filter(scope.q("hukou_area"))
    # Group by the level just below the widest area in scope (a county user sees streets).
    widest = min(scope.prefixes, key=len)
    child_len = next((n for n in sorted(PREFIX_LENGTH.values()) if n > len(widest)), 12)
    rows = list(
        hh.annotate(group=Substr("hukou_area_id", 1, child_len))
        .values("group")
        .annotate(households=Count("id"), persons=Sum("size"))
        .order_by("group")
    )
    names = area_names({r["group"].ljust(12, "0") for r in rows})
    by_area = [
        {
            "code": r["group"].ljust(12, "0"),
            "name": names.get(r["group"].ljust(12, "0"), r["group"]),
            "households": r["households"],
            "persons": r["persons"] or 0,
        }
        for r in rows
    ]
    by_ur = list(hh.values("urban_rural").annotate(households=Count("id")).order_by("urban_rural"))
    return {
        "by_area": by_area,
        "by_urban_rural": by_ur,
        "households": sum(r["households"] for r in by_area),
        "persons": sum(r["persons"] for r in by_area),
    }


# --- web UI reads ---------------------------------------------------------------------------


def household_list_page(*, user, filters: HouseholdFilters, page: int, per_page: int) -> Page:
    """One page of the household list, with area and head loaded in two extra queries (no N+1).

    Each household gets ``.head`` (the 户主 ``Person`` or ``None``) for the masked ID column.
    """
    qs = household_search(user=user, filters=filters)
    result = paginate(qs, page=page, per_page=per_page, count_order=SORTS["number"])
    areas = Area.objects.in_bulk({h.hukou_area_id for h in result.items})
    for h in result.items:
        h.hukou_area = areas[h.hukou_area_id]
    heads = {
        p.household_id: p
        for p in Person.objects.filter(
            household_id__in=[h.pk for h in result.items], relation="head"
        ).only("id", "household_id", "name", "id_number")
    }
    for h in result.items:
        h.head = heads.get(h.pk)
    return result


def filter_areas(*, user) -> list[Area]:
    """The areas a user can narrow the household list to: the children of their own areas
    (a county user picks a street, a street user a village)."""
    scope = user_scope(user, Capability.REGISTRY_VIEW)
    parents = [p.ljust(12, "0") for p in scope.prefixes]
    return list(Area.objects.filter(parent_id__in=parents).order_by("code").only("code", "name"))


def editable_villages(*, user) -> list[Area]:
    """Villages/communities where the user may register a household (户籍地 / 居住地 choices)."""
    scope = user_scope(user, Capability.REGISTRY_EDIT)
    return list(
        Area.objects.filter(scope.q("code"), level=AreaLevel.VILLAGE)
        .select_related("parent")
        .order_by("code")
    )


def household_for_edit(*, user, household_id: int, audit_read: bool = False) -> Household:
    """A household the user may edit; ``audit_read``: the edit form shows its file, log it."""
    hh = access(
        Household.objects.select_related("hukou_area", "residence_area"),
        user,
        Capability.REGISTRY_EDIT,
        pk=household_id,
    )
    if audit_read:
        _audit_household_view(user, hh, extra={"form": "edit"})
    return hh


def person_for_edit(*, user, person_id: int, audit_read: bool = False) -> Person:
    """A member the user may edit. The edit form shows the full ID and phone numbers, so with
    ``audit_read`` opening it is logged as a reveal, and needs ``pii.reveal`` there."""
    person = access(
        Person.objects.select_related("household"), user, Capability.REGISTRY_EDIT, pk=person_id
    )
    if audit_read:
        if not user_scope(user, Capability.PII_REVEAL).contains(person.household.hukou_area_id):
            raise PermissionDenied(Capability.PII_REVEAL)
        with transaction.atomic():
            audit_record(
                actor=user,
                action="person.reveal",
                subject_type="person",
                subject_id=person.pk,
                household_id=person.household_id,
                area_code=person.household.hukou_area_id,
                extra={"field": "edit_form"},
            )
    return person


def fact_for_edit(*, user, kind: str, fact_id: int):
    from jiuzhu.registry.services import FACT_MODELS

    if kind not in FACT_MODELS:
        raise Http404
    return access(
        FACT_MODELS[kind].objects.select_related("household", "person"),
        user,
        Capability.REGISTRY_EDIT,
        pk=fact_id,
    )


def _month_index(d: datetime.date) -> int:
    return d.year * 12 + d.month - 1


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class IncomeSummary:
    """家庭月人均收入 over the ``months`` whole months before ``on``'s month (低保办法 Art. 13):
    items pro rata by whole months, excluded items left out, each share rounded half-up to the
    fen once; per-capita = total / (months × counted members), rounded half-up to the fen.
    Same rules as the policy engine's ``per_capita_income`` (without the disabled-wage deduction)."""

    months: int
    window_start: datetime.date
    window_end: datetime.date
    counted_members: int
    total: Decimal
    monthly: Decimal
    per_capita_monthly: Decimal | None


def household_income_summary(
    *, members: list[Person], income_items: list, on: datetime.date | None = None, months: int = 12
) -> IncomeSummary:
    on = on or clock.today()
    w1 = _month_index(on) - 1
    w0 = w1 - months + 1
    counted_ids = {
        p.pk
        for p in members
        if p.is_counted
        and (p.death_date is None or p.death_date > on)
        and p.birth_date <= on  # an unborn member never counts
    }
    total = Decimal("0.00")
    for item in income_items:
        if item.excluded or (item.person_id is not None and item.person_id not in counted_ids):
            continue
        ps, pe = _month_index(item.period_start), _month_index(item.period_end)
        overlap = max(0, min(pe, w1) - max(ps, w0) + 1)
        if overlap:
            share = Decimal(item.amount) * overlap / (pe - ps + 1)
            total += share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    n = len(counted_ids)
    return IncomeSummary(
        months=months,
        window_start=datetime.date(w0 // 12, w0 % 12 + 1, 1),
        window_end=datetime.date(w1 // 12, w1 % 12 + 1, 1),
        counted_members=n,
        total=total,
        monthly=_half_up(total / months),
        per_capita_monthly=_half_up(total / (months * n)) if n else None,
    )


# ---------------------------------------------------------------- whole-registry reads (statistics)
# Columnar reads for jiuzhu.stats (month-end snapshots, data-quality worklist). No user: the
# callers are the scheduler's jobs; what a person then sees is scoped by the stats app.


def household_places_frame(*, on_roll_only: bool = False):
    """Every household (``on_roll_only``: every household with a roll entry, current or past):
    ``id``, ``area_code`` (户籍地), ``urban_rural``, ``status``."""
    import polars as pl

    from jiuzhu.core.frames import read_frame

    where = (
        " WHERE id IN (SELECT DISTINCT household_id FROM registry_rollentry)"
        if on_roll_only
        else ""
    )
    return read_frame(
        "SELECT id, hukou_area_id, urban_rural, status FROM registry_household" + where,
        None,
        {"id": pl.Int64, "area_code": pl.Utf8, "urban_rural": pl.Utf8, "status": pl.Utf8},
    )


def roll_entries_frame(*, first_month: datetime.date, last_month: datetime.date):
    """Roll entries paid for any month in [first_month, last_month] (by their start and end
    months, whatever their status now): ``id``, ``household_id``, ``person_id``, ``programme``,
    ``amount_fen``, ``start_month``, ``end_month`` (null: open-ended)."""
    import polars as pl

    from jiuzhu.core.frames import date_sql, fen_sql, read_frame

    return read_frame(
        f"SELECT id, household_id, person_id, programme, {fen_sql('monthly_amount')}, "
        f"{date_sql('start_month')}, {date_sql('end_month')} FROM registry_rollentry "
        "WHERE start_month <= %s AND (end_month IS NULL OR end_month >= %s)",
        [last_month, first_month],
        {
            "id": pl.Int64,
            "household_id": pl.Int64,
            "person_id": pl.Int64,
            "programme": pl.Utf8,
            "amount_fen": pl.Int64,
            "start_month": pl.Date,
            "end_month": pl.Date,
        },
    )


def counted_members_frame(*, on: datetime.date, on_roll_since: datetime.date | None = None):
    """Members counted in each household's size (共同生活), alive on ``on``:
    ``household_id``, ``members``. ``on_roll_since``: only households with a roll entry paid for
    a month from that date to ``on``."""
    import polars as pl

    from jiuzhu.core.frames import read_frame

    if on_roll_since is None:
        sql = (
            "SELECT household_id, COUNT(*) FROM registry_person WHERE is_counted "
            "AND (death_date IS NULL OR death_date > %s) GROUP BY household_id"
        )
        params: list = [on]
    else:
        # one index lookup per household on the roll: far less than grouping every person
        sql = (
            "SELECT r.household_id, (SELECT COUNT(*) FROM registry_person p "
            "WHERE p.household_id = r.household_id AND p.is_counted "
            "AND (p.death_date IS NULL OR p.death_date > %s)) "
            "FROM (SELECT DISTINCT household_id FROM registry_rollentry "
            "WHERE start_month <= %s AND (end_month IS NULL OR end_month >= %s)) r"
        )
        params = [on, on, on_roll_since]
    frame = read_frame(
        sql,
        params,
        {"household_id": pl.Int64, "members": pl.Int64},
    )
    return frame.filter(pl.col("members") > 0)


def centralized_persons_frame(*, on: datetime.date):
    """Counted members alive on ``on`` whose 特困 support is 集中供养 (in a care institution):
    ``person_id``, ``household_id``."""
    import polars as pl

    from jiuzhu.core.frames import read_frame

    return read_frame(
        "SELECT id, household_id FROM registry_person WHERE support_mode = 'centralized' "
        "AND is_counted AND (death_date IS NULL OR death_date > %s)",
        [on],
        {"person_id": pl.Int64, "household_id": pl.Int64},
    )


def quality_frames():
    """What the data-quality worklist checks: households (``id``, ``area_code``, ``address``,
    ``phone``, ``updated``, ``phone_updated``) and persons (``id``, ``household_id``,
    ``area_code``, ``has_id``, ``phone``, ``updated``, ``dead``, ``phone_updated``).
    ``phone_updated`` is the day the phone number last changed (null: never recorded)."""
    import polars as pl

    from jiuzhu.core.frames import date_sql, is_postgresql, read_frame

    cast = "::date" if is_postgresql() else ""
    households = read_frame(
        f"SELECT id, hukou_area_id, address, phone, {date_sql('updated_at' + cast)}, "
        f"{date_sql('phone_updated_on')} FROM registry_household WHERE status = 'active'",
        None,
        {
            "id": pl.Int64,
            "area_code": pl.Utf8,
            "address": pl.Utf8,
            "phone": pl.Utf8,
            "updated": pl.Date,
            "phone_updated": pl.Date,
        },
    )
    persons = read_frame(
        f"SELECT p.id, p.household_id, h.hukou_area_id, "
        f"CASE WHEN p.id_number IS NULL OR p.id_number = '' THEN 0 ELSE 1 END, p.phone, "
        f"{date_sql('p.updated_at' + cast)}, CASE WHEN p.death_date IS NULL THEN 0 ELSE 1 END, "
        f"{date_sql('p.phone_updated_on')} "
        "FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
        "WHERE h.status = 'active'",
        None,
        {
            "id": pl.Int64,
            "household_id": pl.Int64,
            "area_code": pl.Utf8,
            "has_id": pl.Boolean,
            "phone": pl.Utf8,
            "updated": pl.Date,
            "dead": pl.Boolean,
            "phone_updated": pl.Date,
        },
    )
    return households, persons


def households_brief(*, user, household_ids, capability: str = Capability.REGISTRY_VIEW):
    """Number, head's name and area name of the given households the user may see (others are
    left out: a drill-down never names a household outside the user's areas)."""
    rows = (
        scoped(Household.objects.filter(pk__in=list(household_ids)), user, capability)
        .select_related("hukou_area")
        .values_list("pk", "number", "head_name", "hukou_area__name", "hukou_area_id")
    )
    return {
        pk: {"number": n, "head_name": h, "area_name": a, "area_code": c} for pk, n, h, a, c in rows
    }


def public_roll(*, village_code: str) -> list[dict]:
    """The standing public list of one village (no login): who is on the roll, masked as the
    公示 masks (name), with household size, programme, monthly amount and since when."""
    from jiuzhu.core.masking import mask_name

    rows = (
        RollEntry.objects.filter(household__hukou_area_id=village_code, status=RollStatus.ACTIVE)
        .select_related("household")
        .order_by("household__number", "programme")
    )
    return [
        {
            "name": mask_name(r.household.head_name),
            "size": r.household.size,
            "programme": r.programme,
            "amount": r.monthly_amount,
            "since": r.start_month,
        }
        for r in rows
    ]


def household_area_code(household_id: int) -> str:
    """The household's 户籍 area code ("" for an unknown id)."""
    return (
        Household.objects.filter(pk=household_id).values_list("hukou_area_id", flat=True).first()
        or ""
    )


def household_id_by_number(number: str) -> int | None:
    return Household.objects.filter(number=number).values_list("pk", flat=True).first()


def household_visible(user, household_id: int) -> bool:
    """May ``user`` see this household (registry scope)?"""
    return scoped(
        Household.objects.filter(pk=household_id), user, Capability.REGISTRY_VIEW
    ).exists()


# Fields another system may search persons by (``person_search``), each with the lookup
# that implements it; the caller (the registry API, the SPDCI interface) names fields only.
_SEARCH_LOOKUPS = {
    "id_number": "id_number",
    "phone": "phone",
    "household_number": "household__number",
    "sex": "sex",
    "name": "name",
    "birth_date": "birth_date",
    "hardship_score": "household__hardship_score",
    "household_size": "household__size",
}
_SEARCH_OPS = {"eq": "exact", "lt": "lt", "lte": "lte", "gt": "gt", "gte": "gte", "in": "in"}


def _search_q(field: str, op: str, value, today: datetime.date):
    from django.db.models import Q

    if field == "id_number":
        value = normalise_id(str(value)) or str(value)
    if field == "sex":
        value = {"male": "M", "m": "M", "男": "M", "female": "F", "f": "F", "女": "F"}.get(
            str(value).lower(), str(value)
        )
    if field == "area":
        code = str(value)
        if op not in ("eq", "in"):
            raise ValueError(f"area supports eq only, not {op}")
        return Q(household__hukou_area__code__startswith=code) | Q(household__hukou_area__name=code)
    if field == "age":  # age in whole years on ``today`` → a birth-date range
        years = int(Decimal(str(value)))

        def born(n: int) -> datetime.date:
            try:
                return today.replace(year=today.year - n)
            except ValueError:  # 29 February
                return today.replace(year=today.year - n, day=28)

        by_op = {
            "eq": Q(birth_date__lte=born(years), birth_date__gt=born(years + 1)),
            "lt": Q(birth_date__gt=born(years)),
            "lte": Q(birth_date__gt=born(years + 1)),
            "gt": Q(birth_date__lte=born(years + 1)),
            "gte": Q(birth_date__lte=born(years)),
        }
        if op == "ne":
            return ~by_op["eq"]
        if op not in by_op:
            raise ValueError(f"age does not support {op}")
        return by_op[op]
    lookup = _SEARCH_LOOKUPS.get(field)
    if lookup is None:
        raise ValueError(f"unknown field {field}")
    if field in ("hardship_score",):
        value = Decimal(str(value))
    if field == "household_size":
        value = int(Decimal(str(value)))
    if op == "ne":
        return ~Q(**{lookup: value})
    if op not in _SEARCH_OPS:
        raise ValueError(f"unknown operator {op}")
    if op == "in" and not isinstance(value, list | tuple):
        value = [value]
    return Q(**{f"{lookup}__{_SEARCH_OPS[op]}": value})


def person_search(
    *, user, conditions: list[tuple[str, str, object]], join: str = "and"
) -> QuerySet[Person]:
    """Persons in ``user``'s scope matching ``conditions`` (field, op, value), joined by AND
    or OR, dead and moved-out persons included (a caller wants to know); ordered by id.
    Raises ``ValueError`` naming a field or operator it does not know."""
    from functools import reduce
    from operator import and_, or_

    today = clock.today()
    qs = scoped(Person.objects.all(), user, Capability.REGISTRY_VIEW)
    if conditions:
        parts = [_search_q(f, o, v, today) for f, o, v in conditions]
        qs = qs.filter(reduce(and_ if join == "and" else or_, parts))
    return qs.select_related("household", "household__hukou_area").order_by("id")


def active_programmes(household_ids) -> dict[int, list[str]]:
    """Household id → the programmes it is on the roll for today (active entries)."""
    out: dict[int, set[str]] = {}
    for hh, prog in RollEntry.objects.filter(
        household_id__in=list(household_ids), status=RollStatus.ACTIVE
    ).values_list("household_id", "programme"):
        out.setdefault(hh, set()).add(prog)
    return {hh: sorted(p) for hh, p in out.items()}


def household_members(household_id: int) -> list[Person]:
    """The persons of one household (the dead included), with the household, by id."""
    return list(
        Person.objects.filter(household_id=household_id).select_related("household").order_by("id")
    )


def living_person_by_id_number(id_number: str) -> Person | None:
    return Person.objects.filter(id_number=normalise_id(id_number), death_date=None).first()


# --- the workbench lists (core.pagination.ListSpec; registered in apps.ready) ----------------


def _id_or_name(qs, q: str, person_path: str = ""):
    """Narrow ``qs`` by a name prefix or a whole ID number (typed in any width or with spaces);
    the ID column shows masked, the search works on the full number typed."""
    q = q.strip()
    as_id = normalise_id(q.upper())
    if len(as_id) == 18 and as_id[:17].isdigit():
        return qs.filter(**{f"{person_path}id_number": as_id})
    return qs.filter(**{f"{person_path}name__startswith": q})


def _household_rows(user, query):
    filters = HouseholdFilters(
        q=query.q,
        area=query.area,
        urban_rural=query.extra.get("urban_rural", ""),
        programme=query.programme,
        disabled=query.extra.get("disabled") in ("on", "1", "True"),
        separated=query.extra.get("separated") in ("on", "1", "True"),
    )
    if filters.urban_rural not in dict(UrbanRural.choices):
        filters.urban_rural = ""
    return household_search(user=user, filters=filters).select_related("hukou_area")


def _household_prepare(rows) -> None:
    heads = {
        p.household_id: p
        for p in Person.objects.filter(household_id__in=[h.pk for h in rows], relation="head").only(
            "id", "household_id", "name", "id_number"
        )
    }
    for h in rows:
        h.head = heads.get(h.pk)


def _can_reveal_all(capability):
    """May the user export unmasked: ``pii.reveal`` over the whole of the list's scope."""

    def check(user) -> bool:
        reveal = user_scope(user, Capability.PII_REVEAL)
        seen = user_scope(user, capability)
        return not seen.empty and all(reveal.contains(p) for p in seen.prefixes)

    return check


def _programmes():
    from jiuzhu.core.programmes import PROGRAMME_LABELS

    return [(k, str(v)) for k, v in PROGRAMME_LABELS.items()]


def _household_link(h):
    from django.urls import reverse

    return reverse("registry:household_detail", args=[h.pk])


def _list_specs():
    from django.utils.translation import gettext_lazy as _

    from jiuzhu.accounts.scoping import area_choices, area_in_scope, area_name
    from jiuzhu.core.pagination import Column, ListSpec, choice_label
    from jiuzhu.registry.models import Relation, Sex

    urban_rural = choice_label(UrbanRural.choices)
    sex = choice_label(Sex.choices)
    relation = choice_label(Relation.choices)

    households = ListSpec(
        name="households",
        title=_("家庭档案"),
        capability=Capability.REGISTRY_VIEW,
        rows=_household_rows,
        columns=(
            Column(
                "number", _("家庭编号"), lambda h: h.number, sort="number", link=_household_link
            ),
            Column("head", _("户主"), lambda h: h.head_name),
            Column(
                "head_id",
                _("户主身份证号"),
                lambda h: h.head.id_number if getattr(h, "head", None) else "",
                sensitive="id_number",
            ),
            Column("area", _("户籍地"), lambda h: h.hukou_area.name),
            Column("urban_rural", _("城乡"), lambda h: urban_rural(h.urban_rural)),
            Column("size", _("人数"), lambda h: h.size, sort="size", number=True),
            Column("flags", _("标记"), lambda h: str(_("人户分离")) if h.separated else ""),
            Column(
                "score", _("困难程度得分"), lambda h: h.hardship_score, sort="score", number=True
            ),
            Column(
                "updated",
                _("更新时间"),
                lambda h: clock.local(h.updated_at).strftime("%Y-%m-%d %H:%M"),
                sort="updated",
            ),
        ),
        sorts=SORTS,
        default_sort="number",
        filters=("q", "area", "programme"),
        extras=("urban_rural", "disabled", "separated"),
        programmes=_programmes,
        areas=lambda user: area_choices(user, Capability.REGISTRY_VIEW),
        area_allowed=area_in_scope(Capability.REGISTRY_VIEW),
        area_name=area_name,
        prepare=_household_prepare,
        can_reveal=_can_reveal_all(Capability.REGISTRY_VIEW),
        url_name="registry:household_list",
    )
    persons = ListSpec(
        name="persons",
        title=_("人员"),
        capability=Capability.REGISTRY_VIEW,
        rows=_person_rows,
        columns=(
            Column("name", _("姓名"), lambda p: p.name, sort="name"),
            Column("id_number", _("身份证号"), lambda p: p.id_number, sensitive="id_number"),
            Column("sex", _("性别"), lambda p: sex(p.sex)),
            Column("birth", _("出生日期"), lambda p: p.birth_date, sort="birth"),
            Column("relation", _("与户主关系"), lambda p: relation(p.relation)),
            Column(
                "household",
                _("家庭编号"),
                lambda p: p.household.number,
                sort="household",
                link=lambda p: _household_link(p.household),
            ),
            Column("area", _("户籍地"), lambda p: p.household.hukou_area.name),
            Column(
                "disability",
                _("残疾等级"),
                lambda p: p.get_disability_grade_display() if p.disability_grade else "",
            ),
        ),
        sorts={
            "household": ("household__hukou_area_id", "household__number", "id"),
            "name": ("name", "id"),
            "birth": ("birth_date", "id"),
        },
        default_sort="household",
        filters=("q", "area", "programme", "date_from"),
        extras=("relation",),
        programmes=_programmes,
        areas=lambda user: area_choices(user, Capability.REGISTRY_VIEW),
        area_allowed=area_in_scope(Capability.REGISTRY_VIEW),
        area_name=area_name,
        can_reveal=_can_reveal_all(Capability.REGISTRY_VIEW),
        date_label=_("出生日期"),
        url_name="registry:person_list",
    )
    return households, persons


def _person_rows(user, query):
    from jiuzhu.accounts.scoping import within_area

    qs = scoped(
        Person.objects.select_related("household", "household__hukou_area"),
        user,
        Capability.REGISTRY_VIEW,
    ).filter(household__status=HouseholdStatus.ACTIVE)
    if query.q:
        q = query.q.strip()
        if (q.startswith("H") and q[1:].isdigit()) or (q.isdigit() and len(q) < 15):
            qs = qs.filter(household__number__startswith=q)
        else:
            qs = _id_or_name(qs, q)
    if query.area:
        qs = qs.filter(within_area("household__hukou_area", query.area))
    if query.programme:
        qs = qs.filter(
            Exists(
                RollEntry.objects.filter(
                    household=OuterRef("household"),
                    programme=query.programme,
                    status=RollStatus.ACTIVE,
                )
            )
        )
    if query.date_from:
        qs = qs.filter(birth_date__gte=query.date_from)
    if query.date_to:
        qs = qs.filter(birth_date__lte=query.date_to)
    return qs
