"""Payment accounts (issues 13.18, 13.21, 14.5): entry checks, maker-checker on a change, the
household told, the first payment into a new or changed account flagged on the payroll."""

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.models import AccountNotice, BankProfile, PaymentAccount, PayrollLine
from jiuzhu.funds.services import (
    bank_file_export,
    payment_account_confirm,
    payment_account_reject,
    payment_account_set,
    payroll_generate,
)
from tests.conftest import HAILING
from tests.funds.conftest import MONTH, card, household, on_roll
from tests.funds.helpers import released

pytestmark = pytest.mark.django_db


def _set(officers, hh, **kw):
    fields = {
        "bank_name": "江苏泰州农村商业银行",
        "account_number": card("622848000000001"),
        "holder_name": hh.head_name,
    } | kw
    return payment_account_set(actor=officers["zijin"], household_id=hh.pk, **fields)


def _errors(exc_info) -> dict:
    return exc_info.value.errors


def test_a_card_number_failing_luhn_is_refused_with_a_clear_message(officers):
    hh, _ = household(officers["zijin"], account=False)
    good = card("622848000000001")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(ServiceError) as exc:
        _set(officers, hh, account_number=bad)
    assert "Luhn" in _errors(exc)["account_number"][0]
    assert not PaymentAccount.objects.filter(household=hh).exists()
    # A passbook has no common check digit.
    acct = _set(officers, hh, account_number=bad, kind="passbook")
    assert acct.active and acct.kind == "passbook"


def test_a_holder_who_is_not_a_member_needs_a_proxy_reason(officers):
    hh, _ = household(officers["zijin"], name="王秀英", account=False, members=[("李军", "son")])
    with pytest.raises(ServiceError) as exc:
        _set(officers, hh, holder_name="赵某")
    assert "代领" in _errors(exc)["proxy_reason"][0]
    # A member of the household may hold the household's account.
    assert _set(officers, hh, holder_name="李军").active
    hh2, _ = household(officers["zijin"], name="孙兰", account=False)
    acct = _set(officers, hh2, holder_name="赵某", proxy_reason="本人卧床，由村委会指定代领人代领")
    assert acct.proxy_reason.startswith("本人卧床")
    event = AuditEvent.objects.filter(action="funds.account_set", subject_id=str(acct.pk)).get()
    assert event.after["proxy_reason"].startswith("本人卧床")


def test_a_per_person_account_in_another_name_needs_a_proxy_reason(officers):
    hh, head = household(
        officers["zijin"], name="周强", account=False, members=[("周敏", "daughter")]
    )
    with pytest.raises(ServiceError) as exc:
        _set(officers, hh, person_id=head.pk, holder_name="周敏")
    assert "收款成员本人" in _errors(exc)["proxy_reason"][0]


def test_a_name_outside_gbk_is_refused_naming_the_character(officers):
    hh, _ = household(officers["zijin"], name="王𠀾", account=False)
    with pytest.raises(ServiceError) as exc:
        _set(officers, hh, holder_name="王𠀾")
    msg = _errors(exc)["holder_name"][0]
    assert "“𠀾”" in msg and "GBK" in msg


def test_a_gbk_bank_file_with_a_legacy_name_outside_gbk_is_refused_by_row_not_500(officers):
    hh, _ = household(officers["zijin"], name="王一")
    # An account carried over from the previous system, never checked at entry.
    hh.payment_accounts.update(holder_name="王𠀾")
    on_roll(hh)
    p = released(officers)
    rural = BankProfile.objects.get(encoding="gbk")
    with pytest.raises(ServiceError) as exc:
        bank_file_export(actor=officers["caiwu"], payroll_id=p.pk, profile_id=rural.pk)
    text = exc.value.text()
    assert "第 2 行" in text and "“𠀾”" in text and "GBK" in text


def test_an_account_change_waits_for_a_second_officer_and_tells_the_household(officers):
    hh, _ = household(officers["zijin"], name="陈芳")
    old = hh.payment_accounts.get(active=True)
    with pytest.raises(ServiceError) as exc:
        _set(officers, hh, holder_name="陈芳")
    assert "reason" in _errors(exc)
    new = _set(officers, hh, holder_name="陈芳", reason="原卡挂失")
    assert new.pending and not new.active
    old.refresh_from_db()
    assert old.active  # nothing is paid into the new account yet
    with pytest.raises(ServiceError, match="另一名工作人员确认"):
        payment_account_confirm(actor=officers["zijin"], account_id=new.pk)
    done = payment_account_confirm(actor=officers["zijin2"], account_id=new.pk)
    assert done.active and not done.pending and done.confirmed_by == officers["zijin2"]
    old.refresh_from_db()
    assert not old.active
    notice = AccountNotice.objects.get(account=done)
    assert "陈芳户" in notice.text and old.account_number[-4:] in notice.text
    assert done.account_number[-4:] in notice.text
    actions = list(
        AuditEvent.objects.filter(subject_type="payment_account", household_id=hh.pk)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["funds.account_change_request", "funds.account_change_confirm"]
    with pytest.raises(ServiceError, match="已处理"):
        payment_account_confirm(actor=officers["caiwu"], account_id=new.pk)


def test_a_refused_change_keeps_the_old_account(officers):
    hh, _ = household(officers["zijin"], name="刘洋")
    old = hh.payment_accounts.get(active=True)
    new = _set(officers, hh, holder_name="张三", proxy_reason="亲属代领", reason="改由亲属代领")
    with pytest.raises(ServiceError):
        payment_account_reject(actor=officers["zijin2"], account_id=new.pk, reason="")
    payment_account_reject(actor=officers["zijin2"], account_id=new.pk, reason="未见本人申请")
    new.refresh_from_db()
    old.refresh_from_db()
    assert old.active and not new.active and not new.pending
    assert new.rejected_reason == "未见本人申请"


def test_a_new_or_changed_account_is_flagged_on_the_next_payroll_only(officers):
    hh, _ = household(officers["zijin"], name="吴静")
    on_roll(hh)
    new = _set(officers, hh, holder_name="吴静", reason="原卡销户")
    payment_account_confirm(actor=officers["zijin2"], account_id=new.pk)
    p = released(officers)
    line = PayrollLine.objects.get(payroll=p, household=hh)
    assert line.account_id == new.pk and line.status == "sent"
    flag = next(f for f in line.flags if f["code"] == "new_account")
    assert flag["held"] is False and flag["label"] == "新设或变更账户"
    assert flag["evidence"]["type"] == "payment_account" and flag["evidence"]["id"] == new.pk
    # The month after, the account has been paid into once: no flag.
    nxt = payroll_generate(
        actor=officers["zijin"], programme="dibao", area_code=HAILING, month=MONTH.replace(month=12)
    )
    line = PayrollLine.objects.get(payroll=nxt, household=hh)
    assert not [f for f in line.flags if f["code"] == "new_account"]


def test_the_household_page_shows_a_pending_change_as_pending(client, officers):
    from django.urls import reverse

    hh, _ = household(officers["zijin"], name="何英")
    _set(officers, hh, holder_name="何英", reason="换卡")
    client.force_login(officers["zijin2"])
    page = client.get(reverse("registry:household_detail", args=[hh.pk])).content.decode()
    assert "（变更待确认）" in page
