"""The left menu, contributed by apps (so base.html need not know every app).

An app registers its entries in ``AppConfig.ready()``, each in one of the work groups::

    register_nav(_("政策计算器"), "policy:calculator", capability="registry.view",
                 group=POLICY, order=30)

``capability`` may be one capability or a tuple of them (any one of them shows the entry).
``nav_groups(caps, path)`` gives the groups a person sees — only entries their roles allow,
empty groups left out — with the entry for the current page marked, and ``breadcrumbs`` the
trail 首页 › group › entry for the current page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

CASES, REGISTRY, VERIFY, POLICY, MONITORING, SERVICES, FUNDS, STATS, SYSTEM = (
    "cases",
    "registry",
    "verify",
    "policy",
    "monitoring",
    "services",
    "funds",
    "stats",
    "system",
)
OTHER = "other"
GROUPS: dict[str, object] = {
    CASES: _("受理审批"),
    REGISTRY: _("家庭档案"),
    VERIFY: _("核对"),
    POLICY: _("政策"),
    MONITORING: _("监测"),
    SERVICES: _("帮扶服务"),
    FUNDS: _("资金"),
    STATS: _("统计"),
    SYSTEM: _("系统管理"),
    OTHER: _("其他"),
}


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy translation, resolved in the user's language at render time
    url_name: str
    capability: str | tuple[str, ...]
    order: int
    group: str = OTHER

    def allowed(self, caps: set[str]) -> bool:
        wanted = (self.capability,) if isinstance(self.capability, str) else self.capability
        return any(c in caps for c in wanted)


_ITEMS: list[NavItem] = []


def register_nav(
    label: str,
    url_name: str,
    *,
    capability: str | tuple[str, ...],
    order: int = 50,
    group: str = OTHER,
) -> None:
    if group not in GROUPS:
        raise ValueError(f"unknown menu group {group!r}: one of {sorted(GROUPS)}")
    item = NavItem(label, url_name, capability, order, group)
    if item not in _ITEMS:
        _ITEMS.append(item)


def _visible(caps: set[str]) -> list[tuple[NavItem, str]]:
    out = []
    for item in sorted(_ITEMS, key=lambda i: (i.order, i.url_name)):
        if item.allowed(caps):
            try:
                out.append((item, reverse(item.url_name)))
            except NoReverseMatch:
                continue
    return out


def nav_for(caps: set[str]) -> list[dict]:
    """The entries a person sees, flat, in menu order."""
    return [{"label": str(i.label), "url": url} for i, url in _visible(caps)]


def _current(visible, path: str) -> str | None:
    """The URL of the entry the page belongs to: the longest entry URL that starts the path."""
    hits = [
        url for _item, url in visible if path == url or (path.startswith(url) and url.endswith("/"))
    ]
    return max(hits, key=len) if hits else None


def nav_groups(caps: set[str], path: str = "") -> list[dict]:
    visible = _visible(caps)
    current = _current(visible, path)
    groups: dict[str, dict] = {}
    for item, url in visible:
        g = groups.setdefault(
            item.group, {"key": item.group, "label": str(GROUPS[item.group]), "items": []}
        )
        g["items"].append({"label": str(item.label), "url": url, "current": url == current})
    order = list(GROUPS)
    out = sorted(groups.values(), key=lambda g: order.index(g["key"]))
    for g in out:
        g["open"] = any(i["current"] for i in g["items"])
    return out


def breadcrumbs(groups: list[dict], path: str) -> list[dict]:
    """首页 › group › entry for the current page (empty on the home page or off the menu)."""
    for g in groups:
        for i in g["items"]:
            if i["current"]:
                trail = [{"label": g["label"], "url": ""}]
                trail.append({"label": i["label"], "url": "" if i["url"] == path else i["url"]})
                return trail
    return []
