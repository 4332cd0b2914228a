"""Funds reads: every list scoped to the user's areas with ``jiuzhu.accounts.scoping``."""

from __future__ import annotations

import datetime
import decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, scoped, user_scope
from jiuzhu.areas.models import AreaLevel
from jiuzhu.core.masking import mask_id_number
from jiuzhu.funds.models import (
    AccountNotice,
    Budget,
    FundingSource,
    LedgerEntry,
    LedgerKind,
    LineStatus,
    PaymentAccount,
    PaymentHold,
    Payroll,
    PayrollLine,
    PayrollStatus,
    Recovery,
    ReissueStatus,
)


def mask_account(number: str) -> str:
    """6222 **** **** 1234: the first 4 and last 4 digits stay."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def can_see_accounts(user, area_code: str) -> bool:
    """Full account numbers only for those who pay (preparers and finance), on request."""
    return user_scope(user, Capability.PAYROLL_PREPARE).contains(area_code) or user_scope(
        user, Capability.PAYROLL_RELEASE
    ).contains(area_code)


def payroll_list(
    *,
    user,
    status: str = "",
    month: datetime.date | None = None,
    programme: str = "",
    area_code: str = "",
) -> QuerySet[Payroll]:
    """Payrolls in the user's areas; ``area_code`` keeps that area's and its sub-areas'."""
    qs = scoped(Payroll.objects.select_related("area"), user, Capability.FUNDS_VIEW)
    if status:
        qs = qs.filter(status=status)
    if month:
        qs = qs.filter(month=month)
    if programme:
        qs = qs.filter(programme=programme)
    if area_code:
        from jiuzhu.funds.generation import area_prefix

        qs = qs.filter(area__code__startswith=area_prefix(area_code))
    return qs.order_by("-month", "area_id", "number")


def payroll_get(*, user, payroll_id: int) -> Payroll:
    return access(
        Payroll.objects.select_related(
            "area", "prepared_by", "released_by", "closed_by", "generated_by", "parent"
        ),
        user,
        Capability.FUNDS_VIEW,
        pk=payroll_id,
    )


LINE_FILTERS = {
    "held": Q(status=LineStatus.HELD),
    "flagged": ~Q(flags=[]) & ~Q(status=LineStatus.HELD),
    "failed": Q(status=LineStatus.FAILED),
    "paid": Q(status=LineStatus.PAID),
    "reissue": Q(reissue_status=ReissueStatus.QUEUED),
}


def payroll_lines(*, payroll: Payroll, which: str = "") -> QuerySet[PayrollLine]:
    qs = PayrollLine.objects.filter(payroll=payroll).select_related("household", "person")
    if which in LINE_FILTERS:
        qs = qs.filter(LINE_FILTERS[which])
    return qs.order_by("seq")


def line_counts(*, payroll: Payroll) -> dict:
    agg = PayrollLine.objects.filter(payroll=payroll).aggregate(
        **{k: Count("id", filter=q) for k, q in LINE_FILTERS.items()}
    )
    return agg


def flag_counts(*, payroll: Payroll) -> dict[str, int]:
    """How many lines carry each flag code (a line counts once per code)."""
    counts: dict[str, int] = {}
    for flags in (
        PayrollLine.objects.filter(payroll=payroll)
        .exclude(flags=[])
        .values_list("flags", flat=True)
    ):
        for code in {f.get("code") for f in flags}:
            counts[code] = counts.get(code, 0) + 1
    return dict(sorted(counts.items()))


def status_totals(*, payroll: Payroll) -> dict[str, dict]:
    """{line status: {"count", "amount"}} for the payroll's lines."""
    return {
        row["status"]: {"count": row["n"], "amount": row["amount"]}
        for row in PayrollLine.objects.filter(payroll=payroll)
        .values("status")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by("status")
    }


