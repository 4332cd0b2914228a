"""The 暂停发放 page: scoped list with masked ID numbers and the held lines, and the release
action (payments officer who checks, required reason, audited, effect on the next payroll)."""

import pytest
from django.urls import reverse

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.models import (
    HoldOutcome,
    LineStatus,
    PaymentHold,
    PayrollLine,
    ReissueStatus,
)
from jiuzhu.funds.services import (
    payment_hold_place,
    payment_hold_release_one,
    payroll_generate,
)
from tests.conftest import HAILING, JIANGYAN
from tests.factories import user_with_role
from tests.funds.conftest import MONTH, household, on_roll
from tests.funds.helpers import released

pytestmark = pytest.mark.django_db
NEXT_MONTH = MONTH.replace(month=MONTH.month + 1)


@pytest.fixture
def held(officers):
    """A released payroll in which one household's line is held by a death alert's hold."""
    hh, head = household(officers["zijin"], name="李死亡")
    on_roll(hh, amount="710.00")
    other, _ = household(officers["zijin"], name="王正常")
    on_roll(other, amount="700.00")
    hold = payment_hold_place(
        person_id=head.pk, household_id=hh.pk, reason="死亡预警：火化记录", source="alert:901"
    )
    payroll = released(officers)
    line = PayrollLine.objects.get(payroll=payroll, household=hh)
    assert line.status == LineStatus.HELD
    return {"hold": hold, "payroll": payroll, "line": line, "head": head, "hh": hh}


def _release_url(hold):
    return reverse("funds:hold_release", args=[hold.pk])


def test_list_shows_masked_id_the_held_line_and_the_form(client, officers, held):
    client.force_login(officers["zijin2"])
    page = client.get(reverse("funds:holds")).content.decode()
    head = held["head"]
    assert head.id_number not in page
    assert head.id_number[:4] + "*" * 10 + head.id_number[-4:] in page
    assert f"{held['payroll'].number} #{held['line'].seq}" in page
    assert reverse("funds:payroll_detail", args=[held["payroll"].pk]) in page
    assert _release_url(held["hold"]) in page
    released_only = client.get(reverse("funds:holds") + "?status=released").content.decode()
    assert f'id="hold-{held["hold"].pk}"' not in released_only


def test_list_is_scoped_and_read_only_roles_get_no_form(client, officers, held):
    client.force_login(user_with_role(Role.PAYMENTS_OFFICER, JIANGYAN))
    assert "李死亡" not in client.get(reverse("funds:holds")).content.decode()
    client.force_login(user_with_role(Role.AUDITOR, "321200000000"))
    page = client.get(reverse("funds:holds")).content.decode()
    assert "李死亡" in page and _release_url(held["hold"]) not in page


def test_release_out_of_scope_is_404_and_wrong_role_is_403(client, officers, held):
    url = _release_url(held["hold"])
    data = {"outcome": "cleared", "reason": "误报"}
    client.force_login(user_with_role(Role.PAYMENTS_OFFICER, JIANGYAN))
    assert client.post(url, data).status_code == 404
    client.force_login(officers["caiwu"])  # finance sees funds but does not check holds
    assert client.post(url, data).status_code == 403
    client.force_login(user_with_role(Role.AUDITOR, "321200000000"))
    assert client.post(url, data).status_code == 403
    held["hold"].refresh_from_db()
    assert held["hold"].released_at is None
    assert not AuditEvent.objects.filter(action="funds.hold_release").exists()


def test_release_needs_an_outcome_and_a_reason(client, officers, held):
    client.force_login(officers["zijin2"])
    r = client.post(_release_url(held["hold"]), {"outcome": "cleared", "reason": "  "}, follow=True)
    assert "请填写解除理由" in r.content.decode()
    r = client.post(_release_url(held["hold"]), {"reason": "核实"}, follow=True)
    assert "请选择核实结论" in r.content.decode()
    held["hold"].refresh_from_db()
    assert held["hold"].released_at is None
    with pytest.raises(ServiceError) as exc:
        payment_hold_release_one(
            actor=officers["zijin2"], hold_id=held["hold"].pk, confirmed=False, reason=""
        )
    assert exc.value.errors == {"reason": ["请填写解除理由（核实情况与依据）"]}


def test_cleared_release_is_audited_queues_the_line_and_frees_the_next_payroll(
    client, officers, held
):
    # Before the release the next month's draft still holds the household.
    draft = payroll_generate(
        actor=officers["zijin"], programme="dibao", area_code=HAILING, month=NEXT_MONTH
    )
    assert draft.lines.get(household=held["hh"]).status == LineStatus.HELD

    client.force_login(officers["zijin2"])
    r = client.post(
        _release_url(held["hold"]),
        {"outcome": "cleared", "reason": "经核实本人健在，系同名误报"},
        follow=True,
    )
    assert "1 笔发放明细进入补发队列" in r.content.decode()
    hold = PaymentHold.objects.get(pk=held["hold"].pk)
    assert hold.outcome == HoldOutcome.CLEARED and hold.released_by == officers["zijin2"]
    assert hold.note == "经核实本人健在，系同名误报"
    event = AuditEvent.objects.get(action="funds.hold_release", subject_id=str(hold.pk))
    assert event.reason == "经核实本人健在，系同名误报"
    assert event.actor_id == officers["zijin2"].pk
    line = PayrollLine.objects.get(pk=held["line"].pk)
    assert line.reissue_status == ReissueStatus.QUEUED and line.status == LineStatus.HELD

    draft = payroll_generate(
        actor=officers["zijin"], programme="dibao", area_code=HAILING, month=NEXT_MONTH
    )
    nxt = draft.lines.get(household=held["hh"])
    assert nxt.status == LineStatus.PAYABLE
    assert not [f for f in nxt.flags if f["code"] == "hold"]
    assert draft.held_count == 0

    # A second release of the same hold is refused.
    r = client.post(_release_url(hold), {"outcome": "confirmed", "reason": "再次解除"}, follow=True)
    assert "已于" in r.content.decode() and "解除" in r.content.decode()
    assert AuditEvent.objects.filter(action="funds.hold_release").count() == 1


def test_confirmed_release_withholds_the_line(client, officers, held):
    client.force_login(officers["zijin2"])
    client.post(
        _release_url(held["hold"]), {"outcome": "confirmed", "reason": "死亡属实，已办停发"}
    )
    line = PayrollLine.objects.get(pk=held["line"].pk)
    assert line.status == LineStatus.WITHHELD and line.reissue_status == ""
    assert PaymentHold.objects.get(pk=held["hold"].pk).outcome == HoldOutcome.CONFIRMED
    released_page = client.get(reverse("funds:holds") + "?status=released").content.decode()
    assert "死亡属实，已办停发" in released_page
