"""主动申报: a household reports a change itself (income, a member, an address, a death).

The report becomes an alert of cause ``self_report`` routed like any other (the village worker of
the household's village, else the street, else the county), with the working-day deadline of the
``self_report`` rule, and escalated by the same nightly job when overdue. A second report while
one is open is added to the open alert's evidence (one open alert per household and cause).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.audit.services import audit_record
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.monitoring.models import Alert, AlertRule, AlertStatus, Outcome, RuleKind
from jiuzhu.monitoring.routing import Router
from jiuzhu.registry.models import Household, Person

CHANGES = {
    "income_up": gettext_lazy("家庭收入增加"),
    "income_down": gettext_lazy("家庭收入减少"),
    "member_in": gettext_lazy("家庭成员增加（出生、婚入、迁入）"),
    "member_out": gettext_lazy("家庭成员减少（婚出、迁出、服刑等）"),
    "address": gettext_lazy("居住地址变化"),
    "death": gettext_lazy("家庭成员去世"),
}
# The outcomes each reported change supports (the alert page preselects the first).
CHANGE_OUTCOMES = {
    "income_up": (Outcome.REDUCE, Outcome.STOP, Outcome.NO_ACTION),
    "income_down": (Outcome.ADD, Outcome.NO_ACTION),
    "member_in": (Outcome.ADD, Outcome.NO_ACTION),
    "member_out": (Outcome.REDUCE, Outcome.STOP, Outcome.NO_ACTION),
    "address": (Outcome.NO_ACTION, Outcome.STOP),
    "death": (Outcome.STOP, Outcome.REDUCE),
}
MAX_RECORDS = 20


def _rule() -> AlertRule:
    rule = (
        AlertRule.objects.filter(kind=RuleKind.SELF_REPORT, area_prefix="").order_by("id").first()
    )
    if rule is None:
        from jiuzhu.monitoring.defaults import ensure_defaults
        from jiuzhu.monitoring.models import RiskClass

        ensure_defaults(AlertRule, RiskClass, kinds=(RuleKind.SELF_REPORT,))
        rule = AlertRule.objects.filter(kind=RuleKind.SELF_REPORT).order_by("id").first()
    return rule


def _rule_for(area_code: str) -> AlertRule:
    """The self_report rule with the most specific area prefix for the village."""
    rules = [
        r
        for r in AlertRule.objects.filter(kind=RuleKind.SELF_REPORT, enabled=True)
        if area_code.startswith(r.area_prefix)
    ]
    return max(rules, key=lambda r: len(r.area_prefix)) if rules else _rule()


def _self_report_checked(household_id, change, text, person_id, event_date, today):
    """The household, the member named (if any) and the stripped text of a self-report; every
    field's error at once (a ServiceError), a missing household alone."""
    errors: dict[str, list[str]] = {}
    if change not in CHANGES:
        errors["change"] = [_("变化类型：请选择收入、人口、住址或死亡")]
    text = (text or "").strip()
    if len(text) < 4:
        errors["text"] = [_("情况说明：请用几句话说明变化（至少4个字）")]
    if len(text) > 1000:
        errors["text"] = [_("情况说明：不超过1000字")]
    if event_date is not None and event_date > today:
        errors["event_date"] = [_("发生日期：不能晚于今天")]
    household = Household.objects.filter(pk=household_id).first()
    if household is None:
        raise ServiceError(_("家庭不存在"), code="not_found")
    person = None
    if person_id:
        person = Person.objects.filter(pk=person_id, household_id=household_id).first()
        if person is None:
            errors["person"] = [_("家庭成员：请从本户成员中选择")]
    if change == "death" and person is None and "person" not in errors:
        errors["person"] = [_("家庭成员：申报去世须选择是哪一位家庭成员")]
    if errors:
        raise ServiceError(errors=errors)
    return household, person, text


def _add_report(alert: Alert, record: dict, change: str) -> Alert:
    """Another report of a household with an open self-report alert: added to its evidence."""
    records = alert.evidence.get("records", [])
    if len(records) < MAX_RECORDS:
        records.append(record)
    alert.evidence = {
        **alert.evidence,
        "records": records,
        "changes": sorted({*alert.evidence.get("changes", []), change}),
    }
    alert.save(update_fields=["evidence"])
    return alert


@transaction.atomic
def self_report_raise(
    *,
    household_id: int,
    change: str,
    text: str,
    person_id: int | None = None,
    event_date: datetime.date | None = None,
    amount: str = "",
    reported_by: str = "",
) -> Alert:
    """Record a household's own report of a change as a routed alert with a deadline.

    ``reported_by`` names who reported (e.g. "portal:citizen:12"); the audit names it too."""
    today = clock.today()
    household, person, text = _self_report_checked(
        household_id, change, text, person_id, event_date, today
    )
    label = str(CHANGES[change])
    summary = f"{label}：{text}"[:300]
    record = {
        "key": f"self:{clock.now():%Y%m%d%H%M%S%f}",
        "text": summary,
        "note": text,  # what the household wrote, as written
        "source": "self_report",
        "date": (event_date or today).isoformat(),
        "change": change,
        "amount": amount,
        "person": person.pk if person else None,
        "reported_by": reported_by,
    }
    area_code = household.hukou_area_id
    open_alert = (
        Alert.objects.select_for_update()
        .filter(household_id=household_id, cause=RuleKind.SELF_REPORT, status=AlertStatus.OPEN)
        .first()
    )
    if open_alert is not None:
        alert, merged = _add_report(open_alert, record, change), True
    else:
        rule = _rule_for(area_code)
        who = Router(today).route(area_code)
        alert = Alert.objects.create(
            household_id=household_id,
            person=person,
            cause=RuleKind.SELF_REPORT,
            rule=rule,
            run=None,
            area_id=area_code,
            summary=summary,
            evidence={
                "summary": summary,
                "records": [record],
                "change": change,
                "changes": [change],
                "allowed_outcomes": list(CHANGE_OUTCOMES[change]),
            },
            level=who.level,
            role=who.role,
            assigned_to_id=who.user_id,
            office=who.office,
            due_date=add_working_days(today, rule.deadline_days),
        )
        merged = False
    audit_record(
        actor=None,
        action="alert.self_report",
        subject_type="alert",
        subject_id=alert.pk,
        household_id=household_id,
        area_code=area_code,
        after={"change": change, "merged": merged, "reported_by": reported_by},
    )
    return alert


def household_self_reports(*, household_id: int) -> list[dict]:
    """A household's own reports, newest first: what, when, state, the deadline, the result."""
    out = []
    for a in Alert.objects.filter(household_id=household_id, cause=RuleKind.SELF_REPORT).order_by(
        "-raised_at"
    ):
        for r in reversed(a.evidence.get("records", [])):
            out.append(
                {
                    "label": str(CHANGES.get(r.get("change"), "")),
                    "text": r.get("note", r.get("text", "")),
                    "date": r.get("date", ""),
                    "open": a.status == AlertStatus.OPEN,
                    "status": a.get_status_display(),
                    "due": a.due_date,
                    "outcome": a.get_outcome_display() if a.outcome else "",
                    "office": a.get_level_display(),
                }
            )
    return out