def payee_id_numbers_masked(lines) -> dict[int, str]:
    """{line id: the payee's masked ID number}: the line's person, else the household's head."""
    from jiuzhu.registry.models import Person

    lines = list(lines)
    heads = dict(
        Person.objects.filter(
            household_id__in={ln.household_id for ln in lines if ln.person_id is None},
            relation="head",
        )
        .order_by("-id")
        .values_list("household_id", "id_number")
    )
    return {
        ln.pk: mask_id_number(
            ln.person.id_number if ln.person_id is not None else heads.get(ln.household_id)
        )
        for ln in lines
    }


def evidence_url(evidence: dict) -> str:
    """The page that shows a flag's evidence."""
    kind, pk, hh = evidence.get("type"), evidence.get("id"), evidence.get("household_id")
    if kind == "finding" and hh:
        return reverse("verify:report", args=[hh])
    if kind == "duplicate":
        return reverse("verify:duplicates")
    if kind == "application" and pk:
        return reverse("cases:detail", args=[pk])
    if kind == "line" and pk:
        line = PayrollLine.objects.filter(pk=pk).only("payroll_id").first()
        return reverse("funds:payroll_detail", args=[line.payroll_id]) if line else ""
    if kind == "hold":
        return reverse("funds:holds") + f"?status=all#hold-{pk}"
    if kind == "household" and pk:
        return reverse("registry:household_detail", args=[pk])
    if kind == "roll_entry" and hh:
        return reverse("registry:household_detail", args=[hh]) + "#roll"
    if hh:
        return reverse("registry:household_detail", args=[hh])
    return ""


def lines_for_display(lines, *, reveal: bool = False) -> list[dict]:
    out = []
    for ln in lines:
        out.append(
            {
                "line": ln,
                "account": ln.account_number if reveal else mask_account(ln.account_number),
                # Flag labels are stored in Chinese (msgids); the reason is stored text.
                "flags": [
                    {
                        **f,
                        "label": gettext(f["label"]) if f.get("label") else "",
                        "url": evidence_url(f.get("evidence", {})),
                    }
                    for f in ln.flags
                ],
            }
        )
    return out


def approvals(*, payroll: Payroll) -> list[dict]:
    done = {a.level: a for a in payroll.approvals.select_related("approver")}
    # A level's label is stored Chinese: the default "复核" is a msgid, thresholds' labels are data.
    return [
        {
            **lv,
            "label": gettext(lv["label"]),
            "area_level_label": AreaLevel(lv["area_level"]).label
            if lv.get("area_level") in AreaLevel.values
            else lv.get("area_level", ""),
            "approval": done.get(lv["level"]),
        }
        for lv in payroll.required_levels
    ]


def reissue_queue(*, user) -> QuerySet[PayrollLine]:
    return scoped(
        PayrollLine.objects.filter(reissue_status=ReissueStatus.QUEUED).select_related(
            "payroll", "household"
        ),
        user,
        Capability.FUNDS_VIEW,
    ).order_by("payroll__month", "payroll_id", "seq")


def recoveries(*, user) -> QuerySet[Recovery]:
    return scoped(
        Recovery.objects.select_related("line__payroll", "household", "person"),
        user,
        Capability.FUNDS_VIEW,
    ).order_by("status", "-created_at")


HOLD_FILTERS = {
    "open": Q(released_at__isnull=True),
    "released": Q(released_at__isnull=False),
    "all": Q(),
}


def holds(*, user, status: str = "open") -> QuerySet[PaymentHold]:
    """暂停发放 in the user's areas: ``status`` open (default), released or all."""
    qs = scoped(
        PaymentHold.objects.select_related("person", "household", "placed_by", "released_by"),
        user,
        Capability.FUNDS_VIEW,
    )
    return qs.filter(HOLD_FILTERS.get(status, HOLD_FILTERS["open"])).order_by("-placed_at", "-pk")


def hold_source_url(source: str, household_id: int) -> str:
    """The page behind a hold's source: the monitoring alert, or the household's 核对 report."""
    kind, _, ref = source.partition(":")
    try:
        if kind == "alert" and ref.isdigit():
            return reverse("monitoring:alert", args=[int(ref)])
        if kind == "finding":
            return reverse("verify:report", args=[household_id])
    except NoReverseMatch:
        return ""
    return ""


