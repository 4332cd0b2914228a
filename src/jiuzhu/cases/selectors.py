"""Reads of the cases process, always through the shared scoping mechanism."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, scoped, user_roles
from jiuzhu.areas.models import Area
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases.models import (
    Application,
    Material,
    Objection,
    PublicNotice,
    Task,
)
from jiuzhu.cases.workdays import working_days_between
from jiuzhu.cases.workflow import available
from jiuzhu.core import clock
from jiuzhu.registry.models import IncomeItem, Person, RollEntry

NEAR_WORKING_DAYS = 1  # flag a task this many working days before its limit


def applications_visible(user) -> QuerySet[Application]:
    return scoped(Application.objects.all(), user, Capability.CASE_VIEW)


def application_get(*, user, application_id: int) -> Application:
    return access(
        Application.objects.select_related(
            "household",
            "applicant",
            "area",
            "reviewed_by",
            "decided_by",
            "created_by",
            "roll_entry",
        ),
        user,
        Capability.CASE_VIEW,
        pk=application_id,
    )


@dataclass
class TodoItem:
    task: Task
    flag: str  # "overdue" | "near" | ""
    days_left: int | None


def todo_for(
    *, user, today: datetime.date | None = None, limit: int | None = None
) -> list[TodoItem]:
    """Everything waiting on me in my areas: overdue first, then by limit, then oldest."""
    today = today or clock.today()
    clauses = [Q(role=a.role, area__code__startswith=a.area.prefix) for a in user_roles(user)]
    if not clauses:
        return []
    qs = (
        Task.objects.filter(done_at__isnull=True)
        .filter(reduce(or_, clauses))
        .filter(Q(assigned_to__isnull=True) | Q(assigned_to=user))
        .select_related("application", "application__household", "application__applicant", "area")
        .order_by(F("due_date").asc(nulls_last=True), "created_at", "id")
    )
    if limit is not None:
        qs = qs[:limit]
    out = []
    for t in qs:
        days_left = working_days_between(today, t.due_date) if t.due_date else None
        flag = ""
        if days_left is not None:
            flag = (
                "overdue" if days_left < 0 else ("near" if days_left <= NEAR_WORKING_DAYS else "")
            )
        out.append(TodoItem(t, flag, days_left))
    return out


@dataclass
class TodoRow:
    """One line of the 待办 page, whatever produced it (a case step, an alert, a review)."""

    due_date: datetime.date | None
    flag: str
    days_left: int | None
    kind_label: str
    ref_label: str
    ref_url: str
    person: str
    programme: str
    note: str
    source: str = "case"


# Other apps add their work to the same page: ``register_todo_source(fn)`` in ``ready()``, where
# ``fn(user=…, today=…)`` returns ``TodoRow``s (monitoring: alerts and review tasks).
_TODO_SOURCES: list = []


def register_todo_source(fn) -> None:
    if fn not in _TODO_SOURCES:
        _TODO_SOURCES.append(fn)


def todo_flag(today: datetime.date, due: datetime.date | None) -> tuple[str, int | None]:
    if due is None:
        return "", None
    days_left = working_days_between(today, due)
    if days_left < 0:
        return "overdue", days_left
    return ("near" if days_left <= NEAR_WORKING_DAYS else ""), days_left


def todo_rows(*, user, today: datetime.date | None = None) -> list[TodoRow]:
    """The whole 待办 page: case steps and every registered source, most urgent first."""
    from django.urls import reverse

    today = today or clock.today()
    rows = [
        TodoRow(
            due_date=i.task.due_date,
            flag=i.flag,
            days_left=i.days_left,
            kind_label=i.task.get_kind_display(),
            ref_label=i.task.application.number,
            ref_url=reverse("cases:detail", args=[i.task.application_id]),
            person=i.task.application.applicant.name,
            programme=i.task.application.programme_label,
            note=i.task.note,
        )
        for i in todo_for(user=user, today=today)
    ]
    for source in _TODO_SOURCES:
        rows.extend(source(user=user, today=today))
    rank = {"overdue": 0, "near": 1}
    rows.sort(key=lambda r: (rank.get(r.flag, 2), r.due_date or datetime.date.max))
    return rows


def case_page(*, user, application_id: int) -> dict:
    app = application_get(user=user, application_id=application_id)
    return {
        "app": app,
        "events": app.events.select_related("actor").all(),
        "materials": Material.objects.filter(household_id=app.household_id).order_by("kind", "id"),
        "outstanding": app.outstanding.all(),
        "pledges": app.pledges.all(),
        "authorisations": app.authorisations.all(),
        "visits": app.visits.all(),
        "notices": app.notices.all(),
        "objections": app.objections.all(),
        "letters": app.letters.defer("pdf").all(),
        "actions": [t.name for t in available(user, app)],
        "audit": AuditEvent.objects.filter(
            subject_type="application", subject_id=str(app.pk)
        ).order_by("seq"),
    }


@dataclass
class DecisionSupport:
    """What 初审 and 审批 decide on: the calculator for this household, the 核对 findings and the
    household's declarations beside the registry's income."""

    available: bool  # the calculator answered
    unavailable_reason: str  # why not (the engine's error, in Chinese), "" when it answered
    programme_label: str
    eligible: bool | None
    amount: Decimal | None  # the calculator's monthly (or one-off) amount for the programme
    conditions: list  # (label, passed)
    findings: list  # the latest 核对's findings: (kind label, person, summary, source)
    checked_at: datetime.datetime | None
    declared_income: Decimal | None  # the application's declared income (12 months)
    declared_per_capita: Decimal | None
    registry_income: Decimal | None  # the registry's income, 12 months, counted members
    registry_per_capita: Decimal | None
    declarations: list


def decision_support(*, user, app: Application) -> DecisionSupport:
    """The figures the 初审/审批 pages show beside the amount (read-only, scoped by ``app``)."""
    from jiuzhu.cases import calculator
    from jiuzhu.core.programmes import programme_label
    from jiuzhu.registry.selectors import household_income_summary
    from jiuzhu.verify.selectors import household_findings

    hh = app.household
    try:
        result = calculator.calculation(household=hh)
        unavailable = ""
    except calculator.CalculatorError as exc:  # the page opens and says why there is no figure
        result, unavailable = None, exc.text()
    row = None
    for p in (result or {}).get("programmes", []):
        if p.get("programme") == app.programme:
            row = p
    amount = None
    if row and row.get("eligible") and row.get("amount") not in (None, ""):
        amount = Decimal(str(row["amount"]))
    conditions = [
        (c.get("label", ""), bool(c.get("passed"))) for c in (row or {}).get("conditions", [])
    ]
    findings = [
        (f.get_kind_display(), f.person.name if f.person else "", f.summary, f.source)
        for f in household_findings(household_id=hh.pk)
    ]
    checks = hh.checks.order_by("-checked_at", "-id").values_list("checked_at", flat=True)[:1]
    members = list(Person.objects.filter(household=hh))
    income_items = list(IncomeItem.objects.filter(household=hh))
    summary = household_income_summary(members=members, income_items=income_items)
    declarations = list(app.declarations.all().order_by("id"))
    declared_income = (
        sum(
            (d.amount for d in declarations if d.fact == "income" and d.status != "withdrawn"),
            Decimal("0"),
        )
        if any(d.fact == "income" for d in declarations)
        else None
    )
    n = summary.counted_members
    return DecisionSupport(
        available=result is not None,
        unavailable_reason=unavailable,
        programme_label=programme_label(app.programme) if app.programme else "",
        eligible=bool(row.get("eligible")) if row else None,
        amount=amount,
        conditions=conditions,
        findings=findings,
        checked_at=checks[0] if checks else None,
        declared_income=declared_income,
        declared_per_capita=(declared_income / 12 / n).quantize(Decimal("0.01"))
        if declared_income is not None and n
        else None,
        registry_income=summary.total,
        registry_per_capita=summary.per_capita_monthly,
        declarations=declarations,
    )


def declarations_beside_registry(*, app: Application) -> list[dict]:
    """Each declaration of the application with the registry's facts of the same kind."""
    from jiuzhu.registry.services import FACT_MODELS

    out = []
    for d in app.declarations.all().order_by("id"):
        model = FACT_MODELS[d.fact]
        facts = list(
            model.objects.filter(household_id=app.household_id, kind=d.kind)
            .select_related("person")
            .order_by("id")
        )
        out.append({"declaration": d, "registry": facts})
    return out


