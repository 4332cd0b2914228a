"""Payees' bank accounts: set (maker), confirm or reject (checker), reveal (audited)."""

from __future__ import annotations

import re

import polars as pl
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area, user_scope
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.core.language import official_language, stored_text
from jiuzhu.funds.accountcheck import luhn_ok, outside_gbk
from jiuzhu.funds.models import (
    AccountKind,
    AccountNotice,
    PaymentAccount,
)
from jiuzhu.registry.models import Household, Person

# ---------------------------------------------------------------- accounts, budgets, cut-over

ACCOUNT_RE = re.compile(r"^\d{8,32}$")


def _account_check(
    *,
    hh: Household,
    person_id: int | None,
    bank_name: str,
    account_number: str,
    holder_name: str,
    kind: str,
    proxy_reason: str,
) -> None:
    """The entry rules of an account (issue 13.18, 13.21, 14.5): digits, the Luhn check digit of
    a card, a name a GBK bank file can carry, and a 代领 reason when the holder is not the payee."""
    errors: dict[str, list[str]] = {}
    if kind not in AccountKind.values:
        errors["kind"] = [_("账户类型应为银行卡或存折")]
    if not ACCOUNT_RE.match(account_number):
        errors["account_number"] = [_("账号应为 8–32 位数字")]
    elif kind == AccountKind.CARD and not (
        16 <= len(account_number) <= 19 and luhn_ok(account_number)
    ):
        errors["account_number"] = [
            _(
                "银行卡号应为 16–19 位数字且末位校验码正确（Luhn 校验未通过），请核对卡号；"
                "存折账号请把账户类型选为“存折”"
            )
        ]
    if not bank_name:
        errors["bank_name"] = [_("请填写开户银行")]
    if not holder_name:
        errors["holder_name"] = [_("请填写户名")]
    else:
        odd = outside_gbk(holder_name)
        if odd:
            errors["holder_name"] = [
                _(
                    "户名中的“%(chars)s”不在 GBK 字符集内，银行代发文件无法写入；"
                    "请按银行开户时登记的户名填写（生僻字通常以同音字或拼音登记）"
                )
                % {"chars": "、".join(odd)}
            ]
    if holder_name and "holder_name" not in errors:
        members = Person.objects.filter(household=hh)
        if person_id is not None:
            payee = members.filter(pk=person_id).values_list("name", flat=True).first()
            is_payee = payee == holder_name
        else:
            is_payee = members.filter(name=holder_name, death_date__isnull=True).exists()
        if not is_payee and not proxy_reason:
            errors["proxy_reason"] = [
                _("户名“%(name)s”不是%(whom)s，属于代领，请填写代领原因")
                % {
                    "name": holder_name,
                    "whom": _("收款成员本人") if person_id is not None else _("本户成员"),
                }
            ]
    if errors:
        raise ServiceError(errors=errors)


def payment_account_set(
    *,
    actor,
    household_id: int,
    bank_name: str,
    account_number: str,
    holder_name: str,
    person_id: int | None = None,
    reason: str = "",
    kind: str = AccountKind.CARD,
    proxy_reason: str = "",
) -> PaymentAccount:
    """Register the account a household or member is paid into, or ask to change it.

    The first account of a household (or member) is active at once. A change of an existing
    account is *pending*: nothing is paid into it until a different person confirms it
    (``payment_account_confirm``), and the household is then told (``AccountNotice``). Either
    way the next payroll flags the first payment into the account for review."""
    account_number = (account_number or "").replace(" ", "")
    bank_name, holder_name = (bank_name or "").strip(), (holder_name or "").strip()
    proxy_reason, reason = (proxy_reason or "").strip(), (reason or "").strip()
    with transaction.atomic():
        hh = Household.objects.get(pk=household_id)
        require_area(actor, Capability.PAYROLL_PREPARE, hh.hukou_area_id)
        if person_id is not None and not Person.objects.filter(pk=person_id, household=hh).exists():
            raise ServiceError(_("收款成员不属于该家庭"), field="person_id")
        _account_check(
            hh=hh,
            person_id=person_id,
            bank_name=bank_name,
            account_number=account_number,
            holder_name=holder_name,
            kind=kind,
            proxy_reason=proxy_reason,
        )
        old = _accounts_to_replace(hh, person_id, reason)
        change = bool(old)
        acct = PaymentAccount.objects.create(
            household=hh,
            person_id=person_id,
            bank_name=bank_name,
            account_number=account_number,
            holder_name=holder_name,
            kind=kind,
            proxy_reason=proxy_reason,
            reason=reason,
            active=not change,
            pending=change,
            review_first_payment=True,
            requested_by=actor,
        )
        audit_record(
            actor=actor,
            action="funds.account_change_request" if change else "funds.account_set",
            subject_type="payment_account",
            subject_id=acct.pk,
            household_id=hh.pk,
            area_code=hh.hukou_area_id,
            reason=reason,
            before={"accounts": [a.pk for a in old]},
            after={
                "bank": acct.bank_name,
                "account_tail": account_number[-4:],
                "holder": holder_name,
                "person": person_id,
                "proxy_reason": proxy_reason,
                "pending": change,
            },
        )
        return acct


