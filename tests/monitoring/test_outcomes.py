"""Issue 13.6, the class: every alert cause's outcome follows its evidence (monitoring.outcomes).

Each cause has a default and allowed outcomes; any other needs an override with a reason
(audited); a person-bound 停发 stops that person's own entry; 核减 without an amount asks the
calculator with what the evidence says (a member moved away, a department's wages)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.monitoring import outcomes
from jiuzhu.monitoring.models import Alert, AlertKey, AlertRule, MonitorRun, RuleKind
from jiuzhu.monitoring.services import alert_close, expected_outcome
from tests.factories import PersonFactory, RollEntryFactory
from tests.monitoring.helpers import on_roll

pytestmark = pytest.mark.django_db


def _alert(cause, hh, *, person=None, entry=None, programme="dibao", keys=()):
    rule, _ = AlertRule.objects.get_or_create(kind=cause, name=str(cause))
    run = MonitorRun.objects.create(kind="full", as_of=timezone.localdate(), status="done")
    a = Alert.objects.create(
        household=hh,
        person=person,
        cause=cause,
        rule=rule,
        run=run,
        programme=programme,
        roll_entry=entry,
        area_id=hh.hukou_area_id,
        summary=f"{cause} 证据",
        evidence={"summary": "证据", "records": []},
        level="village",
        role="village_worker",
        due_date=timezone.localdate() + datetime.timedelta(days=5),
    )
    for k in keys:
        AlertKey.objects.create(alert=a, household_id=hh.pk, cause=cause, key=k)
    return a


def test_every_cause_has_a_default_among_its_allowed_outcomes():
    assert set(outcomes.RULES) == set(RuleKind.values)
    for cause, rule in [*outcomes.RULES.items(), *outcomes.AGE_RULES.items()]:
        assert rule.default in rule.allowed, cause
        assert rule.why and not any(c.isascii() and c.isalpha() for c in rule.why), cause


# (cause, an outcome its evidence contradicts, the default) — one per cause class
CONTRADICTIONS = [
    (RuleKind.INCOME_ABOVE_LINE, "add", "reduce"),
    (RuleKind.INCOME_ABOVE_LINE, "no_action", "reduce"),
    (RuleKind.NEW_ASSET, "add", "reduce"),  # vehicle, company, property: 核查, never 核增
    (RuleKind.MEDICAL_SPENDING, "stop", "add"),  # hospital costs never stop a payment
    (RuleKind.SEVERE_DISABILITY, "reduce", "add"),
    (RuleKind.SCHOOL_CHANGE, "stop", "add"),
    (RuleKind.SCHOOL_LEAVING, "add", "reduce"),
    (RuleKind.JOB_LOSS, "stop", "reduce"),
    (RuleKind.DUPLICATE_BENEFIT, "add", "stop"),
    (RuleKind.PAYMENT_MISMATCH, "add", "no_action"),
    (RuleKind.ELIGIBLE_NOT_ENROLLED, "stop", "add"),
    (RuleKind.LOW_INCOME_RISK, "reduce", "add"),
]


@pytest.mark.parametrize("cause,wrong,default", CONTRADICTIONS)
def test_an_outcome_against_the_evidence_needs_an_override_with_a_reason(
    cast, cause, wrong, default
):
    hh, (head, _spouse), entry = on_roll(cast.village, size=2)
    a = _alert(cause, hh, person=head, entry=entry)
    assert expected_outcome(a) == default
    with pytest.raises(ServiceError) as exc:
        alert_close(actor=cast.worker, alert_id=a.pk, outcome=wrong, reason="核实")
    assert exc.value.code == "contradicts_evidence"
    assert "不按证据处理" in str(exc.value)
    a.refresh_from_db()
    assert a.status == "open" and a.application_id is None  # nothing half-done
    kwargs = {"programme": "dibao"} if wrong == "add" else {}
    closed = alert_close(
        actor=cast.worker,
        alert_id=a.pk,
        outcome=wrong,
        reason="核实",
        override_reason="部门数据有误，已与部门核对",
        **kwargs,
    )
    assert closed.status == "closed" and "不按证据处理：部门数据有误" in closed.outcome_reason
    ev = AuditEvent.objects.get(action="alert.close", subject_id=str(a.pk))
    assert ev.after["override"] == "部门数据有误，已与部门核对"


def test_age_18_stops_that_persons_own_entry_of_that_programme(cast):
    hh, members, household_entry = on_roll(cast.village, size=3)
    child = members[2]
    own = RollEntryFactory(
        household=hh,
        programme="tekun",
        person=child,
        monthly_amount=Decimal("1100.00"),
        start_month=datetime.date(2024, 1, 1),
    )
    a = _alert(
        RuleKind.AGE_THRESHOLD,
        hh,
        person=child,
        entry=household_entry,
        programme="tekun",
        keys=[f"age:{child.pk}:18"],
    )
    assert outcomes.alert_age(a) == 18 and expected_outcome(a) == "stop"
    with pytest.raises(ServiceError, match="不按证据处理"):
        alert_close(actor=cast.worker, alert_id=a.pk, outcome="add", reason="x", programme="dibao")
    closed = alert_close(actor=cast.worker, alert_id=a.pk, outcome="stop", reason="已满18周岁")
    app = closed.application
    assert app.purpose == "stop" and app.target_roll_entry == own  # not the household's 低保
    assert app.target_roll_entry != household_entry


def test_age_60_never_stops_and_age_16_recomputes(cast, monkeypatch):
    hh, (head, spouse), entry = on_roll(cast.village, size=2)
    a60 = _alert(RuleKind.AGE_THRESHOLD, hh, person=head, keys=[f"age:{head.pk}:60"])
    assert expected_outcome(a60) == "no_action"
    with pytest.raises(ServiceError, match="年满60周岁"):
        alert_close(actor=cast.worker, alert_id=a60.pk, outcome="stop", reason="x")
    alert_close(actor=cast.worker, alert_id=a60.pk, outcome="no_action", reason="已核实")

    seen = {}

    def calc(**kw):
        seen.update(kw)
        return {"programmes": [{"programme": "dibao", "eligible": True, "amount": "560.00"}]}

    monkeypatch.setattr("jiuzhu.policy.selectors.calculate_household", calc)
    a16 = _alert(RuleKind.AGE_THRESHOLD, hh, person=spouse, keys=[f"age:{spouse.pk}:16"])
    assert expected_outcome(a16) == "reduce"
    closed = alert_close(actor=cast.worker, alert_id=a16.pk, outcome="reduce", reason="已辍学")
    assert seen["household_id"] == hh.pk
    assert closed.application.purpose == "change"
    assert closed.application.monthly_amount == Decimal("560.00")
    assert closed.application.evidence["recomputed"] == "560.00"


def test_a_member_moving_away_recomputes_the_household_without_them(cast, monkeypatch):
    hh, (head, spouse), entry = on_roll(cast.village, size=2, amount="1420.00")
    a = _alert(RuleKind.HUKOU_MOVE_OUT, hh, person=spouse, entry=entry)
    assert expected_outcome(a) == "reduce"  # others stay: the household's amount changes
    seen = {}

    def calc(**kw):
        seen.update(kw)
        return {"programmes": [{"programme": "dibao", "eligible": True, "amount": "710.00"}]}

    monkeypatch.setattr("jiuzhu.policy.selectors.calculate_household", calc)
    closed = alert_close(actor=cast.worker, alert_id=a.pk, outcome="reduce", reason="已迁往南京")
    assert seen["leave_out"] == (spouse.pk,)
    app = closed.application
    assert app.purpose == "change" and app.monthly_amount == Decimal("710.00")
    assert app.target_roll_entry == entry


def test_the_only_member_moving_away_defaults_to_stop(cast):
    hh, (head,), entry = on_roll(cast.village, size=1)
    a = _alert(RuleKind.HUKOU_MOVE_OUT, hh, person=head, entry=entry)
    assert expected_outcome(a) == "stop"


def test_income_above_the_line_recomputes_with_the_department_wages(cast, monkeypatch):
    """The calculator sees the department's wage in place of the registry's (not stacked): the
    household is no longer eligible → a stop case; the same amount → refused."""
    from tests.monitoring.helpers import import_rows

    hh, (head,), entry = on_roll(cast.village, size=1, amount="710.00")
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    import_rows(
        "hrss",
        [
            [
                "W1",
                head.id_number,
                head.name,
                head.birth_date.isoformat(),
                "某厂",
                "wage",
                month,
                "5200.00",
            ]
        ],
    )
    rows = outcomes.department_income_rows(hh.pk)
    assert [(r["person_id"], r["amount_fen"]) for r in rows] == [(head.pk, 5200_00 * 12)]
    seen = {}

    def calc(**kw):
        seen.update(kw)
        return {"programmes": [{"programme": "dibao", "eligible": False, "amount": None}]}

    monkeypatch.setattr("jiuzhu.policy.selectors.calculate_household", calc)
    a = _alert(RuleKind.INCOME_ABOVE_LINE, hh, entry=entry)
    closed = alert_close(actor=cast.worker, alert_id=a.pk, outcome="reduce", reason="工资属实")
    assert seen["income_rows"] == rows
    assert closed.application.purpose == "stop"

    a2 = _alert(RuleKind.INCOME_ABOVE_LINE, on_roll(cast.village)[0])
    monkeypatch.setattr(
        "jiuzhu.policy.selectors.calculate_household",
        lambda **kw: {"programmes": [{"programme": "dibao", "eligible": True, "amount": "710.00"}]},
    )
    with pytest.raises(ServiceError, match="金额不变"):
        alert_close(actor=cast.worker, alert_id=a2.pk, outcome="reduce", reason="x")


def test_the_calculator_replaces_an_earners_registry_income_and_leaves_out_a_member(cast):
    """policy.selectors.calculate_household with the evidence (the real engine)."""
    from jiuzhu.policy.selectors import calculate_household
    from jiuzhu.policy.services import parameters_load_demo, programmes_load

    programmes_load()
    parameters_load_demo()
    hh, (head, spouse), entry = on_roll(cast.village, size=2)
    today = timezone.localdate()
    base = calculate_household(household_id=hh.pk, on=today)
    dibao = next(p for p in base["programmes"] if p["programme"] == "dibao")
    assert dibao["eligible"]
    end = today.replace(day=1) - datetime.timedelta(days=1)
    rich = [
        {
            "household_id": hh.pk,
            "person_id": head.pk,
            "kind": "wage",
            "amount_fen": 5200_00 * 12,
            "period_start": datetime.date(end.year - 1, end.month, 1),
            "period_end": end,
            "excluded": False,
            "category": "",
        }
    ]
    after = calculate_household(household_id=hh.pk, on=today, income_rows=rich)
    assert not next(p for p in after["programmes"] if p["programme"] == "dibao")["eligible"]
    alone = calculate_household(household_id=hh.pk, on=today, leave_out=(spouse.pk,))
    one = next(p for p in alone["programmes"] if p["programme"] == "dibao")
    assert Decimal(one["amount"]) < Decimal(dibao["amount"])  # one member fewer


def test_no_application_for_a_deceased_person_through_any_entry_point(cast, client):
    """Window (intake page), API, portal and an alert's 核增 all end in application_create's
    guard: a deceased applicant is refused, a household with nobody alive too."""
    from jiuzhu.cases.models import Application

    hh, (head,), _ = on_roll(cast.village)
    head.death_date = timezone.localdate() - datetime.timedelta(days=3)
    head.save(update_fields=["death_date"])
    # an alert's 核增 (政策找人 missed) for the household
    a = _alert(RuleKind.ELIGIBLE_NOT_ENROLLED, hh)
    with pytest.raises(ServiceError, match="死亡"):
        alert_close(actor=cast.worker, alert_id=a.pk, outcome="add", reason="应保")
    # the API
    client.force_login(cast.worker)
    resp = client.post(
        "/api/v1/cases/applications",
        {"household_id": hh.pk, "programme": "dibao"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and resp.json()["code"] == "deceased"
    assert not Application.objects.filter(household=hh).exists()
    # a survivor may still apply: the guard is about the person, not the household
    other = PersonFactory(household=hh, relation="spouse", sex="F", name="遗孀")
    resp = client.post(
        "/api/v1/cases/applications",
        {"household_id": hh.pk, "programme": "dibao", "applicant_id": other.pk},
        content_type="application/json",
    )
    assert resp.status_code in (200, 201), resp.content.decode()
