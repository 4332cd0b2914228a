"""Issue 14 items 16 and 17: the inputs the outside probe's fuzzing turned into 500s answer 4xx
with a Chinese message, and transition ``data`` passes no internal parameter through."""

import pytest

from tests.cases.helpers import make_cast, new_case

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/cases/applications",
    "/api/v1/monitoring/alerts",
]


@pytest.fixture
def cast(taizhou):
    return make_cast()


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    "query",
    [{"limit": -1}, {"offset": -1}, {"limit": 10**30}, {"offset": 10**30}, {"offset": 2**63}],
)
def test_bad_paging_is_a_4xx_with_a_chinese_message(client, cast, url, query):
    client.force_login(cast.worker)
    r = client.get(url, query)
    assert 400 <= r.status_code < 500, (url, query, r.status_code)
    body = r.json()
    assert body["code"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


def _move(client, app, name, data=None, **extra):
    payload = {"version": app.version, **extra}
    if data is not None:
        payload["data"] = data
    return client.post(
        f"/api/v1/cases/applications/{app.pk}/transitions/{name}",
        payload,
        content_type="application/json",
    )


def test_transition_without_its_data_names_the_missing_fields(client, cast):
    app = new_case(cast)
    client.force_login(cast.reviewer)
    r = _move(client, app, "review")  # review needs data.recommend
    assert r.status_code == 400
    assert "缺少字段" in r.json()["message"] and "recommend" in r.json()["message"]


def test_internal_parameters_are_refused(client, cast):
    app = new_case(cast)
    client.force_login(cast.reviewer)
    for name, field in [("close_notice", "today"), ("submit_visit", "visited_at")]:
        r = _move(client, app, name, {field: "2020-01-01"})
        assert r.status_code == 400, (name, r.content)
        assert "不接受字段" in r.json()["message"] and field in r.json()["message"]
