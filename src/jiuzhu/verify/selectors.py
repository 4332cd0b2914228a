"""Reads of the verification module, always through the shared scoping mechanism.

``findings_for`` and ``household_findings`` are the seam for the policy engine and monitoring.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, scoped, user_scope
from jiuzhu.audit.models import NATIONAL
from jiuzhu.core import clock, pdf
from jiuzhu.core.language import official_language
from jiuzhu.core.masking import mask_id_number
from jiuzhu.registry.models import Household, Person, source_label
from jiuzhu.verify import matching
from jiuzhu.verify.feeds import DEPARTMENT_LABELS, FEEDS, display_value
from jiuzhu.verify.matching import CERTAIN_METHODS as LINK_METHODS_CERTAIN  # noqa: F401
from jiuzhu.verify.matching import HOLD_PROBABILITY  # noqa: F401
from jiuzhu.verify.models import (
    Check,
    DuplicatePair,
    FeedImport,
    FeedRecord,
    Finding,
    LinkMethod,
    LinkStatus,
    RecordLink,
)


def covered_months(*, department: str, since, upto) -> frozenset[str]:
    """The months ("YYYY-MM") within ``since``..``upto`` that a department's extracts cover: the
    declared (or defaulted) period of every accepted import, and every month it has records for.
    Income from a monthly feed is divided by these months, never by a fixed 12."""
    import datetime

    def month_index(day) -> int:
        return day.year * 12 + day.month - 1

    lo, hi = month_index(since), month_index(upto)
    covered: set[int] = set()
    periods = FeedImport.objects.filter(
        department=department, status="accepted", period_start__isnull=False
    ).values_list("period_start", "period_end")
    for start, end in periods:
        covered.update(range(max(lo, month_index(start)), min(hi, month_index(end)) + 1))
    days = (
        FeedRecord.objects.filter(
            department=department, event_date__gte=since, event_date__lte=upto
        )
        .values_list("event_date", flat=True)
        .distinct()
    )
    covered.update(month_index(d) for d in days if lo <= month_index(d) <= hi)
    return frozenset(datetime.date(i // 12, i % 12 + 1, 1).strftime("%Y-%m") for i in covered)


def findings_for(*, kinds: list[str] | None = None, household_ids=None) -> QuerySet[Finding]:
    """Findings of the latest check of each household (unscoped: for engines, not for pages)."""
    latest = {}
    qs = Check.objects.all()
    if household_ids is not None:
        qs = qs.filter(household_id__in=list(household_ids))
    for hh, pk in qs.order_by("household_id", "checked_at", "id").values_list("household_id", "id"):
        latest[hh] = pk
    out = Finding.objects.filter(check_run_id__in=list(latest.values()))
    if kinds:
        out = out.filter(kind__in=kinds)
    return out


def household_findings(*, household_id: int) -> list[Finding]:
    return list(findings_for(household_ids=[household_id]).select_related("person"))


def feed_imports(*, user) -> QuerySet[FeedImport]:
    from jiuzhu.accounts.scoping import user_departments

    return FeedImport.objects.filter(department__in=user_departments(user)).order_by("-created_at")


def review_queue(*, user) -> QuerySet[RecordLink]:
    return scoped(
        RecordLink.objects.filter(status=LinkStatus.REVIEW).select_related(
            "record", "person__household"
        ),
        user,
        Capability.REGISTRY_VIEW,
    ).order_by("-match_probability")


def duplicate_queue(*, user) -> QuerySet[DuplicatePair]:
    """Open pairs whose BOTH persons' households lie in the user's scope."""
    scope = user_scope(user, Capability.REGISTRY_VIEW)
    return (
        scoped(
            DuplicatePair.objects.filter(status=DuplicatePair.OPEN).select_related(
                "person_a__household", "person_b__household"
            ),
            user,
            Capability.REGISTRY_VIEW,
        )
        .filter(scope.q(DuplicatePair.SCOPE_AREA_FIELD_B))
        .order_by("-match_probability")
    )


# Column labels whose word means something else elsewhere in the UI: the police feed's 事项 is
# the event recorded (hukou, death, move-out), where cases' 事项 is a to-do task.
COLUMN_LABELS = {
    ("police", "event"): pgettext_lazy("department feed column", "事项"),
}


def column_label(department: str, column) -> str:
    """A feed column's label in the active language (the file header keeps the Chinese)."""
    label = COLUMN_LABELS.get((department, column.name))
    return str(label) if label else _(column.label)


