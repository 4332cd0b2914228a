"""Reads of monitoring, always through the shared scoping mechanism."""

from __future__ import annotations

import datetime
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, has_capability, prefix_end, scoped, user_roles
from jiuzhu.audit.services import audit_record
from jiuzhu.cases.selectors import TodoRow, todo_flag
from jiuzhu.core import clock
from jiuzhu.core.programmes import programme_label
from jiuzhu.monitoring.models import (
    Alert,
    AlertRule,
    AlertStatus,
    MonitorRun,
    ReviewTask,
    RiskClass,
    RuleKind,
)


def alerts_visible(user) -> QuerySet[Alert]:
    return scoped(Alert.objects.all(), user, Capability.ALERT_HANDLE)


def _mine(user) -> Q | None:
    """Work waiting on me: assigned to me, or to my role in my areas with nobody named."""
    clauses = [
        Q(role=a.role, area_id__gte=a.area.prefix, area_id__lt=prefix_end(a.area.prefix))
        for a in user_roles(user)
    ]
    if not clauses:
        return None
    return Q(assigned_to=user) | (Q(assigned_to__isnull=True) & reduce(or_, clauses))


def my_alerts(user) -> QuerySet[Alert]:
    q = _mine(user)
    if q is None:
        return Alert.objects.none()
    return alerts_visible(user).filter(status=AlertStatus.OPEN).filter(q)


def my_reviews(user) -> QuerySet[ReviewTask]:
    q = _mine(user)
    if q is None:
        return ReviewTask.objects.none()
    return scoped(ReviewTask.objects.filter(done=False), user, Capability.ALERT_HANDLE).filter(q)


def todo_source(*, user, today: datetime.date, limit: int | None = None) -> list[TodoRow]:
    """Alerts and review tasks for the 待办 page."""
    rows = []
    for a in my_alerts(user).select_related("household").order_by("due_date", "id")[:limit]:
        flag, days = todo_flag(today, a.due_date)
        rows.append(
            TodoRow(
                due_date=a.due_date,
                flag=flag,
                days_left=days,
                kind_label=_("预警：%(cause)s") % {"cause": a.get_cause_display()}
                + (_("（已升级）") if a.escalations else ""),
                ref_label=_("预警 #%(n)s") % {"n": a.pk},
                ref_url=reverse("monitoring:alert", args=[a.pk]),
                person=a.household.head_name,
                programme=programme_label(a.programme) if a.programme else "",
                note=a.summary[:120],
                source="alert",
            )
        )
    for t in my_reviews(user).select_related("household").order_by("due_date", "id")[:limit]:
        flag, days = todo_flag(today, t.due_date)
        rows.append(
            TodoRow(
                due_date=t.due_date,
                flag=flag,
                days_left=days,
                kind_label=_("动态复核（%(c)s类）") % {"c": t.risk_class},
                ref_label=_("复核 #%(n)s") % {"n": t.pk},
                ref_url=reverse("monitoring:review", args=[t.pk]),
                person=t.household.head_name,
                programme="、".join(programme_label(p) for p in t.programmes),
                note=_("%(month)s复核") % {"month": date_format(t.period, _("Y年m月"))},
                source="review",
            )
        )
    return rows


def household_section(*, user, household) -> dict | None:
    """The household profile's 预警与复核 section (only for those who handle alerts)."""
    if not has_capability(user, Capability.ALERT_HANDLE):
        return None
    return {
        "alerts": list(
            alerts_visible(user)
            .filter(household=household)
            .select_related("assigned_to", "application")
            .order_by("-raised_at")[:50]
        ),
        "reviews": list(
            scoped(ReviewTask.objects.filter(household=household), user, Capability.ALERT_HANDLE)
            .select_related("application")
            .order_by("-period")[:24]
        ),
    }


def alert_list(
    *,
    user,
    status: str = "open",
    cause: str = "",
    area: str = "",
    overdue: bool = False,
    mine: bool = False,
) -> QuerySet[Alert]:
    """Alerts in the user's areas (``mine``: only the open ones waiting on the user), filtered."""
    base = my_alerts(user) if mine else alerts_visible(user)
    qs = base.select_related("household", "assigned_to", "area")
    if status in AlertStatus.values:
        qs = qs.filter(status=status)
    if cause in RuleKind.values:
        qs = qs.filter(cause=cause)
    if area.isdigit():
        qs = qs.filter(area_id__gte=area, area_id__lt=prefix_end(area))
    if overdue:
        qs = qs.filter(status=AlertStatus.OPEN, due_date__lt=clock.today())
    return qs.order_by("due_date", "id")


