"""Telling a household what happened to its case and its money: on the portal and by SMS.

Five moments: 受理 (accepted), a missing paper (容缺 item or 退回补正), 公示, the decision and a
payment. The portal subscribes without touching the cases or funds services: a case step is a
``CaseEvent`` row and a 容缺 item an ``OutstandingItem`` row (``post_save``), a payroll release
the ``jiuzhu.core.events.PayrollReleased`` event (dispatched once the release commits). Every
subscription ends in ``dispatch``. Messages go out after the change commits; a moment is told
once per household (``Notice.key``).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.core import clock
from jiuzhu.portal import sms

log = logging.getLogger("jiuzhu.portal.notify")

ACCEPT_ACTIONS = {"accept", "accept_with_pledge", "grant_emergency"}


def dispatch(moment: str, *, household_id: int, key: str, text: str, application_id=None):
    """Record the notice for the household's page and text every phone bound to it (once)."""
    from jiuzhu.portal.models import Citizen, Notice

    if Notice.objects.filter(household_id=household_id, key=key).exists():
        return None
    phones = list(Citizen.objects.filter(household_id=household_id).values_list("phone", flat=True))
    notice = Notice.objects.create(
        household_id=household_id,
        application_id=application_id,
        moment=moment,
        key=key[:80],
        text=text[:300],
        sms_to=len(phones),
        created_at=clock.now(),
    )

    def send():
        for phone in phones:
            try:
                sms.send(phone, "【智慧救助】" + text)
            except sms.SmsError:  # the page still shows it; the gateway's refusal is logged
                log.exception("SMS to a bound phone refused")

    transaction.on_commit(send)
    return notice


# ---------------------------------------------------------------- what each moment says


def _case_text(app, action: str, to_state: str) -> tuple[str, str] | None:
    from jiuzhu.cases.models import State

    n = app.number
    if action in ACCEPT_ACTIONS:
        return "accepted", _("您的救助申请%(n)s已受理，正在安排入户调查。") % {"n": n}
    if to_state == State.RETURNED:
        return "missing", _("您的救助申请%(n)s需要补正材料，请在“掌上救助”查看。") % {"n": n}
    if to_state == State.NOTICE:
        return "notice", _("您的救助申请%(n)s已进入公示，公示期内可提出异议。") % {"n": n}
    if to_state == State.APPROVED and action == "approve":
        return "decision", _("您的救助申请%(n)s已批准，可在“掌上救助”下载决定书。") % {"n": n}
    if to_state == State.REFUSED:
        return "decision", _("您的救助申请%(n)s未获批准，可在“掌上救助”下载决定书查看理由。") % {
            "n": n
        }
    if to_state == State.REJECTED_INTAKE:
        return "decision", _("您的救助申请%(n)s不予受理，请在“掌上救助”查看理由。") % {"n": n}
    return None


def on_case_event(sender, instance, created, **kwargs):
    if not created:
        return
    app = instance.application
    said = _case_text(app, instance.action, instance.to_state)
    if said is None:
        return
    moment, text = said
    dispatch(
        moment,
        household_id=app.household_id,
        key=f"case:{instance.pk}",
        text=text,
        application_id=app.pk,
    )


def on_outstanding(sender, instance, created, **kwargs):
    if not created:
        return
    app = instance.application
    dispatch(
        "missing",
        household_id=app.household_id,
        key=f"missing:{instance.pk}",
        text=_("您的救助申请%(n)s还缺“%(kind)s”，请在%(due)s前补交，可在“掌上救助”拍照上传。")
        % {"n": app.number, "kind": instance.get_kind_display(), "due": f"{instance.due_date}"},
        application_id=app.pk,
    )


def on_payroll_released(event) -> None:
    """``core.events.PayrollReleased`` subscriber: the payroll's households are told."""
    with transaction.atomic():
        _payroll_released(event.payroll_id)


def _payroll_released(payroll_id: int) -> None:
    from jiuzhu.core.programmes import programme_label
    from jiuzhu.funds import selectors as funds_selectors
    from jiuzhu.portal.models import Citizen

    lines = funds_selectors.payroll_sent_lines(payroll_id=payroll_id)
    bound = set(
        Citizen.objects.filter(household_id__in={x["household_id"] for x in lines}).values_list(
            "household_id", flat=True
        )
    )
    for x in lines:
        if x["household_id"] not in bound:
            continue
        dispatch(
            "payment",
            household_id=x["household_id"],
            key=f"pay:{x['line_id']}",
            text=_("%(month)s%(prog)s %(amount)s元已拨付至您%(bank)s账户（%(acct)s）。")
            % {
                "month": f"{x['month']:%Y年%m月}",
                "prog": programme_label(x["programme"]),
                "amount": x["amount"],
                "bank": x["bank"],
                "acct": x["account"],
            },
        )


def connect() -> None:
    from django.db.models.signals import post_save

    from jiuzhu.cases.models import CaseEvent, OutstandingItem
    from jiuzhu.core import events

    post_save.connect(on_case_event, sender=CaseEvent, dispatch_uid="portal.notify.case")
    post_save.connect(on_outstanding, sender=OutstandingItem, dispatch_uid="portal.notify.missing")
    events.subscribe(events.PayrollReleased, on_payroll_released)
