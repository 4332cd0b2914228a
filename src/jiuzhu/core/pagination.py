"""The one paginator of every list page: no list is ever cut off silently.

``paginate(qs, page=…, per_page=…)`` is offset pagination with a capped count (a city-wide list
never counts a million rows; past ``COUNT_CAP`` the page says "超过 10000 条"). ``page_request``
reads ``page`` and ``size`` from the query string, and the page renders ``core/_pager.html``:
"共 N 条", page numbers and the page size, keeping the list's other filters in the links.

Every list page of the workbench goes through ``list_request(request, spec)`` (below): the query
form, whitelisted sorts, page size 20/50/100 and the columns its export writes.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet

from jiuzhu.core.idcard import normalise as normalise_id
from jiuzhu.core.masking import mask_id_number

# The count is exact (issue 15: "共 N 条" is the filtered total). ``COUNT_CAP`` is kept for old
# callers that pass ``capped=True`` (none of the workbench lists does).
COUNT_CAP = 10_000
PAGE_SIZES = (20, 25, 50, 100, 200)


@dataclass
class Page:
    items: list
    number: int
    has_next: bool
    count: int
    count_capped: bool
    per_page: int = 50
    query: str = ""  # the list's other query parameters, for the links
    sizes: tuple = PAGE_SIZES
    numbers: list = field(default_factory=list)  # page numbers to link (None = a gap)
    hidden: list = field(default_factory=list)  # (name, value) of the other parameters
    page_param: str = "page"  # two lists on one page use two prefixes
    size_param: str = "size"

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def paginate(
    qs: QuerySet | list,
    *,
    page: int,
    per_page: int,
    count_order: tuple[str, ...] = (),
    capped: bool = False,
) -> Page:
    """Offset pagination with a capped count.

    ``count_order``: an order an index serves; counting the first 10,001 rows in that order is
    an index range scan, where an unordered capped count may let the planner scan the heap
    until enough rows match (fast or slow depending on where the scope's rows lie on disk).
    """
    page = max(1, page)
    start = (page - 1) * per_page
    rows = list(qs[start : start + per_page + 1])
    if isinstance(qs, list | tuple):  # a list already built (e.g. the merged 待办)
        count = len(qs)
    elif not rows and page == 1:
        count = 0
    elif page == 1 and len(rows) <= per_page:
        count = len(rows)  # the whole list is on this page: no second query
    elif capped:
        count = qs.order_by(*count_order)[: COUNT_CAP + 1].count()
    else:
        count = exact_count(qs)
    p = Page(
        items=rows[:per_page],
        number=page,
        has_next=len(rows) > per_page,
        count=min(count, COUNT_CAP) if capped else count,
        count_capped=capped and count > COUNT_CAP,
        per_page=per_page,
    )
    p.numbers = _numbers(p.number, p.num_pages)
    return p


# A count above this many rows is kept for BIG_COUNT_SECONDS (keyed by the query's SQL, so by
# scope and filter): counting a city's million households costs ~300 ms, and paging through it
# should not pay that on every page. Smaller counts are always counted afresh.
BIG_COUNT = 10_000
BIG_COUNT_SECONDS = 60


def exact_count(qs: QuerySet) -> int:
    import hashlib

    from django.core.cache import cache
    from django.core.exceptions import EmptyResultSet

    qs = qs.order_by()
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return 0
    key = "listcount:" + hashlib.sha1(f"{sql}|{params!r}".encode()).hexdigest()
    n = cache.get(key)
    if n is None:
        n = qs.count()
        if n > BIG_COUNT:
            cache.set(key, n, BIG_COUNT_SECONDS)
    return n


def _numbers(current: int, last: int) -> list:
    """1 … 4 5 [6] 7 8 … 20"""
    keep = {1, last, *range(current - 2, current + 3)}
    out: list = []
    for n in range(1, last + 1):
        if n in keep:
            out.append(n)
        elif out and out[-1] is not None:
            out.append(None)
    return out


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def page_request(
    request, qs: QuerySet | list, *, per_page: int = 50, count_order=(), prefix: str = ""
) -> Page:
    """One page of ``qs`` as the query string asks (``page``, ``size``; ``prefix`` names them
    apart when a page shows two lists), with the pager's links."""
    page_param, size_param = f"{prefix}page", f"{prefix}size"
    size = _int(request.GET.get(size_param), per_page)
    if size not in PAGE_SIZES:
        size = per_page
    p = paginate(
        qs,
        page=_int(request.GET.get(page_param), 1),
        per_page=size,
        count_order=tuple(count_order),
    )
    p.page_param, p.size_param = page_param, size_param
    params = request.GET.copy()
    params.pop(page_param, None)
    params.pop(size_param, None)
    p.query = params.urlencode()
    p.hidden = [(k, v) for k in params for v in params.getlist(k)]
    return p


# --- the list mechanism: query form, whitelisted sorts, page size, export columns --------------
#
# A list is declared once as a ``ListSpec`` by the app that owns it (in its selectors) and
# registered from ``AppConfig.ready()`` with ``list_register``: the rows (scoped through
# ``accounts.scoping`` by the app), the filters it offers, the sort keys it allows and the columns
# of its page and of its export. ``list_request(request, spec)`` reads the query string (every
# filter, ``sort``, ``page`` and ``size``: a link is the whole query) and returns the page; the
# export (``audit.exports``) reads the same query, so the sheet holds exactly the rows counted.

FILTER_FIELDS = ("q", "area", "programme", "state", "date_from", "date_to", "overdue", "kind")
LIST_PAGE_SIZES = (20, 50, 100)
LIST_DEFAULT_SIZE = 20


@dataclass(frozen=True)
class Column:
    """One column of a list: its header, how a row gives the cell, and what it may be.

    ``sensitive``: a masking kind (``id_number``, ``phone``, ``account_number``) — the cell is
    masked unless the export is revealed. ``sort``: the sort key (in the spec's whitelist) its
    header toggles. ``link``: a row → URL for the page (never in the export).
    """

    key: str
    header: object
    value: Callable
    sensitive: str = ""
    sort: str = ""
    link: Callable | None = None
    number: bool = False  # right-aligned, a number cell in the sheet


@dataclass(frozen=True)
class ListSpec:
    name: str  # the export URL names the list by this (a plain word: "households")
    title: object  # the list's name on the sheet header
    capability: str  # who may see (and export) it; the rows are scoped by ``rows`` itself
    rows: Callable  # (user, ListQuery) -> QuerySet or list: filtered and scoped, not sorted
    columns: tuple
    sorts: dict  # whitelisted sort key -> order_by tuple ("-key" is the reverse)
    default_sort: str
    filters: tuple = ("q",)  # the FILTER_FIELDS the query form offers
    states: Callable | None = None  # () -> [(code, label)]
    programmes: Callable | None = None  # () -> [(code, label)]
    kinds: Callable | None = None  # () -> [(code, label)]
    areas: Callable | None = None  # (user) -> [(code, name)]: the areas the form offers
    # (user, code) -> bool: an area typed in the link is kept only inside the user's scope
    area_allowed: Callable | None = None
    area_name: Callable | None = None  # (code) -> name, for the sheet header
    prepare: Callable | None = None  # (rows) -> None: bulk-load related rows of one page/chunk
    can_reveal: Callable | None = None  # (user) -> bool: may this user export unmasked
    q_label: object = ""  # the placeholder of the name/ID box
    date_label: object = ""  # what the date range filters on
    url_name: str = ""  # the list page (for the links back from an export)
    extras: tuple = ()  # the list's own query parameters (short strings, checked by ``rows``)


_LISTS: dict[str, ListSpec] = {}
# The area tree picker of the query form: (capability, name, value, dom_id) -> HTML, registered by
# accounts (its widget scopes through accounts.scoping); without it the form offers a select.
_AREA_WIDGET: list = []


def area_widget_register(fn: Callable) -> None:
    _AREA_WIDGET[:] = [fn]


def list_register(spec: ListSpec) -> None:
    _LISTS[spec.name] = spec


def list_spec(name: str) -> ListSpec | None:
    return _LISTS.get(name)


def list_specs() -> dict[str, ListSpec]:
    return dict(_LISTS)


@dataclass
class ListQuery:
    """The query string of a list, validated: unknown sorts, sizes, states and dates fall back
    to the defaults (never a 500, never an unbounded page)."""

    q: str = ""
    area: str = ""
    programme: str = ""
    state: str = ""
    kind: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    overdue: bool = False
    sort: str = ""
    page: int = 1
    size: int = LIST_DEFAULT_SIZE
    extra: dict = field(default_factory=dict)
    # A whole ID number searched for never goes back into the page or its links: they carry it
    # masked with ``qt``, a token the user's session maps to the number (``list_query``).
    q_token: str = ""

    @property
    def q_shown(self) -> str:
        return mask_id_number(self.q) if self.q_token else self.q

    def params(self, *, full: bool = False) -> list[tuple[str, str]]:
        """The filters as query parameters (no page, size or sort); a searched ID number masked
        with its session token, unless ``full`` (an export job run by the worker, no session)."""
        out = []
        for name in FILTER_FIELDS:
            v = getattr(self, name)
            if v in ("", None, False):
                continue
            if name == "q" and self.q_token and not full:
                out.extend([("q", self.q_shown), ("qt", self.q_token)])
                continue
            out.append((name, "1" if v is True else str(v)))
        out.extend((k, v) for k, v in self.extra.items() if v)
        return out


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value or "").strip()) if value else None
    except ValueError:
        return None