def alert_page(*, user, alert_id: int) -> dict:
    """One alert with its evidence; opening it is a read of the household's file (audited)."""
    from jiuzhu.audit.models import AuditEvent
    from jiuzhu.registry.models import RollEntry

    alert = access(
        Alert.objects.select_related(
            "household", "person", "rule", "assigned_to", "area", "application", "roll_entry"
        ),
        user,
        Capability.ALERT_HANDLE,
        pk=alert_id,
    )
    with transaction.atomic():
        audit_record(
            actor=user,
            action="alert.view",
            subject_type="alert",
            subject_id=alert.pk,
            household_id=alert.household_id,
            area_code=alert.area_id,
        )
    month = clock.today().replace(day=1)
    entries = list(
        RollEntry.objects.filter(household=alert.household, status="active")
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .select_related("person")
        .order_by("id")
    )
    return {
        "alert": alert,
        "entries": [(e, programme_label(e.programme)) for e in entries],
        "history": AuditEvent.objects.filter(subject_type="alert", subject_id=str(alert.pk))
        .exclude(action="alert.view")
        .order_by("seq"),
    }


def overview(*, user, today: datetime.date | None = None) -> dict:
    """Counts for the monitoring overview charts, in the user's areas."""
    today = today or clock.today()
    qs = alerts_visible(user)
    open_ = qs.filter(status=AlertStatus.OPEN)
    labels = dict(RuleKind.choices)
    by_cause = [
        {"cause": str(labels.get(r["cause"], r["cause"])), "n": r["n"]}
        for r in open_.values("cause").annotate(n=Count("id")).order_by("-n")
    ]
    from django.db.models.functions import Substr

    from jiuzhu.areas.models import Area

    by_area_rows = list(
        open_.annotate(township=Substr("area_id", 1, 9))
        .values("township")
        .annotate(n=Count("id"))
        .order_by("-n")[:20]
    )
    names = dict(
        Area.objects.filter(code__in=[r["township"] + "000" for r in by_area_rows]).values_list(
            "code", "name"
        )
    )
    by_area = [
        {"area": names.get(r["township"] + "000", r["township"]), "n": r["n"]} for r in by_area_rows
    ]
    ages = {_("0-3天"): 0, _("4-7天"): 0, _("8-30天"): 0, _("30天以上"): 0}
    buckets = list(ages)
    for raised in open_.values_list("raised_at", flat=True).iterator():
        d = (today - timezone.localtime(raised).date()).days
        ages[buckets[0 if d <= 3 else 1 if d <= 7 else 2 if d <= 30 else 3]] += 1
    outcomes = list(
        qs.filter(status=AlertStatus.CLOSED, closed_at__isnull=False)
        .annotate(month=TruncMonth("closed_at"))
        .values("month", "outcome")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    months = sorted({r["month"].strftime("%Y-%m") for r in outcomes})
    series = {}
    for r in outcomes:
        series.setdefault(r["outcome"], {})[r["month"].strftime("%Y-%m")] = r["n"]
    from jiuzhu.monitoring.models import Outcome

    return {
        "open": open_.count(),
        "overdue": open_.filter(due_date__lt=today).count(),
        "escalated": open_.filter(escalations__gt=0).count(),
        "closed": qs.filter(status=AlertStatus.CLOSED).count(),
        "by_cause": by_cause,
        "by_area": by_area,
        "ages": [{"age": k, "n": v} for k, v in ages.items()],
        "outcome_months": months,
        "outcome_series": [
            {"name": str(Outcome(o).label), "data": [series[o].get(m, 0) for m in months]}
            for o in series
        ],
        "runs": MonitorRun.objects.order_by("-id")[:10],
        "nightly_next": nightly_next(),
    }


def nightly_next():
    """When the worker runs the nightly job next (None: not scheduled on the worker)."""
    from jiuzhu.core.schedule import schedule_next

    return schedule_next("monitor_nightly")[0].next_at


def rules_list() -> QuerySet[AlertRule]:
    return AlertRule.objects.order_by("kind", "area_prefix", "id")


def programme_routes() -> list[tuple]:
    """按项目分派 (configuration: not area-scoped): (route, programme name) by programme."""
    from jiuzhu.monitoring.models import ProgrammeRoute

    return [
        (r, programme_label(r.programme))
        for r in ProgrammeRoute.objects.select_related("updated_by").order_by(
            "programme", "area_prefix"
        )
    ]


def risk_classes() -> QuerySet[RiskClass]:
    """The risk classes in the order households are graded (configuration: not area-scoped)."""
    return RiskClass.objects.order_by("order", "code")


def review_schedule(*, user, month: datetime.date) -> dict:
    tasks = scoped(
        ReviewTask.objects.filter(period=month), user, Capability.ALERT_HANDLE
    ).select_related("household", "assigned_to", "application")
    by_class = dict(
        tasks.values("risk_class").annotate(n=Count("id")).values_list("risk_class", "n")
    )
    return {
        "classes": list(RiskClass.objects.order_by("order", "code")),
        "tasks": tasks.order_by("done", "due_date", "id"),  # the page paginates
        "total": tasks.count(),
        "done": tasks.filter(done=True).count(),
        "by_class": by_class,
    }


def review_get(*, user, review_id: int) -> ReviewTask:
    return access(
        ReviewTask.objects.select_related("household", "assigned_to", "application"),
        user,
        Capability.ALERT_HANDLE,
        pk=review_id,
    )


def alerts_closed_between(*, start: datetime.date, end: datetime.date) -> list[tuple]:
    """Alerts closed from ``start`` to ``end``: (area code, due date, closed date (local)), for
    jiuzhu.stats' "closed within the deadline" KPI."""
    from django.utils import timezone

    rows = Alert.objects.filter(
        closed_at__isnull=False,
        closed_at__date__gte=start - datetime.timedelta(days=1),
        closed_at__date__lte=end + datetime.timedelta(days=1),
    ).values_list("area_id", "due_date", "closed_at")
    out = []
    for area, due, closed in rows:
        day = timezone.localtime(closed).date()
        if start <= day <= end:
            out.append((area, due, day))
    return out


def household_next_review(*, household_id: int) -> datetime.date | None:
    """The month of the household's next open 动态复核 (for the citizen portal), or None."""
    task = (
        ReviewTask.objects.filter(household_id=household_id, done=False).order_by("period").first()
    )
    return task.period if task else None


# --- the workbench lists (core.pagination.ListSpec; registered in apps.ready) ----------------


def _alert_rows(user, query):
    from jiuzhu.accounts.scoping import within_area

    qs = alerts_visible(user).select_related("household", "assigned_to", "area")
    if query.state in AlertStatus.values:
        qs = qs.filter(status=query.state)
    if query.kind in RuleKind.values:
        qs = qs.filter(cause=query.kind)
    if query.area:
        qs = qs.filter(within_area("area", query.area))
    if query.programme:
        qs = qs.filter(programme=query.programme)
    if query.overdue:
        qs = qs.filter(status=AlertStatus.OPEN, due_date__lt=clock.today())
    if query.date_from:
        qs = qs.filter(raised_at__date__gte=query.date_from)
    if query.date_to:
        qs = qs.filter(raised_at__date__lte=query.date_to)
    if query.q:
        q = query.q.strip()
        if q.isdigit() and len(q) < 12:
            qs = qs.filter(pk=int(q))
        else:
            from jiuzhu.core.idcard import normalise

            as_id = normalise(q.upper())
            if len(as_id) == 18 and as_id[:17].isdigit():
                qs = qs.filter(household__members__id_number=as_id).distinct()
            else:
                qs = qs.filter(household__head_name__startswith=q)
    return qs


def _who(a) -> str:
    name = str(a.assigned_to) if a.assigned_to else ""
    return _("%(name)s（%(detail)s）") % {
        "name": name or a.get_role_display(),
        "detail": a.get_level_display(),
    }


def _alert_state(a) -> str:
    if a.outcome:
        return _("%(label)s：%(value)s") % {
            "label": a.get_status_display(),
            "value": a.get_outcome_display(),
        }
    return a.get_status_display()


def _review_rows(user, query):
    from jiuzhu.accounts.scoping import within_area

    qs = scoped(ReviewTask.objects.all(), user, Capability.ALERT_HANDLE).select_related(
        "household", "assigned_to", "area"
    )
    if query.state == "open":
        qs = qs.filter(done=False)
    elif query.state == "done":
        qs = qs.filter(done=True)
    if query.kind:
        qs = qs.filter(risk_class=query.kind)
    if query.area:
        qs = qs.filter(within_area("area", query.area))
    if query.date_from:
        qs = qs.filter(period__gte=query.date_from.replace(day=1))
    if query.date_to:
        qs = qs.filter(period__lte=query.date_to)
    if query.overdue:
        qs = qs.filter(done=False, due_date__lt=clock.today())
    if query.q:
        qs = qs.filter(household__head_name__startswith=query.q.strip())
    return qs


def _list_specs():
    from django.utils.translation import gettext_lazy

    from jiuzhu.accounts.scoping import area_choices, area_in_scope, area_name
    from jiuzhu.core.pagination import Column, ListSpec
    from jiuzhu.registry.selectors import _programmes

    areas = {
        "areas": lambda user: area_choices(user, Capability.ALERT_HANDLE),
        "area_allowed": area_in_scope(Capability.ALERT_HANDLE),
        "area_name": area_name,
    }
    alerts = ListSpec(
        name="alerts",
        title=gettext_lazy("预警列表"),
        capability=Capability.ALERT_HANDLE,
        rows=_alert_rows,
        columns=(
            Column(
                "id",
                gettext_lazy("编号"),
                lambda a: a.pk,
                sort="id",
                link=lambda a: reverse("monitoring:alert", args=[a.pk]),
            ),
            Column("cause", gettext_lazy("原因"), lambda a: a.get_cause_display(), sort="cause"),
            Column("head", gettext_lazy("户主"), lambda a: a.household.head_name),
            Column("area", gettext_lazy("村/社区"), lambda a: a.area.name, sort="area"),
            Column(
                "programme",
                gettext_lazy("相关救助项目"),
                lambda a: programme_label(a.programme) if a.programme else "",
            ),
            Column("summary", gettext_lazy("说明"), lambda a: a.summary),
            Column("who", gettext_lazy("责任人"), _who),
            Column("due", gettext_lazy("期限"), lambda a: a.due_date, sort="due"),
            Column("state", gettext_lazy("状态"), _alert_state),
        ),
        sorts={
            "due": ("due_date", "id"),
            "id": ("id",),
            "cause": ("cause", "id"),
            "area": ("area_id", "id"),
            "raised": ("raised_at", "id"),
        },
        default_sort="due",
        filters=("q", "area", "programme", "state", "kind", "date_from", "overdue"),
        states=lambda: [(k, str(v)) for k, v in AlertStatus.choices],
        kinds=lambda: [(k, str(v)) for k, v in RuleKind.choices],
        programmes=_programmes,
        date_label=gettext_lazy("预警日期"),
        q_label=gettext_lazy("户主姓名、完整身份证号或预警编号"),
        url_name="monitoring:alerts",
        **areas,
    )
    reviews = ListSpec(
        name="reviews",
        title=gettext_lazy("动态复核任务"),
        capability=Capability.ALERT_HANDLE,
        rows=_review_rows,
        columns=(
            Column(
                "id",
                gettext_lazy("编号"),
                lambda t: t.pk,
                sort="id",
                link=lambda t: reverse("monitoring:review", args=[t.pk]),
            ),
            Column(
                "period",
                gettext_lazy("复核月份"),
                lambda t: t.period.strftime("%Y-%m"),
                sort="period",
            ),
            Column("class", gettext_lazy("风险分类"), lambda t: t.risk_class, sort="class"),
            Column("head", gettext_lazy("户主"), lambda t: t.household.head_name),
            Column("area", gettext_lazy("村/社区"), lambda t: t.area.name, sort="area"),
            Column(
                "programmes",
                gettext_lazy("在保项目"),
                lambda t: "、".join(programme_label(p) for p in t.programmes),
            ),
            Column("who", gettext_lazy("责任人"), _who_review),
            Column("due", gettext_lazy("期限"), lambda t: t.due_date, sort="due"),
            Column("done", gettext_lazy("已完成"), lambda t: t.done),
        ),
        sorts={
            "due": ("done", "due_date", "id"),
            "id": ("id",),
            "period": ("period", "id"),
            "class": ("risk_class", "id"),
            "area": ("area_id", "id"),
        },
        default_sort="due",
        filters=("q", "area", "state", "kind", "date_from", "overdue"),
        states=lambda: [
            ("open", str(gettext_lazy("未完成"))),
            ("done", str(gettext_lazy("已完成"))),
        ],
        kinds=lambda: [
            (c, str(gettext_lazy("%(c)s类") % {"c": c}))
            for c in RiskClass.objects.order_by("order", "code").values_list("code", flat=True)
        ],
        date_label=gettext_lazy("复核月份"),
        q_label=gettext_lazy("户主姓名"),
        url_name="monitoring:reviews",
        **areas,
    )
    return alerts, reviews


def _who_review(t) -> str:
    if t.assigned_to:
        return str(t.assigned_to)
    return t.get_role_display()


def assignable_users(*, user, alert_ids: list[int]):
    """Who the alerts may be given to (批量分派): active users holding ``alert.handle`` over
    every one of the alerts' areas, among those the actor can see."""
    from jiuzhu.accounts.models import User
    from jiuzhu.accounts.scoping import user_scope

    areas = set(alerts_visible(user).filter(pk__in=alert_ids).values_list("area_id", flat=True))
    out = []
    for u in User.objects.filter(is_active=True, role_assignments__isnull=False).distinct():
        scope = user_scope(u, Capability.ALERT_HANDLE)
        if not scope.empty and areas and all(scope.contains(a) for a in areas):
            out.append(u)
    return out
