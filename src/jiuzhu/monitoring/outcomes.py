"""What an alert's evidence allows when it is closed (issue 13.6 and its class).

Every cause has a default outcome (the one the page selects) and the outcomes its evidence
supports; any other needs an explicit override with a reason (``alert_close`` refuses it
without one and audits it with one). A few causes are refined by the evidence itself: the age
an ``age_threshold`` alert is about, whether the person has a roll entry of their own, whether a
job loss is in a roll household.

``recompute``: 核减 without an amount or months asks the policy calculator for the household's
new amount with what the evidence says and the registry does not show yet (a member moved away,
a department's wages); no amount from it means a stop case, the same amount a refusal (the
clerk closes with 无需处理 or types an amount).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.monitoring.models import Alert, AlertKey, Outcome, RuleKind

ADD, REDUCE, STOP, NONE = Outcome.ADD, Outcome.REDUCE, Outcome.STOP, Outcome.NO_ACTION


@dataclass(frozen=True)
class OutcomeRule:
    default: str
    allowed: tuple[str, ...]
    why: str  # shown on the alert page and in the user guide
    person: bool = False  # 停发 stops the person's own entry (of the alert's programme) first
    recompute: str = ""  # "" | "registry" | "leave_out" | "income"


# cause → default outcome, allowed outcomes. Data, not code paths: docs/monitoring.md and the
# user guide print this table.
RULES: dict[str, OutcomeRule] = {
    RuleKind.DEATH: OutcomeRule(
        STOP,
        (STOP, REDUCE),
        gettext_lazy("公安死亡记录：停发本人待遇，家庭名册按去世后人数重新测算核减"),
        person=True,
    ),
    RuleKind.INCOME_ABOVE_LINE: OutcomeRule(
        REDUCE,
        (REDUCE, STOP),
        gettext_lazy("部门收入高于标准：按部门收入重新测算，核减或停保"),
        recompute="income",
    ),
    RuleKind.NEW_ASSET: OutcomeRule(
        REDUCE,
        (REDUCE, STOP, NONE),
        gettext_lazy(
            "新增车辆/企业/房产：入户核查是否计入家庭财产，超标停保，豁免的写明理由无需处理"
        ),
    ),
    RuleKind.MEDICAL_SPENDING: OutcomeRule(
        ADD,
        (ADD, NONE),
        gettext_lazy("自付医疗费用高：核增支出型救助（刚性支出），不得据此核减或停发"),
    ),
    RuleKind.AGE_THRESHOLD: OutcomeRule(
        NONE,
        (NONE, REDUCE),
        gettext_lazy("年龄变化：按新年龄重新测算"),
        recompute="registry",
    ),
    RuleKind.SEVERE_DISABILITY: OutcomeRule(
        ADD,
        (ADD, NONE),
        gettext_lazy("新办重度残疾证：核增（单人保、残疾人补贴），不得据此核减或停发"),
    ),
    RuleKind.SCHOOL_CHANGE: OutcomeRule(
        ADD, (ADD, NONE), gettext_lazy("入学/升学：核增教育救助，不得据此核减或停发")
    ),
    RuleKind.SCHOOL_LEAVING: OutcomeRule(
        REDUCE,
        (REDUCE, STOP, NONE),
        gettext_lazy(
            "离校：16周岁以上视为有劳动能力，重新测算核减；教育救助、满18周岁的特困/孤儿停发"
        ),
        person=True,
        recompute="registry",
    ),
    RuleKind.HUKOU_MOVE_OUT: OutcomeRule(
        REDUCE,
        (REDUCE, STOP),
        gettext_lazy("户籍迁出：本人单独在册的停发，家庭名册不计迁出人员重新测算核减"),
        person=True,
        recompute="leave_out",
    ),
    RuleKind.JOB_LOSS: OutcomeRule(
        REDUCE,
        (REDUCE, ADD, NONE),
        gettext_lazy("新领失业金：在册家庭填新金额变更，未在册家庭核增，不得据此停发"),
    ),
    RuleKind.DUPLICATE_BENEFIT: OutcomeRule(
        STOP,
        (STOP, REDUCE),
        gettext_lazy("重复享受/互斥项目：停发重复的一项（选择名册记录）"),
        person=True,
    ),
    RuleKind.PAYMENT_MISMATCH: OutcomeRule(
        NONE,
        (NONE, REDUCE, STOP),
        gettext_lazy("发放与名册不符：核对发放（无需处理写明核对结果），名册有误的核减或停发"),
    ),
    RuleKind.ELIGIBLE_NOT_ENROLLED: OutcomeRule(
        ADD, (ADD, NONE), gettext_lazy("政策找人应保未保：核增，不在名册不能核减或停发")
    ),
    RuleKind.LOW_INCOME_RISK: OutcomeRule(
        ADD, (ADD, NONE), gettext_lazy("低收入返贫致贫风险：核增（低保边缘）或写明理由无需处理")
    ),
    RuleKind.SELF_REPORT: OutcomeRule(
        REDUCE,
        (REDUCE, STOP, ADD, NONE),
        gettext_lazy(
            "群众主动申报变化：核实后处理——收入增加、成员减少核减或停保，收入减少、成员增加核增，"
            "家中有人去世停发本人待遇"
        ),
    ),
    RuleKind.MANUAL: OutcomeRule(
        NONE,
        (ADD, REDUCE, STOP, NONE),
        gettext_lazy(
            "网格员上报：入户核实后处理——困难的核增或告知申请，变化的核减或停发，不属实的写明无需处理"
        ),
    ),
}
assert set(RULES) == set(RuleKind.values), "every alert cause needs an outcome rule"

AGE_RULES = {
    16: OutcomeRule(
        REDUCE,
        (REDUCE, NONE),
        gettext_lazy("年满16周岁：不在校的视为有劳动能力，重新测算核减；仍在校的写明无需处理"),
        recompute="registry",
    ),
    18: OutcomeRule(
        STOP,
        (STOP, NONE),
        gettext_lazy(
            "年满18周岁：本人特困/孤儿待遇停发；仍在校（义务教育、高中、中职）的写明无需处理"
        ),
        person=True,
    ),
    60: OutcomeRule(
        NONE,
        (NONE, ADD, REDUCE),
        gettext_lazy("年满60周岁：视为无劳动能力，可核增（特困）或重新测算金额，不得据此停发"),
        recompute="registry",
    ),
}


def rule_for(alert: Alert) -> OutcomeRule:
    """The outcome rule for this alert: its cause's, refined by the evidence."""
    rule = RULES[alert.cause]
    if alert.cause == RuleKind.AGE_THRESHOLD:
        age = alert_age(alert)
        if age == 18 and not _own_entry(alert):  # nothing of the person's own to stop
            return replace(AGE_RULES[18], default=NONE, allowed=(NONE, REDUCE), person=False)
        return AGE_RULES.get(age, rule)
    if alert.cause in (RuleKind.DEATH, RuleKind.HUKOU_MOVE_OUT) and alert.person_id:
        if _own_entry(alert) or not _others_counted(alert):
            return replace(rule, default=STOP)
        if alert.cause == RuleKind.DEATH:
            return replace(rule, default=REDUCE)
    if alert.cause == RuleKind.SELF_REPORT:
        # the change the citizen reported narrows the outcomes (portal: self_reports.CHANGE_OUTCOMES)
        allowed = tuple(alert.evidence.get("allowed_outcomes") or rule.allowed)
        return replace(rule, default=allowed[0], allowed=allowed)
    if alert.cause == RuleKind.JOB_LOSS and not _household_entries(alert):
        return replace(rule, default=ADD)
    return rule


