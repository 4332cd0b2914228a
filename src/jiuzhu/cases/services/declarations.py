"""What the applicant declared (income, assets, members) and its reconciliation with the registry."""

from __future__ import annotations

import datetime
import decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access
from jiuzhu.audit.services import audit_record, jsonable
from jiuzhu.cases.models import (
    Application,
    Declaration,
    DeclarationStatus,
    State,
)
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.registry import services as registry_services

DECLARED_KINDS = {  # what the intake screen declares: (registry fact, money field, kinds)
    "income": ("amount", ("wage", "business", "property", "transfer", "other")),
    "asset": ("value", None),
    "expense": ("amount", None),
}
DECLARATION_LABELS = {
    "income": gettext_noop("收入"),
    "asset": gettext_noop("财产"),
    "expense": gettext_noop("刚性支出"),
}


def _declarations_parse(declared: dict) -> list[Declaration]:
    """The household's declarations, checked (amount in yuan to the fen, not negative)."""
    out: list[Declaration] = []
    errors: dict[str, list[str]] = {}
    today = clock.today()
    for fact in ("income", "asset", "expense"):
        money_field, _kinds = DECLARED_KINDS[fact]
        for item in declared.get(fact, []) or []:
            raw = item.get(money_field, item.get("amount"))
            label = _(DECLARATION_LABELS[fact])
            try:
                value = decimal.Decimal(str(raw).strip())
            except (decimal.InvalidOperation, TypeError):
                errors.setdefault(f"declared.{fact}", []).append(
                    _("申报%(label)s金额“%(value)s”须为数字") % {"label": label, "value": raw}
                )
                continue
            if not value.is_finite() or value < 0:
                errors.setdefault(f"declared.{fact}", []).append(
                    _("申报%(label)s金额不能为负数") % {"label": label}
                )
                continue
            if value != value.quantize(decimal.Decimal("0.01")) or value >= decimal.Decimal("1e12"):
                errors.setdefault(f"declared.{fact}", []).append(
                    _("申报%(label)s金额最多保留两位小数（到分）") % {"label": label}
                )
                continue
            start, end = item.get("period_start"), item.get("period_end")
            as_of = item.get("as_of") or today
            if as_of > today or (end and end > today):
                errors.setdefault(f"declared.{fact}", []).append(
                    _("申报%(label)s的日期不能晚于今天") % {"label": label}
                )
                continue
            out.append(
                Declaration(
                    fact=fact,
                    kind=item.get("kind") or ("wage" if fact == "income" else "deposit"),
                    amount=value,
                    period_start=start,
                    period_end=end,
                    as_of=as_of,
                )
            )
    if errors:
        raise ServiceError(errors=errors)
    return out


def _registry_facts(household_id: int, fact: str, kind: str) -> list:
    """The registry's facts a declaration of ``fact``/``kind`` stands beside."""
    model = registry_services.FACT_MODELS[fact]
    return list(model.objects.filter(household_id=household_id, kind=kind).order_by("id"))


RECONCILE_CHOICES = (
    DeclarationStatus.REPLACED,
    DeclarationStatus.CONFIRMED,
    DeclarationStatus.BOTH,
)


