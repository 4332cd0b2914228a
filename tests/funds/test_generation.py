"""Payroll generation: months, back pay, stops, cut-over, idempotence and every check."""

import datetime
from decimal import Decimal

import pytest

from jiuzhu.funds.models import FundsCutover, LineStatus, PayrollLine, PayrollStatus
from jiuzhu.funds.services import (
    cutover_set,
    payment_account_set,
    payment_hold_place,
    payroll_generate,
    payroll_submit,
)
from jiuzhu.registry.models import RollStatus
from tests.conftest import CHENGXI, HAILING
from tests.funds.conftest import MONTH, household, on_roll

pytestmark = pytest.mark.django_db


def _gen(officers, month=MONTH, programme="dibao"):
    return payroll_generate(
        actor=officers["zijin"], programme=programme, area_code=HAILING, month=month
    )


def _lines(payroll):
    return {ln.household_id: ln for ln in PayrollLine.objects.filter(payroll=payroll)}


def test_one_line_per_entry_due_with_months_and_amount(officers):
    a, _ = household(officers["zijin"], name="甲")
    b, _ = household(officers["zijin"], name="乙", township=CHENGXI)
    on_roll(a, amount="710.00")
    on_roll(b, amount="355.50")
    p = _gen(officers)
    lines = _lines(p)
    assert set(lines) == {a.pk, b.pk}
    assert lines[b.pk].amount == Decimal("355.50")
    assert lines[a.pk].months_from == MONTH and lines[a.pk].months_to == MONTH
    assert p.total_amount == Decimal("1065.50") and p.payable_count == 2 and p.held_count == 0
    assert lines[a.pk].decision_ref == "" and lines[a.pk].roll_entry_id


def test_back_pay_from_start_month_and_stop_honoured(officers):
    a, _ = household(officers["zijin"], name="补发")
    b, _ = household(officers["zijin"], name="停发")
    c, _ = household(officers["zijin"], name="未来")
    on_roll(a, amount="500.00", start=datetime.date(2026, 9, 1))  # approved in August
    on_roll(
        b,
        amount="500.00",
        start=datetime.date(2026, 9, 1),
        end=datetime.date(2026, 10, 1),
        status=RollStatus.STOPPED,
    )
    on_roll(c, amount="500.00", start=datetime.date(2026, 12, 1))
    lines = _lines(_gen(officers))
    assert lines[a.pk].months == 3 and lines[a.pk].amount == Decimal("1500.00")
    assert lines[a.pk].months_from == datetime.date(2026, 9, 1)
    # Stopped after October: September and October still owed, nothing for November.
    assert lines[b.pk].months_to == datetime.date(2026, 10, 1) and lines[b.pk].months == 2
    assert c.pk not in lines


def test_history_prevents_paying_a_month_twice(officers):
    a, _ = household(officers["zijin"], name="历史")
    on_roll(a, amount="600.00", start=datetime.date(2026, 10, 1))
    oct_ = _gen(officers, month=datetime.date(2026, 10, 1))
    payroll_submit(actor=officers["zijin"], payroll_id=oct_.pk, version=oct_.version)
    nov = _lines(_gen(officers))[a.pk]
    assert (nov.months_from, nov.months, nov.amount) == (MONTH, 1, Decimal("600.00"))


def test_imported_roll_is_not_back_paid_before_the_cutover(officers):
    a, _ = household(officers["zijin"], name="导入")
    on_roll(a, amount="600.00", start=datetime.date(2019, 1, 1), source="import")
    p = _gen(officers)
    cut = FundsCutover.objects.get(area_id=HAILING, programme="dibao")
    assert cut.paid_through == datetime.date(2026, 10, 1)  # recorded at the first generation
    assert _lines(p)[a.pk].months == 1


def test_explicit_cutover_back_pays_after_it(officers):
    cutover_set(actor=officers["zijin"], area_code=HAILING, paid_through=datetime.date(2026, 8, 1))
    a, _ = household(officers["zijin"], name="导入")
    on_roll(a, amount="600.00", start=datetime.date(2019, 1, 1), source="import")
    assert _lines(_gen(officers))[a.pk].months == 3


def test_generation_is_idempotent_and_regeneration_replaces_the_draft(officers):
    a, _ = household(officers["zijin"], name="甲")
    on_roll(a)
    first = _gen(officers)
    ids = set(PayrollLine.objects.filter(payroll=first).values_list("id", flat=True))
    again = _gen(officers)
    assert again.pk == first.pk and again.digest == first.digest
    assert PayrollLine.objects.filter(payroll=again).count() == 1
    assert not ids & set(PayrollLine.objects.filter(payroll=again).values_list("id", flat=True))
    b, _ = household(officers["zijin"], name="乙")
    on_roll(b)
    third = _gen(officers)
    assert third.digest != first.digest and third.line_count == 2