def alert_age(alert: Alert) -> int | None:
    """The age an ``age_threshold`` alert is about (its keys ``age:<person>:<age>``)."""
    ages = [
        int(k.rsplit(":", 1)[1])
        for k in AlertKey.objects.filter(alert=alert, key__startswith="age:").values_list(
            "key", flat=True
        )
        if k.rsplit(":", 1)[1].isdigit()
    ]
    return max(ages) if ages else None


def check(alert: Alert, outcome: str, override_reason: str) -> bool:
    """Refuse an outcome the evidence does not support unless an override reason is given;
    True when the outcome is such an override (the caller audits it)."""
    rule = rule_for(alert)
    if outcome in rule.allowed:
        return False
    if override_reason:
        return True
    raise ServiceError(
        _(
            "预警原因为“%(cause)s”，处理结果应为%(expected)s（%(why)s）；"
            "如证据有误或确需其他处理，须勾选“不按证据处理”并写明理由"
        )
        % {
            "cause": RuleKind(alert.cause).label,
            "expected": "、".join(str(Outcome(o).label) for o in rule.allowed),
            "why": rule.why,
        },
        field="outcome",
        code="contradicts_evidence",
    )


def person_entry_id(alert: Alert) -> int | None:
    """The person's own active roll entry (the alert's programme first) for a person-bound
    停发, e.g. 特困 of a member who turned 18."""
    if not alert.person_id or not rule_for(alert).person:
        return None
    own = _own_entries(alert)
    for e in own:
        if e.programme == alert.programme:
            return e.pk
    return own[0].pk if own else None


