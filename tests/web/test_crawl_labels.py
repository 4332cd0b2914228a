"""Labels everywhere (issue 15): a crawl as every role of the home page, every menu entry and
each page one click away from them; the visible text must hold no raw programme code (dibao,
tekun, …), no dotted identifier (``funds.hold_place``, ``registry.view``), no Python repr
(``{'``, ``<Foo object``, ``Decimal(``), no ``docs/….md`` path and no seed file name.

The world is the permission matrix's (tests/web/test_route_matrix.py): real objects of every kind
in the principals' areas, so the detail pages one click away are real pages.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from jiuzhu.core.programmes import PROGRAMME_LABELS, WATCH_LABELS
from tests.factories import load_taizhou

pytestmark = pytest.mark.django_db

ROLES = [
    "village_worker",
    "township_reviewer",
    "county_approver",
    "payments_officer",
    "finance",
    "department_data",
    "auditor",
    "sysadmin",
]
APPS = (
    "registry|cases|funds|audit|accounts|verify|policy|monitoring|stats|portal|dicts|areas|core"
    "|case|alert|payroll|feed|pii|budget|income|roll|household|person|material|letter|dict"
)
BAD = [
    (
        "programme code",
        re.compile(
            r"(?<![A-Za-z_])(" + "|".join([*PROGRAMME_LABELS, *WATCH_LABELS]) + r")(?![A-Za-z_])"
        ),
    ),
    ("dotted identifier", re.compile(r"(?<![\w./])(?:" + APPS + r")\.[a-z_]+(?:\.[a-z_]+)*\b")),
    ("dotted identifier", re.compile(r"(?<![\w./])[a-z]+_[a-z_]+\.[a-z]+(?:_[a-z]+)+\b")),
    ("python repr", re.compile(r"\{'|\['|<[A-Z]\w* object|Decimal\(|datetime\.date\(|QuerySet")),
    ("docs path", re.compile(r"docs/[\w./-]+\.md")),
    ("seed file", re.compile(r"种子文件|seed[_-]?\w*\.(?:json|csv|toml|yaml)")),
]
SKIP_PREFIXES = ("/admin/", "/i18n/", "/logout/", "/api/", "/m/", "/gongshi/", "/static/")


class _Text(HTMLParser):
    """The text a person sees: no script/style, no attribute values, no <code> samples."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self.nav_links: list[str] = []
        self._skip = 0
        self._in_nav = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag == "nav" and "mainnav" in (a.get("class") or "") or tag == "nav" and self._in_nav:
            self._in_nav += 1
        if tag == "a" and a.get("href"):
            (self.nav_links if self._in_nav else self.links).append(a["href"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1
        if tag == "nav" and self._in_nav:
            self._in_nav -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def parse(html: str) -> _Text:
    p = _Text()
    p.feed(html)
    return p


def matches_in(html: str) -> list[tuple[str, str, str]]:
    """(what, the match, the text around it) for every forbidden thing in the visible text."""
    text = re.sub(r"\s+", " ", " ".join(parse(html).parts))
    return [
        (what, m.group(0), text[max(0, m.start() - 30) : m.end() + 30])
        for what, rx in BAD
        for m in rx.finditer(text)
    ]


def problems_in(url: str, html: str) -> list[str]:
    return [f"{url}: {what} “{hit}” in …{around}…" for what, hit, around in matches_in(html)]


def _local(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _pattern(path: str) -> str | None:
    try:
        return resolve(urlsplit(path).path).route
    except Resolver404:
        return None


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from tests.web.test_route_matrix import _build

    with django_db_blocker.unblock():
        load_taizhou()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def crawl(client: Client, *, per_page: int = 6) -> tuple[list[str], list[str], list[str]]:
    """(menu entries, pages visited, problems) for one signed-in client."""
    problems: list[str] = []
    home = client.get("/")
    assert home.status_code == 200
    parsed = parse(home.content.decode())
    menu = [u for u in (_local(h) for h in parsed.nav_links) if u]
    problems += problems_in("/", home.content.decode())
    seen = {"/"} | set(menu)
    visited = ["/"]
    firsts = [u for u in (_local(h) for h in parsed.links) if u]
    patterns_done: set[str] = set()
    for url in menu:
        r = client.get(url)
        visited.append(url)
        if r.status_code != 200:
            problems.append(f"{url}: menu entry answered {r.status_code}")
            continue
        html = r.content.decode()
        problems += problems_in(url, html)
        firsts += [u for u in (_local(h) for h in parse(html).links) if u]
    for url in firsts:
        if url in seen:
            continue
        seen.add(url)
        pat = _pattern(url)
        if pat is None or pat in patterns_done:
            continue
        patterns_done.add(pat)
        r = client.get(url)
        visited.append(url)
        ctype = r.get("Content-Type", "")
        if r.status_code != 200 or "text/html" not in ctype:
            continue
        problems += problems_in(url, r.content.decode())
    return menu, visited, problems


@pytest.mark.parametrize("who", ROLES)
def test_no_raw_codes_on_any_page(world, who):
    # given
    client = Client()
    client.force_login(world["principals"][who])
    # when
    menu, visited, problems = crawl(client)
    # then
    if os.environ.get("JIUZHU_CRAWL_DUMP"):
        with open(os.environ["JIUZHU_CRAWL_DUMP"], "a", encoding="utf-8") as f:
            f.writelines(f"{who}\t{p}\n" for p in problems)
    assert menu, f"{who} has no menu"
    assert not problems, "\n".join(problems[:40])


def test_the_crawl_catches_what_it_must():
    html = (
        "<html><body><main><p>项目 dibao</p><p>funds.hold_place</p>"
        "<p>耗时 {'read': 1}</p><p>见 docs/data-formats.md</p><p>种子文件004</p>"
        "<p>income.lookback_months</p><p>Decimal('1.00')</p>"
        "<script>var x = {'a': 'dibao'};</script><p>tekun_x 和 低保</p></main></body></html>"
    )
    found = [hit for _what, hit, _around in matches_in(html)]
    for needle in (
        "dibao",
        "funds.hold_place",
        "{'",
        "docs/data-formats.md",
        "种子文件",
        "income.lookback_months",
        "Decimal(",
    ):
        assert any(needle in hit for hit in found), needle
    assert not any(
        "tekun_x" in hit for hit in found
    )  # a word that merely starts with a code is not one