def _display(column, value: str) -> str:
    """A department record's value as shown: code values by their label, in the user's language."""
    shown = display_value(column, value)
    return _(shown) if column.type == "code" and shown != value else shown


def check_report(*, user, household_id: int) -> dict:
    """核对报告: what each department says, what the household declared, what differs."""
    household = access(Household, user, Capability.REGISTRY_VIEW, pk=household_id)
    check = Check.objects.filter(household=household).order_by("-checked_at", "-id").first()
    members = list(Person.objects.filter(household=household).order_by("id"))
    names = {m.pk: m.name for m in members}
    links = (
        RecordLink.objects.filter(person__household=household)
        .select_related("record__feed_import")
        .order_by("record__department", "record__event_date")
    )
    by_dept = defaultdict(list)
    for link in links:
        rec = link.record
        feed = FEEDS[rec.department]
        fields = [
            (column_label(rec.department, c), _display(c, rec.data.get(c.name, "")))
            for c in feed.columns
            if c.name not in ("record_id", "id_number", "name", "birth_date")
            and rec.data.get(c.name)
        ]
        by_dept[rec.department].append(
            {
                "link": link,
                "record": rec,
                "member": names.get(link.person_id, ""),
                "id_shown": mask_id_number(rec.id_number) if rec.id_number else _("（无）"),
                "fields": fields,
                "extracted_on": rec.feed_import.extracted_on,
            }
        )
    departments = [
        {"code": d, "label": _(DEPARTMENT_LABELS[d]), "rows": by_dept.get(d, [])} for d in FEEDS
    ]
    declared = []
    for rel, label in (
        ("assets", _("财产")),
        ("incomeitems", _("收入")),
        ("rigidexpenses", _("刚性支出")),
    ):
        for fact in getattr(household, rel).exclude(source__startswith="feed:"):
            declared.append(
                {
                    "what": label,
                    "kind": fact.get_kind_display(),
                    "member": names.get(fact.person_id, _("全户")),
                    "amount": getattr(fact, "amount", None) or getattr(fact, "value", None),
                    "note": getattr(fact, "registration_no", "") or fact.note,
                    "source": source_label(fact.source),
                    "as_of": fact.as_of,
                }
            )
    findings = list(check.findings.select_related("person").order_by("kind")) if check else []
    link_of = links_of_findings(findings)
    for f in findings:
        f.link_id = link_of.get(f.pk)
    return {
        "household": household,
        "check": check,
        "members": members,
        "departments": departments,
        "declared": declared,
        "findings": findings,
    }


def check_report_pdf(*, user, household_id: int) -> bytes:
    """The 核对报告 as a PDF: an official document, always in Chinese whatever the UI language."""
    with official_language():
        return _check_report_pdf(user=user, household_id=household_id)


def _check_report_pdf(*, user, household_id: int) -> bytes:
    r = check_report(user=user, household_id=household_id)
    hh = r["household"]
    blocks: list = [
        pdf.Para(f"家庭编号：{hh.number}　户主：{hh.head_name}　户籍地：{hh.hukou_area_id}"),
        pdf.Para(
            f"核对时间：{clock.local(r['check'].checked_at):%Y-%m-%d %H:%M}　事由：{r['check'].reason}"
            if r["check"]
            else "尚未核对",
            small=True,
        ),
        pdf.Heading("一、需要关注的差异"),
    ]
    if r["findings"]:
        rows = [["类型", "成员", "说明", "来源", "数据日期"]]
        for f in r["findings"]:
            rows.append(
                [
                    f.get_kind_display(),
                    f.person.name if f.person else "",
                    f.summary,
                    DEPARTMENT_LABELS.get(f.department, f.source),
                    f"{f.as_of:%Y-%m-%d}" if f.as_of else "",
                ]
            )
        blocks.append(pdf.Table(rows, col_widths_mm=[22, 16, 88, 18, 26]))
    else:
        blocks.append(pdf.Para("未发现影响认定的差异。"))
    blocks.append(pdf.Heading("二、家庭申报"))
    if r["declared"]:
        rows = [["项目", "类别", "成员", "金额(元)", "说明", "来源", "日期"]]
        for d in r["declared"]:
            rows.append(
                [
                    d["what"],
                    d["kind"],
                    d["member"],
                    str(d["amount"] or ""),
                    d["note"],
                    d["source"],
                    str(d["as_of"]),
                ]
            )
        blocks.append(pdf.Table(rows, col_widths_mm=[16, 22, 16, 22, 40, 20, 24]))
    else:
        blocks.append(pdf.Para("无申报记录。"))
    blocks.append(pdf.Heading("三、各部门数据"))
    for dept in r["departments"]:
        if not dept["rows"]:
            blocks.append(pdf.Para(f"{dept['label']}：无记录", small=True))
            continue
        rows = [["成员", "身份证号(部门)", "内容", "匹配方式", "提取日期"]]
        for row in dept["rows"]:
            rows.append(
                [
                    row["member"],
                    row["id_shown"],
                    "；".join(f"{k}:{v}" for k, v in row["fields"])[:120],
                    f"{row['link'].get_method_display()} {row['link'].match_probability:.3f}",
                    f"{row['extracted_on']:%Y-%m-%d}",
                ]
            )
        blocks.append(pdf.Para(dept["label"]))
        blocks.append(pdf.Table(rows, col_widths_mm=[16, 34, 66, 30, 24]))
    return pdf.render_pdf(
        title="家庭经济状况核对报告", blocks=blocks, footer="家庭经济状况核对报告"
    )


