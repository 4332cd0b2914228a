"""The amount check compares each line with the latest decision for its roll entry, whatever the
decision's purpose: the application's amount, a change (变更), a stop (停发), a 渐退 step."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from jiuzhu.accounts.roles import Role
from jiuzhu.cases import services as cases
from jiuzhu.cases.models import Application
from jiuzhu.funds.models import LineStatus, PayrollLine
from jiuzhu.funds.services import payroll_generate
from jiuzhu.registry.models import RollEntry, RollStatus
from tests.conftest import CHENGDONG, HAILING
from tests.factories import first_village, user_with_role
from tests.funds.conftest import household, on_roll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _month_after(d: datetime.date, n: int = 1) -> datetime.date:
    i = d.year * 12 + d.month - 1 + n
    return datetime.date(i // 12, i % 12 + 1, 1)


THIS = timezone.localdate().replace(day=1)
NEXT = _month_after(THIS)


@pytest.fixture
def deciders(taizhou):
    village = first_village(CHENGDONG)
    return {
        "worker": user_with_role(Role.VILLAGE_WORKER, village, full_name="李村居"),
        "reviewer": user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="王街道"),
        "approver": user_with_role(Role.COUNTY_APPROVER, HAILING, full_name="陈区县"),
    }


def _on_roll_by_case(officers, deciders, *, name, amount):
    """A household put on the 低保 roll by an approved application of ``amount`` (paid from
    two months ago)."""
    hh, head = household(officers["zijin"], name=name)
    app = Application.objects.create(
        number=f"SQ-{name}",
        household=hh,
        applicant=head,
        area_id=first_village(CHENGDONG),
        programme="dibao",
        state="approved",
        created_by=deciders["worker"],
        reviewed_by=deciders["reviewer"],
        decided_by=deciders["approver"],
        decided_on=_month_after(THIS, -3),
        monthly_amount=Decimal(amount),
    )
    entry = on_roll(hh, amount=amount, start=_month_after(THIS, -2), decision_ref=app.number)
    app.roll_entry = entry
    app.save(update_fields=["roll_entry"])
    return hh, entry


def _decide(deciders, entry, purpose, **kw):
    """A change/stop/渐退 case through the real path: opened, reviewed, approved."""
    app = cases.adjustment_create(
        actor=deciders["worker"], roll_entry_id=entry.pk, purpose=purpose, reason="复核", **kw
    )
    app = cases.application_review(
        actor=deciders["reviewer"],
        application_id=app.pk,
        version=app.version,
        recommend=True,
        reason="同意",
    )
    return cases.application_approve(
        actor=deciders["approver"], application_id=app.pk, version=app.version, reason="批准"
    )


def _gen(officers, month=NEXT, programme="dibao"):
    return payroll_generate(
        actor=officers["zijin"], programme=programme, area_code=HAILING, month=month
    )


def _mismatch(line):
    return [f for f in line.flags if f["code"] == "amount_mismatch"]


def test_a_changed_amount_is_checked_against_the_change(officers, deciders):
    hh, old = _on_roll_by_case(officers, deciders, name="变更户", amount="600.00")
    change = _decide(deciders, old, "change", amount="500.00")
    new = RollEntry.objects.get(decision_ref=change.number, start_month=NEXT)
    assert new.monthly_amount == Decimal("500.00")

    p = _gen(officers)
    lines = {ln.roll_entry_id: ln for ln in PayrollLine.objects.filter(payroll=p)}
    # The old entry's unpaid months at the application's amount, the new one at the change's.
    assert lines[old.pk].monthly_amount == Decimal("600.00") and not _mismatch(lines[old.pk])
    assert lines[old.pk].months_to == THIS
    assert lines[new.pk].monthly_amount == Decimal("500.00") and not _mismatch(lines[new.pk])

    # Someone edits the new entry: flagged against the change (not the first decision).
    RollEntry.objects.filter(pk=new.pk).update(monthly_amount=Decimal("550.00"))
    p = _gen(officers)
    line = PayrollLine.objects.get(payroll=p, roll_entry=new)
    (flag,) = _mismatch(line)
    assert flag["reason"] == f"名册月金额 550.00 元与最新决定（变更，{change.number}）500.00 元不符"
    assert flag["evidence"] == {"type": "application", "id": change.pk, "household_id": hh.pk}
    assert not flag["held"] and line.status == LineStatus.PAYABLE, line.flags

    # Someone re-opens the old entry: it still pays 600 after the change ended it.
    RollEntry.objects.filter(pk=old.pk).update(end_month=None, status=RollStatus.ACTIVE)
    p = _gen(officers)
    line = PayrollLine.objects.get(payroll=p, roll_entry=old)
    assert line.months_to == NEXT
    (flag,) = _mismatch(line)
    assert flag["reason"] == (
        f"最新决定（变更，{change.number}）自 {NEXT:%Y-%m} 起不再按此名册记录发放，"
        f"本行仍发至 {NEXT:%Y-%m}（应为 0 元）"
    )
    assert flag["evidence"]["id"] == change.pk


def test_a_stopped_entry_paid_after_the_stop_is_flagged_once(officers, deciders):
    hh, entry = _on_roll_by_case(officers, deciders, name="停发户", amount="600.00")
    stop = _decide(deciders, entry, "stop")
    entry.refresh_from_db()
    assert entry.status == RollStatus.STOPPED and entry.end_month == THIS
    line = PayrollLine.objects.get(payroll=_gen(officers), roll_entry=entry)
    assert line.months_to == THIS and not _mismatch(line)

    # Re-opened and edited by hand: one flag for the amount (against the application, the last
    # case that set an amount — the stop only ended the entry) and one for paying after the stop.
    RollEntry.objects.filter(pk=entry.pk).update(
        end_month=None, status=RollStatus.ACTIVE, monthly_amount=Decimal("650.00")
    )
    line = PayrollLine.objects.get(payroll=_gen(officers), roll_entry=entry)
    reasons = sorted(f["reason"] for f in _mismatch(line))
    assert reasons == sorted(
        [
            "名册月金额 650.00 元与最新决定（批准，SQ-停发户）600.00 元不符",
            f"最新决定（停发，{stop.number}）自 {NEXT:%Y-%m} 起不再按此名册记录发放，"
            f"本行仍发至 {NEXT:%Y-%m}（应为 0 元）",
        ]
    )


def test_phase_out_steps_are_checked_against_the_phase_out_decision(officers, deciders):
    hh, entry = _on_roll_by_case(officers, deciders, name="渐退户", amount="600.00")
    phase = _decide(deciders, entry, "phase_out", phase_out_months=3)
    steps = list(RollEntry.objects.filter(decision_ref=phase.number).order_by("start_month"))
    assert [s.monthly_amount for s in steps] == [Decimal(v) for v in ("450.00", "300.00", "150.00")]
    RollEntry.objects.filter(pk=steps[1].pk).update(monthly_amount=Decimal("400.00"))

    p = _gen(officers, month=steps[1].start_month, programme="phase_out")
    lines = {ln.roll_entry_id: ln for ln in PayrollLine.objects.filter(payroll=p)}
    assert set(lines) == {steps[0].pk, steps[1].pk}
    assert not _mismatch(lines[steps[0].pk])
    (flag,) = _mismatch(lines[steps[1].pk])
    assert flag["reason"] == f"名册月金额 400.00 元与最新决定（渐退，{phase.number}）300.00 元不符"
    # The 低保 entry the 渐退 ended is paid to the decision's month only, without a flag.
    dibao = PayrollLine.objects.get(payroll=_gen(officers), roll_entry=entry)
    assert dibao.months_to == THIS and not _mismatch(dibao)


def test_an_application_amount_edited_on_the_roll_is_flagged(officers, deciders):
    hh, entry = _on_roll_by_case(officers, deciders, name="改额户", amount="600.00")
    RollEntry.objects.filter(pk=entry.pk).update(monthly_amount=Decimal("680.00"))
    line = PayrollLine.objects.get(payroll=_gen(officers), roll_entry=entry)
    (flag,) = _mismatch(line)
    assert flag["reason"] == "名册月金额 680.00 元与最新决定（批准，SQ-改额户）600.00 元不符"
