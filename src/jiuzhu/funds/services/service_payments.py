"""Service payments (服务费): a bought service accepted by the service centre becomes a payable
line to its provider, approved by a payments officer and released by finance — three different
people — each step appended to the ledger in the same transaction as the change.

jiuzhu.support calls ``service_payable_add``; the 服务费结算 page calls approve and release.
"""

from __future__ import annotations

import decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.funds.ledger import ledger_append
from jiuzhu.funds.models import LedgerKind, ServicePayment, ServicePaymentStatus

PROGRAMME = "services"  # the ledger's programme code for bought services (购买服务)


def _ledger(payment: ServicePayment, kind: str, actor) -> None:
    ledger_append(
        [
            {
                "kind": kind,
                "amount": payment.amount,
                "programme": PROGRAMME,
                "area_code": payment.area_id,
                "month": payment.month,
                "payroll_id": 0,
                "line_id": payment.pk,
                "note": f"服务费 {payment.source} {payment.payee_name}"[:200],
                "account_number": payment.account_number,
            }
        ],
        actor=actor,
    )


def service_payable_add(
    *,
    actor,
    area_code: str,
    source: str,
    description: str,
    payee_name: str,
    payee_code: str,
    bank_name: str,
    account_number: str,
    amount,
) -> ServicePayment:
    """Record an accepted service as payable (应付) to its provider. Runs inside the caller's
    transaction (the acceptance) or its own; one payment per source."""
    amount = decimal.Decimal(str(amount))
    errors: dict[str, list[str]] = {}
    if amount <= 0 or amount != amount.quantize(decimal.Decimal("0.01")):
        errors.setdefault("amount", []).append(_("“金额”须为大于零的金额，最多两位小数"))
    if not (bank_name.strip() and account_number.strip()):
        errors.setdefault("account_number", []).append(_("服务机构未登记开户银行和账号，不能结算"))
    if ServicePayment.objects.filter(source=source).exists():
        errors.setdefault("__all__", []).append(_("该服务已结算，不能重复结算"))
    if errors:
        raise ServiceError(errors=errors, code="invalid")
    with transaction.atomic():
        today = clock.today()
        payment = ServicePayment.objects.create(
            area_id=area_code,
            month=today.replace(day=1),
            source=source,
            description=description[:200],
            payee_name=payee_name,
            payee_code=payee_code,
            bank_name=bank_name,
            account_number=account_number,
            amount=amount,
            prepared_by=actor if actor is not None and actor.pk else None,
        )
        _ledger(payment, LedgerKind.PAYABLE, actor)
        audit_record(
            actor=actor,
            action="funds.service_payable",
            subject_type="service_payment",
            subject_id=payment.pk,
            area_code=area_code,
            after={"source": source, "payee": payee_name, "amount": amount},
        )
    return payment


def _locked(actor, payment_id: int, version: int, capability: str) -> ServicePayment:
    payment = ServicePayment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise ServiceError(_("服务费记录不存在"), code="not_found")
    require_area(actor, capability, payment.area_id)
    if payment.version != version:
        raise ConcurrentEditError(_("服务费记录"))
    return payment


def service_payment_approve(*, actor, payment_id: int, version: int) -> ServicePayment:
    """复核: a payments officer who did not accept the service approves the payable line."""
    with transaction.atomic():
        payment = _locked(actor, payment_id, version, Capability.PAYROLL_APPROVE)
        if payment.status != ServicePaymentStatus.PAYABLE:
            raise ServiceError(_("只有应付待复核的服务费可以复核"), code="wrong_state")
        if payment.prepared_by_id == actor.pk:
            raise ServiceError(_("验收、复核、拨付须由不同人员办理"), code="same_person")
        ServicePayment.objects.filter(pk=payment.pk).update(
            status=ServicePaymentStatus.APPROVED,
            approved_by=actor,
            approved_at=timezone.now(),
            version=F("version") + 1,
        )
        payment.refresh_from_db()
        _ledger(payment, LedgerKind.APPROVED, actor)
        audit_record(
            actor=actor,
            action="funds.service_payment_approve",
            subject_type="service_payment",
            subject_id=payment.pk,
            area_code=payment.area_id,
            after={"amount": payment.amount},
        )
    return payment


def service_payment_release(*, actor, payment_id: int, version: int) -> ServicePayment:
    """拨付: finance, neither the accepter nor the approver, releases it to the bank."""
    with transaction.atomic():
        payment = _locked(actor, payment_id, version, Capability.PAYROLL_RELEASE)
        if payment.status != ServicePaymentStatus.APPROVED:
            raise ServiceError(_("只有已复核的服务费可以拨付"), code="wrong_state")
        if actor.pk in (payment.prepared_by_id, payment.approved_by_id):
            raise ServiceError(_("验收、复核、拨付须由不同人员办理"), code="same_person")
        ServicePayment.objects.filter(pk=payment.pk).update(
            status=ServicePaymentStatus.RELEASED,
            released_by=actor,
            released_at=timezone.now(),
            version=F("version") + 1,
        )
        payment.refresh_from_db()
        _ledger(payment, LedgerKind.SENT, actor)
        audit_record(
            actor=actor,
            action="funds.service_payment_release",
            subject_type="service_payment",
            subject_id=payment.pk,
            area_code=payment.area_id,
            after={"amount": payment.amount, "payee": payment.payee_name},
        )
    return payment
