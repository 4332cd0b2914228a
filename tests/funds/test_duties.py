"""Separation of duties, multi-level approval, budget refusal, and two releases at once."""

import threading
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, connections

from jiuzhu.accounts.roles import Role
from jiuzhu.cases.models import Application
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.funds.models import ApprovalThreshold, LedgerEntry, Payroll, PayrollStatus
from jiuzhu.funds.services import (
    budget_set,
    payroll_approve,
    payroll_generate,
    payroll_release,
    payroll_submit,
)
from tests.conftest import CHENGDONG, HAILING
from tests.factories import first_village, user_with_role
from tests.funds.conftest import MONTH, household, on_roll

TAIZHOU = "321200000000"


def _draft(officers, n=2, amount="700.00"):
    for i in range(n):
        hh, _ = household(officers["zijin"], name=f"户{i}")
        on_roll(hh, amount=amount)
    return payroll_generate(
        actor=officers["zijin"], programme="dibao", area_code=HAILING, month=MONTH
    )


def _decided_by(officers, user, field="decided_by"):
    """A case decided (or reviewed) by ``user`` whose roll entry is in the payroll."""
    hh, head = household(officers["zijin"], name="审批户")
    app = Application.objects.create(
        number="SQ-TEST-1",
        household=hh,
        applicant=head,
        area_id=first_village(CHENGDONG),
        programme="dibao",
        state="approved",
        created_by=user,
        monthly_amount=Decimal("700.00"),
        **{field: user},
    )
    entry = on_roll(hh, amount="700.00", decision_ref=app.number)
    app.roll_entry = entry
    app.save()
    return app


@pytest.mark.django_db
def test_preparer_approver_releaser_are_three_people(officers):
    p = _draft(officers)
    p = payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    with pytest.raises(ServiceError, match="编制、复核、拨付须由不同人员"):
        payroll_approve(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    p = payroll_approve(actor=officers["zijin2"], payroll_id=p.pk, version=p.version)
    assert p.status == PayrollStatus.APPROVED
    # A finance user who somehow also approved may not release: handled via the approval list.
    from jiuzhu.funds.models import PayrollApproval

    assert PayrollApproval.objects.filter(payroll=p, approver=officers["zijin2"]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["decided_by", "reviewed_by"])
def test_whoever_decided_or_reviewed_a_case_may_not_handle_its_payment(officers, field):
    approver = officers["zijin2"]
    _decided_by(officers, approver, field)
    p = _draft(officers, n=1)
    p = payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    with pytest.raises(ServiceError, match="审批与发放分离.*SQ-TEST-1"):
        payroll_approve(actor=approver, payroll_id=p.pk, version=p.version)
    assert Payroll.objects.get(pk=p.pk).status == PayrollStatus.SUBMITTED


@pytest.mark.django_db
def test_the_decider_may_not_prepare_either(officers):
    _decided_by(officers, officers["zijin"])
    p = _draft(officers, n=1)
    with pytest.raises(ServiceError, match="审批与发放分离"):
        payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_amount_above_threshold_needs_a_city_level_approval(officers):
    ApprovalThreshold.objects.create(
        area_id=TAIZHOU,
        above_total=Decimal("1000.00"),
        label="市级复核",
        approver_area_level="city",
    )
    p = _draft(officers, n=2)  # 1,400 yuan
    p = payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    assert [lv["label"] for lv in p.required_levels] == ["复核", "市级复核"]
    p = payroll_approve(actor=officers["zijin2"], payroll_id=p.pk, version=p.version)
    assert p.status == PayrollStatus.SUBMITTED
    county3 = user_with_role(Role.PAYMENTS_OFFICER, HAILING)
    with pytest.raises(ServiceError, match="市级资金复核人员"):
        payroll_approve(actor=county3, payroll_id=p.pk, version=p.version)
    city = user_with_role(Role.PAYMENTS_OFFICER, TAIZHOU)
    p = payroll_approve(actor=city, payroll_id=p.pk, version=p.version)
    assert p.status == PayrollStatus.APPROVED
    assert LedgerEntry.objects.filter(kind="approved", payroll_id=p.pk).count() == 1


@pytest.mark.django_db
def test_overspending_needs_a_reason(officers):
    budget_set(
        actor=officers["caiwu"],
        programme="dibao",
        area_code=HAILING,
        year=2026,
        funding_source="county",
        amount="1000.00",
    )
    p = _draft(officers, n=2)
    with pytest.raises(ServiceError, match="超出预算") as exc:
        payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    assert "budget_override_reason" in exc.value.errors
    p = payroll_submit(
        actor=officers["zijin"],
        payroll_id=p.pk,
        version=p.version,
        budget_override_reason="年中追加预算已报批",
    )
    assert p.status == PayrollStatus.SUBMITTED and p.budget_override_reason


@pytest.mark.django_db
def test_stale_version_is_refused(officers):
    p = _draft(officers)
    with pytest.raises(ConcurrentEditError):
        payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version - 1)


@pytest.mark.django_db
def test_someone_outside_the_area_cannot_generate(officers):
    other = user_with_role(Role.PAYMENTS_OFFICER, "321204000000")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        payroll_generate(actor=other, programme="dibao", area_code=HAILING, month=MONTH)


@pytest.mark.django_db(transaction=True)
def test_two_releases_at_once_only_one_succeeds(taizhou):
    officers = {
        "zijin": user_with_role(Role.PAYMENTS_OFFICER, HAILING),
        "zijin2": user_with_role(Role.PAYMENTS_OFFICER, HAILING),
        "caiwu": user_with_role(Role.FINANCE, HAILING),
    }
    finance2 = user_with_role(Role.FINANCE, HAILING)
    p = _draft(officers)
    p = payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    p = payroll_approve(actor=officers["zijin2"], payroll_id=p.pk, version=p.version)
    version = p.version
    barrier = threading.Barrier(2)
    results = []

    def release(user):
        try:
            barrier.wait()
            payroll_release(actor=user, payroll_id=p.pk, version=version)
            results.append("ok")
        except (ServiceError, ConcurrentEditError) as exc:
            results.append(exc.code)
        except OperationalError as exc:
            # SQLite's shared-cache test database refuses the second writer outright
            # ("table is locked") instead of queueing it; either way it does not succeed.
            assert connection.vendor == "sqlite", exc
            results.append("locked")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=release, args=(u,)) for u in (officers["caiwu"], finance2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) in (
        ["concurrent_edit", "ok"],
        ["ok", "wrong_state"],
        ["locked", "ok"],
    ), results
    assert Payroll.objects.get(pk=p.pk).status == PayrollStatus.RELEASED
    assert LedgerEntry.objects.filter(payroll_id=p.pk, kind="sent").count() == 1