def public_notices(*, area_code: str, today: datetime.date | None = None) -> tuple[Area, list]:
    """The public page of a community or street: notices running now (no login, masked)."""
    area = Area.objects.get(code=area_code)
    qs = (
        PublicNotice.objects.filter(area__code__startswith=area.prefix, closed=False)
        .select_related("area", "application")
        .order_by("area_id", "start_date", "id")
    )
    return area, list(qs)


def roll_visible(user) -> QuerySet[RollEntry]:
    return scoped(
        RollEntry.objects.select_related("household"), user, Capability.CASE_VIEW
    ).order_by("-created_at", "-id")


# ---------------------------------------------------------------- statistics (jiuzhu.stats)


def decisions_between(*, start: datetime.date, end: datetime.date) -> list[dict]:
    """Applications decided (approved or refused) from ``start`` to ``end``, for the handling
    KPIs and spot-check sampling: id, number, area, programme, applied (local date), accepted,
    decided, decision due, state, the times it was sent back for papers (退回补正), materials
    uploaded, and whether the street's decision was final (初审即终审). No user: the stats app
    scopes what a person sees."""
    from django.db.models import Count
    from django.utils import timezone

    from jiuzhu.cases.models import CaseEvent, State

    apps = list(
        Application.objects.filter(
            decided_on__gte=start,
            decided_on__lte=end,
            state__in=[State.APPROVED, State.REFUSED, State.STOPPED],
        )
        .order_by("id")
        .values(
            "id",
            "number",
            "area_id",
            "programme",
            "submitted_at",
            "accepted_on",
            "decided_on",
            "decision_due",
            "state",
            "chain",
        )
    )
    ids = [a["id"] for a in apps]
    returns = dict(
        CaseEvent.objects.filter(application_id__in=ids, action="return_to_worker")
        .values("application_id")
        .annotate(n=Count("id"))
        .values_list("application_id", "n")
    )
    materials = dict(
        Material.objects.filter(application_id__in=ids)
        .values("application_id")
        .annotate(n=Count("id"))
        .values_list("application_id", "n")
    )
    out = []
    for a in apps:
        chain = a.pop("chain") or {}
        a["area_code"] = a.pop("area_id")
        a["applied_on"] = timezone.localtime(a.pop("submitted_at")).date()
        a["returns"] = returns.get(a["id"], 0)
        a["materials"] = materials.get(a["id"], 0)
        a["street_final"] = bool(chain.get("review_is_final"))
        a["total_days"] = chain.get("total_days")
        out.append(a)
    return out