@transaction.atomic
def declaration_reconcile(
    *, actor, declaration_id: int, decision: str, reason: str = ""
) -> Declaration:
    """The clerk reconciles one declaration with the registry (audited):

    - ``replaced``: the registry's facts of the same kind that do not come from a department feed
      are removed and the declaration enters the registry in their place;
    - ``confirmed``: the registry is right; the declaration stays on the case only;
    - ``both``: the declaration enters the registry beside the existing facts (a second source).
    """
    d = (
        Declaration.objects.select_for_update()
        .select_related("application")
        .filter(pk=declaration_id)
        .first()
    )
    if d is None:
        raise ServiceError(_("申报记录不存在"), code="not_found")
    app = access(Application.objects.all(), actor, Capability.CASE_INTAKE, pk=d.application_id)
    if decision not in RECONCILE_CHOICES:
        raise ServiceError(_("核对结果须为“以申报替换”“信息库无误”或“两者并存”"), field="decision")
    if d.status != DeclarationStatus.PENDING:
        raise ServiceError(_("该申报已核对，不能重复处理"), code="wrong_state")
    if app.state in (State.WITHDRAWN, State.REJECTED_INTAKE, State.REFUSED):
        raise ServiceError(_("申请已结束，申报不再入库"), code="wrong_state")
    reason = (reason or "").strip()
    if decision == DeclarationStatus.REPLACED and not reason:
        raise ServiceError(_("以申报替换信息库记录须填写理由"), field="reason")
    money_field, _kinds = DECLARED_KINDS[d.fact]
    replaced = []
    if decision == DeclarationStatus.REPLACED:
        for f in _registry_facts(app.household_id, d.fact, d.kind):
            if f.source.startswith("feed"):
                continue  # department data is evidence, never overwritten by a declaration
            replaced.append(
                {
                    k: (f.person_id if k == "person" else getattr(f, k))
                    for k in registry_services.FACT_FIELDS[d.fact]
                }
            )
            registry_services.fact_delete(
                actor=actor,
                kind=d.fact,
                fact_id=f.pk,
                reason=f"申请{app.number}核对申报：以申报替换。{reason}"[:500],
            )
    if decision in (DeclarationStatus.REPLACED, DeclarationStatus.BOTH):
        data = {
            "kind": d.kind,
            money_field: d.amount,
            "source": "declared",
            "as_of": d.as_of,
            "note": f"申请{app.number}申报"[:200],
        }
        if d.fact in ("income", "expense"):
            data.update(period_start=d.period_start, period_end=d.period_end)
        fact = registry_services.fact_add(
            actor=actor,
            household_id=app.household_id,
            kind=d.fact,
            data=data,
            reason=f"申请{app.number}申报入库",
        )
        d.fact_id = fact.pk
    d.status = decision
    d.replaced = jsonable(replaced)
    d.decided_by = actor
    d.decided_at = timezone.now()
    d.decision_reason = reason[:500]
    d.save()
    audit_record(
        actor=actor,
        action="case.declaration.reconcile",
        subject_type="application",
        subject_id=app.pk,
        household_id=app.household_id,
        area_code=app.area_id,
        reason=reason,
        before={"status": DeclarationStatus.PENDING},
        after={
            "declaration": d.pk,
            "fact": d.fact,
            "kind": d.kind,
            "amount": d.amount,
            "status": decision,
            "registry_fact": d.fact_id,
            "replaced": len(replaced),
        },
    )
    return d


def _declarations_withdraw(app: Application, actor, reason: str) -> int:
    """Withdraw the application's declarations: facts they created leave the registry and facts
    a replacement removed come back (each change audited by the registry service)."""
    n = 0
    for d in app.declarations.select_for_update().exclude(status=DeclarationStatus.WITHDRAWN):
        money_field, _kinds = DECLARED_KINDS[d.fact]
        model = registry_services.FACT_MODELS[d.fact]
        if d.fact_id and model.objects.filter(pk=d.fact_id).exists():
            registry_services.fact_delete(
                actor=actor,
                kind=d.fact,
                fact_id=d.fact_id,
                reason=f"申请{app.number}撤回，申报随之撤回：{reason}"[:500],
            )
        for old in d.replaced or []:
            data = dict(old)
            for k in ("period_start", "period_end", "as_of"):
                if isinstance(data.get(k), str):
                    data[k] = datetime.date.fromisoformat(data[k])
            registry_services.fact_add(
                actor=actor,
                household_id=app.household_id,
                kind=d.fact,
                data=data,
                reason=f"申请{app.number}撤回，恢复被申报替换的记录",
            )
        d.status = DeclarationStatus.WITHDRAWN
        d.save(update_fields=["status"])
        n += 1
    return n
