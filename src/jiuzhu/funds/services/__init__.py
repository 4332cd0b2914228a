"""Funds writes: generate → submit (prepare) → approve (one or more levels) → release → bank file →
return file (reconcile) → re-issue → close; holds, accounts, budgets, recoveries.

Every write runs in one transaction with its audit event; money movements also go to the
hash-chained ledger (``jiuzhu.funds.ledger``) in the same transaction. Preparer, each approver
and the releaser are different people, and none of them reviewed or decided a case whose
payment is in the payroll (checked in one query per payroll, not per line).
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import re

import polars as pl
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area, user_roles, user_scope
from jiuzhu.areas.models import Area, AreaLevel, level_for_code
from jiuzhu.audit.services import audit_record, audit_record_many
from jiuzhu.core import clock
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.core.frames import date_sql, fen_sql, read_frame, write_frame
from jiuzhu.core.language import official_language, stored_text
from jiuzhu.core.money import fen_to_text
from jiuzhu.funds import bankfiles
from jiuzhu.funds.accountcheck import luhn_ok, outside_gbk
from jiuzhu.funds.generation import (
    area_prefix,
    compute_lines,
    flags_by_line,
    load_inputs,
    month_from_index,
    month_index,
)
from jiuzhu.funds.ledger import ledger_append
from jiuzhu.funds.models import (
    AccountKind,
    AccountNotice,
    ApprovalThreshold,
    BankFile,
    BankFileKind,
    BankProfile,
    Budget,
    FundsCutover,
    HoldOutcome,
    LedgerEntry,
    LedgerKind,
    LineStatus,
    PaymentAccount,
    PaymentHold,
    Payroll,
    PayrollApproval,
    PayrollKind,
    PayrollLine,
    PayrollStatus,
    Recovery,
    RecoveryStatus,
    ReissueStatus,
)
from jiuzhu.registry.models import Household, Person

CENT = decimal.Decimal("0.01")


def _yuan(fen: int) -> decimal.Decimal:
    return (decimal.Decimal(int(fen)) / 100).quantize(CENT)


def _fen(value) -> int:
    return int((decimal.Decimal(value) * 100).to_integral_value())


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# ---------------------------------------------------------------- payment holds (monitoring's seam)


def payment_hold_place(
    *, person_id: int, household_id: int, reason: str, source: str, actor=None, programme: str = ""
) -> PaymentHold:
    """Hold every payment to this person (and their household's lines) until released.

    Idempotent per person and source: placing the same hold twice returns the existing one.
    The rules and the audit event are those of ``payment_holds_place_many`` (one path)."""
    hold = {
        "person_id": person_id,
        "household_id": household_id,
        "reason": reason,
        "source": source,
        "programme": programme,
    }
    with transaction.atomic():
        _holds_place([hold], actor=actor, not_member=lambda h: _("成员不属于该家庭"))
        return PaymentHold.objects.get(person_id=person_id, source=source)


def payment_holds_place_many(*, holds: list[dict], actor=None) -> int:
    """``payment_hold_place`` for many people at once (a monitoring run that finds many deaths).

    Each dict has person_id, household_id, reason, source and optionally programme. Same rules
    and the same audit events as one by one, in one transaction: a person who is not in the given
    household refuses the whole call; a (person, source) already held, or given twice, is placed
    once. Returns the number of holds placed.
    """
    if not holds:
        return 0
    return _holds_place(
        holds,
        actor=actor,
        not_member=lambda h: (
            _("成员 %(person)s 不属于家庭 %(household)s")
            % {"person": h["person_id"], "household": h["household_id"]}
        ),
    )


def _holds_check(holds: list[dict], *, not_member) -> None:
    """Every hold names its source and reason, and its person is a member of its household
    (``not_member(hold)`` is the message when not; a person unknown is not a member)."""
    for h in holds:
        if not h.get("source"):
            raise ServiceError(_("请注明暂停发放的来源（如 alert:编号）"), field="source")
        if not h.get("reason"):
            raise ServiceError(_("请填写暂停发放的原因"), field="reason")
    homes: dict[int, int] = {}
    ids = list({h["person_id"] for h in holds})
    for i in range(0, len(ids), 5000):
        homes.update(
            Person.objects.filter(pk__in=ids[i : i + 5000]).values_list("pk", "household_id")
        )
    for h in holds:
        if homes.get(h["person_id"]) != h["household_id"]:
            raise ServiceError(not_member(h), field="person_id")


def _holds_place(holds: list[dict], *, actor, not_member) -> int:
    """Check and place ``holds`` in one transaction with one audit event per hold placed."""
    placed_by = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        _holds_check(holds, not_member=not_member)
        existing = set()
        src = list({h["source"] for h in holds})
        for i in range(0, len(src), 5000):
            existing.update(
                PaymentHold.objects.filter(source__in=src[i : i + 5000]).values_list(
                    "person_id", "source"
                )
            )
        wanted: dict[tuple[int, str], dict] = {}
        for h in holds:
            key = (h["person_id"], h["source"])
            if key not in existing:
                wanted.setdefault(key, h)
        new = [
            PaymentHold(
                person_id=h["person_id"],
                household_id=h["household_id"],
                reason=h["reason"][:300],
                source=h["source"],
                programme=h.get("programme", ""),
                placed_by=placed_by,
            )
            for h in wanted.values()
        ]
        PaymentHold.objects.bulk_create(new, batch_size=2000)
        if new and new[0].pk is None:  # a backend that does not return keys from bulk inserts
            keys = {
                (p, s): pk
                for p, s, pk in PaymentHold.objects.filter(
                    source__in=[n.source for n in new]
                ).values_list("person_id", "source", "pk")
            }
            for n in new:
                n.pk = keys[(n.person_id, n.source)]
        areas = dict(
            Household.objects.filter(pk__in={n.household_id for n in new}).values_list(
                "pk", "hukou_area_id"
            )
        )
        audit_record_many(
            actor=actor,
            events=[
                {
                    "action": "funds.hold_place",
                    "subject_type": "payment_hold",
                    "subject_id": n.pk,
                    "household_id": n.household_id,
                    "area_code": areas.get(n.household_id, ""),
                    "reason": n.reason,
                    "after": {"person": n.person_id, "source": n.source, "programme": n.programme},
                }
                for n in new
            ],
        )
    return len(new)


def payment_hold_release(*, source: str, actor, confirmed: bool, note: str = "") -> int:
    """Close the open holds from ``source``. Returns the number of payroll lines affected.

    confirmed=True: the cause is true (e.g. death confirmed); the held lines of submitted
    payrolls become 不予发放 and are never paid (the case stops the roll). confirmed=False: the
    hold was wrong; held lines of submitted payrolls go to the re-issue queue (paid in a
    supplementary batch) unless another check still holds them. A draft payroll picks the
    release up when it is regenerated; the next payroll no longer holds the person."""
    with transaction.atomic():
        holds = list(
            PaymentHold.objects.select_for_update()
            .select_related("household")
            .filter(source=source, released_at__isnull=True)
        )
        return _holds_release(holds, actor=actor, confirmed=confirmed, note=note)


def payment_hold_release_one(*, actor, hold_id: int, confirmed: bool, reason: str) -> int:
    """解除暂停发放 from the holds page: one hold, by a payments officer of its area who checks
    the cause (``payroll.approve``), with a required reason. Same effect on payroll lines as
    ``payment_hold_release``; returns the number of lines affected."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写解除理由（核实情况与依据）"), field="reason")
    if len(reason) > 300:
        raise ServiceError(_("解除理由不能超过300字"), field="reason")
    with transaction.atomic():
        hold = (
            PaymentHold.objects.select_for_update()
            .select_related("household")
            .filter(pk=hold_id)
            .first()
        )
        if hold is None:
            raise ServiceError(_("暂停发放记录不存在"), code="not_found")
        require_area(actor, Capability.PAYROLL_APPROVE, hold.household.hukou_area_id)
        if hold.released_at is not None:
            raise ServiceError(
                _("该暂停已于 %(at)s 解除，请刷新页面")
                % {"at": f"{timezone.localtime(hold.released_at):%Y-%m-%d %H:%M}"},
                code="wrong_state",
            )
        return _holds_release([hold], actor=actor, confirmed=confirmed, note=reason)