def recomputed_amount(alert: Alert, entry) -> tuple[bool, Decimal | None]:
    """(asked, amount): the calculator's monthly amount for ``entry``'s programme with the
    evidence applied; asked False when the cause does not recompute."""
    from jiuzhu.policy.selectors import calculate_household

    how = rule_for(alert).recompute
    if not how or entry is None or entry.person_id:
        return False, None
    kwargs: dict = {}
    if how == "leave_out" and alert.person_id:
        kwargs["leave_out"] = (alert.person_id,)
    elif how == "income":
        kwargs["income_rows"] = department_income_rows(alert.household_id)
    try:
        result = calculate_household(household_id=alert.household_id, on=clock.today(), **kwargs)
    except Exception as exc:  # another app's engine: a clear message, the clerk types an amount
        raise ServiceError(
            _("无法自动测算新金额（%(error)s），请填写核减后月金额") % {"error": exc},
            field="amount",
            code="no_calculation",
        ) from exc
    for p in result.get("programmes", []):
        if p.get("programme") == entry.programme:
            if not p.get("eligible") or p.get("amount") in (None, "", "0", "0.00"):
                return True, None
            return True, Decimal(str(p["amount"]))
    return True, None


def department_income_rows(household_id: int) -> list[dict]:
    """The household's 人社 income as the calculator's income rows, per earner over the months
    the extracts cover (the rule ``income_above_line`` uses), replacing the registry's figures
    for those earners: the monthly rate × 12 over the last twelve whole months."""
    from jiuzhu.monitoring import loader
    from jiuzhu.monitoring.params import IncomeParams

    p = IncomeParams()
    today = clock.today()
    since = today - datetime.timedelta(days=round(p.months * 30.44))
    wages = loader.person_month_sums(
        department="hrss",
        kinds=list(p.kinds),
        since=since,
        upto=today,
        household_ids=[household_id],
    )
    if wages.is_empty():
        return []
    rates = loader.hrss_earner_rates(wages, since=since, upto=today)
    end = today.replace(day=1) - datetime.timedelta(days=1)
    start = datetime.date(end.year - 1, end.month, 1) + datetime.timedelta(days=32)
    start = start.replace(day=1)
    rows = []
    for (hh, person), rate in rates.items():
        if person is None:
            continue
        total = Fraction(rate) * 12
        rows.append(
            {
                "household_id": int(hh),
                "person_id": int(person),
                "kind": "wage",
                "amount_fen": int(total + Fraction(1, 2)),  # rounded once, to the fen
                "period_start": start,
                "period_end": end,
                "excluded": False,
                "category": "",
            }
        )
    return rows


def _own_entries(alert: Alert) -> list:
    from jiuzhu.registry.models import RollEntry

    return list(
        RollEntry.objects.filter(
            household_id=alert.household_id,
            person_id=alert.person_id,
            status__in=("active", "suspended"),
        ).order_by("id")
    )


def _own_entry(alert: Alert) -> bool:
    return bool(alert.person_id) and bool(_own_entries(alert))


def _household_entries(alert: Alert) -> bool:
    from jiuzhu.registry.models import RollEntry

    return RollEntry.objects.filter(
        household_id=alert.household_id, status__in=("active", "suspended")
    ).exists()


def _others_counted(alert: Alert) -> bool:
    from jiuzhu.registry.models import Person

    return (
        Person.objects.filter(
            household_id=alert.household_id, is_counted=True, death_date__isnull=True
        )
        .exclude(pk=alert.person_id)
        .exists()
    )
