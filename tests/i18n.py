"""Helpers for the tests that read pages in English (each app's tests/<app>/test_i18n.py).

The check is always the same: ask for a page with the English cookie, keep the page's own part
(its <main>, not the menu or footer of other apps), cut out the data values that are stored in
Chinese by design (area and person names, stored reasons), and expect no Chinese left.
The language is reset after every test by the autouse fixture in tests/conftest.py.
"""

import re
from collections.abc import Iterable

from django.http import HttpResponse
from django.test import Client

# One run of CJK unified ideographs (a whole Chinese word or phrase, not one character at a time).
CJK = re.compile(r"[\u4e00-\u9fff]+")

_SCHEDULE_LINE = re.compile(r'<p class="small schedule-next">.*?</p>', flags=re.S)


def english_client(user=None) -> Client:
    """A test client asking for English (cookie django_language=en), logged in as `user` if
    given, anonymous otherwise."""
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def area_names() -> list[str]:
    """The names of all areas: data, shown as stored (in Chinese) on every page."""
    from jiuzhu.areas.models import Area

    return list(Area.objects.values_list("name", flat=True))


def main_text(
    page: HttpResponse | str, *, data: Iterable[str] = (), without_schedule: bool = False
) -> str:
    """The page's own part: the inside of its <main>.

    `page` is a response (which must be 200 OK) or an already decoded body (not checked).
    Every value in `data` is cut out, longest first so that a name inside a longer one goes
    with it. `without_schedule` also drops the shared schedule line (core's component, which
    names the jobs as configured) from pages that include it.
    """
    if not isinstance(page, str):
        assert page.status_code == 200, page.status_code
        page = page.content.decode()
    start = page.index(">", page.index("<main")) + 1
    text = page[start : page.index("</main>", start)]
    if without_schedule:
        text = _SCHEDULE_LINE.sub("", text)
    for value in sorted(dict.fromkeys(v for v in data if v), key=len, reverse=True):
        text = text.replace(value, "")
    return text


def chinese_lines(text: str) -> list[str]:
    """The lines of `text` that still hold Chinese, stripped (to show where it is left)."""
    return [line.strip() for line in text.splitlines() if CJK.search(line)]


def chinese_runs(text: str) -> list[str]:
    """Every run of Chinese characters left in `text`."""
    return CJK.findall(text)


def assert_no_chinese(text: str) -> None:
    """Fail, naming the Chinese found, if `text` still holds any."""
    found = chinese_runs(text)
    assert not found, f"untranslated UI text: {found}"