def _holds_release(holds: list[PaymentHold], *, actor, confirmed: bool, note: str) -> int:
    """Release ``holds`` (locked, open) inside the caller's transaction; one audit event each."""
    affected = 0
    now = timezone.now()
    for hold in holds:
        mine_count = 0
        hold.released_at = now
        hold.released_by = actor if actor is not None and actor.is_authenticated else None
        hold.outcome = HoldOutcome.CONFIRMED if confirmed else HoldOutcome.CLEARED
        hold.note = note[:300]
        hold.save(update_fields=["released_at", "released_by", "outcome", "note"])
        lines = (
            PayrollLine.objects.select_for_update()
            .filter(household_id=hold.household_id, status=LineStatus.HELD)
            .exclude(payroll__status=PayrollStatus.DRAFT)
        )
        for line in lines:
            mine = [f for f in line.flags if _flag_hold_id(f) == hold.pk]
            if not mine:
                continue
            if confirmed:
                line.status = LineStatus.WITHHELD
                line.save(update_fields=["status"])
                mine_count += 1
                continue
            others = [
                f for f in line.flags if f.get("held") and f not in mine and not _flag_cleared(f)
            ]
            if not others:
                line.reissue_status = ReissueStatus.QUEUED
                line.failure_note = "暂停已解除（误报），待补发"
                line.save(update_fields=["reissue_status", "failure_note"])
                mine_count += 1
        affected += mine_count
        audit_record(
            actor=actor,
            action="funds.hold_release",
            subject_type="payment_hold",
            subject_id=hold.pk,
            household_id=hold.household_id,
            area_code=hold.household.hukou_area_id,
            reason=note,
            after={"outcome": hold.outcome, "source": hold.source, "lines": mine_count},
        )
    return affected


def _flag_hold_id(flag: dict) -> int | None:
    ev = flag.get("evidence", {})
    return ev.get("id") if ev.get("type") == "hold" else None


def _flag_cleared(flag: dict) -> bool:
    """A holding flag from another hold that has since been cleared no longer holds the line."""
    ev = flag.get("evidence", {})
    if ev.get("type") != "hold":
        return False
    return PaymentHold.objects.filter(pk=ev.get("id"), outcome=HoldOutcome.CLEARED).exists()


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
        old = list(
            PaymentAccount.objects.select_for_update().filter(
                household=hh, person_id=person_id, active=True
            )
        )
        change = bool(old)
        if change and not reason:
            raise ServiceError(
                errors={"reason": [_("更正已有发放账户须填写更正原因（由另一名工作人员确认）")]}
            )
        # A newer request replaces an unconfirmed one for the same payee.
        PaymentAccount.objects.filter(
            household=hh, person_id=person_id, pending=True, active=False
        ).update(pending=False, rejected_reason=stored_text(gettext_lazy("被新的变更申请取代")))
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


def budget_set(
    *, actor, programme: str, area_code: str, year: int, funding_source: str, amount, note: str = ""
) -> Budget:
    try:
        value = decimal.Decimal(str(amount)).quantize(CENT)
    except (decimal.InvalidOperation, ValueError) as exc:
        raise ServiceError(_("预算金额应为数字（元，两位小数）"), field="amount") from exc
    if value < 0:
        raise ServiceError(_("预算金额不能为负"), field="amount")
    with transaction.atomic():
        if actor is not None:  # None: the system (demo set-up, commands)
            require_area(actor, Capability.BUDGET_MANAGE, area_code)
        budget, created = Budget.objects.select_for_update().get_or_create(
            programme=programme,
            area_id=area_code,
            year=year,
            funding_source=funding_source,
            defaults={"amount": value, "note": note},
        )
        before = None if created else {"amount": budget.amount}
        budget.amount = value
        budget.note = note
        budget.save()
        audit_record(
            actor=actor,
            action="funds.budget_set",
            subject_type="budget",
            subject_id=budget.pk,
            area_code=area_code,
            before=before,
            after={"programme": programme, "year": year, "source": funding_source, "amount": value},
        )
        return budget


def cutover_set(
    *, actor, area_code: str, paid_through: datetime.date, programme: str = "", note: str = ""
) -> FundsCutover:
    with transaction.atomic():
        if actor is not None:
            require_area(actor, Capability.PAYROLL_PREPARE, area_code)
        cut, _created = FundsCutover.objects.update_or_create(
            area_id=area_code,
            programme=programme,
            defaults={"paid_through": first_of_month(paid_through), "note": note},
        )
        audit_record(
            actor=actor,
            action="funds.cutover_set",
            subject_type="funds_cutover",
            subject_id=cut.pk,
            area_code=area_code,
            after={"programme": programme, "paid_through": cut.paid_through, "note": note},
        )
        return cut


# ---------------------------------------------------------------- generation


def payroll_number(programme: str, area_code: str, month: datetime.date) -> str:
    return f"FF{month:%Y%m}-{area_prefix(area_code)}-{programme}"


def _cutover_ensure(*, actor, programme: str, area_code: str, month: datetime.date) -> None:
    """First payroll of an area with no cut-over: imported rolls count as paid through last month."""
    prefix = area_prefix(area_code)
    for c in FundsCutover.objects.filter(Q(programme="") | Q(programme=programme)):
        cp = area_prefix(c.area_id)
        if prefix.startswith(cp) or cp.startswith(prefix):
            return
    cutover_set(
        actor=None,
        area_code=area_code,
        programme=programme,
        paid_through=month_from_index(month_index(month) - 1),
        note=f"首次生成发放批次时自动设定（操作人 {actor.get_username() if actor else 'system'}）",
    )


def payroll_generate(*, actor, programme: str, area_code: str, month: datetime.date) -> Payroll:
    """Generate (or regenerate, while still a draft) the payroll of a programme, area and month.

    Idempotent: the same roll, history and checks give the same lines and the same ``digest``.
    A crash leaves the previous draft (the replacement is one transaction)."""
    month = first_of_month(month)
    if level_for_code(area_code) not in (AreaLevel.COUNTY, AreaLevel.TOWNSHIP):
        raise ServiceError(_("发放批次按县(区)或乡镇(街道)生成"), field="area_code")
    if actor is not None:
        require_area(actor, Capability.PAYROLL_PREPARE, area_code)
    Area.objects.get(code=area_code)
    existing = Payroll.objects.filter(
        programme=programme, area_id=area_code, month=month, kind=PayrollKind.REGULAR
    ).first()
    if existing is not None and existing.status != PayrollStatus.DRAFT:
        raise ServiceError(
            _("发放批次 %(number)s 已提交（%(status)s），不能重新生成")
            % {"number": existing.number, "status": existing.get_status_display()},
            code="wrong_state",
        )
    _cutover_ensure(actor=actor, programme=programme, area_code=area_code, month=month)
    inputs = load_inputs(
        programme=programme,
        area_code=area_code,
        month=month,
        exclude_payroll_id=existing.pk if existing else None,
    )
    lines, flag_df = compute_lines(inputs)
    flags = flags_by_line(flag_df)
    with transaction.atomic():
        if existing is None:
            payroll, _created = Payroll.objects.get_or_create(
                programme=programme,
                area_id=area_code,
                month=month,
                kind=PayrollKind.REGULAR,
                defaults={"number": payroll_number(programme, area_code, month)},
            )
        else:
            payroll = existing
        payroll = Payroll.objects.select_for_update().get(pk=payroll.pk)
        if payroll.status != PayrollStatus.DRAFT:
            raise ServiceError(_("发放批次已被他人提交，不能重新生成"), code="wrong_state")
        before = {
            "lines": payroll.line_count,
            "total": payroll.total_amount,
            "digest": payroll.digest,
        }
        # A draft's lines are referenced by nothing (no recoveries, no re-issues): one statement.
        with connection.cursor() as cur:
            cur.execute("DELETE FROM funds_payrollline WHERE payroll_id = %s", [payroll.pk])
        rows = _line_rows(payroll.pk, lines, flags)
        write_frame(PayrollLine._meta.db_table, rows)
        digest = _digest(rows)
        _totals(payroll, lines)
        payroll.flagged_count = len(flags)
        payroll.digest = digest
        payroll.inputs = {
            "entries_read": inputs.entries.height,
            "cutovers": [[p, d.isoformat()] for p, d in inputs.cutovers],
            "holds": inputs.holds.height,
            "death_findings": inputs.death_findings.height,
            "history_entries": inputs.history.height,
        }
        payroll.generated_at = timezone.now()
        payroll.generated_by = actor if actor is not None and actor.is_authenticated else None
        payroll.version = F("version") + 1
        payroll.save()
        payroll.refresh_from_db()
        audit_record(
            actor=actor,
            action="funds.payroll_generate",
            subject_type="payroll",
            subject_id=payroll.pk,
            area_code=area_code,
            before=before if existing else None,
            after={
                "number": payroll.number,
                "lines": payroll.line_count,
                "total": payroll.total_amount,
                "held": payroll.held_count,
                "flagged": payroll.flagged_count,
                "digest": digest,
            },
        )
    return payroll


