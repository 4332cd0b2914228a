"""The policy engine's answers the cases process uses: the programmes a vague application may
qualify for, and the monthly amount of a programme for a household.

Every amount and threshold comes from the policy engine (the rules and the dated per-area
parameters in force for the household's area today); this module holds none. The engine failing
is an error the clerk sees (``CalculatorError``, a ``ServiceError`` with a Chinese message), never
a silent fallback to another screen.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.policy.selectors import calculate_household

log = logging.getLogger("jiuzhu.cases")


class CalculatorError(ServiceError):
    """The policy engine could not answer for this household."""


def calculation(*, household) -> dict:
    """The policy calculator's result for the household today; ``CalculatorError`` when the
    engine fails (logged with its traceback for the administrator)."""
    try:
        return calculate_household(household_id=household.pk, on=clock.today())
    except Exception as exc:
        log.exception("policy calculator failed for household %s", household.pk)
        raise CalculatorError(
            _("救助测算出错（%(error)s），无法按政策参数测算；请稍后重试，仍不行请联系系统管理员")
            % {"error": type(exc).__name__},
            code="calculator_failed",
        ) from exc


def propose_programmes(*, household) -> list[dict]:
    """模糊申请: the programmes the household may qualify for, each with a reason.

    Returns ``[{"programme": code, "label": 中文, "amount": "…" | None, "why": "…"}]`` from the
    policy engine's calculator; raises ``CalculatorError`` when the engine fails."""
    result = calculation(household=household)
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


def programme_amount(*, household, programme: str) -> Decimal | None:
    """The monthly amount the calculator gives the household for ``programme`` (None: not
    eligible); ``CalculatorError`` when the engine fails."""
    result = calculation(household=household)
    for p in result.get("programmes", []):
        if p.get("programme") == programme:
            if not p.get("eligible") or p.get("amount") in (None, "", "0", "0.00"):
                return None
            return Decimal(str(p["amount"]))
    return None