# --------------------------------------------------------------------------- linkage review


def _level_rows(link_comparison: dict) -> dict[str, tuple[str, float | None]]:
    out = {}
    for col in matching.LEVELS:
        part = (link_comparison or {}).get(col) or {}
        key = part.get("level")
        out[col] = (key, part.get("weight"))
    return out


def _area_name(code: str) -> str:
    """An area by its name (people read names, not codes); an unknown code as written."""
    from jiuzhu.areas.models import Area

    if not code:
        return ""
    return Area.objects.filter(code=code).values_list("name", flat=True).first() or code


def _sex_label(value: str) -> str:
    return {"M": _("男"), "F": _("女")}.get(value or "", value or "")


def link_evidence(link: RecordLink) -> dict:
    """A proposed link with the evidence side by side (ID numbers masked): for each compared
    field, what the department record says, what the registry says, the level and its weight,
    and whether that field forbids an automatic accept."""
    rec, person = link.record, link.person
    levels = _level_rows(link.comparison)
    values = {
        "id_number": (mask_id_number(rec.id_number), mask_id_number(person.id_number or "")),
        "name": (rec.name, person.name),
        "birth_date": (
            rec.birth_date.isoformat() if rec.birth_date else "",
            person.birth_date.isoformat() if person.birth_date else "",
        ),
        "sex": (_sex_label(rec.sex), _sex_label(person.sex)),
        "area": (_area_name(rec.area_code), _area_name(person.household.hukou_area_id)),
    }
    rows = []
    for col, label in matching.FIELD_LABELS.items():
        key, weight = levels[col]
        rows.append(
            {
                "field": _(label),
                "record": values[col][0] or _("（无）"),
                "person": values[col][1] or _("（无）"),
                "level": _(matching.level_label(col, key)),
                "weight": weight,
                "against": key in matching.VETO_LEVELS,
            }
        )
    feed = FEEDS.get(rec.department)
    kind = rec.kind
    if feed is not None and feed.kind_column and kind:
        column = next((c for c in feed.columns if c.name == feed.kind_column), None)
        kind = _display(column, kind) if column is not None else kind
    return {
        "link": link,
        "rows": rows,
        "department": rec.get_department_display(),
        "kind": kind,
        "event_date": rec.event_date,
        "household": person.household,
        "probabilistic": link.method == matching.METHOD_PROBABILISTIC,
        "would_hold": matching.link_holds_payment(link.method, link.match_probability),
    }


def review_page(*, user, links) -> dict:
    """One page of the review queue (``links``, from ``review_queue``) with its evidence; the
    read is audited: it shows personal data."""
    from django.db import transaction

    from jiuzhu.audit.services import audit_record

    links = [link_evidence(link) for link in links]
    with transaction.atomic():
        audit_record(
            actor=user,
            action="verify.review_view",
            area_code=NATIONAL,
            subject_type="record_link",
            subject_id=0,
            after={"shown": [e["link"].pk for e in links]},
        )
    return {"links": links}


