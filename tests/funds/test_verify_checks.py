"""What 核对 and the roll tell a payroll: 分类施保 paid with 低保, a death reported by 核对,
and one person registered in two paid households — each from the verify services, not by hand."""

import datetime
from decimal import Decimal

import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.funds.generation import PAYROLL_PROGRAMMES
from jiuzhu.funds.models import LedgerEntry, LedgerKind, LineStatus, PayrollLine
from jiuzhu.funds.selectors import evidence_url
from jiuzhu.funds.services import payment_account_set, payroll_generate, payroll_submit
from jiuzhu.verify.models import DuplicatePair, Finding
from jiuzhu.verify.services import (
    check_household,
    duplicate_resolve,
    duplicates_detect,
    feed_import,
)
from tests.conftest import HAILING
from tests.factories import HouseholdFactory, PersonFactory, first_village, user_with_role
from tests.funds.conftest import MONTH, card, household, on_roll
from tests.verify.helpers import couple_on_roll, csv_bytes, one_wrong_digit

pytestmark = pytest.mark.django_db


def _gen(officers):
    return payroll_generate(
        actor=officers["zijin"], programme="dibao", area_code=HAILING, month=MONTH
    )


def _flags(line) -> dict:
    return {f["code"]: f for f in line.flags}


def test_category_supplement_is_paid_in_the_dibao_payroll_on_its_own_line(officers):
    assert PAYROLL_PROGRAMMES["dibao"] == ["dibao", "category_supplement"]
    hh, _head = household(officers["zijin"], name="王芳", members=[("王小明", "child")])
    child = hh.members.get(name="王小明")
    dibao = on_roll(hh, amount="710.00")
    extra = on_roll(hh, programme="category_supplement", person=child, amount="213.00")
    other, _ = household(officers["zijin"], name="李强")
    on_roll(other, amount="355.50")

    p = _gen(officers)
    lines = {ln.roll_entry_id: ln for ln in PayrollLine.objects.filter(payroll=p)}
    assert set(lines) == {dibao.pk, extra.pk, other.roll_entries.get().pk}
    sup = lines[extra.pk]
    assert sup.programme == "category_supplement" and sup.person_id == child.pk
    assert sup.amount == Decimal("213.00") and sup.status == LineStatus.PAYABLE
    assert lines[dibao.pk].programme == "dibao" and lines[dibao.pk].amount == Decimal("710.00")
    assert sup.seq != lines[dibao.pk].seq
    assert p.line_count == 3 and p.payable_count == 3
    assert p.total_amount == p.payable_amount == Decimal("1278.50")  # 710 + 213 + 355.50

    # Submitting books one payable ledger entry per line, the supplement's among them.
    p = payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    payable = LedgerEntry.objects.filter(payroll_id=p.pk, kind=LedgerKind.PAYABLE)
    assert payable.get(line_id=sup.pk).amount == Decimal("213.00")
    assert sum(e.amount for e in payable) == Decimal("1278.50")


def _police_death(person, when="2026年10月8日"):
    row = (
        f"P{person.pk},{person.id_number},{person.name},{person.sex},"
        f"{person.birth_date:%Y/%-m/%-d},{person.household.hukou_area_id},泰州市海陵区某路1号,"
        f"death,{when}"
    )
    result = feed_import(
        actor=None, department="police", data=csv_bytes("police", [row]), file_name="gongan.csv"
    )
    assert result.feed_import.status == "accepted", result.feed_import.report[:3]


def test_a_death_reported_by_verify_holds_the_payees_line_with_the_finding(officers):
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    hh, wife, husband, _app, _auth = couple_on_roll(approver, first_village("321202001000"))
    payment_account_set(
        actor=officers["zijin"],
        household_id=hh.pk,
        bank_name="江苏泰州农村商业银行",
        account_number=card("622202000009901"),
        holder_name=wife.name,
    )
    # The husband has a 分类施保 line of his own; the household line is paid to the head (wife).
    own = on_roll(hh, programme="category_supplement", person=husband, amount="150.00")
    _police_death(wife)
    check = check_household(actor=approver, household_id=hh.pk, reason="定期核对")
    finding = check.findings.get(kind="death")
    assert finding.person_id == wife.pk
    # Nothing in the registry says she died: only 核对 knows.
    wife.refresh_from_db()
    assert wife.death_date is None

    p = _gen(officers)
    lines = {ln.roll_entry_id: ln for ln in PayrollLine.objects.filter(payroll=p)}
    head_line = lines[hh.roll_entries.get(programme="dibao").pk]
    assert head_line.status == LineStatus.HELD
    flag = _flags(head_line)["death_report"]
    assert flag["held"] is True and flag["label"] == "核对发现死亡"
    assert flag["reason"] == f"核对发现：{finding.summary}"
    assert flag["evidence"] == {"type": "finding", "id": finding.pk, "household_id": hh.pk}
    assert evidence_url(flag["evidence"]) == f"/verify/households/{hh.pk}/report/"
    # The husband's own line: his wife's death is a member's, payable but to be reviewed.
    assert lines[own.pk].status == LineStatus.PAYABLE
    assert "death_report" not in _flags(lines[own.pk])
    assert p.held_count == 1 and p.held_amount == head_line.amount


