"""网格员上报 (issue 19): a grid worker reports a household's hardship or change found on a
visit. The report becomes an alert of cause ``manual`` routed like any other (the village's
worker, else the street, else the county) with the working-day deadline (SLA) of the ``manual``
rule, and is escalated by the nightly job when overdue."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.audit.services import audit_record
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.cooperation.selectors import grid_of_worker
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.monitoring.models import Alert, AlertRule, RuleKind
from jiuzhu.monitoring.routing import Router
from jiuzhu.registry.models import Household


def _rule_for(area_code: str) -> AlertRule:
    rules = [
        r
        for r in AlertRule.objects.filter(kind=RuleKind.MANUAL, enabled=True)
        if area_code.startswith(r.area_prefix)
    ]
    if rules:
        return max(rules, key=lambda r: len(r.area_prefix))
    from jiuzhu.monitoring.defaults import ensure_defaults
    from jiuzhu.monitoring.models import RiskClass

    ensure_defaults(AlertRule, RiskClass, kinds=(RuleKind.MANUAL,))
    return AlertRule.objects.filter(kind=RuleKind.MANUAL).order_by("id").first()


@transaction.atomic
def grid_report_raise(*, actor, household_id: int, text: str) -> Alert:
    """A 网格员's report on a household of their grid's village → a routed ``manual`` alert."""
    household = Household.objects.filter(pk=household_id).first()
    if household is None:
        raise ServiceError(_("家庭不存在"), code="not_found")
    area_code = household.hukou_area_id
    grid = grid_of_worker(user=actor, village_code=area_code)
    if grid is None:  # only the household's own grid worker reports (no other village)
        raise PermissionDenied("grid")
    text = (text or "").strip()
    if len(text) < 4:
        raise ServiceError(_("情况说明：请用几句话说明发现的情况（至少4个字）"), field="text")
    if len(text) > 1000:
        raise ServiceError(_("情况说明：不超过1000字"), field="text")
    today = clock.today()
    rule = _rule_for(area_code)
    who = Router(today).route(area_code)
    summary = f"{grid.name}：{text}"[:300]
    alert = Alert.objects.create(
        household=household,
        cause=RuleKind.MANUAL,
        rule=rule,
        run=None,
        area_id=area_code,
        summary=summary,
        evidence={
            "summary": summary,
            "records": [
                {
                    "key": f"grid:{clock.now():%Y%m%d%H%M%S%f}",
                    "text": summary,
                    "note": text,
                    "source": "grid",
                    "date": today.isoformat(),
                    "grid": grid.pk,
                    "reported_by": actor.pk,
                }
            ],
        },
        level=who.level,
        role=who.role,
        assigned_to_id=who.user_id,
        office=who.office,
        due_date=add_working_days(today, rule.deadline_days),
    )
    audit_record(
        actor=actor,
        action="alert.grid_report",
        subject_type="alert",
        subject_id=alert.pk,
        household_id=household.pk,
        area_code=area_code,
        after={"grid": grid.pk, "due": alert.due_date},
    )
    return alert
