"""The funds module's seam (built alongside): payment holds and payroll-vs-roll differences.

Imported lazily, so monitoring works (and its tests run) on a site without the funds module:
without it no hold is placed (``payment_holds_place_many`` returns False) and the payment rule finds
nothing.
"""

from __future__ import annotations

import importlib


def _funds(module: str):
    try:
        return importlib.import_module(f"jiuzhu.funds.{module}")
    except ImportError:
        return None


def payment_holds_place_many(*, holds: list[dict], actor=None) -> bool:
    """Hold the payments of everyone in ``holds`` (one call per run); False without funds."""
    services = _funds("services")
    if services is None or not hasattr(services, "payment_holds_place_many"):
        return False
    services.payment_holds_place_many(holds=holds, actor=actor)
    return True


def payment_hold_release(*, source: str, actor, confirmed: bool, note: str = "") -> bool:
    services = _funds("services")
    if services is None or not hasattr(services, "payment_hold_release"):
        return False
    services.payment_hold_release(source=source, actor=actor, confirmed=confirmed, note=note)
    return True


def payments_disagreeing_with_roll(*, since=None) -> list[dict]:
    selectors = _funds("selectors")
    if selectors is None or not hasattr(selectors, "payments_disagreeing_with_roll"):
        return []
    return list(selectors.payments_disagreeing_with_roll(since=since))
