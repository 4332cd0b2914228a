"""What the audit log needs from the domain, registered by the app that owns it.

audit sits below the domain apps and imports none of them: the registry app registers how to find
a household's area, a household by its number, whether a user may see a household, and how to turn
events into what a person reads (``AppConfig.ready()``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class AuditHooks:
    household_area: Callable[[int], str]  # household id → its area code ("" if none)
    household_id: Callable[[str], int | None]  # household number (H…) → id
    household_visible: Callable[[object, int], bool]  # may the user see this household?
    describe_events: Callable[[list], list]  # events → readable views (labels, not codes)


_hooks: AuditHooks | None = None


def audit_hooks_register(hooks: AuditHooks) -> None:
    global _hooks
    _hooks = hooks


def audit_hooks() -> AuditHooks:
    if _hooks is None:
        raise ImproperlyConfigured("no app registered the audit log's household hooks")
    return _hooks