def test_a_submitted_payroll_is_never_regenerated(officers):
    a, _ = household(officers["zijin"], name="甲")
    on_roll(a)
    p = _gen(officers)
    payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    with pytest.raises(Exception, match="不能重新生成"):
        _gen(officers)


def _flags(line):
    return {f["code"]: f for f in line.flags}


def test_checks_hold_or_flag_with_evidence(officers):
    z = officers["zijin"]
    dead, dead_head = household(z, name="死亡")
    dead_head.death_date = datetime.date(2026, 9, 3)
    dead_head.save()
    on_roll(dead)
    held, held_head = household(z, name="暂停")
    on_roll(held)
    hold = payment_hold_place(
        person_id=held_head.pk, household_id=held.pk, reason="公安死亡登记", source="alert:7"
    )
    twice, _ = household(z, name="两次")
    first = on_roll(twice)
    on_roll(twice)
    excl, excl_head = household(z, name="互斥")
    on_roll(excl)
    tekun = on_roll(excl, programme="tekun", person=excl_head, amount="1200.00")
    susp, _ = household(z, name="暂停名册")
    on_roll(susp, status=RollStatus.SUSPENDED)
    noacct, _ = household(z, name="无账户", account=False)
    on_roll(noacct)
    share1, _ = household(z, name="共用甲")
    share2, _ = household(z, name="共用乙", account=False)
    acct = share1.payment_accounts.get()
    payment_account_set(
        actor=z,
        household_id=share2.pk,
        bank_name="农商行",
        account_number=acct.account_number,
        holder_name="共用甲",
        proxy_reason="由邻户共用账户代领",
    )
    on_roll(share1)
    on_roll(share2)
    fine, _ = household(z, name="正常", members=[("李四", "spouse")])
    member = fine.members.get(name="李四")
    member.death_date = datetime.date(2026, 10, 2)
    member.save()
    on_roll(fine)

    p = _gen(officers)
    lines = PayrollLine.objects.filter(payroll=p)
    by_hh = {}
    for ln in lines:
        by_hh.setdefault(ln.household_id, []).append(ln)
    assert _flags(by_hh[dead.pk][0])["dead"]["evidence"] == {
        "type": "person",
        "id": dead_head.pk,
        "household_id": dead.pk,
    }
    assert by_hh[dead.pk][0].status == LineStatus.HELD
    assert _flags(by_hh[held.pk][0])["hold"]["evidence"]["id"] == hold.pk
    assert by_hh[held.pk][0].status == LineStatus.HELD
    twice_lines = sorted(by_hh[twice.pk], key=lambda ln: ln.seq)
    assert [ln.status for ln in twice_lines] == [LineStatus.PAYABLE, LineStatus.HELD]
    assert _flags(twice_lines[1])["duplicate"]["evidence"]["id"] == first.pk
    ex = _flags(by_hh[excl.pk][0])["excluded"]
    assert ex["evidence"]["id"] == tekun.pk and "特困人员认定办法第四条" in ex["reason"]
    assert by_hh[susp.pk][0].status == LineStatus.HELD and "suspended" in _flags(by_hh[susp.pk][0])
    assert by_hh[noacct.pk][0].status == LineStatus.HELD
    for hh in (share1, share2):
        line = by_hh[hh.pk][0]
        assert line.status == LineStatus.PAYABLE and "shared_account" in _flags(line)
    line = by_hh[fine.pk][0]
    assert line.status == LineStatus.PAYABLE and "member_dead" in _flags(line)
    assert p.held_count == 6 and p.status == PayrollStatus.DRAFT


def test_township_and_county_payrolls_cannot_both_pay_a_month(officers):
    from jiuzhu.core.errors import ServiceError
    from tests.conftest import CHENGDONG

    a, _ = household(officers["zijin"], name="甲")
    on_roll(a)
    town = payroll_generate(
        actor=officers["zijin"], programme="dibao", area_code=CHENGDONG, month=MONTH
    )
    county = _gen(officers)
    payroll_submit(actor=officers["zijin"], payroll_id=town.pk, version=town.version)
    with pytest.raises(ServiceError, match="已在批次"):
        payroll_submit(actor=officers["zijin"], payroll_id=county.pk, version=county.version)
