"""Chinese error pages in the site layout with a way back; the 500 page needs no database."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from jiuzhu.accounts.roles import Role
from jiuzhu.core import error_views
from tests.conftest import CHENGDONG
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_404_is_chinese_in_the_layout_with_the_menu(client):
    # given
    client.force_login(user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG))
    # when
    r = client.get("/no-such-page/")
    # then
    body = r.content.decode()
    assert r.status_code == 404
    assert "页面不存在" in body and "返回首页" in body
    assert 'class="mainnav sidenav"' in body  # the site layout, with the user's menu
    assert "Not Found" not in body


def test_403_does_not_show_the_capability_name(client):
    # given a village worker, who may not manage users
    client.force_login(user_with_role(Role.VILLAGE_WORKER, CHENGDONG))
    # when
    r = client.get(reverse("accounts:user_list"))
    # then
    body = r.content.decode()
    assert r.status_code == 403
    assert "没有权限" in body and "返回首页" in body
    assert "accounts.manage" not in body and "Forbidden" not in body


def test_400_page():
    r = error_views.bad_request(RequestFactory().get("/"))
    assert r.status_code == 400 and "请求有误" in r.content.decode()


def test_500_page_renders_without_the_database(django_assert_num_queries):
    # when
    with django_assert_num_queries(0):
        r = error_views.server_error(RequestFactory().get("/"))
    # then
    body = r.content.decode()
    assert r.status_code == 500
    assert "系统出错" in body and 'href="/"' in body


def test_csrf_failure_is_chinese(client):
    # given
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    # when
    r = strict.post(reverse("login"), {"username": "x", "password": "y"})
    # then
    assert r.status_code == 403 and "页面已过期" in r.content.decode()