def test_a_death_reported_for_a_per_person_payee_holds_only_that_line(officers):
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    hh, wife, husband, _app, _auth = couple_on_roll(approver, first_village("321202001000"))
    payment_account_set(
        actor=officers["zijin"],
        household_id=hh.pk,
        bank_name="江苏泰州农村商业银行",
        account_number=card("622202000009902"),
        holder_name=wife.name,
    )
    own = on_roll(hh, programme="category_supplement", person=husband, amount="150.00")
    _police_death(husband)
    check_household(actor=approver, household_id=hh.pk, reason="定期核对")
    finding = Finding.objects.get(household=hh, kind="death")

    p = _gen(officers)
    lines = {ln.roll_entry_id: ln for ln in PayrollLine.objects.filter(payroll=p)}
    assert lines[own.pk].status == LineStatus.HELD
    assert _flags(lines[own.pk])["death_report"]["evidence"]["id"] == finding.pk
    head_line = lines[hh.roll_entries.get(programme="dibao").pk]
    assert head_line.status == LineStatus.PAYABLE
    assert _flags(head_line)["member_dead"]["evidence"]["id"] == finding.pk


def test_one_person_in_two_paid_households_holds_the_second_with_the_pair(officers):
    village = first_village("321202001000")
    first, person = household(officers["zijin"], name="周桂兰")
    person.birth_date = datetime.date(1951, 4, 12)
    person.sex = "F"
    person.save()
    second = HouseholdFactory(hukou_area_id=village, head_name="吴建华", size=2)
    PersonFactory(household=second, name="吴建华", birth_date=datetime.date(1949, 2, 2))
    twin = PersonFactory(
        household=second,
        relation="other",
        name="周桂兰",
        sex="F",
        birth_date=person.birth_date,
        id_number=one_wrong_digit(person.id_number, 15),
    )
    payment_account_set(
        actor=officers["zijin"],
        household_id=second.pk,
        bank_name="江苏泰州农村商业银行",
        account_number=card("622202000009903"),
        holder_name="吴建华",
    )
    # Enough other people for the duplicate model to tell names apart.
    for i in range(60):
        hh = HouseholdFactory(hukou_area_id=village, head_name=f"居民{i}")
        PersonFactory(
            household=hh,
            name="赵钱孙李周吴郑王冯陈"[i % 10] + "伟芳娜敏静丽强磊军洋"[(i * 3) % 10] + "华",
            birth_date=datetime.date(1940, 1, 1) + datetime.timedelta(days=i * 211),
        )
    on_roll(first, amount="710.00")
    on_roll(second, amount="680.00")
    assert duplicates_detect() >= 1
    pair = DuplicatePair.objects.get(
        person_a_id__in=[person.pk, twin.pk], person_b_id__in=[person.pk, twin.pk]
    )
    assert pair.status == DuplicatePair.OPEN

    p = _gen(officers)
    lines = {ln.household_id: ln for ln in PayrollLine.objects.filter(payroll=p)}
    later, earlier = sorted([first.pk, second.pk], reverse=True)
    assert lines[earlier].status == LineStatus.PAYABLE and "duplicate" not in _flags(lines[earlier])
    held = lines[later]
    assert held.status == LineStatus.HELD
    flag = _flags(held)["duplicate"]
    assert flag["evidence"] == {"type": "duplicate", "id": pair.pk, "household_id": later}
    assert f"家庭 #{earlier}" in flag["reason"]
    assert evidence_url(flag["evidence"]) == "/verify/duplicates/"

    # Resolved as two different people: the next draft pays both.
    duplicate_resolve(
        actor=user_with_role(Role.COUNTY_APPROVER, HAILING),
        pair_id=pair.pk,
        action="distinct",
        note="核实为两个人",
    )
    p = _gen(officers)
    assert set(PayrollLine.objects.filter(payroll=p).values_list("status", flat=True)) == {
        LineStatus.PAYABLE
    }