def holds_for_display(holds) -> list[dict]:
    """Each hold with the payee's masked ID number, the link to its source, and the payroll
    lines it held (a line's flags name the hold: ``evidence = {"type": "hold", "id": …}``)."""
    holds = list(holds)
    by_household: dict[int, list[PayrollLine]] = {}
    for line in (
        PayrollLine.objects.filter(household_id__in={h.household_id for h in holds})
        .exclude(flags=[])
        .select_related("payroll")
        .only(
            "id",
            "seq",
            "household_id",
            "status",
            "reissue_status",
            "amount",
            "flags",
            "payroll__id",
            "payroll__number",
            "payroll__status",
        )
        .order_by("-payroll__month", "-payroll_id", "seq")
    ):
        by_household.setdefault(line.household_id, []).append(line)
    out = []
    for h in holds:
        lines = [
            ln
            for ln in by_household.get(h.household_id, [])
            if any(
                f.get("evidence", {}).get("type") == "hold" and f["evidence"].get("id") == h.pk
                for f in ln.flags
            )
        ]
        out.append(
            {
                "hold": h,
                "id_number": mask_id_number(h.person.id_number),
                "source_url": hold_source_url(h.source, h.household_id),
                "lines": lines[:12],
            }
        )
    return out


def household_payments(*, user, household_id: int) -> dict | None:
    """The payment history section of a household's profile (None without FUNDS_VIEW there)."""
    from jiuzhu.registry.models import Household

    hh = Household.objects.filter(pk=household_id).only("hukou_area_id").first()
    if hh is None or not user_scope(user, Capability.FUNDS_VIEW).contains(hh.hukou_area_id):
        return None
    lines = list(
        PayrollLine.objects.filter(household_id=household_id)
        .select_related("payroll", "person", "household")
        .order_by("-months_to", "-payroll_id")[:60]
    )
    accounts = list(
        PaymentAccount.objects.filter(household_id=household_id).order_by("-active", "-pk")
    )
    return {
        "lines": lines_for_display(lines),
        "accounts": [{"account": a, "masked": mask_account(a.account_number)} for a in accounts],
        "holds": list(PaymentHold.objects.filter(household_id=household_id).order_by("-placed_at")),
        "recoveries": list(Recovery.objects.filter(household_id=household_id)),
        "paid_total": PayrollLine.objects.filter(
            household_id=household_id, status=LineStatus.PAID
        ).aggregate(s=Sum("amount"))["s"]
        or decimal.Decimal("0.00"),
        "can_reveal": can_see_accounts(user, hh.hukou_area_id),
    }


def household_section(*, user, household) -> dict | None:
    """For ``core.profile_sections``: the household's 发放记录, or None without FUNDS_VIEW there."""
    data = household_payments(user=user, household_id=household.pk)
    return None if data is None else {**data, "household_id": household.pk}


UNBUDGETED = "unbudgeted"  # spending in an area with no budget line of the programme and year
UNBUDGETED_LABEL = _("未设预算")


