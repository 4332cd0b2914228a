"""Payrolls: generate from the roll, submit, approve (one or more levels), return, release."""

from __future__ import annotations

import datetime
import json

import polars as pl
from django.db import connection, transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area, user_roles
from jiuzhu.areas.models import Area, AreaLevel, level_for_code
from jiuzhu.audit.services import audit_record
from jiuzhu.core import events
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.core.frames import date_sql, fen_sql, read_frame, write_frame
from jiuzhu.core.money import fen_to_text
from jiuzhu.funds.generation import (
    area_prefix,
    compute_lines,
    flags_by_line,
    load_inputs,
)
from jiuzhu.funds.ledger import ledger_append
from jiuzhu.funds.models import (
    ApprovalThreshold,
    LedgerEntry,
    LedgerKind,
    LineStatus,
    Payroll,
    PayrollApproval,
    PayrollKind,
    PayrollLine,
    PayrollStatus,
)
from jiuzhu.funds.services._common import (
    _digest,
    _handlers,
    _level_name,
    _lock,
    _totals,
    _yuan,
    first_of_month,
    flagged_count_update,
    payroll_number,
)
from jiuzhu.funds.services.budgets import _cutover_ensure, budget_position


def payroll_generate(*, actor, programme: str, area_code: str, month: datetime.date) -> Payroll:
    """Generate (or regenerate, while still a draft) the payroll of a programme, area and month.

    Idempotent: the same roll, history and checks give the same lines and the same ``digest``.
    A crash leaves the previous draft (the replacement is one transaction)."""
    month = first_of_month(month)
    existing = _draft_to_regenerate(actor, programme=programme, area_code=area_code, month=month)
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


def _draft_to_regenerate(actor, *, programme: str, area_code: str, month: datetime.date):
    """The regular payroll of the programme, area and month if there is one (it must still be a
    draft); the area must be a county or township the actor prepares payrolls for."""
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
    return existing


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
        events.publish(
            events.PayrollReleased(
                payroll_id=payroll.pk,
                area_code=payroll.area_id,
                amount=payroll.payable_amount,
                lines=payroll.payable_count,
            )
        )
        payroll.refresh_from_db()
        return payroll