def overdue_applications(*, today: datetime.date) -> list[dict]:
    """Open applications past their decision deadline (办结期限) on ``today``: id, number, area,
    programme, decision_due. For 督办 (jiuzhu.stats)."""
    from jiuzhu.cases.workflow import OPEN_STATES

    return list(
        Application.objects.filter(state__in=OPEN_STATES, decision_due__lt=today)
        .order_by("id")
        .annotate(area_code=F("area_id"))
        .values("id", "number", "area_code", "programme", "decision_due")
    )


def open_applications_count(*, today: datetime.date) -> list[dict]:
    """Open applications per area with how many are past their deadline (for the KPI page)."""
    from django.db.models import Count

    from jiuzhu.cases.workflow import OPEN_STATES

    return list(
        Application.objects.filter(state__in=OPEN_STATES)
        .values("area_id")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(decision_due__lt=today)),
        )
        .values_list("area_id", "open", "overdue")
    )


def household_cases(*, household_id: int) -> dict:
    """One household's applications, open 容缺 items, decision letters and roll entries, for
    the household's own member on the citizen portal (the caller has bound the household)."""
    from jiuzhu.cases.models import DecisionLetter, OutstandingItem

    apps = list(
        Application.objects.filter(household_id=household_id)
        .select_related("area")
        .order_by("-submitted_at")
    )
    ids = [a.pk for a in apps]
    return {
        "applications": apps,
        "outstanding": list(
            OutstandingItem.objects.filter(application_id__in=ids, received__isnull=True)
        ),
        "letters": list(
            DecisionLetter.objects.filter(application_id__in=ids)
            .defer("pdf")
            .order_by("-issued_at")
        ),
        "roll": list(
            RollEntry.objects.filter(household_id=household_id, status="active").order_by(
                "programme"
            )
        ),
    }