def _line_rows(payroll_id: int, lines: pl.DataFrame, flags: dict[int, list[dict]]) -> pl.DataFrame:
    flag_frame = pl.DataFrame(
        {
            "line_idx": list(flags),
            "flags": [json.dumps(v, ensure_ascii=False, sort_keys=True) for v in flags.values()],
        },
        schema={"line_idx": lines.schema["line_idx"], "flags": pl.Utf8},
    )
    df = lines.join(flag_frame, on="line_idx", how="left")
    return df.select(
        pl.lit(payroll_id).cast(pl.Int64).alias("payroll_id"),
        "seq",
        pl.col("entry_id").alias("roll_entry_id"),
        "household_id",
        "person_id",
        "programme",
        pl.col("decision_ref").fill_null(""),
        pl.col("months_from").dt.strftime("%Y-%m-%d"),
        pl.col("months_to").dt.strftime("%Y-%m-%d"),
        "months",
        fen_to_text(pl.col("monthly_fen")).alias("monthly_amount"),
        fen_to_text(pl.col("amount_fen")).alias("amount"),
        pl.when(pl.col("held")).then(pl.lit("held")).otherwise(pl.lit("payable")).alias("status"),
        pl.col("flags").fill_null("[]"),
        "account_id",
        pl.col("bank_name").fill_null(""),
        pl.col("account_number").fill_null(""),
        pl.col("holder_name").fill_null(""),
        pl.lit("").alias("failure_reason"),
        pl.lit("").alias("failure_note"),
        pl.lit("").alias("reissue_status"),
        pl.lit(None, dtype=pl.Int64).alias("reissue_of_id"),
    ).sort("seq")


def _digest(rows: pl.DataFrame) -> str:
    key = rows.drop("payroll_id")
    return hashlib.sha256(key.write_csv().encode("utf-8")).hexdigest()


def _totals(payroll: Payroll, lines: pl.DataFrame) -> None:
    held = lines.filter(pl.col("held"))
    payable = lines.filter(~pl.col("held"))
    payroll.line_count = lines.height
    payroll.total_amount = _yuan(lines["amount_fen"].sum() or 0)
    payroll.held_count = held.height
    payroll.held_amount = _yuan(held["amount_fen"].sum() or 0)
    payroll.payable_count = payable.height
    payroll.payable_amount = _yuan(payable["amount_fen"].sum() or 0)


def _refresh_totals(payroll: Payroll) -> None:
    agg = PayrollLine.objects.filter(payroll=payroll).aggregate(
        n=Count("id"),
        total=Sum("amount"),
        held_n=Count("id", filter=Q(status=LineStatus.HELD)),
        held=Sum("amount", filter=Q(status=LineStatus.HELD)),
    )
    payroll.line_count = agg["n"]
    payroll.total_amount = agg["total"] or 0
    payroll.held_count = agg["held_n"]
    payroll.held_amount = agg["held"] or 0
    payroll.payable_count = agg["n"] - agg["held_n"]
    payroll.payable_amount = (agg["total"] or 0) - (agg["held"] or 0)


def flagged_count_update(payroll: Payroll) -> None:
    payroll.flagged_count = PayrollLine.objects.filter(payroll=payroll).exclude(flags=[]).count()


# ---------------------------------------------------------------- approval and release


def _lock(payroll_id: int, version: int | None) -> Payroll:
    payroll = Payroll.objects.select_for_update().select_related("area").get(pk=payroll_id)
    if version is not None and payroll.version != version:
        raise ConcurrentEditError(_("发放批次"))
    return payroll


def separation_check(*, payroll: Payroll, user) -> None:
    """审批与发放分离: whoever reviewed or decided any case paid in this payroll may not handle it.

    One query for the whole payroll (the decisions are found through the lines' decision_ref)."""
    from jiuzhu.cases.models import Application
    from jiuzhu.cases.services import payment_officer_check

    refs = (
        PayrollLine.objects.filter(payroll=payroll).exclude(decision_ref="").values("decision_ref")
    )
    app = (
        Application.objects.filter(number__in=refs)
        .filter(Q(reviewed_by=user) | Q(decided_by=user))
        .only("number", "reviewed_by_id", "decided_by_id")
        .first()
    )
    if app is not None:
        try:
            payment_officer_check(application=app, user=user)
        except ServiceError as exc:
            raise ServiceError(
                _("%(error)s（申请 %(number)s 在本批次中）")
                % {"error": exc.text(), "number": app.number},
                code="same_person",
            ) from exc


def _handlers(payroll: Payroll) -> set[int]:
    ids = {payroll.prepared_by_id} | set(payroll.approvals.values_list("approver_id", flat=True))
    return {i for i in ids if i}


def budget_position(*, payroll: Payroll) -> dict:
    """Budget of the payroll's county for its programme and year against what is committed."""
    county = payroll.area_id[:6] + "000000"
    year = payroll.month.year
    budget = Budget.objects.filter(
        programme=payroll.programme, area_id=county, year=year
    ).aggregate(s=Sum("amount"))["s"]
    committed = Payroll.objects.filter(
        programme=payroll.programme,
        area_id__gte=county[:6],
        area_id__lt=str(int(county[:6]) + 1),
        month__year=year,
    ).exclude(status=PayrollStatus.DRAFT).exclude(pk=payroll.pk).aggregate(s=Sum("payable_amount"))[
        "s"
    ] or decimal.Decimal("0")
    after = committed + payroll.payable_amount
    return {
        "budget": budget,
        "committed": committed,
        "after": after,
        "over": budget is not None and after > budget,
        "missing": budget is None,
    }


def _required_levels(payroll: Payroll) -> list[dict]:
    # The first level's label is stored in Chinese and shown translated (selectors.approvals).
    levels = [{"level": 1, "label": gettext_noop("复核"), "area_level": ""}]
    codes = {payroll.area_id}
    area = payroll.area
    codes |= {a.code for a in area.ancestors()}
    rules = ApprovalThreshold.objects.filter(area_id__in=codes).filter(
        Q(programme="") | Q(programme=payroll.programme)
    )
    for rule in sorted(rules, key=lambda r: r.above_total):
        if payroll.payable_amount > rule.above_total:
            levels.append(
                {
                    "level": len(levels) + 1,
                    "label": rule.label,
                    "area_level": rule.approver_area_level,
                    "above": str(rule.above_total),
                }
            )
    return levels