def link_page(*, user, link_id: int) -> dict:
    """One link with its evidence side by side, for the 核对 officer to check and, if it is
    someone else's record, report it wrong (``false_links.link_report_wrong``). Scoped to the
    person's household; the read is audited (it shows personal data)."""
    from django.db import transaction

    from jiuzhu.audit.services import audit_record

    link = access(
        RecordLink.objects.select_related("person__household", "record"),
        user,
        Capability.REGISTRY_VIEW,
        pk=link_id,
    )
    evidence = link_evidence(link)
    if not evidence["probabilistic"]:
        # an exact number (or a person's confirmation) compared nothing else: no level to show
        for row, col in zip(evidence["rows"], matching.FIELD_LABELS, strict=True):
            if _level_rows(link.comparison)[col][0] is None:
                row["level"] = ""
    findings = list(
        Finding.objects.filter(person_id=link.person_id, detail__record_id=link.record_id)
    )
    with transaction.atomic():
        audit_record(
            actor=user,
            action="verify.link_view",
            subject_type="record_link",
            subject_id=link.pk,
            household_id=link.person.household_id,
            area_code=link.person.household.hukou_area_id,
        )
    return {"e": evidence, "findings": findings, "exact": not evidence["probabilistic"]}


def links_of_findings(findings) -> dict[int, int]:
    """Finding id → the id of the link its department record came through (for the report's
    "核对匹配" links)."""
    wanted = {
        (f.person_id, (f.detail or {}).get("record_id")): f.pk
        for f in findings
        if (f.detail or {}).get("record_id")
    }
    if not wanted:
        return {}
    rows = RecordLink.objects.filter(record_id__in={r for _p, r in wanted}).values_list(
        "pk", "person_id", "record_id"
    )
    return {wanted[(p, r)]: pk for pk, p, r in rows if (p, r) in wanted}


def links_of_evidence(*, person_id: int | None, sources: list[str]) -> dict[str, int]:
    """Evidence line source (as another module's alert shows it, e.g. ``公安 记录P00012``) →
    the id of this person's link to that department record, for the "核对匹配" link."""
    if not person_id or not sources:
        return {}
    out = {}
    for pk, dept, key in RecordLink.objects.filter(person_id=person_id).values_list(
        "pk", "record__department", "record__record_key"
    ):
        label = DEPARTMENT_LABELS.get(dept, dept)
        for src in sources:
            if key and src.startswith(label) and src.endswith(key):
                out[src] = pk
    return out


BANDS = (
    ("exact", gettext_noop("身份证号一致（含15位升级）")),
    ("confirmed", gettext_noop("人工确认")),
    ("hold", gettext_noop("概率匹配，达到自动暂停发放门槛")),
    ("accepted", gettext_noop("概率匹配，已匹配但不自动暂停发放")),
    ("review", gettext_noop("待人工确认")),
)


def _model_weights(model) -> list[dict]:
    """Each comparison level's weight in ``model``, with its bounds, whether it was clamped or
    learnt from false-link reports, and whether it vetoes a link."""
    review = model.review
    w = model.weights()
    clamped = {c["level"]: c for c in review.get("clamped", [])}
    learnt = {c["level"]: c for c in review.get("false_link_adjusted", [])}
    weights = []
    for col, levels in matching.LEVELS.items():
        for key, label in levels:
            lo, hi = matching.WEIGHT_BOUNDS[key]
            weights.append(
                {
                    "field": _(matching.FIELD_LABELS[col]),
                    "level": _(label),
                    "weight": w.get(key),
                    "low": lo,
                    "high": hi,
                    "clamped": clamped.get(key),
                    "learnt": learnt.get(key),
                    "veto": key in matching.VETO_LEVELS,
                }
            )
    return weights