def _allocate(fen: int, weights: list[int]) -> list[int]:
    """Split ``fen`` in proportion to ``weights`` to the fen, the parts summing to ``fen``: each
    part rounded down, the fen left over going to the largest remainders (the first on a tie)."""
    total = sum(weights)
    parts = [fen * w // total for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(fen * weights[i] % total), i))
    for i in remainders[: fen - sum(parts)]:
        parts[i] += 1
    return parts


def _budget_area(area_code: str, budget_areas) -> str | None:
    """The area whose budget lines pay ``area_code``'s payrolls: itself or its nearest ancestor
    that has budget lines (normally the county)."""
    from jiuzhu.areas.models import parent_code

    code: str | None = area_code
    while code is not None:
        if code in budget_areas:
            return code
        code = parent_code(code)
    return None


def spending_by_source(*, user, year: int, programme: str = "dibao") -> dict:
    """Sent and paid per month and year, by funding source, in the user's areas.

    Nothing on a payroll, line or ledger entry names the money's source: a payroll is paid from
    the budget lines of its programme and year in its area or, when that area has none, in its
    nearest ancestor that has (the county, where budgets are set). Each month's spending of such
    an area is split across its lines in proportion to their amounts, to the fen (``_allocate``:
    largest remainders, the sources' order breaking ties), so the sources add up to the spending
    exactly. Spending where no budget line applies is reported as 未设预算. The shares come from
    the budget lines whoever may see them (a township's payments are split by its county's
    budget); the spending is only the ledger entries in the user's areas (``FUNDS_VIEW``)."""
    scope = user_scope(user, Capability.FUNDS_VIEW)
    order = [value for value, _label in FundingSource.choices]
    lines: dict[str, dict[str, int]] = {}
    for area_id, source, amount in Budget.objects.filter(
        year=year, programme=programme
    ).values_list("area_id", "funding_source", "amount"):
        lines.setdefault(area_id, {})[source] = int(amount * 100)
    lines = {a: v for a, v in lines.items() if sum(v.values()) > 0}
    grouped: dict[tuple[str, str, int], int] = {}  # (budget area or "", kind, month) → fen
    area_of: dict[str, str | None] = {}
    rows = (
        LedgerEntry.objects.filter(
            scope.q("area_code"),
            programme=programme,
            month__year=year,
            kind__in=[LedgerKind.SENT, LedgerKind.PAID],
        )
        .annotate(m=ExtractMonth("month"))
        .values("area_code", "kind", "m")
        .annotate(s=Sum("amount"))
        .values_list("area_code", "kind", "m", "s")
    )
    for area_code, kind, m, amount in rows:
        if area_code not in area_of:
            area_of[area_code] = _budget_area(area_code, lines)
        key = (area_of[area_code] or "", kind, m)
        grouped[key] = grouped.get(key, 0) + int(amount * 100)
    fen: dict[str, dict[str, list[int]]] = {}
    for (budget_area, kind, m), total in grouped.items():
        if budget_area:
            sources = [src for src in order if lines[budget_area].get(src)]
            parts = _allocate(total, [lines[budget_area][src] for src in sources])
        else:
            sources, parts = [UNBUDGETED], [total]
        for src, part in zip(sources, parts, strict=True):
            months = fen.setdefault(src, {"sent": [0] * 12, "paid": [0] * 12})
            months[kind][m - 1] += part
    labels = dict(FundingSource.choices)
    out = []
    for src in [*order, UNBUDGETED]:
        if src not in fen:
            continue
        sent = [_yuan_of(v) for v in fen[src]["sent"]]
        paid = [_yuan_of(v) for v in fen[src]["paid"]]
        out.append(
            {
                "source": src,
                "label": str(labels.get(src, UNBUDGETED_LABEL)),
                "sent": sent,
                "paid": paid,
                "sent_total": _yuan_of(sum(fen[src]["sent"])),
                "paid_total": _yuan_of(sum(fen[src]["paid"])),
            }
        )
    return {"year": year, "programme": programme, "sources": out}


def _yuan_of(fen: int) -> decimal.Decimal:
    return (decimal.Decimal(fen) / 100).quantize(decimal.Decimal("0.01"))


def budget_report(*, user, year: int, programme: str = "dibao") -> dict:
    """Budget vs spending by month (from the ledger), budget and spending by funding source."""
    scope = user_scope(user, Capability.FUNDS_VIEW)
    budgets = list(
        Budget.objects.filter(scope.q("area"), year=year, programme=programme).select_related(
            "area"
        )
    )
    budget_by_source: dict[str, decimal.Decimal] = {}
    for b in budgets:
        budget_by_source[b.funding_source] = (
            budget_by_source.get(b.funding_source, decimal.Decimal("0")) + b.amount
        )
    spending = spending_by_source(user=user, year=year, programme=programme)["sources"]
    zero = decimal.Decimal("0.00")
    sent = [sum((s["sent"][i] for s in spending), zero) for i in range(12)]
    paid = [sum((s["paid"][i] for s in spending), zero) for i in range(12)]
    ledger = LedgerEntry.objects.filter(scope.q("area_code"), programme=programme, month__year=year)
    recovered = ledger.filter(kind=LedgerKind.RECOVERED).aggregate(s=Sum("amount"))["s"] or 0
    total_budget = sum((b.amount for b in budgets), decimal.Decimal("0"))
    months = list(range(1, 13))
    cumulative = []
    run = decimal.Decimal("0")
    for m in months:
        run += sent[m - 1]
        cumulative.append(run)
    spent_by = {s["source"]: s for s in spending}
    labels = dict(FundingSource.choices)
    by_source = []
    for src in [*(value for value, _label in FundingSource.choices), UNBUDGETED]:
        budget = budget_by_source.get(src)
        spent = spent_by.get(src)
        if budget is None and spent is None:
            continue
        sent_total = spent["sent_total"] if spent else zero
        by_source.append(
            {
                "source": src,
                "label": str(labels.get(src, UNBUDGETED_LABEL)),
                "budget": budget,
                "sent": sent_total,
                "paid": spent["paid_total"] if spent else zero,
                "remaining": None if budget is None else budget - sent_total,
                "months_sent": spent["sent"] if spent else [zero] * 12,
                "months_paid": spent["paid"] if spent else [zero] * 12,
            }
        )
    return {
        "year": year,
        "programme": programme,
        "budgets": budgets,
        "by_source": by_source,
        "total_budget": total_budget,
        "months": months,
        "sent": sent,
        "paid": paid,
        "cumulative": cumulative,
        "spent": run,
        "recovered": recovered,
        "remaining": total_budget - run,
        "over": total_budget > 0 and run > total_budget,
    }


def payments_disagreeing_with_roll(*, since: datetime.date | None = None) -> list[dict]:
    """Payments (paid by the bank, or on a submitted payroll line) that disagree with the current
    roll: the entry now has another monthly amount, or is stopped/ended before the paid month.

    Unscoped (for the monitoring engine). Keys: household_id, person_id, programme, payroll_id,
    line_id, paid_amount (per month), roll_amount (per month now; 0 when the roll no longer pays
    that month), month."""
    lines = PayrollLine.objects.exclude(payroll__status=PayrollStatus.DRAFT).exclude(
        status__in=[LineStatus.HELD, LineStatus.WITHHELD, LineStatus.FAILED]
    )
    if since is not None:
        lines = lines.filter(months_to__gte=since)
    ended = Q(roll_entry__end_month__isnull=False) & Q(roll_entry__end_month__lt=F("months_to"))
    differs = ~Q(roll_entry__monthly_amount=F("monthly_amount"))
    rows = (
        lines.filter(ended | differs)
        .values(
            "id",
            "household_id",
            "person_id",
            "programme",
            "payroll_id",
            "monthly_amount",
            "months_to",
            "roll_entry__monthly_amount",
            "roll_entry__end_month",
        )
        .order_by("id")
    )
    out = []
    for r in rows:
        end = r["roll_entry__end_month"]
        roll_amount = (
            decimal.Decimal("0.00")
            if end is not None and end < r["months_to"]
            else r["roll_entry__monthly_amount"]
        )
        out.append(
            {
                "household_id": r["household_id"],
                "person_id": r["person_id"],
                "programme": r["programme"],
                "payroll_id": r["payroll_id"],
                "line_id": r["id"],
                "paid_amount": r["monthly_amount"],
                "roll_amount": roll_amount,
                "month": r["months_to"],
            }
        )
    return out


def _account_scope_q(user) -> Q:
    """Accounts in the areas where ``user`` prepares or releases payrolls."""
    q = Q(pk__in=[])
    for cap in (Capability.PAYROLL_PREPARE, Capability.PAYROLL_RELEASE):
        q |= Q(pk__in=scoped(PaymentAccount.objects.all(), user, cap).values("pk"))
    return q


def account_changes(*, user) -> dict:
    """账户变更 page: pending changes (with the account they replace) and the latest decided."""
    base = PaymentAccount.objects.filter(_account_scope_q(user)).select_related(
        "household", "person", "requested_by", "confirmed_by"
    )
    pending = list(base.filter(pending=True).order_by("created_at", "pk"))
    current = {
        (a.household_id, a.person_id): a
        for a in PaymentAccount.objects.filter(
            household_id__in={p.household_id for p in pending}, active=True
        )
    }
    rows = [
        {
            "account": a,
            "old": current.get((a.household_id, a.person_id)),
            "own": a.requested_by_id == user.pk,
            "account_masked": mask_account(a.account_number),
            "old_masked": mask_account(current[(a.household_id, a.person_id)].account_number)
            if (a.household_id, a.person_id) in current
            else "",
        }
        for a in pending
    ]
    decided = list(
        base.filter(pending=False, requested_by__isnull=False, confirmed_at__isnull=False)
        .prefetch_related("notices")
        .order_by("-confirmed_at", "-pk")[:50]
    )
    return {
        "rows": rows,
        "decided": [
            {
                "account": a,
                "account_masked": mask_account(a.account_number),
                "notice": next(iter(a.notices.all()), None),
            }
            for a in decided
        ],
    }


def account_notice(*, user, notice_id: int) -> AccountNotice:
    notice = (
        AccountNotice.objects.filter(
            account__in=PaymentAccount.objects.filter(_account_scope_q(user))
        )
        .select_related("household", "account", "created_by")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise Http404
    return notice


def ledger_paid_frame(*, first_month: datetime.date, last_month: datetime.date):
    """Money that reached the payees for payroll months in [first_month, last_month], from the
    ledger: ``household_id``, ``programme``, ``area_code`` (the payroll's), ``month``, ``fen``.
    Net: 已到账 entries, less the 冲正 entries reversing them. For jiuzhu.stats' snapshots (whole
    ledger, no user: the stats app scopes what a person sees)."""
    import polars as pl

    from jiuzhu.core.frames import date_sql, fen_sql, read_frame

    return read_frame(
        f"SELECT e.household_id, e.programme, e.area_code, {date_sql('e.month')}, "
        f"{fen_sql('e.amount')} FROM funds_ledgerentry e "
        "WHERE e.month >= %s AND e.month <= %s AND (e.kind = 'paid' OR (e.kind = 'reversed' "
        "AND e.reverses_seq IN (SELECT p.seq FROM funds_ledgerentry p WHERE p.kind = 'paid')))",
        [first_month, last_month],
        {
            "household_id": pl.Int64,
            "programme": pl.Utf8,
            "area_code": pl.Utf8,
            "month": pl.Date,
            "fen": pl.Int64,
        },
    )


def household_recent_payments(*, household_id: int, limit: int = 12) -> list[dict]:
    """The last payments of one household for its own member (the citizen portal binds the
    household first): paid/sent lines, newest first, account masked."""
    lines = (
        PayrollLine.objects.filter(
            household_id=household_id, status__in=[LineStatus.PAID, LineStatus.SENT]
        )
        .select_related("payroll")
        .order_by("-payroll__month", "-pk")[:limit]
    )
    return [
        {
            "date": (line.payroll.released_at.date() if line.payroll.released_at else None)
            or line.payroll.month,
            "month": line.payroll.month,
            "programme": line.programme,
            "amount": line.amount,
            "bank": line.bank_name,
            "account": mask_account(line.account_number),
            "status": line.get_status_display(),
        }
        for line in lines
    ]


def payroll_sent_lines(*, payroll_id: int) -> list[dict]:
    """The lines a released payroll sent to the bank: household, amount, bank, masked account
    (the citizen portal tells each household its payment)."""
    lines = PayrollLine.objects.filter(
        payroll_id=payroll_id, status__in=[LineStatus.SENT, LineStatus.PAID]
    ).select_related("payroll")
    return [
        {
            "household_id": line.household_id,
            "line_id": line.pk,
            "month": line.payroll.month,
            "programme": line.programme,
            "amount": line.amount,
            "bank": line.bank_name,
            "account": mask_account(line.account_number),
        }
        for line in lines
    ]


# --- the workbench lists (core.pagination.ListSpec; registered in apps.ready) ----------------


def _month_text(d) -> str:
    return d.strftime("%Y-%m") if d else ""


def _payroll_rows(user, query):
    from jiuzhu.accounts.scoping import within_area

    qs = scoped(Payroll.objects.select_related("area"), user, Capability.FUNDS_VIEW)
    if query.q:
        qs = qs.filter(number__startswith=query.q.strip())
    if query.area:
        qs = qs.filter(within_area("area", query.area))
    if query.programme:
        qs = qs.filter(programme=query.programme)
    if query.state in PayrollStatus.values:
        qs = qs.filter(status=query.state)
    if query.date_from:
        qs = qs.filter(month__gte=query.date_from.replace(day=1))
    if query.date_to:
        qs = qs.filter(month__lte=query.date_to)
    return qs


def _line_rows(user, query):
    from jiuzhu.accounts.scoping import within_area
    from jiuzhu.core.idcard import normalise

    qs = scoped(
        PayrollLine.objects.select_related("payroll", "household", "person"),
        user,
        Capability.FUNDS_VIEW,
    )
    number = query.extra.get("payroll", "")
    if number:
        qs = qs.filter(payroll__number=number)
    if query.q:
        q = query.q.strip()
        as_id = normalise(q.upper())
        if len(as_id) == 18 and as_id[:17].isdigit():
            qs = qs.filter(Q(person__id_number=as_id) | Q(household__members__id_number=as_id))
            qs = qs.distinct()
        else:
            qs = qs.filter(Q(holder_name__startswith=q) | Q(household__head_name__startswith=q))
    if query.area:
        qs = qs.filter(within_area("payroll__area", query.area))
    if query.programme:
        qs = qs.filter(programme=query.programme)
    if query.state in LineStatus.values:
        qs = qs.filter(status=query.state)
    if query.date_from:
        qs = qs.filter(payroll__month__gte=query.date_from.replace(day=1))
    if query.date_to:
        qs = qs.filter(payroll__month__lte=query.date_to)
    return qs


def _list_specs():
    from jiuzhu.accounts.scoping import area_choices, area_in_scope, area_name
    from jiuzhu.core.pagination import Column, ListSpec, cached_label, choice_label
    from jiuzhu.core.programmes import programme_label as _programme_label

    programme_label = cached_label(_programme_label)
    line_status = choice_label(LineStatus.choices)
    from jiuzhu.registry.selectors import _can_reveal_all, _programmes

    areas = {
        "areas": lambda user: area_choices(user, Capability.FUNDS_VIEW),
        "area_allowed": area_in_scope(Capability.FUNDS_VIEW),
        "area_name": area_name,
    }
    payrolls = ListSpec(
        name="payrolls",
        title=_("发放批次"),
        capability=Capability.FUNDS_VIEW,
        rows=_payroll_rows,
        columns=(
            Column(
                "number",
                _("批次号"),
                lambda p: p.number,
                sort="number",
                link=lambda p: reverse("funds:payroll_detail", args=[p.pk]),
            ),
            Column("kind", _("类别"), lambda p: p.get_kind_display()),
            Column("programme", _("救助项目"), lambda p: programme_label(p.programme)),
            Column("area", _("区域"), lambda p: p.area.name, sort="area"),
            Column("month", _("发放月份"), lambda p: _month_text(p.month), sort="month"),
            Column("status", _("状态"), lambda p: p.get_status_display(), sort="status"),
            Column("lines", _("笔数"), lambda p: p.line_count, number=True),
            Column("payable", _("可发放笔数"), lambda p: p.payable_count, number=True),
            Column("held", _("暂停笔数"), lambda p: p.held_count, number=True),
            Column("total", _("总金额(元)"), lambda p: p.total_amount, sort="total", number=True),
        ),
        sorts={
            "month": ("-month", "area_id", "number"),
            "number": ("number",),
            "area": ("area_id", "-month", "number"),
            "status": ("status", "-month", "number"),
            "total": ("total_amount", "number"),
        },
        default_sort="month",
        filters=("q", "area", "programme", "state", "date_from"),
        states=lambda: [(k, str(v)) for k, v in PayrollStatus.choices],
        programmes=_programmes,
        date_label=_("发放月份"),
        q_label=_("批次号"),
        url_name="funds:payroll_list",
        **areas,
    )
    lines = ListSpec(
        name="payroll_lines",
        title=_("发放明细"),
        capability=Capability.FUNDS_VIEW,
        rows=_line_rows,
        columns=(
            Column(
                "payroll",
                _("批次号"),
                lambda ln: ln.payroll.number,
                sort="payroll",
                link=lambda ln: reverse("funds:payroll_detail", args=[ln.payroll_id]),
            ),
            Column("seq", _("序号"), lambda ln: ln.seq, number=True),
            Column("household", _("家庭编号"), lambda ln: ln.household.number),
            Column(
                "person",
                _("对象"),
                lambda ln: ln.person.name if ln.person else ln.household.head_name,
            ),
            Column(
                "id_number",
                _("身份证号"),
                lambda ln: ln.person.id_number if ln.person else "",
                sensitive="id_number",
            ),
            Column("programme", _("救助项目"), lambda ln: programme_label(ln.programme)),
            Column(
                "months",
                _("月份"),
                lambda ln: f"{_month_text(ln.months_from)}–{_month_text(ln.months_to)}",
            ),
            Column("amount", _("金额(元)"), lambda ln: ln.amount, sort="amount", number=True),
            Column("holder", _("户名"), lambda ln: ln.holder_name),
            Column("bank", _("开户银行"), lambda ln: ln.bank_name),
            Column(
                "account",
                _("账号"),
                lambda ln: ln.account_number,
                sensitive="account_number",
            ),
            Column("status", _("状态"), lambda ln: line_status(ln.status), sort="status"),
        ),
        sorts={
            "payroll": ("payroll_id", "seq"),
            "amount": ("amount", "id"),
            "status": ("status", "payroll_id", "seq"),
        },
        default_sort="payroll",
        filters=("q", "area", "programme", "state", "date_from"),
        extras=("payroll",),
        states=lambda: [(k, str(v)) for k, v in LineStatus.choices],
        programmes=_programmes,
        can_reveal=_can_reveal_all(Capability.FUNDS_VIEW),
        date_label=_("发放月份"),
        q_label=_("户名、户主姓名或完整身份证号"),
        url_name="funds:lines",
        **areas,
    )
    return payrolls, lines


def service_payments(*, user, source_prefix: str = ""):
    """服务费 lines in the user's areas (funds.view), newest first."""
    from jiuzhu.funds.models import ServicePayment

    qs = scoped(ServicePayment.objects.all(), user, Capability.FUNDS_VIEW)
    if source_prefix:
        qs = qs.filter(source__startswith=source_prefix)
    return qs.select_related("prepared_by", "approved_by", "released_by")


def service_payment_by_source(source: str):
    """The payment recorded for one source (``order:N``), or None (no user: the caller scopes)."""
    from jiuzhu.funds.models import ServicePayment

    return ServicePayment.objects.filter(source=source).first()


def service_spend(*, area_prefix: str = "") -> list[dict]:
    """Released and payable service money per source, for statistics (no user: caller scopes)."""
    from jiuzhu.funds.models import ServicePayment

    qs = ServicePayment.objects.all()
    if area_prefix:
        qs = qs.filter(area_id__startswith=area_prefix)
    return list(qs.values("source", "amount", "status", "area_id"))
