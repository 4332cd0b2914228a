"""The one paginator of every list page: no list is ever cut off silently.

``paginate(qs, page=…, per_page=…)`` is offset pagination with a capped count (a city-wide list
never counts a million rows; past ``COUNT_CAP`` the page says "超过 10000 条"). ``page_request``
reads ``page`` and ``size`` from the query string, and the page renders ``core/_pager.html``:
"共 N 条", page numbers and the page size, keeping the list's other filters in the links.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

COUNT_CAP = 10_000
PAGE_SIZES = (25, 50, 100, 200)


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
    qs: QuerySet | list, *, page: int, per_page: int, count_order: tuple[str, ...] = ()
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
    else:
        count = qs.order_by(*count_order)[: COUNT_CAP + 1].count()
    p = Page(
        items=rows[:per_page],
        number=page,
        has_next=len(rows) > per_page,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        per_page=per_page,
    )
    p.numbers = _numbers(p.number, p.num_pages)
    return p


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
