"""申请查询 and the 待办 grouping (issue 15): by state, programme, area, dates, overdue
(the decision deadline in working days); labels, not codes, in every cell."""

import datetime

import pytest
from django.test import Client

from jiuzhu.cases.models import Application
from tests.cases.helpers import make_cast, new_case

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_applications_by_state_programme_and_overdue(taizhou):
    cast = make_cast()
    late = new_case(cast)
    on_time = new_case(cast, programme="tekun")
    Application.objects.filter(pk=late.pk).update(decision_due=datetime.date(2026, 1, 5))
    Application.objects.filter(pk=on_time.pk).update(decision_due=datetime.date(2099, 1, 5))
    c = _client(cast.approver)
    page = c.get("/cases/applications/")
    assert page.context["list"].page.count == 2
    body = page.content.decode()
    # labels, not codes: the programme, the village's name, the state in Chinese
    assert "特困人员救助供养" in body and ">tekun<" not in body
    assert late.area.name in body and f">{late.area_id}<" not in body
    assert late.get_state_display() in body
    overdue = c.get("/cases/applications/", {"overdue": "1"}).context["list"].page.items
    assert [a.pk for a in overdue] == [late.pk]
    assert "已超期" in c.get("/cases/applications/", {"overdue": "1"}).content.decode()
    assert [
        a.pk
        for a in c.get("/cases/applications/", {"programme": "tekun"}).context["list"].page.items
    ] == [on_time.pk]
    assert c.get("/cases/applications/", {"state": "approved"}).context["list"].page.count == 0
    # the whole ID number of the applicant finds the case (shown masked)
    id_number = late.applicant.id_number
    found = c.get("/cases/applications/", {"q": id_number})
    assert [a.pk for a in found.context["list"].page.items] == [late.pk]
    cells = found.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert id_number not in cells and f"{id_number[:4]}**********{id_number[-4:]}" in cells
    # another county sees none of them
    other = _client(cast.out["county_approver"])
    assert other.get("/cases/applications/").context["list"].page.count == 0


def test_todo_groups_by_kind_with_sortable_headers(taizhou):
    cast = make_cast()
    new_case(cast)
    body = _client(cast.reviewer).get("/cases/").content.decode()
    assert 'id="kind-case"' in body and 'id="kind-alert"' in body and 'id="kind-review"' in body
    assert 'data-sort="due"' in body and 'data-sort="kind"' in body
    listing = _client(cast.reviewer).get("/cases/", {"kind": "alert"}).context["list"]
    assert all(r.source == "alert" for r in listing.page.items)