def household_letter_pdf(*, household_id: int, letter_id: int):
    """A decision letter of one household (None if it is not theirs)."""
    from jiuzhu.cases.models import DecisionLetter

    return DecisionLetter.objects.filter(
        pk=letter_id, application__household_id=household_id
    ).first()


def objection_status(*, objection_id: int, contact_phone: str) -> dict | None:
    """What the person who objected may see of their objection (matched on the phone they
    gave): the notice's masked household, when, and the outcome once handled."""
    o = (
        Objection.objects.select_related("notice__area")
        .filter(pk=objection_id, contact_phone=(contact_phone or "").strip())
        .first()
    )
    if o is None:
        return None
    return {
        "area": o.notice.area.name,
        "masked_name": o.notice.masked_name,
        "submitted_at": o.submitted_at,
        "resolved": o.resolved,
        "outcome": o.get_outcome_display() if o.resolved else "",
        "resolved_at": o.resolved_at,
    }


# ---------------------------------------------------------------- the workbench lists


def _app_link(a):
    from django.urls import reverse

    return reverse("cases:detail", args=[a.pk])


def _application_rows(user, query):
    from jiuzhu.accounts.scoping import within_area
    from jiuzhu.cases.workflow import OPEN_STATES
    from jiuzhu.core.idcard import normalise

    qs = applications_visible(user).select_related("household", "applicant", "area")
    if query.q:
        q = query.q.strip()
        as_id = normalise(q.upper())
        if len(as_id) == 18 and as_id[:17].isdigit():
            qs = qs.filter(household__members__id_number=as_id).distinct()
        elif q[:1].isalpha() and q[1:].replace("-", "").isdigit() or q.isdigit():
            qs = qs.filter(number__startswith=q)
        else:
            qs = qs.filter(Q(applicant__name__startswith=q) | Q(household__head_name__startswith=q))
    if query.area:
        qs = qs.filter(within_area("area", query.area))
    if query.programme:
        qs = qs.filter(programme=query.programme)
    if query.state:
        qs = qs.filter(state=query.state)
    if query.date_from:
        qs = qs.filter(submitted_at__date__gte=query.date_from)
    if query.date_to:
        qs = qs.filter(submitted_at__date__lte=query.date_to)
    if query.overdue:
        qs = qs.filter(state__in=OPEN_STATES, decision_due__lt=clock.today())
    return qs


def _application_due(a) -> str:
    """办结期限 with the working days left (negative: 已超期), for open applications."""
    from jiuzhu.cases.workflow import OPEN_STATES

    if not a.decision_due:
        return ""
    if a.state not in OPEN_STATES:
        return a.decision_due.isoformat()
    left = working_days_between(clock.today(), a.decision_due)
    if left < 0:
        note = _("已超期 %(n)s 个工作日") % {"n": -left}
    else:
        note = _("剩 %(n)s 个工作日") % {"n": left}
    return f"{a.decision_due.isoformat()}（{note}）"


