"""Top-menu entries contributed by apps (so base.html need not know every app).

An app registers its entries in ``AppConfig.ready()``::

    register_nav("政策计算器", "policy:calculator", capability="registry.view", order=30)
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy translation, resolved in the user's language at render time
    url_name: str
    capability: str
    order: int


_ITEMS: list[NavItem] = []


def register_nav(label: str, url_name: str, *, capability: str, order: int = 50) -> None:
    item = NavItem(label, url_name, capability, order)
    if item not in _ITEMS:
        _ITEMS.append(item)


def nav_for(caps: set[str]) -> list[dict]:
    out = []
    for item in sorted(_ITEMS, key=lambda i: (i.order, i.url_name)):
        if item.capability in caps:
            try:
                out.append({"label": str(item.label), "url": reverse(item.url_name)})
            except NoReverseMatch:
                continue
    return out