def sort_order(spec: ListSpec, sort: str) -> tuple:
    """The ``order_by`` of a whitelisted key; ``-key`` reverses every term of it."""
    key = sort.removeprefix("-")
    terms = spec.sorts.get(key)
    if terms is None:
        return spec.sorts[spec.default_sort.removeprefix("-")]
    if not sort.startswith("-"):
        return tuple(terms)
    out = []
    for t in terms:
        if isinstance(t, str):
            out.append(t[1:] if t.startswith("-") else "-" + t)
        else:  # an OrderBy expression (e.g. nulls last)
            t = copy.copy(t)
            t.reverse_ordering()
            out.append(t)
    return tuple(out)


_Q_TOKENS = "list_q_tokens"


def _searched_id(query: ListQuery, token: str, session) -> None:
    """Keep a whole ID number out of pages and links: map it to a session token (or read the
    token the masked search box came back with)."""
    if session is None or not query.q:
        return
    tokens = dict(session.get(_Q_TOKENS) or {})
    full = tokens.get(token) if token else None
    if full and mask_id_number(full) == query.q:
        query.q, query.q_token = full, token
        return
    number = normalise_id(query.q.upper())
    if (
        len(number) in (15, 18)
        and number[:-1].isdigit()
        and (number[-1].isdigit() or number[-1] == "X")
    ):
        token = secrets.token_urlsafe(6)
        tokens = dict(list(tokens.items())[-19:]) | {token: number}
        session[_Q_TOKENS] = tokens
        query.q, query.q_token = number, token