def linkage_quality(*, user) -> dict:
    """The 核对 officer's linkage quality page: links by band and review queue size (in the
    user's scope), the current model's weights with the bounds and what was clamped, and the
    recent false-link reports (masked)."""
    from django.db.models import Count, Q

    from jiuzhu.verify.models import MatchRun, ReviewDecision

    links = scoped(RecordLink.objects.all(), user, Capability.REGISTRY_VIEW)
    hold = matching.HOLD_PROBABILITY
    counts = links.aggregate(
        exact=Count("id", filter=Q(method__in=["exact", "id15"], status="accepted")),
        confirmed=Count("id", filter=Q(method="confirmed", status="accepted")),
        hold=Count(
            "id",
            filter=Q(method="probabilistic", status="accepted", match_probability__gte=hold),
        ),
        accepted=Count(
            "id",
            filter=Q(method="probabilistic", status="accepted", match_probability__lt=hold),
        ),
        review=Count("id", filter=Q(status="review")),
    )
    bands = [{"key": k, "label": _(label), "count": counts[k]} for k, label in BANDS]
    run = (
        MatchRun.objects.filter(kind=MatchRun.KIND_FEEDS, model__isnull=False)
        .order_by("-id")
        .first()
    )
    weights, review, version = [], {}, ""
    if run is not None:
        model = matching.LinkModel.from_dict(run.model)
        version, review = model.version, model.review
        weights = _model_weights(model)
    scope = user_scope(user, Capability.REGISTRY_VIEW)
    reports = (
        ReviewDecision.objects.filter(decision=ReviewDecision.REJECTED)
        .filter(scope.q("person__household__hukou_area"))
        .select_related("record", "person__household", "decided_by")
        .order_by("-decided_at")[:20]
    )
    from jiuzhu.verify import adapters

    reported_total = len(matching.false_link_patterns(adapters.decisions_frame()))
    learnt_total = int(review.get("false_link_reports", 0) or 0)
    return {
        "bands": bands,
        "review_total": counts["review"],
        "reports_pending": max(0, reported_total - learnt_total) if run is not None else 0,
        "patterns_constrained": len(review.get("false_link_patterns", {}) or {}),
        "run": run,
        "version": version,
        "model_review": review,
        "weights": weights,
        "reports": [
            {
                "decision": d,
                "record_id": mask_id_number(d.record.id_number),
                "person_id": mask_id_number(d.person.id_number or ""),
                "method": dict(LinkMethod.choices).get(d.link_method, ""),
                "status": dict(LinkStatus.choices).get(d.link_status, ""),
            }
            for d in reports
        ],
        "accept": matching.ACCEPT_PROBABILITY,
        "review_threshold": matching.REVIEW_PROBABILITY,
        "hold": hold,
    }


def last_check_frame():
    """Each household's latest 核对 date: ``household_id``, ``checked`` (for jiuzhu.stats'
    coverage KPI and data-quality worklist)."""
    import polars as pl

    from jiuzhu.core.frames import date_sql, is_postgresql, read_frame

    day = "MAX(checked_at)::date" if is_postgresql() else "MAX(checked_at)"
    return read_frame(
        f"SELECT household_id, {date_sql(day)} FROM verify_check GROUP BY household_id",
        None,
        {"household_id": pl.Int64, "checked": pl.Date},
    )


# The department record fields that name a vehicle, company or property (the registration number
# a registry asset carries), as jiuzhu.verify.adapters.REF_FIELDS.
_REF_FIELDS = ("plate_no", "credit_code", "record_id")


def verified_facts_sql(scope_sql: str, kinds) -> str:
    """SQL for the ``kinds`` of 核对 findings that are facts about assets and income (the policy
    engine's features.merge_verified), of each household's latest check (the check with the
    highest id), without the assets the registry already holds under the same registration
    number (a worker entered the car the 核对 found). ``scope_sql`` restricts ``h``, the
    household (``registry.frames.registry_frame_queries`` passes it)."""
    from jiuzhu.core.frames import date_sql, fen_sql, json_text
    from jiuzhu.registry import frames as registry_frames

    kinds = ", ".join(f"'{k}'" for k in kinds)
    ref = (
        "COALESCE("
        + ", ".join(f"NULLIF({json_text('r.data', k)}, '')" for k in _REF_FIELDS)
        + ", '')"
    )
    return (
        f"SELECT f.household_id, f.person_id, f.kind, {fen_sql('f.amount')}, "
        f"{date_sql('f.as_of')}, f.department FROM verify_finding f "
        f"{registry_frames.join_household('h', 'f.household_id')} "
        "LEFT JOIN verify_feedrecord r "
        f"ON r.id = CAST({json_text('f.detail', 'record_id')} AS BIGINT) "
        f"WHERE h.status = 'active' AND f.kind IN ({kinds}) "
        "AND f.check_run_id = "
        "(SELECT MAX(c.id) FROM verify_check c WHERE c.household_id = f.household_id) "
        f"AND NOT {registry_frames.declared_asset_exists('f.household_id', 'f.kind', ref)}"
        + scope_sql
    )