def _accounts_to_replace(hh: Household, person_id: int | None, reason: str) -> list:
    """The payee's active accounts (locked): a new one replacing them needs a reason. An
    unconfirmed earlier request for the same payee is superseded."""
    old = list(
        PaymentAccount.objects.select_for_update().filter(
            household=hh, person_id=person_id, active=True
        )
    )
    if old and not reason:
        raise ServiceError(
            errors={"reason": [_("更正已有发放账户须填写更正原因（由另一名工作人员确认）")]}
        )
    # A newer request replaces an unconfirmed one for the same payee.
    PaymentAccount.objects.filter(
        household=hh, person_id=person_id, pending=True, active=False
    ).update(pending=False, rejected_reason=stored_text(gettext_lazy("被新的变更申请取代")))
    return old


def _pending_account(actor, account_id: int, version: int | None) -> PaymentAccount:
    acct = (
        PaymentAccount.objects.select_for_update()
        .select_related("household")
        .filter(pk=account_id)
        .first()
    )
    if acct is None:
        raise ServiceError(_("账户变更申请不存在"), code="not_found")
    if not (
        user_scope(actor, Capability.PAYROLL_PREPARE).contains(acct.household.hukou_area_id)
        or user_scope(actor, Capability.PAYROLL_RELEASE).contains(acct.household.hukou_area_id)
    ):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(Capability.PAYROLL_PREPARE)
    if version is not None and acct.version != version:
        raise ConcurrentEditError()
    if not acct.pending:
        raise ServiceError(_("该账户变更已处理，无需再次确认"), code="wrong_state")
    if acct.requested_by_id == actor.pk:
        raise ServiceError(
            _("账户变更须由另一名工作人员确认，申请人不能确认自己的申请"), code="same_person"
        )
    return acct


def payment_account_confirm(
    *, actor, account_id: int, version: int | None = None
) -> PaymentAccount:
    """复核: a second person confirms a pending account change. The old account stops, the new
    one is paid into from the next payroll (flagged there), and the household is told."""
    with transaction.atomic():
        acct = _pending_account(actor, account_id, version)
        old = list(
            PaymentAccount.objects.select_for_update().filter(
                household_id=acct.household_id, person_id=acct.person_id, active=True
            )
        )
        PaymentAccount.objects.filter(pk__in=[a.pk for a in old]).update(
            active=False, version=F("version") + 1
        )
        acct.active, acct.pending = True, False
        acct.confirmed_by, acct.confirmed_at = actor, timezone.now()
        acct.version += 1
        acct.save(
            update_fields=[
                "active",
                "pending",
                "confirmed_by",
                "confirmed_at",
                "version",
                "updated_at",
            ]
        )
        hh = acct.household
        old_tail = old[0].account_number[-4:] if old else ""
        with official_language():
            text = _(
                "%(head)s户：您家的社会救助资金发放账户已于 %(date)s 由“%(old_bank)s"
                "（尾号 %(old_tail)s）”变更为“%(bank)s（尾号 %(tail)s，户名 %(holder)s）”，"
                "自下一次发放起生效。如非本户申请，请立即与村（居）委会或乡镇（街道）"
                "社会救助经办机构联系。"
            ) % {
                "head": hh.head_name,
                "date": clock.today().isoformat(),
                "old_bank": old[0].bank_name if old else "—",
                "old_tail": old_tail or "—",
                "bank": acct.bank_name,
                "tail": acct.account_number[-4:],
                "holder": acct.holder_name,
            }
        notice = AccountNotice.objects.create(
            household=hh, account=acct, created_by=actor, text=text
        )
        audit_record(
            actor=actor,
            action="funds.account_change_confirm",
            subject_type="payment_account",
            subject_id=acct.pk,
            household_id=hh.pk,
            area_code=hh.hukou_area_id,
            before={"accounts": [a.pk for a in old], "requested_by": acct.requested_by_id},
            after={"account_tail": acct.account_number[-4:], "notice": notice.pk},
        )
        return acct


