"""Funds API (django-ninja), read-only: payrolls, their lines, a household's payment history.

Every endpoint needs ``funds.view`` (403 without it) and is scoped with
``jiuzhu.accounts.scoping`` like the pages: lists keep the user's areas, a payroll or household
outside them is 404. ID numbers are always masked; account numbers too (the audited reveal is
a page action). Amounts are decimal strings in yuan (``"710.00"``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Router, Schema

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, require_capability
from jiuzhu.areas.models import Area
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.programmes import programme_label
from jiuzhu.funds import selectors
from jiuzhu.funds.models import LineStatus, Payroll, PayrollLine, PayrollStatus
from jiuzhu.registry.models import Household

router = Router(tags=["funds"])

MAX_LIMIT = 500


class PayrollOut(Schema):
    id: int
    number: str
    kind: str
    parent_id: int | None
    programme: str
    programme_label: str
    area_code: str
    area_name: str
    month: str
    status: str
    status_label: str
    line_count: int
    total_amount: str
    payable_count: int
    payable_amount: str
    held_count: int
    held_amount: str
    flagged_count: int
    version: int


class PayrollPage(Schema):
    count: int
    items: list[PayrollOut]


class StatusTotal(Schema):
    count: int
    amount: str


class ApprovalOut(Schema):
    level: int
    label: str
    approver: str | None
    approved_at: datetime.datetime | None


class PayrollDetailOut(PayrollOut):
    digest: str
    generated_at: datetime.datetime | None
    prepared_at: datetime.datetime | None
    released_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    approvals: list[ApprovalOut]
    flag_counts: dict[str, int]
    line_counts: dict[str, int]
    status_totals: dict[str, StatusTotal]


class FlagOut(Schema):
    code: str
    label: str
    held: bool
    reason: str
    evidence: dict
    evidence_url: str


class LineOut(Schema):
    id: int
    seq: int
    ref: str
    payroll_id: int
    payroll_number: str
    household_id: int
    household_number: str
    person_id: int | None
    payee_id_number_masked: str
    programme: str
    roll_entry_id: int
    decision_ref: str
    months_from: str
    months_to: str
    months: int
    monthly_amount: str
    amount: str
    status: str
    status_label: str
    flags: list[FlagOut]
    bank_name: str
    account_number_masked: str
    holder_name: str
    failure_reason: str
    reissue_status: str


class LinePage(Schema):
    count: int
    items: list[LineOut]


class AccountOut(Schema):
    id: int
    person_id: int | None
    bank_name: str
    account_number_masked: str
    holder_name: str
    active: bool


class HoldOut(Schema):
    id: int
    person_id: int
    reason: str
    source: str
    placed_at: datetime.datetime
    released_at: datetime.datetime | None
    outcome: str


class HouseholdPaymentsOut(Schema):
    household_id: int
    paid_total: str
    lines: list[LineOut]
    accounts: list[AccountOut]
    holds: list[HoldOut]


def _money(value: Decimal | None) -> str:
    return f"{(value or Decimal('0')):.2f}"


def _month_text(d: datetime.date) -> str:
    return d.strftime("%Y-%m")


def _payroll_out(p: Payroll) -> dict:
    return {
        "id": p.pk,
        "number": p.number,
        "kind": p.kind,
        "parent_id": p.parent_id,
        "programme": p.programme,
        "programme_label": str(programme_label(p.programme)),
        "area_code": p.area_id,
        "area_name": p.area.name,
        "month": _month_text(p.month),
        "status": p.status,
        "status_label": str(PayrollStatus(p.status).label),
        "line_count": p.line_count,
        "total_amount": _money(p.total_amount),
        "payable_count": p.payable_count,
        "payable_amount": _money(p.payable_amount),
        "held_count": p.held_count,
        "held_amount": _money(p.held_amount),
        "flagged_count": p.flagged_count,
        "version": p.version,
    }


def _lines_out(lines: list[PayrollLine]) -> list[dict]:
    ids = selectors.payee_id_numbers_masked(lines)
    return [
        {
            "id": ln.pk,
            "seq": ln.seq,
            "ref": ln.ref,
            "payroll_id": ln.payroll_id,
            "payroll_number": ln.payroll.number,
            "household_id": ln.household_id,
            "household_number": ln.household.number,
            "person_id": ln.person_id,
            "payee_id_number_masked": ids[ln.pk],
            "programme": ln.programme,
            "roll_entry_id": ln.roll_entry_id,
            "decision_ref": ln.decision_ref,
            "months_from": _month_text(ln.months_from),
            "months_to": _month_text(ln.months_to),
            "months": ln.months,
            "monthly_amount": _money(ln.monthly_amount),
            "amount": _money(ln.amount),
            "status": ln.status,
            "status_label": str(LineStatus(ln.status).label),
            "flags": [
                {
                    "code": f.get("code", ""),
                    # stored Chinese (a msgid), given in the reader's language
                    "label": _(f["label"]) if f.get("label") else "",
                    "held": bool(f.get("held")),
                    "reason": f.get("reason", ""),
                    "evidence": f.get("evidence", {}),
                    "evidence_url": selectors.evidence_url(f.get("evidence", {})),
                }
                for f in ln.flags
            ],
            "bank_name": ln.bank_name,
            "account_number_masked": selectors.mask_account(ln.account_number),
            "holder_name": ln.holder_name,
            "failure_reason": ln.failure_reason,
            "reissue_status": ln.reissue_status,
        }
        for ln in lines
    ]


def _page_bounds(limit: int, offset: int) -> tuple[int, int]:
    if limit < 1 or limit > MAX_LIMIT:
        raise ServiceError(
            _("每页条数 limit 应在 1 至 %(max)s 之间") % {"max": MAX_LIMIT}, field="limit"
        )
    if offset < 0 or offset > 10**9:
        raise ServiceError(_("起始位置 offset 应在 0 至 1000000000 之间"), field="offset")
    return offset, offset + limit


def _parse_month(value: str) -> datetime.date | None:
    if not value:
        return None
    try:
        if len(value) != 7:
            raise ValueError(value)
        return datetime.date.fromisoformat(value + "-01")
    except ValueError:
        raise ServiceError(
            _("发放月份 month 应为 YYYY-MM 格式（如 2026-11），实为“%(value)s”") % {"value": value},
            field="month",
        ) from None


@router.get("/payrolls", response=PayrollPage)
def payroll_list(
    request,
    programme: str = "",
    area: str = "",
    month: str = "",
    status: str = "",
    limit: int = 50,
    offset: int = 0,
):
    """发放批次 in the user's areas, newest month first. ``area``: a county or township code
    (its payrolls and those of its townships); ``month``: YYYY-MM; ``status``: draft, submitted,
    approved, released, closed."""
    require_capability(request.user, Capability.FUNDS_VIEW)
    start, end = _page_bounds(limit, offset)
    if status and status not in PayrollStatus.values:
        raise ServiceError(
            _("状态 status 应为 %(allowed)s 之一，实为“%(value)s”")
            % {"allowed": "、".join(PayrollStatus.values), "value": status},
            field="status",
        )
    if area and not Area.objects.filter(code=area).exists():
        raise ServiceError(
            _("区域 area 应为区划代码，“%(area)s”不存在") % {"area": area}, field="area"
        )
    qs = selectors.payroll_list(
        user=request.user,
        status=status,
        month=_parse_month(month),
        programme=programme,
        area_code=area,
    )
    return {"count": qs.count(), "items": [_payroll_out(p) for p in qs[start:end]]}


@router.get("/payrolls/{payroll_id}", response=PayrollDetailOut)
def payroll_detail(request, payroll_id: int):
    """One payroll: totals, totals per line status, lines per filter and per flag code, the
    approval steps."""
    require_capability(request.user, Capability.FUNDS_VIEW)
    p = selectors.payroll_get(user=request.user, payroll_id=payroll_id)
    return {
        **_payroll_out(p),
        "digest": p.digest,
        "generated_at": p.generated_at,
        "prepared_at": p.prepared_at,
        "released_at": p.released_at,
        "closed_at": p.closed_at,
        "approvals": [
            {
                "level": step["level"],
                "label": step["label"],
                "approver": str(step["approval"].approver) if step["approval"] else None,
                "approved_at": step["approval"].approved_at if step["approval"] else None,
            }
            for step in selectors.approvals(payroll=p)
        ],
        "flag_counts": selectors.flag_counts(payroll=p),
        "line_counts": selectors.line_counts(payroll=p),
        "status_totals": {
            k: {"count": v["count"], "amount": _money(v["amount"])}
            for k, v in selectors.status_totals(payroll=p).items()
        },
    }


@router.get("/payrolls/{payroll_id}/lines", response=LinePage)
def payroll_lines(request, payroll_id: int, show: str = "", limit: int = 100, offset: int = 0):
    """A payroll's lines in ``seq`` order, paged. ``show``: held, flagged, failed, paid,
    reissue (as on the page) or empty for all."""
    require_capability(request.user, Capability.FUNDS_VIEW)
    p = selectors.payroll_get(user=request.user, payroll_id=payroll_id)
    if show and show not in selectors.LINE_FILTERS:
        raise ServiceError(
            _("筛选 show 应为 %(allowed)s 之一，实为“%(value)s”")
            % {"allowed": "、".join(selectors.LINE_FILTERS), "value": show},
            field="show",
        )
    start, end = _page_bounds(limit, offset)
    qs = selectors.payroll_lines(payroll=p, which=show).select_related("payroll")
    return {"count": qs.count(), "items": _lines_out(list(qs[start:end]))}


@router.get("/households/{household_id}/payments", response=HouseholdPaymentsOut)
def household_payments(request, household_id: int):
    """A household's payment history (its 60 latest lines), accounts (masked) and holds."""
    require_capability(request.user, Capability.FUNDS_VIEW)
    hh = access(
        Household.objects.only("id", "hukou_area_id"),
        request.user,
        Capability.FUNDS_VIEW,
        pk=household_id,
    )
    data = selectors.household_payments(user=request.user, household_id=hh.pk)
    lines = [row["line"] for row in data["lines"]]
    return {
        "household_id": hh.pk,
        "paid_total": _money(data["paid_total"]),
        "lines": _lines_out(lines),
        "accounts": [
            {
                "id": a["account"].pk,
                "person_id": a["account"].person_id,
                "bank_name": a["account"].bank_name,
                "account_number_masked": a["masked"],
                "holder_name": a["account"].holder_name,
                "active": a["account"].active,
            }
            for a in data["accounts"]
        ],
        "holds": [
            {
                "id": h.pk,
                "person_id": h.person_id,
                "reason": h.reason,
                "source": h.source,
                "placed_at": h.placed_at,
                "released_at": h.released_at,
                "outcome": h.outcome,
            }
            for h in data["holds"]
        ],
    }