def payroll_submit(
    *, actor, payroll_id: int, version: int, budget_override_reason: str = ""
) -> Payroll:
    """编制完成，提交复核: the preparer freezes the draft; the payable lines go to the ledger."""
    with transaction.atomic():
        payroll = _lock(payroll_id, version)
        require_area(actor, Capability.PAYROLL_PREPARE, payroll.area_id)
        if payroll.status != PayrollStatus.DRAFT:
            raise ServiceError(_("只有草稿状态的发放批次可以提交"), code="wrong_state")
        if payroll.line_count == 0:
            raise ServiceError(_("发放批次没有明细，不能提交"), code="empty")
        separation_check(payroll=payroll, user=actor)
        _overlap_check(payroll)
        position = budget_position(payroll=payroll)
        if position["over"] and not budget_override_reason.strip():
            raise ServiceError(
                _(
                    "超出预算：本年度预算 %(budget)s 元，已拨付/在途 %(committed)s 元，"
                    "本批次 %(amount)s 元。确需发放请填写超预算理由"
                )
                % {
                    "budget": position["budget"],
                    "committed": position["committed"],
                    "amount": payroll.payable_amount,
                },
                field="budget_override_reason",
                code="over_budget",
            )
        payroll.required_levels = _required_levels(payroll)
        payroll.budget_override_reason = budget_override_reason.strip() if position["over"] else ""
        payroll.status = PayrollStatus.SUBMITTED
        payroll.prepared_by = actor
        payroll.prepared_at = timezone.now()
        flagged_count_update(payroll)
        payroll.version = F("version") + 1
        payroll.save()
        _ledger_lines(payroll, LedgerKind.PAYABLE, actor, statuses=[LineStatus.PAYABLE])
        audit_record(
            actor=actor,
            action="funds.payroll_submit",
            subject_type="payroll",
            subject_id=payroll.pk,
            area_code=payroll.area_id,
            reason=budget_override_reason,
            after={
                "payable": payroll.payable_amount,
                "levels": [lv["label"] for lv in payroll.required_levels],
                "budget": position,
            },
        )
        payroll.refresh_from_db()
        return payroll


def _overlap_check(payroll: Payroll) -> None:
    """A roll entry's months may be in only one submitted payroll (e.g. township and county).

    Only payrolls that can overlap are joined: submitted ones of the programme whose month is
    not before this payroll's earliest month (usually none or a few), never the whole table."""
    if payroll.kind == PayrollKind.SUPPLEMENTARY:
        return
    earliest = PayrollLine.objects.filter(payroll=payroll).aggregate(m=Min("months_from"))["m"]
    others = list(
        Payroll.objects.filter(programme=payroll.programme, month__gte=earliest)
        .exclude(pk=payroll.pk)
        .exclude(status=PayrollStatus.DRAFT)
        .values_list("pk", flat=True)
    )
    if earliest is None or not others:
        return
    marks = ", ".join(["%s"] * len(others))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT m.roll_entry_id, p2.number, "
            f"{date_sql('m.months_from')}, {date_sql('m.months_to')} "
            "FROM funds_payrollline o "
            "JOIN funds_payrollline m ON m.roll_entry_id = o.roll_entry_id AND m.payroll_id = %s "
            "JOIN funds_payroll p2 ON p2.id = o.payroll_id "
            f"WHERE o.payroll_id IN ({marks}) AND o.reissue_of_id IS NULL "
            "AND o.months_from <= m.months_to AND m.months_from <= o.months_to LIMIT 1",
            [payroll.pk, *others],
        )
        clash = cur.fetchone()
    if clash:
        entry, number, mfrom, mto = clash
        raise ServiceError(
            _("名册记录 #%(entry)s 的 %(start)s—%(end)s 已在批次 %(number)s 中，不能重复发放")
            % {"entry": entry, "start": mfrom[:7], "end": mto[:7], "number": number},
            code="overlap",
        )


def _ledger_lines(
    payroll: Payroll, kind: str, actor, *, statuses: list[str], note: str = ""
) -> None:
    df = read_frame(
        f"SELECT l.id, l.household_id, {fen_sql('l.amount')}, l.account_number"
        " FROM funds_payrollline l "
        f"WHERE l.payroll_id = %s AND l.status IN ({', '.join(['%s'] * len(statuses))}) ORDER BY l.seq",
        [payroll.pk, *statuses],
        {"id": pl.Int64, "household_id": pl.Int64, "fen": pl.Int64, "account_number": pl.Utf8},
    )
    ledger_append(
        [
            {
                "kind": kind,
                "amount": _yuan(fen),
                "programme": payroll.programme,
                "area_code": payroll.area_id,
                "month": payroll.month,
                "payroll_id": payroll.pk,
                "line_id": line_id,
                "household_id": hh,
                "note": note,
                "account_number": account or "",
            }
            for line_id, hh, fen, account in df.iter_rows()
        ],
        actor=actor,
    )


def _ledger_payroll(payroll: Payroll, kind: str, actor, amount, note: str = "") -> None:
    ledger_append(
        [
            {
                "kind": kind,
                "amount": amount,
                "programme": payroll.programme,
                "area_code": payroll.area_id,
                "month": payroll.month,
                "payroll_id": payroll.pk,
                "note": note,
            }
        ],
        actor=actor,
    )


def _approver_level_ok(actor, payroll: Payroll, area_level: str) -> bool:
    if not area_level:
        return True
    for a in user_roles(actor):
        if a.area.level == area_level and payroll.area_id.startswith(area_prefix(a.area.code)):
            from jiuzhu.accounts.roles import ROLE_CAPABILITIES

            if Capability.PAYROLL_APPROVE in ROLE_CAPABILITIES.get(a.role, ()):
                return True
    return False


def payroll_approve(*, actor, payroll_id: int, version: int, note: str = "") -> Payroll:
    """复核: another payments officer checks and approves; above thresholds, further levels."""
    with transaction.atomic():
        payroll = _lock(payroll_id, version)
        require_area(actor, Capability.PAYROLL_APPROVE, payroll.area_id)
        if payroll.status != PayrollStatus.SUBMITTED:
            raise ServiceError(_("只有待复核的发放批次可以复核"), code="wrong_state")
        if actor.pk in _handlers(payroll):
            raise ServiceError(
                _("编制、复核、拨付须由不同人员办理：您已编制或复核过本批次"), code="same_person"
            )
        separation_check(payroll=payroll, user=actor)
        done = payroll.approvals.count()
        level = payroll.required_levels[done]
        if not _approver_level_ok(actor, payroll, level.get("area_level", "")):
            raise ServiceError(
                _("第 %(level)s 级（%(label)s）须由%(who)s资金复核人员办理")
                % {
                    "level": level["level"],
                    "label": level["label"],
                    "who": _level_name(level["area_level"]),
                },
                code="wrong_level",
            )
        PayrollApproval.objects.create(
            payroll=payroll, level=level["level"], label=level["label"], approver=actor, note=note
        )
        complete = done + 1 == len(payroll.required_levels)
        if complete:
            payroll.status = PayrollStatus.APPROVED
            _ledger_payroll(payroll, LedgerKind.APPROVED, actor, payroll.payable_amount)
        payroll.version = F("version") + 1
        payroll.save()
        audit_record(
            actor=actor,
            action="funds.payroll_approve",
            subject_type="payroll",
            subject_id=payroll.pk,
            area_code=payroll.area_id,
            reason=note,
            after={"level": level["level"], "label": level["label"], "complete": complete},
        )
        payroll.refresh_from_db()
        return payroll


def _level_name(area_level: str) -> str:
    return {"city": _("市级"), "province": _("省级"), "county": _("县级")}.get(area_level, "")