def list_query(spec: ListSpec, data, *, user=None, session=None) -> ListQuery:
    """Read a list's query string (a QueryDict or dict) into a validated ``ListQuery``.
    With the user's ``session`` a whole ID number searched for is kept out of the page."""
    get = data.get
    query = ListQuery()
    if "q" in spec.filters:
        query.q = str(get("q") or "").strip()[:64]
        _searched_id(query, str(get("qt") or ""), session)
    if "area" in spec.filters:
        area = str(get("area") or "").strip()
        # a prefix (a street's 9 digits) or a whole code; kept as the 12-digit code
        query.area = area.ljust(12, "0") if area.isdigit() and len(area) in (2, 4, 6, 9, 12) else ""
        if query.area and user is not None and spec.area_allowed is not None:
            query.area = query.area if spec.area_allowed(user, query.area) else ""
    if "programme" in spec.filters and spec.programmes:
        v = get("programme") or ""
        query.programme = v if v in dict(spec.programmes()) else ""
    if "state" in spec.filters and spec.states:
        v = get("state") or ""
        query.state = v if v in dict(spec.states()) else ""
    if "kind" in spec.filters and spec.kinds:
        v = get("kind") or ""
        query.kind = v if v in dict(spec.kinds()) else ""
    if "date_from" in spec.filters:
        query.date_from = _date(get("date_from"))
        query.date_to = _date(get("date_to"))
    if "overdue" in spec.filters:
        query.overdue = get("overdue") in ("1", "on", "true")
    for name in spec.extras:
        v = str(get(name) or "").strip()[:64]
        if v:
            query.extra[name] = v
    sort = str(get("sort") or "")
    query.sort = sort if sort.removeprefix("-") in spec.sorts else spec.default_sort
    query.page = max(1, _int(get("page"), 1))
    size = _int(get("size"), LIST_DEFAULT_SIZE)
    query.size = size if size in LIST_PAGE_SIZES else LIST_DEFAULT_SIZE
    return query