def _roll_rows(user, query):
    from jiuzhu.accounts.scoping import within_area
    from jiuzhu.registry.models import RollStatus

    qs = scoped(
        RollEntry.objects.select_related("household", "household__hukou_area", "person"),
        user,
        Capability.CASE_VIEW,
    )
    if query.q:
        q = query.q.strip()
        from jiuzhu.core.idcard import normalise

        as_id = normalise(q.upper())
        if len(as_id) == 18 and as_id[:17].isdigit():
            qs = qs.filter(household__members__id_number=as_id).distinct()
        elif q.isdigit() or (q.startswith("H") and q[1:].isdigit()):
            qs = qs.filter(household__number__startswith=q)
        else:
            qs = qs.filter(household__head_name__startswith=q)
    if query.area:
        qs = qs.filter(within_area("household__hukou_area", query.area))
    if query.programme:
        qs = qs.filter(programme=query.programme)
    if query.state in RollStatus.values:
        qs = qs.filter(status=query.state)
    if query.date_from:
        qs = qs.filter(start_month__gte=query.date_from)
    if query.date_to:
        qs = qs.filter(start_month__lte=query.date_to)
    return qs


def _todo_list_rows(user, query):
    rows = todo_rows(user=user)
    if query.kind:
        rows = [r for r in rows if r.source == query.kind]
    if query.overdue:
        rows = [r for r in rows if r.flag == "overdue"]
    if query.q:
        rows = [r for r in rows if query.q in r.person or query.q in str(r.ref_label)]
    if query.programme:
        from jiuzhu.core.programmes import programme_label

        label = str(programme_label(query.programme))
        rows = [r for r in rows if label in str(r.programme)]
    return rows


TODO_KINDS = (
    ("case", _("审批（申请办理）")),
    ("alert", _("预警")),
    ("review", _("动态复核")),
)