def payroll_return(*, actor, payroll_id: int, version: int, reason: str) -> Payroll:
    """退回: a reviewer sends a submitted payroll back to draft; its payable entries are reversed."""
    if not reason.strip():
        raise ServiceError(_("请填写退回理由"), field="reason")
    with transaction.atomic():
        payroll = _lock(payroll_id, version)
        require_area(actor, Capability.PAYROLL_APPROVE, payroll.area_id)
        if payroll.status != PayrollStatus.SUBMITTED:
            raise ServiceError(_("只有待复核的发放批次可以退回"), code="wrong_state")
        if actor.pk == payroll.prepared_by_id:
            raise ServiceError(
                _("编制人不能退回自己编制的批次，请由复核人员办理"), code="same_person"
            )
        _reverse_entries(payroll, LedgerKind.PAYABLE, actor, f"退回：{reason}")
        payroll.approvals.all().delete()
        payroll.status = PayrollStatus.DRAFT
        payroll.prepared_by = None
        payroll.prepared_at = None
        payroll.version = F("version") + 1
        payroll.save()
        audit_record(
            actor=actor,
            action="funds.payroll_return",
            subject_type="payroll",
            subject_id=payroll.pk,
            area_code=payroll.area_id,
            reason=reason,
        )
        payroll.refresh_from_db()
        return payroll


def _reverse_entries(payroll: Payroll, kind: str, actor, note: str) -> None:
    reversed_seqs = LedgerEntry.objects.filter(
        payroll_id=payroll.pk, kind=LedgerKind.REVERSED
    ).values("reverses_seq")
    entries = (
        LedgerEntry.objects.filter(payroll_id=payroll.pk, kind=kind)
        .exclude(seq__in=reversed_seqs)
        .order_by("seq")
        .values_list("seq", "amount", "line_id", "household_id")
    )
    ledger_append(
        [
            {
                "kind": LedgerKind.REVERSED,
                "amount": -amount,
                "programme": payroll.programme,
                "area_code": payroll.area_id,
                "month": payroll.month,
                "payroll_id": payroll.pk,
                "line_id": line_id,
                "household_id": hh,
                "reverses_seq": seq,
                "note": note[:200],
            }
            for seq, amount, line_id, hh in entries
        ],
        actor=actor,
    )


def payroll_release(*, actor, payroll_id: int, version: int) -> Payroll:
    """拨付: finance releases an approved payroll to the bank. Two releases of the same payroll
    cannot both succeed: the row is locked and the update is conditional on the version read."""
    with transaction.atomic():
        payroll = _lock(payroll_id, None)
        require_area(actor, Capability.PAYROLL_RELEASE, payroll.area_id)
        if payroll.version != version:
            raise ConcurrentEditError(_("发放批次"))
        if payroll.status != PayrollStatus.APPROVED:
            raise ServiceError(
                _("发放批次当前为“%(status)s”，只有已复核的批次可以拨付")
                % {"status": payroll.get_status_display()},
                code="wrong_state",
            )
        if actor.pk in _handlers(payroll):
            raise ServiceError(_("编制、复核、拨付须由不同人员办理"), code="same_person")
        separation_check(payroll=payroll, user=actor)
        updated = Payroll.objects.filter(
            pk=payroll.pk, version=version, status=PayrollStatus.APPROVED
        ).update(
            status=PayrollStatus.RELEASED,
            released_by=actor,
            released_at=timezone.now(),
            version=F("version") + 1,
        )
        if updated != 1:
            raise ConcurrentEditError(_("发放批次"))
        PayrollLine.objects.filter(payroll=payroll, status=LineStatus.PAYABLE).update(
            status=LineStatus.SENT
        )
        _ledger_payroll(payroll, LedgerKind.SENT, actor, payroll.payable_amount)
        audit_record(
            actor=actor,
            action="funds.payroll_release",
            subject_type="payroll",
            subject_id=payroll.pk,
            area_code=payroll.area_id,
            after={"amount": payroll.payable_amount, "lines": payroll.payable_count},
        )
        payroll.refresh_from_db()
        return payroll


# ---------------------------------------------------------------- bank files


def default_profile() -> BankProfile:
    profile = BankProfile.objects.filter(is_default=True).order_by("pk").first()
    if profile is None:
        raise ServiceError(_("尚未配置银行文件格式"), code="no_profile")
    return profile


SENT_STATUSES = [LineStatus.SENT, LineStatus.PAID, LineStatus.FAILED]


def _sent_frame(payroll: Payroll, profile: BankProfile | None = None) -> pl.DataFrame:
    """The lines sent to the bank, with the columns a bank file can carry. The payee's ID number
    (``id_number``, in full: the bank matches it to its customer; the line's person, else the
    account's, else the head) is read only when ``profile`` asks for it. A bank's own profile
    gets only the lines paid into that bank (``bankfiles.GENERIC_BANK`` gets every line)."""
    cols = dict(profile.columns) if profile is not None else {}
    id_field = next((f for f in bankfiles.ID_FIELDS if f in cols), None)
    id_sql = ", p.id_number" if id_field else ""
    id_join = (
        " LEFT JOIN funds_paymentaccount a ON a.id = l.account_id"
        " LEFT JOIN registry_person p ON p.id = COALESCE(l.person_id, a.person_id,"
        " (SELECT h.id FROM registry_person h WHERE h.household_id = l.household_id"
        " AND h.relation = 'head' ORDER BY h.id LIMIT 1))"
        if id_field
        else ""
    )
    bank_sql, bank_params = "", []
    if profile is not None and profile.bank_name.strip() not in ("", bankfiles.GENERIC_BANK):
        bank_sql = " AND l.bank_name LIKE %s"
        bank_params = [profile.bank_name.strip().replace("%", "").replace("_", "") + "%"]
    schema = {
        "id": pl.Int64,
        "seq": pl.Int64,
        "account_number": pl.Utf8,
        "holder_name": pl.Utf8,
        "amount_fen": pl.Int64,
        "bank_name": pl.Utf8,
        "programme": pl.Utf8,
        "month": pl.Date,
        "status": pl.Utf8,
    }
    if id_field:
        schema["id_number"] = pl.Utf8
    frame = read_frame(
        f"SELECT l.id, l.seq, l.account_number, l.holder_name, {fen_sql('l.amount')}, l.bank_name, "
        f"l.programme, {date_sql('l.months_to')}, l.status{id_sql} FROM funds_payrollline l"
        f"{id_join} WHERE l.payroll_id = %s AND l.status IN (%s, %s, %s){bank_sql} ORDER BY l.seq",
        [payroll.pk, *SENT_STATUSES, *bank_params],
        schema,
    ).with_columns(
        pl.format("{}-{}", pl.lit(payroll.number), pl.col("seq").cast(pl.Utf8).str.zfill(6)).alias(
            "ref"
        ),
        pl.lit(payroll.number).alias("batch"),
        pl.col("month").dt.strftime("%Y-%m"),
    )
    if id_field:
        frame = frame.with_columns(pl.col("id_number").fill_null("").alias(id_field))
        if id_field != "id_number":
            frame = frame.drop("id_number")
    return frame


