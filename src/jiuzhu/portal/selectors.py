"""The citizen side's reads. Other apps are read through their selectors; the caller has
already bound the citizen to one household, and a case of another household is a 404."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.areas.models import PREFIX_LENGTH, Area, AreaLevel, level_for_code
from jiuzhu.audit.services import audit_read_log
from jiuzhu.cases import selectors as cases_selectors
from jiuzhu.cases.models import Application, State
from jiuzhu.cases.workdays import working_days_between
from jiuzhu.core import clock
from jiuzhu.core.programmes import programme_label
from jiuzhu.funds import selectors as funds_selectors
from jiuzhu.monitoring import selectors as monitoring_selectors
from jiuzhu.policy import selectors as policy_selectors
from jiuzhu.portal.models import Citizen, Rating, Report
from jiuzhu.portal.services import query_hash, rating_stage
from jiuzhu.registry import selectors as registry_selectors

# ---------------------------------------------------------------- public pages' cache


def _public_key(kind: str, code: str) -> str:
    return f"portal:public:{kind}:{code}:{clock.today():%Y%m%d}"


def public_cached(kind: str, code: str, build):
    """What a public page shows — the same for everyone — from this process's cache for
    ``JIUZHU_PORTAL_PUBLIC_CACHE_SECONDS`` (0: not cached). The day is part of the key (what is
    current changes with the date); ``public_forget`` drops an entry when the process sees the
    change (the roll, a case entering or leaving 公示); other processes within the period."""
    seconds = getattr(settings, "JIUZHU_PORTAL_PUBLIC_CACHE_SECONDS", 0)
    if seconds <= 0:
        return build()
    key = _public_key(kind, code)
    hit = cache.get(key)
    if hit is None:
        hit = build()
        cache.set(key, hit, seconds)
    return hit


def public_forget(kind: str, code: str) -> None:
    cache.delete(_public_key(kind, code))


STAGES = [
    ("accept", gettext_lazy("受理")),
    ("investigate", gettext_lazy("入户调查")),
    ("review", gettext_lazy("审核")),
    ("notice", gettext_lazy("公示")),
    ("decide", gettext_lazy("审批")),
]
# state → (stage, which office level holds it, which due date field)
STATE_STAGE = {
    State.SUBMITTED: ("accept", AreaLevel.TOWNSHIP, "intake_due"),
    State.INVESTIGATING: ("investigate", AreaLevel.VILLAGE, "visit_due"),
    State.COMMUNITY_REVIEW: ("investigate", AreaLevel.VILLAGE, "visit_due"),
    State.REVIEWING: ("review", AreaLevel.TOWNSHIP, "review_due"),
    State.RETURNED: ("review", AreaLevel.TOWNSHIP, "review_due"),
    State.NOTICE: ("notice", AreaLevel.TOWNSHIP, "decision_due"),
    State.APPROVING: ("decide", AreaLevel.COUNTY, "decision_due"),
}
OFFICE_NAMES = {
    AreaLevel.VILLAGE: gettext_lazy("%(area)s社会救助工作站"),
    AreaLevel.TOWNSHIP: gettext_lazy("%(area)s社会救助经办机构"),
    AreaLevel.COUNTY: gettext_lazy("%(area)s民政局"),
}


def citizen_get(pk) -> Citizen | None:
    if not pk:
        return None
    return Citizen.objects.select_related("person", "household").filter(pk=pk).first()


def _office(app: Application, level: str) -> str:
    area = app.area
    chain = [*area.ancestors(), area]
    holder = next((a for a in chain if a.level == level), area)
    return OFFICE_NAMES[level] % {"area": holder.name}


def _read(citizen: Citizen, what: str, subject_id) -> None:
    """Audit the citizen's read of their household's data: one sealed row in the audit read log
    (no chain lock on a page view; chained within seconds — docs/security.md)."""
    from jiuzhu.audit.models import NATIONAL

    household = citizen.household if citizen.household_id else None
    audit_read_log(
        actor=None,
        action=f"portal.view.{what}",
        subject_type="citizen",
        subject_id=citizen.pk,
        household_id=citizen.household_id,
        area_code=(household.hukou_area_id if household is not None else "") or NATIONAL,
        after={"subject": subject_id, **_acting_for(citizen)},
    )


def _acting_for(citizen) -> dict:
    """代办: the grant the citizen acts on, named in every audit record of the visit."""
    grant = getattr(citizen, "acting_for", None)
    return {"acting_for_grant": grant.pk} if grant is not None else {}


def home(citizen: Citizen) -> dict:
    data = cases_selectors.household_cases(household_id=citizen.household_id)
    _read(citizen, "home", citizen.household_id)
    return {
        "notices": notices(citizen),
        "applications": data["applications"],
        "open": next(
            (a for a in data["applications"] if a.state in STATE_STAGE),
            None,
        ),
    }


def progress(citizen: Citizen, application_id: int) -> dict:
    """Where one case of the citizen's household is; 404 for anyone else's."""
    if citizen.household_id is None:
        raise Http404
    data = cases_selectors.household_cases(household_id=citizen.household_id)
    app = next((a for a in data["applications"] if a.pk == application_id), None)
    if app is None:
        raise Http404
    today = clock.today()
    stage = STATE_STAGE.get(app.state)
    steps, due, days_left, office = [], None, None, ""
    if stage:
        current = [k for k, _l in STAGES].index(stage[0])
        office = _office(app, stage[1])
        due = getattr(app, stage[2])
        if due is not None:
            days_left = working_days_between(today, due) if due >= today else 0
    else:
        current = len(STAGES)
    for i, (key, label) in enumerate(STAGES):
        steps.append({"key": key, "label": label, "done": i < current, "now": i == current})
    _read(citizen, "case", app.pk)
    can_rate = rating_stage(app)
    if can_rate and Rating.objects.filter(application=app, stage=can_rate).exists():
        can_rate = ""
    return {
        "notices": notices(citizen, application_id=app.pk),
        "can_rate": can_rate,
        "app": app,
        "programme": programme_label(app.programme) if app.programme else _("待确定（模糊申请）"),
        "proposals": app.proposed_programmes,
        "steps": steps,
        "stage": STAGES[current][1] if current < len(STAGES) else app.get_state_display(),
        "finished": stage is None,
        "office": office,
        "due": due,
        "days_left": days_left,
        "overdue": due is not None and due < today,
        "outstanding": [o for o in data["outstanding"] if o.application_id == app.pk],
        "letters": [x for x in data["letters"] if x.application_id == app.pk],
        "tracks": cases_selectors.citizen_tracks(application_id=app.pk),
    }


def assistance(citizen: Citizen) -> dict:
    """我的救助: programmes and amounts on the roll, the last 12 payments, the next review."""
    data = cases_selectors.household_cases(household_id=citizen.household_id)
    payments = funds_selectors.household_recent_payments(
        household_id=citizen.household_id, limit=12
    )
    for p in payments:
        p["programme_label"] = programme_label(p["programme"])
    _read(citizen, "assistance", citizen.household_id)
    return {
        "roll": [
            {
                "label": programme_label(r.programme),
                "amount": r.monthly_amount,
                "since": r.start_month,
            }
            for r in data["roll"]
        ],
        "payments": payments,
        "next_review": monitoring_selectors.household_next_review(
            household_id=citizen.household_id
        ),
    }


def letter(citizen: Citizen, letter_id: int):
    row = cases_selectors.household_letter_pdf(
        household_id=citizen.household_id, letter_id=letter_id
    )
    if row is None:
        raise Http404
    _read(citizen, "letter", row.pk)
    return row


def report_by_code(code: str) -> Report | None:
    if not code or len(code.strip()) != 10:
        return None
    return (
        Report.objects.select_related("area", "office_area")
        .filter(query_hash=query_hash(code))
        .first()
    )


def report_areas() -> list[Area]:
    """Townships and streets to choose from on the 举报 form."""
    return public_cached(
        "townships",
        "",
        lambda: list(Area.objects.filter(level=AreaLevel.TOWNSHIP).order_by("code")),
    )


def _applies(param_area: str, area_code: str) -> bool:
    if not param_area:
        return True
    prefix = param_area[: PREFIX_LENGTH[level_for_code(param_area)]]
    return area_code.startswith(prefix)


def local_standards(*, area_code: str) -> list[dict]:
    """Money standards in force for the area today, and approved future values with dates
    (policy parameters; the most specific area wins)."""
    return public_cached("standards", area_code, lambda: _local_standards(area_code))


def _local_standards(area_code: str) -> list[dict]:
    specs, _defaults = policy_selectors.param_catalogue()
    today = clock.today()
    out = []
    rows = [r for r in policy_selectors.param_rows() if _applies(r.area_code, area_code)]
    for name, spec in specs.items():
        if not (spec.unit or "").startswith("元"):
            continue
        mine = sorted(
            (r for r in rows if r.name == name),
            key=lambda r: (len(r.area_code), r.effective_from),
        )
        current = [r for r in mine if r.effective_from <= today]
        if not current:
            continue
        best = max(len(r.area_code) for r in current)
        now = max((r for r in current if len(r.area_code) == best), key=lambda r: r.effective_from)
        future = sorted(
            (r for r in mine if r.effective_from > today and len(r.area_code) >= best),
            key=lambda r: r.effective_from,
        )
        out.append(
            {
                "label": spec.label,
                "unit": spec.unit,
                "value": now.value,
                "since": now.effective_from if now.effective_from.year > 1900 else None,
                "future": [{"value": r.value, "from": r.effective_from} for r in future],
            }
        )
    return out


def public_roll(*, village_code: str) -> tuple[Area, list[dict]]:
    def build():
        area = Area.objects.filter(pk=village_code, level=AreaLevel.VILLAGE).first()
        if area is None:
            return None
        return area, registry_selectors.public_roll(village_code=village_code)

    found = public_cached("roll", village_code, build)
    if found is None:
        raise Http404
    area, rows = found
    # labels in the page's language; the cached rows are not touched
    return area, [{**r, "programme_label": programme_label(r["programme"])} for r in rows]


def _yuan(value: str, field: str, label: str, errors: dict) -> Decimal:
    value = (value or "").strip() or "0"
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = Decimal(-1)
    if amount < 0 or amount > Decimal("100000000"):
        errors[field] = [_("%(label)s：请填写不小于0的金额数字") % {"label": label}]
        return Decimal(0)
    return amount


def self_check(data) -> tuple[list[dict], dict]:
    """The anonymous self-check (nothing stored): a few answers → the policy calculator's
    programmes with reasons, for the township chosen. Returns (programmes, errors)."""
    errors: dict[str, list[str]] = {}
    area = Area.objects.filter(pk=data.get("area", ""), level=AreaLevel.TOWNSHIP).first()
    if area is None:
        errors["area"] = [_("所在乡镇（街道）：请选择")]
    ages = []
    for i in range(4):
        raw = (data.get(f"age{i}") or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) > 120:
            errors[f"age{i}"] = [_("年龄：请填写0到120之间的整数")]
        else:
            ages.append(int(raw))
    if not ages and not any(k.startswith("age") for k in errors):
        errors["age0"] = [_("年龄：请至少填写一位家庭成员的年龄")]
    income = _yuan(data.get("income"), "income", _("全家每月收入"), errors)
    deposits = _yuan(data.get("deposits"), "deposits", _("存款"), errors)
    if errors:
        return [], errors
    ill = data.get("illness") == "yes"
    members = [
        {
            "id": i + 1,
            "age": age,
            "disability_type": "",
            "disability_grade": None,
            "major_illness": ill and i == 0,
            "labour_capacity": "none" if (age >= 60 or age < 16 or (ill and i == 0)) else "full",
            "self_care": "full",
            "employment": "na",
            "school_stage": "none",
            "child_status": "none",
        }
        for i, age in enumerate(ages)
    ]
    doc = {
        "household": {
            "urban_rural": "rural" if data.get("urban_rural") == "rural" else "urban",
            "emergency_event": False,
        },
        "members": members,
        "income": [{"kind": "other", "amount": str(income * 12)}] if income else [],
        "assets": [{"kind": "deposit", "value": str(deposits)}] if deposits else [],
        "expenses": [],
        "roll": [],
    }
    for kind in ("vehicle", "property"):
        if data.get(kind) == "yes":
            doc["assets"].append({"kind": kind, "value": "0"})
    result = policy_selectors.calculate_document(doc=doc, area_code=area.code, on=clock.today())
    out = []
    for p in result.get("programmes", []):
        if not p.get("eligible"):
            continue
        passed = [c["label"] for c in p.get("conditions", []) if c.get("passed")]
        amount = p.get("amount")
        out.append(
            {
                "label": str(p.get("name") or programme_label(p.get("programme", ""))),
                "amount": amount if amount not in (None, "", "0", "0.00") else None,
                "why": "；".join(str(x) for x in passed[:4]),
            }
        )
    return out, errors


def satisfaction(*, area_prefix: str = "") -> dict:
    """For KPIs: number of ratings and the average score (1–5), per stage, in an area subtree."""
    from django.db.models import Avg, Count

    rows = (
        Rating.objects.filter(area__code__startswith=area_prefix)
        .values("stage")
        .annotate(n=Count("id"), avg=Avg("score"))
    )
    return {r["stage"]: {"count": r["n"], "average": round(r["avg"], 2)} for r in rows}


SATISFIED_FROM = 4  # 满意 and 非常满意 on the 1–5 scale


def _ratings_in(area_prefix: str, start, end):
    """Ratings given in [start, end] (dates, China time) by citizens of an area subtree."""
    return Rating.objects.filter(
        area__code__startswith=area_prefix,
        created_at__date__gte=start,
        created_at__date__lte=end,
    )


def satisfaction_sums(*, area_prefix: str, start, end, by_area_len: int | None = None) -> list:
    """For the statistics KPIs: per (child area prefix when ``by_area_len``) and stage, the
    number of ratings, the sum of scores and how many were satisfied (score ≥ 4) — exact
    integers; the caller derives the mean and the share."""
    from django.db.models import Count, Q, Sum
    from django.db.models.functions import Substr

    qs = _ratings_in(area_prefix, start, end)
    group = ["stage"]
    if by_area_len:
        qs = qs.annotate(prefix=Substr("area_id", 1, by_area_len))
        group.insert(0, "prefix")
    rows = qs.values(*group).annotate(
        n=Count("id"),
        total=Sum("score"),
        satisfied=Count("id", filter=Q(score__gte=SATISFIED_FROM)),
    )
    return [
        {
            "prefix": r.get("prefix", area_prefix),
            "stage": r["stage"],
            "count": r["n"],
            "score_sum": r["total"] or 0,
            "satisfied": r["satisfied"],
        }
        for r in rows.order_by(*group)
    ]


def ratings_between(*, area_prefix: str, start, end):
    """The ratings behind the figures (drill-down): newest first, with the case number, stage,
    score, comment and the area's name. The caller scopes the area and paginates."""
    return (
        _ratings_in(area_prefix, start, end)
        .select_related("application", "area")
        .order_by("-created_at", "-id")
    )


