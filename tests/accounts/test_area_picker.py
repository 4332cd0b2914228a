"""The area tree picker: its endpoint answers only inside the user's areas; the widget submits
the area code and replaces the long dropdown on the user and household forms."""

import pytest
from django.urls import reverse

from jiuzhu.accounts.roles import Capability, Role
from jiuzhu.accounts.widgets import AreaPicker
from jiuzhu.areas.models import Area
from tests.conftest import CHENGDONG, CHENGXI, HAILING, JIANGYAN
from tests.factories import first_village, user_with_role

pytestmark = pytest.mark.django_db
URL = "accounts:area_pick"


def test_roots_are_the_users_own_areas_and_children_load_under_them(client):
    # given a street reviewer of 城东
    client.force_login(user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG))
    # when
    roots = client.get(reverse(URL), {"format": "json"}).json()["results"]
    kids = client.get(reverse(URL), {"format": "json", "parent": CHENGDONG}).json()["results"]
    # then
    assert [r["code"] for r in roots] == [CHENGDONG]
    assert roots[0]["has_children"] is True
    assert kids and all(k["code"].startswith(CHENGDONG[:9]) for k in kids)
    assert {k["level"] for k in kids} == {"village"}


def test_nothing_outside_the_users_areas_is_shown(client):
    # given
    client.force_login(user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG))
    west_name = Area.objects.get(code=CHENGXI).name
    # when
    outside_kids = client.get(reverse(URL), {"format": "json", "parent": HAILING}).json()
    search = client.get(reverse(URL), {"format": "json", "q": west_name}).json()
    jiangyan = client.get(reverse(URL), {"format": "json", "q": JIANGYAN[:6]}).json()
    # then
    assert outside_kids["results"] == []
    assert search["results"] == []
    assert jiangyan["results"] == []


def test_search_finds_by_name_and_code_with_the_path(client):
    # given a county administrator of 海陵区
    client.force_login(user_with_role(Role.SYSADMIN, HAILING))
    village = Area.objects.get(code=first_village(CHENGXI))
    # when
    by_name = client.get(reverse(URL), {"format": "json", "q": village.name[:3]}).json()
    by_code = client.get(reverse(URL), {"q": village.code, "pick": "village"})
    # then
    assert village.code in [r["code"] for r in by_name["results"]]
    assert all(r["code"].startswith(HAILING[:6]) for r in by_name["results"])
    assert by_code.status_code == 200
    html = by_code.content.decode()
    assert f'data-area-pick="{village.code}"' in html
    assert Area.objects.get(code=CHENGXI).name in html  # the path names the street


def test_pick_limits_what_can_be_chosen(client):
    # given
    client.force_login(user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG))
    # when
    roots = client.get(reverse(URL), {"pick": "village"}).content.decode()
    # then: the street is a node to open, not a choice
    assert f'data-area-pick="{CHENGDONG}"' not in roots
    assert f"parent={CHENGDONG}" in roots


def test_anonymous_gets_the_login_page(client):
    r = client.get(reverse(URL))
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_widget_renders_the_code_and_the_path_label():
    # when
    html = AreaPicker(capability=Capability.REGISTRY_EDIT, pick=("village",)).render(
        "hukou_area", first_village(CHENGDONG), attrs={"id": "id_hukou_area"}
    )
    # then
    assert f'type="hidden" name="hukou_area" value="{first_village(CHENGDONG)}"' in html
    assert Area.objects.get(code=CHENGDONG).name in html
    assert "cap=registry.edit" in html and "pick=village" in html
    assert "<option" not in html


def test_user_forms_use_the_picker_not_a_dropdown(client):
    # given
    admin = user_with_role(Role.SYSADMIN, HAILING)
    client.force_login(admin)
    # when
    page = client.get(reverse("accounts:user_create")).content.decode()
    created = client.post(
        reverse("accounts:user_create"),
        {
            "username": "picker-user",
            "full_name": "区划测试",
            "password": "Quite-long-pass-2024",
            "role": Role.VILLAGE_WORKER,
            "area": first_village(CHENGDONG),
        },
    )
    # then
    assert "data-area-picker" in page
    assert page.count("<option") < 50
    assert created.status_code == 302


def test_household_form_uses_the_picker(client):
    # given
    client.force_login(user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG))
    # when
    page = client.get(reverse("registry:household_create")).content.decode()
    # then
    assert page.count("data-area-picker") == 2
    assert page.count("<option") < 60