def bank_file_export(*, actor, payroll_id: int, profile_id: int | None = None) -> BankFile:
    """The 代发 file of a released payroll, in the bank's profile (made once, then re-served)."""
    payroll = Payroll.objects.get(pk=payroll_id)
    if not (
        user_scope(actor, Capability.PAYROLL_PREPARE).contains(payroll.area_id)
        or user_scope(actor, Capability.PAYROLL_RELEASE).contains(payroll.area_id)
    ):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(Capability.PAYROLL_PREPARE)
    if payroll.status not in (PayrollStatus.RELEASED, PayrollStatus.CLOSED):
        raise ServiceError(_("发放批次拨付后才能下载银行代发文件"), code="wrong_state")
    profile = BankProfile.objects.filter(pk=profile_id).first() if profile_id else default_profile()
    if profile is None:
        raise ServiceError(_("银行格式 %(id)s 不存在") % {"id": profile_id}, field="profile")
    with transaction.atomic():
        existing = BankFile.objects.filter(
            payroll=payroll, profile=profile, kind=BankFileKind.EXPORT
        ).first()
        if existing is None:
            frame = _sent_frame(payroll, profile)
            if frame.height == 0:
                raise ServiceError(
                    _("本批次没有开户行为“%(bank)s”的发放明细，无需生成该银行的代发文件")
                    % {"bank": profile.bank_name},
                    code="no_lines_for_bank",
                )
            try:
                content = bankfiles.write_file(profile, frame)
            except bankfiles.FileProblems as exc:
                raise _report(exc.problems) from exc
            existing = BankFile.objects.create(
                payroll=payroll,
                profile=profile,
                kind=BankFileKind.EXPORT,
                file_name=f"{payroll.number}-{profile.pk}.{profile.file_format}",
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                line_count=frame.height,
                total_amount=_yuan(frame["amount_fen"].sum() or 0),
                created_by=actor,
            )
        audit_record(
            actor=actor,
            action="funds.bank_file_export",
            subject_type="bank_file",
            subject_id=existing.pk,
            area_code=payroll.area_id,
            extra={"payroll": payroll.number, "sha256": existing.sha256, "profile": profile.name},
        )
    return existing


def _report(problems: list[str]) -> ServiceError:
    shown = problems[: bankfiles.MAX_REPORTED]
    more = len(problems) - len(shown)
    if more > 0:
        shown.append(_("……另有 %(n)s 处问题未列出") % {"n": more})
    return ServiceError(errors={"file": shown}, code="bad_return_file")


def bank_return_import(
    *, actor, payroll_id: int, data: bytes, file_name: str, profile_id: int | None = None
) -> dict:
    """对账: read the bank's return file and record each line as paid or failed.

    All or nothing: unknown lines, lines of another payroll, amounts or accounts that differ,
    a wrong 合计, an encoding other than the profile's, or lines already reconciled refuse the
    whole file with a row-level report (``ServiceError.errors['file']``) and nothing is written.
    Failed lines go to the re-issue queue with the bank's reason."""
    payroll = Payroll.objects.get(pk=payroll_id)
    require_area(actor, Capability.PAYROLL_PREPARE, payroll.area_id)
    if payroll.status != PayrollStatus.RELEASED:
        raise ServiceError(_("只有已拨付、未结清的发放批次可以导入回盘文件"), code="wrong_state")
    profile = BankProfile.objects.filter(pk=profile_id).first() if profile_id else default_profile()
    if profile is None:
        raise ServiceError(_("银行格式 %(id)s 不存在") % {"id": profile_id}, field="profile")
    try:
        rows, trailer = bankfiles.read_return(profile, data, file_name)
    except bankfiles.FileProblems as exc:
        raise _report(exc.problems) from exc
    problems: list[str] = []
    other_batches = rows.filter(pl.col("batch") != payroll.number)["batch"].unique().to_list()
    if other_batches and rows.filter(pl.col("batch") == payroll.number).height == 0:
        raise _report(
            [
                _("该回盘文件属于批次 %(batches)s，不是本批次 %(number)s")
                % {"batches": "、".join(sorted(other_batches)[:3]), "number": payroll.number}
            ]
        )
    sent = _sent_frame(payroll).select(
        "id",
        "ref",
        pl.col("account_number").alias("l_account"),
        pl.col("amount_fen").alias("l_fen"),
        "status",
    )
    j = rows.join(sent, on="ref", how="left")
    checks = [
        (
            pl.col("batch") != payroll.number,
            lambda r: (
                _("第 %(row)s 行：批次号 %(batch)s 不是本批次 %(number)s")
                % {"row": r["row_no"], "batch": r["batch"], "number": payroll.number}
            ),
        ),
        (
            pl.col("id").is_null() & (pl.col("batch") == payroll.number),
            lambda r: (
                _("第 %(row)s 行：明细编号 %(ref)s 不在本批次的代发明细中")
                % {"row": r["row_no"], "ref": r["ref"]}
            ),
        ),
        (
            pl.col("ref").is_duplicated(),
            lambda r: (
                _("第 %(row)s 行：明细编号 %(ref)s 在文件中重复")
                % {"row": r["row_no"], "ref": r["ref"]}
            ),
        ),
        (
            pl.col("amount_fen").is_null(),
            lambda r: (
                _("第 %(row)s 行：金额“%(amount)s”格式不正确")
                % {"row": r["row_no"], "amount": r["amount"]}
            ),
        ),
        (
            pl.col("id").is_not_null()
            & pl.col("amount_fen").is_not_null()
            & (pl.col("amount_fen") != pl.col("l_fen")),
            lambda r: (
                _("第 %(row)s 行：金额 %(amount)s 与代发金额 %(sent)s 不符")
                % {"row": r["row_no"], "amount": r["amount"], "sent": _yuan(r["l_fen"])}
            ),
        ),
        (
            pl.col("id").is_not_null() & (pl.col("account_number") != pl.col("l_account")),
            lambda r: _("第 %(row)s 行：账号与代发文件不符") % {"row": r["row_no"]},
        ),
        (
            ~pl.col("result").is_in([bankfiles.RESULT_PAID, bankfiles.RESULT_FAILED]),
            lambda r: (
                _("第 %(row)s 行：处理结果应为“成功”或“失败”，实为“%(result)s”")
                % {"row": r["row_no"], "result": r["result"]}
            ),
        ),
        (
            (pl.col("result") == bankfiles.RESULT_FAILED)
            & ~pl.col("reason").is_in(list(bankfiles.REASON_BY_TEXT)),
            lambda r: (
                _(
                    "第 %(row)s 行：失败原因“%(reason)s”无法识别"
                    "（应为 账号错误/账户已销户/户名不符/其他）"
                )
                % {"row": r["row_no"], "reason": r["reason"]}
            ),
        ),
        (
            pl.col("id").is_not_null() & (pl.col("status") != LineStatus.SENT),
            lambda r: (
                _("第 %(row)s 行：明细 %(ref)s 已对账，不能重复导入")
                % {"row": r["row_no"], "ref": r["ref"]}
            ),
        ),
    ]
    bad = j.with_columns(
        [cond.fill_null(False).alias(f"c{i}") for i, (cond, _msg) in enumerate(checks)]
    )
    flagged = bad.filter(pl.any_horizontal([pl.col(f"c{i}") for i in range(len(checks))]))
    for r in flagged.head(bankfiles.MAX_REPORTED + 1).iter_rows(named=True):
        for i, (_cond, msg) in enumerate(checks):
            if r[f"c{i}"]:
                problems.append(msg(r))
    if flagged.height > bankfiles.MAX_REPORTED + 1:
        problems.append(_("共 %(n)s 行有问题") % {"n": flagged.height})
    file_total = int(rows["amount_fen"].sum() or 0)
    if not trailer:
        problems.append(_("文件缺少“合计”行（总笔数与总金额核对）"))
    elif trailer.get("amount_fen") is None:
        problems.append(_("合计行金额“%(amount)s”格式不正确") % {"amount": trailer.get("amount")})
    elif trailer["amount_fen"] != file_total:
        problems.append(
            _("合计金额 %(total)s 元与明细金额之和 %(sum)s 元不符")
            % {"total": _yuan(trailer["amount_fen"]), "sum": _yuan(file_total)}
        )
    if problems:
        raise _report(problems)
    result = j.select(
        "id",
        pl.when(pl.col("result") == bankfiles.RESULT_PAID)
        .then(pl.lit(LineStatus.PAID))
        .otherwise(pl.lit(LineStatus.FAILED))
        .alias("status"),
        pl.when(pl.col("result") == bankfiles.RESULT_FAILED)
        .then(
            pl.col("reason").replace_strict(bankfiles.REASON_BY_TEXT, default="other").cast(pl.Utf8)
        )
        .otherwise(pl.lit(""))
        .alias("failure_reason"),
        "l_fen",
    )
    with transaction.atomic():
        locked = _lock(payroll.pk, None)
        if locked.status != PayrollStatus.RELEASED:
            raise ServiceError(_("发放批次状态已改变，请刷新后重试"), code="wrong_state")
        _apply_results(locked, result)
        failed = result.filter(pl.col("status") == LineStatus.FAILED)
        paid = result.filter(pl.col("status") == LineStatus.PAID)
        ids = read_frame(
            "SELECT id, household_id FROM funds_payrollline WHERE payroll_id = %s",
            [payroll.pk],
            {"id": pl.Int64, "household_id": pl.Int64},
        )
        res = result.join(ids, on="id").sort("id")
        ledger_append(
            [
                {
                    "kind": LedgerKind.PAID if st == LineStatus.PAID else LedgerKind.FAILED,
                    "amount": _yuan(fen),
                    "programme": payroll.programme,
                    "area_code": payroll.area_id,
                    "month": payroll.month,
                    "payroll_id": payroll.pk,
                    "line_id": line_id,
                    "household_id": hh,
                    "note": reason,
                }
                for line_id, st, reason, fen, hh in res.iter_rows()
            ],
            actor=actor,
        )
        bf = BankFile.objects.create(
            payroll=payroll,
            profile=profile,
            kind=BankFileKind.RETURN,
            file_name=file_name[:120],
            content=data,
            sha256=hashlib.sha256(data).hexdigest(),
            line_count=rows.height,
            total_amount=_yuan(file_total),
            created_by=actor,
        )
        summary = {
            "file": bf.pk,
            "rows": rows.height,
            "paid": paid.height,
            "paid_amount": _yuan(paid["l_fen"].sum() or 0),
            "failed": failed.height,
            "failed_amount": _yuan(failed["l_fen"].sum() or 0),
        }
        audit_record(
            actor=actor,
            action="funds.bank_return_import",
            subject_type="payroll",
            subject_id=payroll.pk,
            area_code=payroll.area_id,
            after=summary,
        )
        recoveries_detect(payroll_id=payroll.pk, actor=actor)
    return summary