def household_members(citizen: Citizen) -> list:
    """The living members of the citizen's household (names only, for choosing on a form)."""
    from jiuzhu.registry.models import Person

    return list(
        Person.objects.filter(household_id=citizen.household_id, death_date__isnull=True)
        .order_by("id")
        .only("id", "name")
    )


def self_reports(citizen: Citizen) -> list[dict]:
    from jiuzhu.monitoring.self_reports import household_self_reports

    _read(citizen, "self_reports", citizen.household_id)
    return household_self_reports(household_id=citizen.household_id)


def notices(citizen: Citizen, *, application_id: int | None = None, limit: int = 10) -> list:
    """The household's latest messages (受理, 补材料, 公示, 决定, 发放), newest first."""
    from jiuzhu.portal.models import Notice

    rows = Notice.objects.filter(household_id=citizen.household_id)
    if application_id is not None:
        rows = rows.filter(application_id=application_id)
    return list(rows[:limit])


def proxy_page(citizen: Citizen) -> dict:
    """Whom this phone may act for (active grants) and, for a bound member, the grants given."""
    from jiuzhu.core.masking import mask_name, mask_phone
    from jiuzhu.portal.models import ProxyGrant
    from jiuzhu.portal.services import proxy_active

    acting = getattr(citizen, "acting_for", None)
    given = []
    if acting is None and citizen.person_id:
        for g in ProxyGrant.objects.filter(grantor_id=citizen.person_id):
            g.phone_masked = mask_phone(g.agent_phone)
            given.append(g)
    for_me = list(proxy_active(citizen.phone))
    for g in for_me:
        g.grantor_masked = mask_name(g.grantor.name)
    _read(citizen, "proxy", citizen.household_id)
    return {"acting": acting, "given": given, "for_me": for_me, "today": clock.today()}


def proxy_started(citizen: Citizen, grant_id: int) -> None:
    _read(citizen, "proxy.act", grant_id)


def staff_proxy_grants(user):
    """The 代办 grants of the worker's area (one scoping mechanism)."""
    from jiuzhu.accounts.roles import Capability
    from jiuzhu.accounts.scoping import scoped
    from jiuzhu.portal.models import ProxyGrant

    return scoped(
        ProxyGrant.objects.select_related("grantor", "recorded_by"), user, Capability.CASE_INTAKE
    ).order_by("-created_at", "-id")
