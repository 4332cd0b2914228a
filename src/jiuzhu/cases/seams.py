"""Where the cases process meets the policy engine and the verification module.

Both live in other apps that may land later than this one; each seam calls the real service
when it exists and otherwise does the smallest honest thing, so nothing here must change when
they arrive.
"""

from __future__ import annotations

import datetime
import importlib
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_noop

from jiuzhu.core import clock

log = logging.getLogger("jiuzhu.cases")

# The demo's 低保 standard (泰州, seed 002) until the policy engine's parameters are wired in.
FALLBACK_DIBAO_STANDARD = Decimal("710")


def _policy_calculator():
    """``jiuzhu.policy.selectors.calculate_household`` (the one-household calculator), if present."""
    try:
        module = importlib.import_module("jiuzhu.policy.selectors")
    except ImportError:
        return None
    fn = getattr(module, "calculate_household", None)
    return fn if callable(fn) else None


def propose_programmes(*, household) -> list[dict]:
    """模糊申请: the programmes the household may qualify for, each with a reason.

    Returns ``[{"programme": code, "label": 中文, "amount": "…" | None, "why": "…"}]``, from the
    policy engine's calculator (the rules and parameters in force for the household's area
    today); from a simple income screen if the engine is missing or cannot answer.
    """
    calc = _policy_calculator()
    if calc is not None:
        try:
            result = calc(household_id=household.pk, on=clock.today())
            out = []
            for p in result.get("programmes", []):
                if not p.get("eligible"):
                    continue
                passed = [c["label"] for c in p.get("conditions", []) if c.get("passed")]
                amount = p.get("amount")
                out.append(
                    {
                        "programme": p.get("programme", ""),
                        "label": str(p.get("name") or p.get("programme")),
                        "amount": amount if amount not in (None, "", "0", "0.00") else None,
                        "why": "；".join(passed[:4]) or "符合该项目全部条件",
                    }
                )
            if out:
                return out
            return [
                {
                    "programme": "",
                    "label": gettext_noop("暂无匹配项目"),  # shown translated
                    "amount": None,
                    "why": "按现有申报信息不符合任何项目条件；请入户核实后再定",
                }
            ]
        except Exception:  # another module's engine: never block an intake on it
            log.exception("policy calculator failed; falling back to the simple screen")
    return _simple_screen(household)


def calculation(*, household) -> dict | None:
    """The policy calculator's result for the household today, or None when it cannot answer."""
    calc = _policy_calculator()
    if calc is None:
        return None
    try:
        return calc(household_id=household.pk, on=clock.today())
    except Exception:  # another module's engine: a page must still open
        log.exception("policy calculator failed for household %s", household.pk)
        return None


def programme_amount(*, household, programme: str) -> Decimal | None:
    """The monthly amount the calculator gives the household for ``programme`` (None: not
    eligible or no answer); the simple screen's amount when the engine is missing."""
    result = calculation(household=household)
    if result is None:
        rows = [p for p in _simple_screen(household) if p.get("programme") == programme]
        return Decimal(rows[0]["amount"]) if rows and rows[0].get("amount") else None
    for p in result.get("programmes", []):
        if p.get("programme") == programme:
            if not p.get("eligible") or p.get("amount") in (None, "", "0", "0.00"):
                return None
            return Decimal(str(p["amount"]))
    return None


def _simple_screen(household) -> list[dict]:
    """A first screen from declared facts (not a decision): per-capita income vs the standard."""
    from jiuzhu.registry.models import IncomeItem, Person

    today = clock.today()
    members = list(
        Person.objects.filter(
            household=household,
            is_counted=True,
            death_date__isnull=True,
            birth_date__lte=today,  # an unborn member never counts
        )
    )
    size = max(len(members), 1)
    year_ago = today - datetime.timedelta(days=366)
    income = IncomeItem.objects.filter(
        household=household, excluded=False, period_end__gte=year_ago
    ).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    months = 12
    per_capita = (income / months / size).quantize(Decimal("0.01"))
    std = FALLBACK_DIBAO_STANDARD
    out = []
    if per_capita < std:
        gap = ((std - per_capita) * size).quantize(Decimal("0.01"))
        out.append(
            {
                "programme": "dibao",
                "label": "最低生活保障",
                "amount": str(gap),
                "why": f"人均月收入 {per_capita} 元低于低保标准 {std} 元",
            }
        )
    elif per_capita < std * Decimal("1.5"):
        out.append(
            {
                "programme": "dibao_edge",
                "label": "低保边缘家庭",
                "amount": None,
                "why": f"人均月收入 {per_capita} 元在低保标准 1.5 倍以内",
            }
        )

    def age(p):
        b = p.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))

    no_capacity = [
        p
        for p in members
        if age(p) >= 60
        or age(p) < 16
        or p.labour_capacity == "none"
        or (p.disability_grade or 9) <= 2
    ]
    if members and len(no_capacity) == len(members) and per_capita < std:
        out.append(
            {
                "programme": "tekun",
                "label": "特困人员救助供养",
                "amount": None,
                "why": "家庭成员均无劳动能力且无生活来源（需核实法定义务人情况）",
            }
        )
    if any(p.major_illness for p in members):
        out.append(
            {
                "programme": "temporary_aid",
                "label": "临时救助",
                "amount": None,
                "why": "有重特大疾病成员，可能有急难或支出型困难",
            }
        )
    if not out:
        out.append(
            {
                "programme": "",
                "label": gettext_noop("暂无匹配项目"),  # shown translated
                "amount": None,
                "why": f"人均月收入 {per_capita} 元；请入户核实后再定",
            }
        )
    return out


def request_check(application) -> str | None:
    """Ask for the 家庭经济状况核对. Called only after pledge and authorisation are on file.

    When the verification module provides ``jiuzhu.verify.services.check_household`` the check
    runs after the acceptance commits (it may train the matching model, and a failed check must
    not undo the acceptance); its id is then stored on the case. Returns "" now: the reference
    is filled in on commit. Without the module the request stays recorded on the case (time
    stamp) for the county's check office.
    """
    try:
        module = importlib.import_module("jiuzhu.verify.services")
    except ImportError:
        return None
    fn = getattr(module, "check_household", None)
    if not callable(fn):
        return None
    app_id, household_id = application.pk, application.household_id

    def run():
        from jiuzhu.cases.models import Application

        try:
            check = fn(household_id=household_id, application_id=app_id, reason="申请受理核对")
        except Exception:
            log.exception("家庭经济状况核对 failed for application %s", app_id)
            return
        ref = getattr(check, "pk", None)
        if ref is not None:
            Application.objects.filter(pk=app_id).update(check_reference=f"check:{ref}")

    transaction.on_commit(run)
    return ""