def _list_specs():
    from django.urls import reverse

    from jiuzhu.accounts.scoping import area_choices, area_in_scope, area_name
    from jiuzhu.cases.models import State
    from jiuzhu.core.pagination import Column, ListSpec, cached_label, choice_label
    from jiuzhu.core.programmes import programme_label as _programme_label
    from jiuzhu.registry.models import RollStatus
    from jiuzhu.registry.selectors import _can_reveal_all, _programmes

    programme_label = cached_label(_programme_label)
    roll_status = choice_label(RollStatus.choices)
    app_state = choice_label(State.choices)

    applications = ListSpec(
        name="applications",
        title=_("申请"),
        capability=Capability.CASE_VIEW,
        rows=_application_rows,
        columns=(
            Column("number", _("申请编号"), lambda a: a.number, sort="number", link=_app_link),
            Column("applicant", _("申请人"), lambda a: a.applicant.name),
            Column(
                "id_number",
                _("申请人身份证号"),
                lambda a: a.applicant.id_number,
                sensitive="id_number",
            ),
            Column("area", _("受理村/社区"), lambda a: a.area.name, sort="area"),
            Column("programme", _("救助项目"), lambda a: programme_label(a.programme)),
            Column(
                "state",
                _("状态"),
                lambda a: app_state(a.state) + (str(_("（异议暂停）")) if a.paused else ""),
                sort="state",
            ),
            Column(
                "submitted",
                _("申请时间"),
                lambda a: clock.local(a.submitted_at).strftime("%Y-%m-%d %H:%M"),
                sort="submitted",
            ),
            Column("due", _("办结期限"), _application_due, sort="due"),
        ),
        sorts={
            "submitted": ("-submitted_at", "-id"),
            "number": ("number",),
            "area": ("area_id", "id"),
            "state": ("state", "id"),
            "due": (F("decision_due").asc(nulls_last=True), "id"),
        },
        default_sort="submitted",
        filters=("q", "area", "programme", "state", "date_from", "overdue"),
        states=lambda: [(k, str(v)) for k, v in State.choices],
        programmes=_programmes,
        areas=lambda user: area_choices(user, Capability.CASE_VIEW),
        area_allowed=area_in_scope(Capability.CASE_VIEW),
        area_name=area_name,
        can_reveal=_can_reveal_all(Capability.CASE_VIEW),
        date_label=_("申请日期"),
        url_name="cases:applications",
    )
    roll = ListSpec(
        name="roll",
        title=_("救助名册"),
        capability=Capability.CASE_VIEW,
        rows=_roll_rows,
        columns=(
            Column(
                "household",
                _("家庭编号"),
                lambda e: e.household.number,
                sort="household",
                link=lambda e: reverse("registry:household_detail", args=[e.household_id]),
            ),
            Column("head", _("户主"), lambda e: e.household.head_name),
            Column("person", _("保障对象"), lambda e: e.person.name if e.person else ""),
            Column(
                "id_number",
                _("保障对象身份证号"),
                lambda e: e.person.id_number if e.person else "",
                sensitive="id_number",
            ),
            Column("area", _("户籍地"), lambda e: e.household.hukou_area.name),
            Column("programme", _("项目"), lambda e: programme_label(e.programme)),
            Column(
                "amount", _("月金额(元)"), lambda e: e.monthly_amount, sort="amount", number=True
            ),
            Column("start", _("起始月"), lambda e: e.start_month.strftime("%Y-%m"), sort="start"),
            Column(
                "end",
                _("截止月"),
                lambda e: e.end_month.strftime("%Y-%m") if e.end_month else "",
            ),
            Column("status", _("状态"), lambda e: roll_status(e.status)),
            Column("decision", _("决定文号"), lambda e: e.decision_ref),
        ),
        sorts={
            # newest first by id: read backwards off the primary key (no sort of the whole scope)
            "recent": ("-id",),
            "household": ("household__hukou_area_id", "household__number", "id"),
            "amount": ("monthly_amount", "id"),
            "start": ("start_month", "id"),
        },
        default_sort="recent",
        filters=("q", "area", "programme", "state", "date_from"),
        states=lambda: [(k, str(v)) for k, v in RollStatus.choices],
        programmes=_programmes,
        areas=lambda user: area_choices(user, Capability.CASE_VIEW),
        area_allowed=area_in_scope(Capability.CASE_VIEW),
        area_name=area_name,
        can_reveal=_can_reveal_all(Capability.CASE_VIEW),
        date_label=_("起始月"),
        url_name="cases:roll",
    )
    todo = ListSpec(
        name="todo",
        title=_("我的待办"),
        capability=Capability.CASE_VIEW,
        rows=_todo_list_rows,
        columns=(
            Column("due", _("期限"), lambda r: r.due_date or "", sort="due"),
            Column("flag", _("紧急程度"), _todo_flag_label),
            Column("kind", _("事项"), lambda r: r.kind_label, sort="kind"),
            Column("ref", _("编号"), lambda r: r.ref_label, link=lambda r: r.ref_url),
            Column("person", _("对象"), lambda r: r.person),
            Column("programme", _("项目"), lambda r: r.programme),
            Column("note", _("说明"), lambda r: r.note),
        ),
        sorts={
            "urgent": lambda r: (
                {"overdue": 0, "near": 1}.get(r.flag, 2),
                r.due_date or datetime.date.max,
            ),
            "due": lambda r: r.due_date or datetime.date.max,
            "kind": lambda r: (r.source, str(r.kind_label)),
        },
        default_sort="urgent",
        filters=("q", "programme", "kind", "overdue"),
        kinds=lambda: [(k, str(v)) for k, v in TODO_KINDS],
        programmes=_programmes,
        url_name="cases:todo",
    )
    return applications, roll, todo


