"""The workbench home page: what this person must do today and their area's key figures.

The kernel knows no domain app: each app registers a card provider in ``AppConfig.ready()``::

    home_register(todo_cards, order=10)

A provider is called as ``fn(user=…, today=…)`` and returns ``HomeCard``s for the sections it
fills (an empty list when the user's roles give it nothing to show); it reads its own app's
selectors and checks the capability itself. Every figure links to the list it counts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from jiuzhu.core import clock

TODO, AREA, FEEDS = "todo", "area", "feeds"
SECTIONS = {
    TODO: _("今日待办"),
    AREA: _("辖区概况"),
    FEEDS: _("部门数据导入"),
}


@dataclass(frozen=True)
class HomeCard:
    section: str
    label: object
    value: object
    url: str = ""
    # smaller figures under the main one: (label, value, url, tone) — tone "warn" | "ok" | ""
    details: tuple = field(default_factory=tuple)
    note: object = ""
    tone: str = ""
    # a wider panel (a chart): the template included with ``context`` as ``panel``
    template: str = ""
    context: dict | None = None


_PROVIDERS: list[tuple[int, object]] = []


def home_register(fn, *, order: int = 50) -> None:
    if all(f is not fn for _o, f in _PROVIDERS):
        _PROVIDERS.append((order, fn))


def home_sections(*, user, today: datetime.date | None = None) -> list[dict]:
    today = today or clock.today()
    cards: dict[str, list[HomeCard]] = {k: [] for k in SECTIONS}
    for _order, fn in sorted(_PROVIDERS, key=lambda p: p[0]):
        for card in fn(user=user, today=today):
            cards[card.section].append(card)
    # the figures first, the wider panels (charts) after them
    return [
        {
            "key": key,
            "label": SECTIONS[key],
            "cards": sorted(cards[key], key=lambda c: bool(c.template)),
        }
        for key in SECTIONS
        if cards[key]
    ]


@login_required
def home(request):
    return render(request, "core/home.html", {"sections": home_sections(user=request.user)})