def _apply_results(payroll: Payroll, result: pl.DataFrame) -> None:
    """Set each reconciled line's status in one statement per kind (temporary table + UPDATE)."""
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS funds_return_tmp "
            "(id BIGINT PRIMARY KEY, status VARCHAR(10), failure_reason VARCHAR(16))"
        )
        cur.execute("DELETE FROM funds_return_tmp")
    write_frame("funds_return_tmp", result.select("id", "status", "failure_reason"))
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE funds_payrollline SET status = t.status, failure_reason = t.failure_reason, "
            "reissue_status = CASE WHEN t.status = 'failed' THEN 'queued' ELSE '' END "
            "FROM funds_return_tmp t WHERE funds_payrollline.id = t.id "
            "AND funds_payrollline.payroll_id = %s",
            [payroll.pk],
        )
        cur.execute("DELETE FROM funds_return_tmp")


# ---------------------------------------------------------------- re-issue and close


def payroll_reissue(*, actor, payroll_id: int, line_ids: list[int] | None = None) -> Payroll:
    """补发: the queued lines (failed at the bank, or a hold cleared) into a supplementary batch,
    paid into the household's current account. A line whose account was the reason it failed
    is refused until the account has been corrected."""
    with transaction.atomic():
        parent = _lock(payroll_id, None)
        require_area(actor, Capability.PAYROLL_PREPARE, parent.area_id)
        if parent.status not in (
            PayrollStatus.RELEASED,
            PayrollStatus.CLOSED,
            PayrollStatus.APPROVED,
            PayrollStatus.SUBMITTED,
        ):
            raise ServiceError(_("该批次没有可补发的明细"), code="wrong_state")
        queued = PayrollLine.objects.select_for_update().filter(
            payroll=parent, reissue_status=ReissueStatus.QUEUED
        )
        if line_ids:
            queued = queued.filter(pk__in=line_ids)
        queued = list(queued.order_by("seq"))
        if not queued:
            raise ServiceError(_("没有待补发的明细"), code="empty")
        accounts = _current_accounts({ln.household_id for ln in queued})
        problems = []
        for ln in queued:
            acct = accounts.get((ln.household_id, ln.person_id)) or accounts.get(
                (ln.household_id, None)
            )
            if acct is None:
                problems.append(_("第 %(seq)s 笔：该户没有有效发放账户") % {"seq": ln.seq})
            elif (
                ln.status == LineStatus.FAILED
                and ln.failure_reason != "other"
                and (
                    acct.account_number == ln.account_number and acct.holder_name == ln.holder_name
                )
            ):
                problems.append(
                    _("第 %(seq)s 笔：发放失败原因为“%(reason)s”，请先更正发放账户再补发")
                    % {"seq": ln.seq, "reason": ln.get_failure_reason_display()}
                )
        if problems:
            raise ServiceError(errors={"lines": problems}, code="account_not_fixed")
        n = parent.supplements.count() + 1
        supp = Payroll.objects.create(
            number=f"{parent.number}-BF{n}",
            kind=PayrollKind.SUPPLEMENTARY,
            parent=parent,
            programme=parent.programme,
            area=parent.area,
            month=parent.month,
            generated_at=timezone.now(),
            generated_by=actor,
            inputs={"reissue_of": parent.number, "lines": [ln.seq for ln in queued]},
        )
        new = []
        for i, ln in enumerate(queued, start=1):
            acct = accounts.get((ln.household_id, ln.person_id)) or accounts.get(
                (ln.household_id, None)
            )
            reason = (
                ln.get_failure_reason_display() if ln.status == LineStatus.FAILED else "暂停解除"
            )
            new.append(
                PayrollLine(
                    payroll=supp,
                    seq=i,
                    roll_entry_id=ln.roll_entry_id,
                    household_id=ln.household_id,
                    person_id=ln.person_id,
                    programme=ln.programme,
                    decision_ref=ln.decision_ref,
                    months_from=ln.months_from,
                    months_to=ln.months_to,
                    months=ln.months,
                    monthly_amount=ln.monthly_amount,
                    amount=ln.amount,
                    status=LineStatus.PAYABLE,
                    flags=[
                        {
                            "code": "reissue",
                            "label": gettext_noop("补发"),
                            "held": False,
                            "reason": f"原批次 {parent.number} 第 {ln.seq} 笔（{reason}）补发",
                            "evidence": {
                                "type": "line",
                                "id": ln.pk,
                                "household_id": ln.household_id,
                            },
                        }
                    ],
                    account=acct,
                    bank_name=acct.bank_name,
                    account_number=acct.account_number,
                    holder_name=acct.holder_name,
                    reissue_of=ln,
                )
            )
        PayrollLine.objects.bulk_create(new)
        PayrollLine.objects.filter(pk__in=[ln.pk for ln in queued]).update(
            reissue_status=ReissueStatus.REISSUED
        )
        _refresh_totals(supp)
        flagged_count_update(supp)
        supp.digest = hashlib.sha256(
            "|".join(f"{ln.reissue_of_id}:{ln.amount}:{ln.account_number}" for ln in new).encode()
        ).hexdigest()
        supp.save()
        audit_record(
            actor=actor,
            action="funds.payroll_reissue",
            subject_type="payroll",
            subject_id=supp.pk,
            area_code=parent.area_id,
            after={"parent": parent.number, "lines": len(new), "amount": supp.total_amount},
        )
        return supp


