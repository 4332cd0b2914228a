"""The list mechanism (core.pagination: ListSpec, list_query, list_request): whitelisted sorts,
page-size bounds, the exact filtered count, and scoping of every filter."""

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse

from jiuzhu.accounts.roles import Role
from jiuzhu.core.pagination import (
    LIST_DEFAULT_SIZE,
    list_query,
    list_request,
    list_spec,
    sort_order,
)
from tests.conftest import CHENGDONG, JIANGYAN_STREET
from tests.factories import first_village, household_with_head, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def east():
    return user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="城东审核员")


@pytest.fixture
def households():
    village = first_village(CHENGDONG)
    inside = [
        household_with_head(hukou_area_id=village, head_name=f"户主{i:02d}", size=1 + i % 5)
        for i in range(23)
    ]
    outside = household_with_head(hukou_area_id=first_village(JIANGYAN_STREET), head_name="外区户")
    return inside, outside


def _page(user, **params):
    request = RequestFactory().get("/", params)
    request.user = user
    return list_request(request, list_spec("households"))


def test_sort_keys_are_whitelisted():
    spec = list_spec("households")
    # a field name that is not a declared key (even a real column) falls back to the default
    assert list_query(spec, QueryDict("sort=id_number")).sort == "number"
    assert list_query(spec, QueryDict("sort=-hukou_area__name")).sort == "number"
    assert list_query(spec, QueryDict("sort=-size")).sort == "-size"
    assert sort_order(spec, "-number") == ("-hukou_area_id", "-number")
    assert sort_order(spec, "number") == ("hukou_area_id", "number")
    assert sort_order(spec, "-size") == ("size", "-id")  # every term reversed


@pytest.mark.parametrize(
    ("size", "expected"),
    [("20", 20), ("50", 50), ("100", 100), ("1000", 20), ("0", 20), ("-5", 20), ("x", 20)],
)
def test_page_size_is_one_of_20_50_100(size, expected):
    assert list_query(list_spec("households"), QueryDict(f"size={size}")).size == expected
    assert LIST_DEFAULT_SIZE == 20


def test_count_is_exact_and_page_two_holds_the_rest(east, households):
    first = _page(east)
    assert first.page.count == 23 and len(first.page.items) == 20
    assert first.page.numbers == [1, 2] and first.page.has_next
    second = _page(east, page="2")
    assert len(second.page.items) == 3 and second.page.count == 23
    # a page past the end shows the last page, not an empty one
    assert len(_page(east, page="9").page.items) == 3


def test_sorting_by_a_header_orders_the_rows(east, households):
    sizes = [h.size for h in _page(east, sort="-size", size="100").page.items]
    assert sizes == sorted(sizes)  # "size" is largest first, so "-size" is smallest first
    sizes = [h.size for h in _page(east, sort="size", size="100").page.items]
    assert sizes == sorted(sizes, reverse=True)


def test_filters_never_reach_outside_the_scope(east, households):
    inside, outside = households
    # an area outside the scope is dropped (the rest of the query is kept), never widened
    listing = _page(east, area=JIANGYAN_STREET, q="外区户")
    assert listing.query.area == "" and listing.page.count == 0
    # the whole ID of someone outside finds nothing
    head = outside.members.get()
    assert _page(east, q=head.id_number).page.count == 0
    # the whole ID inside finds the household (the column shows it masked)
    target = inside[3].members.get()
    found = _page(east, q=target.id_number)
    assert [h.pk for h in found.page.items] == [inside[3].pk]


def test_links_keep_every_filter_and_the_sort(client, east, households):
    client.force_login(east)
    body = client.get(
        reverse("registry:household_list"), {"q": "户主", "sort": "-size", "size": "20"}
    ).content.decode()
    assert "共 23 户" in body
    assert "q=%E6%88%B7%E4%B8%BB&amp;sort=-size&amp;size=20&amp;page=2" in body  # page 2
    assert 'data-sort="size" aria-sort="descending"' in body  # the header shows the order


def test_a_big_count_is_remembered_briefly_and_a_small_one_never(east, households, monkeypatch):
    from django.core.cache import cache

    from jiuzhu.core import pagination

    _page(east)
    assert not [k for k in cache._cache if "listcount" in str(k)]  # 23 rows: counted each time
    monkeypatch.setattr(pagination, "BIG_COUNT", 5)
    assert _page(east).page.count == 23
    household_with_head(hukou_area_id=first_village(CHENGDONG), head_name="新户")
    assert _page(east).page.count == 23  # within the minute: the remembered count
    cache.clear()
    assert _page(east).page.count == 24


def test_a_searched_id_number_never_goes_back_into_the_page(client, east, households):
    """A whole ID number typed into the search finds the row, but the page, its links and its
    export form carry it masked with a session token; the masked box sent back still finds it."""
    inside, _outside = households
    head = inside[0].members.get(relation="head")
    client.force_login(east)
    page = client.get(reverse("registry:household_list"), {"q": head.id_number}).content.decode()
    assert inside[0].number in page
    assert head.id_number not in page  # not in the box, the links or the export form
    masked = head.id_number[:4] + "*" * 10 + head.id_number[-4:]
    assert f'value="{masked}"' in page
    token = page.split('name="qt" value="')[1].split('"')[0]
    again = client.get(reverse("registry:household_list"), {"q": masked, "qt": token})
    assert inside[0].number in again.content.decode()
    # a token from someone else's session (or made up) finds nothing by the masked text
    other = client.get(reverse("registry:household_list"), {"q": masked, "qt": "forged"})
    assert inside[0].number not in other.content.decode()