def payment_account_reject(
    *, actor, account_id: int, reason: str, version: int | None = None
) -> PaymentAccount:
    """A second person refuses a pending account change, with a reason; the old account stays."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(errors={"reason": [_("退回账户变更须填写原因")]})
    with transaction.atomic():
        acct = _pending_account(actor, account_id, version)
        acct.pending = False
        acct.rejected_reason = reason
        acct.confirmed_by, acct.confirmed_at = actor, timezone.now()
        acct.version += 1
        acct.save(
            update_fields=[
                "pending",
                "rejected_reason",
                "confirmed_by",
                "confirmed_at",
                "version",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="funds.account_change_reject",
            subject_type="payment_account",
            subject_id=acct.pk,
            household_id=acct.household_id,
            area_code=acct.household.hukou_area_id,
            reason=reason,
        )
        return acct


def payment_account_reveal(*, user, account_id: int) -> str:
    """The full account number, for the roles that pay (preparers, finance); audited."""
    from jiuzhu.accounts.scoping import access

    acct = None
    for cap in (Capability.PAYROLL_PREPARE, Capability.PAYROLL_RELEASE):
        if not user_scope(user, cap).empty:
            try:
                acct = access(
                    PaymentAccount.objects.select_related("household"), user, cap, pk=account_id
                )
                break
            except Exception:  # noqa: BLE001 - Http404 from one capability, try the next
                continue
    if acct is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(Capability.PAYROLL_PREPARE)
    with transaction.atomic():
        audit_record(
            actor=user,
            action="funds.account_reveal",
            subject_type="payment_account",
            subject_id=acct.pk,
            household_id=acct.household_id,
            area_code=acct.household.hukou_area_id,
        )
    return acct.account_number


# ---------------------------------------------------------------- bulk (synthetic data, benchmarks)


def accounts_active_households() -> pl.DataFrame:
    """``household_id`` of every household with an active payment account."""
    from jiuzhu.core.frames import read_frame

    return read_frame(
        "SELECT DISTINCT household_id FROM funds_paymentaccount WHERE active = %s",
        [True],
        {"household_id": pl.Int64},
    )


def accounts_bulk_insert(accounts: pl.DataFrame) -> int:
    """Write new active accounts at once (synthetic data and benchmarks; no audit, no checks —
    the caller audits the batch): ``household_id, bank_name, account_number, head_name``."""
    from jiuzhu.core.frames import write_frame

    if not accounts.height:
        return 0
    start = (PaymentAccount.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    now = timezone.now()
    write_frame(
        PaymentAccount._meta.db_table,
        accounts.select(
            pl.int_range(start, start + accounts.height, dtype=pl.Int64).alias("id"),
            "household_id",
            pl.lit(None, dtype=pl.Int64).alias("person_id"),
            "bank_name",
            "account_number",
            pl.col("head_name").fill_null("").alias("holder_name"),
            pl.lit(True).alias("active"),
            pl.lit(1).alias("version"),
            pl.lit(now.isoformat()).alias("created_at"),
            pl.lit(now.isoformat()).alias("updated_at"),
        ),
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('funds_paymentaccount', 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM funds_paymentaccount))"
            )
    return accounts.height