def _todo_flag_label(r) -> str:
    if r.flag == "overdue":
        return str(_("已超期 %(n)s 个工作日") % {"n": -(r.days_left or 0)})
    if r.flag == "near":
        return str(_("临期"))
    return ""


# ---------------------------------------------------------------- tracks (一门受理、协同办理)

# What a referred department needs to see of a member, per programme: nothing of income,
# assets or phones; the members the programme concerns, by masked name and what qualifies them.
_TRACK_MEMBERS = {
    "education_aid": lambda p: p.school_stage not in ("", "none"),
    "medical_premium_subsidy": lambda p: True,
    "medical_aid": lambda p: bool(p.major_illness),
    "employment_aid": lambda p: p.employment in ("unemployed", ""),
}


def case_tracks(application: Application) -> list:
    """The tracks of one case (already authorised by the caller), main first."""
    from jiuzhu.cases.models import CaseTrack

    return list(CaseTrack.objects.filter(application=application).select_related("application"))


def department_tracks(user, *, status: str = "") -> QuerySet:
    """Referred tracks of the departments where ``user`` is a 部门经办, in their areas only."""
    from jiuzhu.accounts.scoping import department_scope_q
    from jiuzhu.cases.models import CaseTrack, TrackHandling

    qs = (
        CaseTrack.objects.filter(handling=TrackHandling.REFER)
        .filter(department_scope_q(user, Capability.TRACK_HANDLE, "owner", "area"))
        .select_related("application", "area")
        .order_by("status", "due_date", "id")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def department_track(*, user, track_id: int) -> dict:
    """One referred track as the department sees it: masked, only what it needs. 404 outside
    the user's department and areas."""
    from django.http import Http404

    from jiuzhu.audit.services import audit_read
    from jiuzhu.core.masking import mask_id_number, mask_name

    track = department_tracks(user).filter(pk=track_id).first()
    if track is None:
        raise Http404
    app = track.application
    applicant = app.applicant
    wanted = _TRACK_MEMBERS.get(track.programme, lambda p: False)
    today = clock.today()
    members = [
        {
            "name": mask_name(p.name),
            "age": _age(p.birth_date, today),
            "school_stage": p.get_school_stage_display() if p.school_stage else "",
        }
        for p in Person.objects.filter(household_id=app.household_id, death_date__isnull=True)
        if wanted(p)
    ]
    audit_read(
        user,
        "track.view",
        subject_type="case_track",
        subject_id=track.pk,
        household_id=app.household_id,
        area_code=track.area_id,
    )
    return {
        "track": track,
        "number": app.number,
        "applicant": applicant.name,
        "applicant_id": mask_id_number(applicant.id_number),
        "area": track.area,
        "members": members,
        "days_left": working_days_between(today, track.due_date)
        if track.due_date and track.due_date >= today
        else 0,
        "overdue": bool(track.due_date and track.due_date < today and track.is_open),
    }


def _age(birth: datetime.date | None, today: datetime.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def household_tracks_section(*, user, household):
    """The household profile's section: every track of its cases with its outcome."""
    from jiuzhu.cases.models import CaseTrack

    if not has_case_view(user, household.hukou_area_id):
        return None
    tracks = list(
        CaseTrack.objects.filter(household=household)
        .select_related("application")
        .order_by("-application_id", "-main", "id")
    )
    if not tracks:
        return None
    return {"tracks": tracks}


def has_case_view(user, area_code: str) -> bool:
    from jiuzhu.accounts.scoping import user_scope

    return user_scope(user, Capability.CASE_VIEW).contains(area_code)


def citizen_tracks(*, application_id: int) -> list:
    """The tracks of a case for the citizen's progress page (the portal authorised the case)."""
    from jiuzhu.cases.models import CaseTrack

    return list(
        CaseTrack.objects.filter(application_id=application_id).select_related("application")
    )
