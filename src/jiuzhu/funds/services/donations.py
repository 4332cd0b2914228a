"""Social donations earmarked by programme and area (issue 19): cash becomes the ``donation``
funding source of the budget, so the budget report shows it by source."""

from __future__ import annotations

import decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area
from jiuzhu.areas.models import Area
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.labels import PROGRAMME, is_registered
from jiuzhu.funds.models import Budget, Donation, DonationKind, DonorKind, FundingSource


@transaction.atomic
def donation_record(
    *,
    actor,
    donor_name: str,
    donor_kind: str,
    kind: str,
    amount,
    programme: str,
    area_code: str,
    goods: str = "",
    year: int | None = None,
) -> Donation:
    require_area(actor, Capability.BUDGET_MANAGE, area_code)
    errors: dict[str, list[str]] = {}
    if not (donor_name or "").strip():
        errors.setdefault("donor_name", []).append(_("请填写捐赠方"))
    if donor_kind not in DonorKind.values:
        errors.setdefault("donor_kind", []).append(_("捐赠方类型不存在"))
    if kind not in DonationKind.values:
        errors.setdefault("kind", []).append(_("捐赠形式不存在"))
    if kind == DonationKind.IN_KIND and not (goods or "").strip():
        errors.setdefault("goods", []).append(_("实物捐赠须写明物资"))
    if not is_registered(PROGRAMME, programme):
        errors.setdefault("programme", []).append(_("定向的救助项目不存在"))
    if not Area.objects.filter(code=area_code).exists():
        errors.setdefault("area_code", []).append(_("区划不存在"))
    try:
        value = decimal.Decimal(str(amount))
        if not value.is_finite() or value <= 0 or value != value.quantize(decimal.Decimal("0.01")):
            raise decimal.InvalidOperation
    except (decimal.InvalidOperation, TypeError):
        errors.setdefault("amount", []).append(_("金额须大于0，最多保留两位小数（到分）"))
        value = None
    if errors:
        raise ServiceError(errors=errors)
    today = clock.today()
    year = year or today.year
    budget = None
    if kind == DonationKind.CASH:
        budget, _created = Budget.objects.select_for_update().get_or_create(
            programme=programme,
            area_id=area_code,
            year=year,
            funding_source=FundingSource.DONATION,
            defaults={"amount": decimal.Decimal("0"), "note": "社会捐赠（定向）"},
        )
        Budget.objects.filter(pk=budget.pk).update(amount=F("amount") + value)
    donation = Donation.objects.create(
        donor_name=donor_name.strip(),
        donor_kind=donor_kind,
        kind=kind,
        amount=value,
        goods=(goods or "").strip(),
        programme=programme,
        area_id=area_code,
        year=year,
        received_on=today,
        budget=budget,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="funds.donation",
        subject_type="donation",
        subject_id=donation.pk,
        area_code=area_code,
        after={
            "donor": donation.donor_name,
            "kind": kind,
            "amount": str(value),
            "programme": programme,
            "year": year,
        },
    )
    return donation