def list_rows(spec: ListSpec, user, query: ListQuery):
    """The rows of the list in the query's order (a queryset, or a sorted list)."""
    rows = spec.rows(user, query)
    if isinstance(rows, list | tuple):
        key = query.sort.removeprefix("-") or spec.default_sort.removeprefix("-")
        getter = spec.sorts.get(key)
        getter = getter if callable(getter) else None
        if getter is not None:
            rows = sorted(rows, key=getter, reverse=query.sort.startswith("-"))
        return list(rows)
    return rows.order_by(*sort_order(spec, query.sort))


@dataclass
class ListPage:
    spec: ListSpec
    query: ListQuery
    page: Page
    areas: list
    columns: tuple
    programmes: list = field(default_factory=list)
    states: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    can_reveal: bool = False  # offer 显示完整证件号 on the export
    area_widget: str = ""  # the area tree picker's HTML, when registered

    @property
    def filter_query(self) -> str:
        return urlencode(self.query.params())

    @property
    def export_query(self) -> str:
        """The query an export repeats: filters and sort (not the page)."""
        return urlencode([*self.query.params(), ("sort", self.query.sort)])

    def sort_link(self, key: str) -> str:
        """The header link of ``key``: ascending first, then descending; filters kept."""
        nxt = "-" + key if self.query.sort == key else key
        return "?" + urlencode(
            [*self.query.params(), ("sort", nxt), ("size", str(self.query.size))]
        )

    def sort_state(self, key: str) -> str:
        if self.query.sort == key:
            return "asc"
        if self.query.sort == "-" + key:
            return "desc"
        return ""


def list_request(request, spec: ListSpec) -> ListPage:
    """One page of ``spec`` as the request's query string asks: exact count, "共 N 条", numbered
    pages, page size 20/50/100, every filter and the sort kept in each link."""
    query = list_query(
        spec, request.GET, user=request.user, session=getattr(request, "session", None)
    )
    rows = list_rows(spec, request.user, query)
    page = paginate(rows, page=query.page, per_page=query.size)
    if page.number > page.num_pages:  # a page past the end (filters narrowed): the last one
        query.page = page.num_pages
        page = paginate(rows, page=query.page, per_page=query.size)
    if spec.prepare is not None and page.items:
        spec.prepare(page.items)
    page.sizes = LIST_PAGE_SIZES
    keep = [*query.params(), ("sort", query.sort)]
    page.query = urlencode(keep)
    page.hidden = keep
    return ListPage(
        spec=spec,
        query=query,
        page=page,
        areas=list(spec.areas(request.user)) if spec.areas else [],
        columns=spec.columns,
        programmes=list(spec.programmes()) if spec.programmes else [],
        states=list(spec.states()) if spec.states else [],
        kinds=list(spec.kinds()) if spec.kinds else [],
        can_reveal=bool(spec.can_reveal and spec.can_reveal(request.user)),
        area_widget=(
            _AREA_WIDGET[0](spec.capability, "area", query.area, "lq-area")
            if _AREA_WIDGET and "area" in spec.filters
            else ""
        ),
    )


def iter_chunks(iterable, size: int):
    """Lists of up to ``size`` items (itertools.batched arrives in Python 3.12)."""
    it = iter(iterable)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def cached_label(fn: Callable) -> Callable:
    """``fn(code)`` remembered per language: an export of a million rows translates each
    status or programme once, not once per row (a lazy label costs a gettext call per use)."""
    from django.utils import translation

    cache: dict = {}

    def label(code):
        key = (translation.get_language(), code)
        text = cache.get(key)
        if text is None:
            text = cache[key] = str(fn(code))
        return text

    return label


def choice_label(choices) -> Callable:
    """The label of a code of ``choices`` (a TextChoices' ``.choices``), cached per language."""
    return cached_label(lambda code: dict(choices).get(code, code or ""))