# --- the workbench lists (core.pagination.ListSpec; registered in apps.ready) ----------------


def _feed_rows(user, query):
    from jiuzhu.verify.models import ImportStatus

    qs = feed_imports(user=user).select_related("uploaded_by")
    if query.kind:
        qs = qs.filter(department=query.kind)
    if query.state in ImportStatus.values:
        qs = qs.filter(status=query.state)
    if query.date_from:
        qs = qs.filter(created_at__date__gte=query.date_from)
    if query.date_to:
        qs = qs.filter(created_at__date__lte=query.date_to)
    if query.q:
        qs = qs.filter(file_name__icontains=query.q.strip())
    return qs


def _finding_rows(user, query):
    from jiuzhu.accounts.scoping import within_area
    from jiuzhu.core.idcard import normalise
    from jiuzhu.verify.models import Finding, FindingKind

    qs = scoped(
        Finding.objects.select_related("household", "household__hukou_area", "person"),
        user,
        Capability.REGISTRY_VIEW,
    )
    if query.kind in FindingKind.values:
        qs = qs.filter(kind=query.kind)
    if query.area:
        qs = qs.filter(within_area("household__hukou_area", query.area))
    if query.date_from:
        qs = qs.filter(created_at__date__gte=query.date_from)
    if query.date_to:
        qs = qs.filter(created_at__date__lte=query.date_to)
    if query.q:
        q = query.q.strip()
        as_id = normalise(q.upper())
        if len(as_id) == 18 and as_id[:17].isdigit():
            qs = qs.filter(household__members__id_number=as_id).distinct()
        else:
            qs = qs.filter(household__head_name__startswith=q)
    return qs


def _duplicate_rows(user, query):
    from jiuzhu.accounts.scoping import within_area
    from jiuzhu.core.idcard import normalise

    qs = duplicate_queue(user=user)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.area:
        qs = qs.filter(within_area(DuplicatePair.SCOPE_AREA_FIELD, query.area))
    if query.q:
        q = query.q.strip()
        as_id = normalise(q.upper())
        if len(as_id) == 18 and as_id[:17].isdigit():
            from django.db.models import Q

            qs = qs.filter(Q(person_a__id_number=as_id) | Q(person_b__id_number=as_id))
        else:
            from django.db.models import Q

            qs = qs.filter(Q(person_a__name__startswith=q) | Q(person_b__name__startswith=q))
    return qs


DUPLICATE_KINDS = (
    ("two_rolls", pgettext_lazy("duplicate kind", "两户均在保（重复救助）")),
    ("two_households", pgettext_lazy("duplicate kind", "在两户中")),
    ("same_household", pgettext_lazy("duplicate kind", "同户重复")),
)


def _person_text(p) -> str:
    return f"{p.name} {p.birth_date:%Y-%m-%d}（{p.household.number}）"