def _current_accounts(household_ids: set[int]) -> dict:
    out = {}
    for a in PaymentAccount.objects.filter(household_id__in=household_ids, active=True).order_by(
        "-pk"
    ):
        out.setdefault((a.household_id, a.person_id), a)
    return out


def payroll_close_check(payroll: Payroll) -> dict:
    """Totals for closing: sent = paid + failed-and-reissued, to the fen."""
    agg = PayrollLine.objects.filter(payroll=payroll, status__in=SENT_STATUSES).aggregate(
        sent=Sum("amount"),
        paid=Sum("amount", filter=Q(status=LineStatus.PAID)),
        failed=Sum("amount", filter=Q(status=LineStatus.FAILED)),
        reissued=Sum(
            "amount", filter=Q(status=LineStatus.FAILED, reissue_status=ReissueStatus.REISSUED)
        ),
        unreconciled=Count("id", filter=Q(status=LineStatus.SENT)),
        not_reissued=Count(
            "id", filter=Q(status=LineStatus.FAILED) & ~Q(reissue_status=ReissueStatus.REISSUED)
        ),
    )
    zero = decimal.Decimal("0.00")
    sent = agg["sent"] or zero
    paid = agg["paid"] or zero
    reissued = agg["reissued"] or zero
    return {
        "sent": sent,
        "paid": paid,
        "failed": agg["failed"] or zero,
        "reissued": reissued,
        "unreconciled": agg["unreconciled"],
        "not_reissued": agg["not_reissued"],
        "difference": sent - paid - reissued,
        "agrees": agg["unreconciled"] == 0
        and agg["not_reissued"] == 0
        and _fen(sent) == _fen(paid) + _fen(reissued)
        and _fen(sent) == _fen(payroll.payable_amount),
    }


def payroll_close(*, actor, payroll_id: int, version: int) -> Payroll:
    """结清: only when every sent line is paid or failed-and-reissued and the totals agree to the fen."""
    with transaction.atomic():
        payroll = _lock(payroll_id, version)
        require_area(actor, Capability.PAYROLL_PREPARE, payroll.area_id)
        if payroll.status != PayrollStatus.RELEASED:
            raise ServiceError(_("只有已拨付的发放批次可以结清"), code="wrong_state")
        totals = payroll_close_check(payroll)
        if not totals["agrees"]:
            parts = []
            if totals["unreconciled"]:
                parts.append(_("%(n)s 笔尚未对账") % {"n": totals["unreconciled"]})
            if totals["not_reissued"]:
                parts.append(_("%(n)s 笔发放失败尚未补发") % {"n": totals["not_reissued"]})
            parts.append(
                _(
                    "代发 %(sent)s 元，到账 %(paid)s 元，失败已补发 %(reissued)s 元，"
                    "差额 %(difference)s 元"
                )
                % {
                    "sent": totals["sent"],
                    "paid": totals["paid"],
                    "reissued": totals["reissued"],
                    "difference": totals["difference"],
                }
            )
            raise ServiceError(
                _("不能结清：%(reasons)s")
                % {"reasons": pgettext("list separator", "；").join(parts)},
                code="totals_disagree",
            )
        payroll.status = PayrollStatus.CLOSED
        payroll.closed_by = actor
        payroll.closed_at = timezone.now()
        payroll.version = F("version") + 1
        payroll.save()
        audit_record(
            actor=actor,
            action="funds.payroll_close",
            subject_type="payroll",
            subject_id=payroll.pk,
            area_code=payroll.area_id,
            after={k: v for k, v in totals.items() if k != "agrees"},
        )
        payroll.refresh_from_db()
        return payroll


# ---------------------------------------------------------------- recoveries (追缴)


def recoveries_detect(*, payroll_id: int | None = None, actor=None) -> int:
    """Paid lines covering months after the payee's death become recovery records (set-based)."""
    params: list = []
    where = ""
    if payroll_id is not None:
        where = "AND l.payroll_id = %s"
        params.append(payroll_id)
    # Driven from the (few) dead persons to their households' paid lines.
    sql = (
        f"SELECT l.id, l.household_id, p.id, {fen_sql('l.monthly_amount')}, "
        f"{date_sql('l.months_from')}, {date_sql('l.months_to')}, {date_sql('p.death_date')}, p.name "
        "FROM registry_person p "
        "JOIN funds_payrollline l ON l.household_id = p.household_id "
        "LEFT JOIN funds_paymentaccount a ON a.id = l.account_id "
        "WHERE p.death_date IS NOT NULL AND l.status = 'paid' AND p.death_date < l.months_to "
        "AND (l.person_id = p.id OR (l.person_id IS NULL AND a.person_id = p.id) "
        "OR (l.person_id IS NULL AND a.person_id IS NULL AND p.relation = 'head')) "
        f"{where} AND NOT EXISTS (SELECT 1 FROM funds_recovery r WHERE r.line_id = l.id)"
    )
    df = read_frame(
        sql,
        params,
        {
            "line_id": pl.Int64,
            "household_id": pl.Int64,
            "person_id": pl.Int64,
            "monthly_fen": pl.Int64,
            "months_from": pl.Date,
            "months_to": pl.Date,
            "death_date": pl.Date,
            "name": pl.Utf8,
        },
    )
    made = []
    for line_id, hh, pid, monthly, mfrom, mto, death, name in df.iter_rows():
        first_unowed = max(month_index(death) + 1, month_index(mfrom))
        months = month_index(mto) - first_unowed + 1
        if months <= 0:
            continue
        made.append(
            Recovery(
                line_id=line_id,
                household_id=hh,
                person_id=pid,
                amount=_yuan(monthly * months),
                reason=f"{name}于{death:%Y-%m-%d}死亡，{month_from_index(first_unowed):%Y-%m}起 {months} 个月不应发放",
            )
        )
    if not made:
        return 0
    with transaction.atomic():
        Recovery.objects.bulk_create(made)
        audit_record(
            actor=actor,
            action="funds.recoveries_detect",
            subject_type="payroll",
            subject_id=payroll_id or "",
            after={"recoveries": len(made)},
        )
    return len(made)


def recovery_record(*, actor, recovery_id: int, version: int, amount, note: str = "") -> Recovery:
    """追回: money recovered (in part or in full); a ledger ``recovered`` entry."""
    try:
        value = decimal.Decimal(str(amount)).quantize(CENT)
    except (decimal.InvalidOperation, ValueError) as exc:
        raise ServiceError(_("追回金额应为数字（元）"), field="amount") from exc
    with transaction.atomic():
        rec = (
            Recovery.objects.select_for_update()
            .select_related("line__payroll", "household")
            .get(pk=recovery_id)
        )
        require_area(actor, Capability.PAYROLL_PREPARE, rec.household.hukou_area_id)
        if rec.version != version:
            raise ConcurrentEditError(_("追缴记录"))
        if value <= 0 or rec.recovered_amount + value > rec.amount:
            raise ServiceError(
                _("追回金额应大于 0 且累计不超过应追缴金额 %(amount)s 元") % {"amount": rec.amount},
                field="amount",
            )
        rec.recovered_amount += value
        rec.status = (
            RecoveryStatus.RECOVERED
            if rec.recovered_amount == rec.amount
            else RecoveryStatus.PARTIAL
        )
        rec.version += 1
        rec.save()
        p = rec.line.payroll
        ledger_append(
            [
                {
                    "kind": LedgerKind.RECOVERED,
                    "amount": value,
                    "programme": p.programme,
                    "area_code": p.area_id,
                    "month": p.month,
                    "payroll_id": p.pk,
                    "line_id": rec.line_id,
                    "household_id": rec.household_id,
                    "note": note[:200],
                }
            ],
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="funds.recovery_record",
            subject_type="recovery",
            subject_id=rec.pk,
            household_id=rec.household_id,
            area_code=rec.household.hukou_area_id,
            reason=note,
            after={"recovered": rec.recovered_amount, "status": rec.status},
        )
        return rec