def _list_specs():
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from jiuzhu.accounts.scoping import area_choices, area_in_scope, area_name
    from jiuzhu.core.pagination import Column, ListSpec
    from jiuzhu.registry.selectors import _can_reveal_all
    from jiuzhu.verify.models import FindingKind, ImportStatus

    areas = {
        "areas": lambda user: area_choices(user, Capability.REGISTRY_VIEW),
        "area_allowed": area_in_scope(Capability.REGISTRY_VIEW),
        "area_name": area_name,
    }
    feeds = ListSpec(
        name="feeds",
        title=gettext_lazy("部门数据导入记录"),
        capability=Capability.FEED_UPLOAD,
        rows=_feed_rows,
        columns=(
            Column(
                "created",
                gettext_lazy("上传时间"),
                lambda i: clock.local(i.created_at).strftime("%Y-%m-%d %H:%M"),
                sort="created",
            ),
            Column("department", gettext_lazy("部门"), lambda i: i.get_department_display()),
            Column(
                "file",
                gettext_lazy("文件名"),
                lambda i: i.file_name,
                link=lambda i: reverse("verify:feed_import", args=[i.pk]),
            ),
            Column(
                "extracted",
                gettext_lazy("数据提取日期"),
                lambda i: i.extracted_on,
                sort="extracted",
            ),
            Column("status", gettext_lazy("状态"), lambda i: i.get_status_display()),
            Column("total", gettext_lazy("总行数"), lambda i: i.rows_total, number=True),
            Column("created_n", gettext_lazy("新增"), lambda i: i.rows_created, number=True),
            Column("updated_n", gettext_lazy("更新"), lambda i: i.rows_updated, number=True),
            Column("rejected", gettext_lazy("有错行数"), lambda i: i.rows_rejected, number=True),
            Column(
                "by",
                gettext_lazy("上传人"),
                lambda i: str(i.uploaded_by) if i.uploaded_by else "",
            ),
        ),
        sorts={"created": ("-created_at", "-id"), "extracted": ("extracted_on", "id")},
        default_sort="created",
        filters=("q", "state", "kind", "date_from"),
        states=lambda: [(k, str(v)) for k, v in ImportStatus.choices],
        kinds=lambda: [(k, str(v)) for k, v in DEPARTMENT_LABELS.items()],
        q_label=gettext_lazy("文件名"),
        date_label=gettext_lazy("上传日期"),
        url_name="verify:feeds",
    )
    findings = ListSpec(
        name="findings",
        title=gettext_lazy("核对比对结果"),
        capability=Capability.REGISTRY_VIEW,
        rows=_finding_rows,
        columns=(
            Column(
                "household",
                gettext_lazy("家庭编号"),
                lambda f: f.household.number,
                sort="household",
                link=lambda f: reverse("verify:report", args=[f.household_id]),
            ),
            Column("head", gettext_lazy("户主"), lambda f: f.household.head_name),
            Column("person", gettext_lazy("相关成员"), lambda f: f.person.name if f.person else ""),
            Column("area", gettext_lazy("户籍地"), lambda f: f.household.hukou_area.name),
            Column("kind", gettext_lazy("类型"), lambda f: f.get_kind_display(), sort="kind"),
            Column("department", gettext_lazy("部门"), lambda f: f.get_department_display()),
            Column("summary", gettext_lazy("说明"), lambda f: f.summary),
            Column(
                "amount", gettext_lazy("金额(元)"), lambda f: f.amount, number=True, sort="amount"
            ),
            Column("as_of", gettext_lazy("数据日期"), lambda f: f.as_of or ""),
            Column(
                "created",
                gettext_lazy("比对时间"),
                lambda f: clock.local(f.created_at).strftime("%Y-%m-%d %H:%M"),
                sort="created",
            ),
        ),
        sorts={
            "created": ("-created_at", "-id"),
            "household": ("household__hukou_area_id", "household__number", "id"),
            "kind": ("kind", "id"),
            "amount": ("amount", "id"),
        },
        default_sort="created",
        filters=("q", "area", "kind", "date_from"),
        kinds=lambda: [(k, str(v)) for k, v in FindingKind.choices],
        date_label=gettext_lazy("比对日期"),
        q_label=gettext_lazy("户主姓名或完整身份证号"),
        url_name="verify:findings",
        **areas,
    )
    duplicates = ListSpec(
        name="duplicates",
        title=gettext_lazy("疑似重复人员"),
        capability=Capability.REGISTRY_VIEW,
        rows=_duplicate_rows,
        columns=(
            Column("a", gettext_lazy("人员A"), lambda p: _person_text(p.person_a)),
            Column(
                "a_id",
                gettext_lazy("人员A身份证号"),
                lambda p: p.person_a.id_number,
                sensitive="id_number",
            ),
            Column("b", gettext_lazy("人员B"), lambda p: _person_text(p.person_b)),
            Column(
                "b_id",
                gettext_lazy("人员B身份证号"),
                lambda p: p.person_b.id_number,
                sensitive="id_number",
            ),
            Column(
                "kind",
                gettext_lazy("类型"),
                lambda p: str(dict(DUPLICATE_KINDS).get(p.kind, "")),
                sort="kind",
            ),
            Column(
                "probability",
                gettext_lazy("匹配概率"),
                lambda p: round(p.match_probability, 3),
                sort="probability",
                number=True,
            ),
        ),
        sorts={"probability": ("-match_probability", "id"), "kind": ("kind", "id")},
        default_sort="probability",
        filters=("q", "area", "kind"),
        kinds=lambda: [(k, str(v)) for k, v in DUPLICATE_KINDS],
        can_reveal=_can_reveal_all(Capability.REGISTRY_VIEW),
        q_label=gettext_lazy("姓名或完整身份证号"),
        url_name="verify:duplicates",
        **areas,
    )
    return feeds, findings, duplicates
