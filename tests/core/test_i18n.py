"""core in English (django_language=en or an active language): the home page, the schedule's
wording, and the shared messages (ID numbers, concurrent edits) — Chinese stays the default."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from jiuzhu.accounts.roles import Role
from jiuzhu.core.errors import ConcurrentEditError
from jiuzhu.core.idcard import IdNumberError, validate_id_number
from jiuzhu.core.schedule import NextRun, daily, monthly, weekly
from tests.conftest import CHENGDONG
from tests.factories import user_with_role
from tests.i18n import chinese_runs, english_client, main_text

VALID_ID = "11010519491231002X"  # GB 11643 example: born 1949-12-31, female


@pytest.mark.django_db
def test_home_page_in_english(taizhou):
    c = english_client(user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="Reviewer"))
    page = c.get("/").content.decode()
    main = main_text(page)
    assert "Dashboard" in main and "Registered households" in main
    assert chinese_runs(main) == []


def test_schedule_wording_follows_the_language():
    with translation.override("en"):
        assert daily(2, 15).text() == "Daily 02:15"
        assert weekly(6, 3, 0).text() == "Sundays 03:00"
        assert monthly(1, 1, 30).text() == "Monthly on day 1, 01:30"
    with translation.override("zh-hans"):
        assert daily(2, 15).text() == "每天 02:15"
        assert weekly(6, 3, 0).text() == "每周日 03:00"
        assert monthly(1, 1, 30).text() == "每月1日 01:30"


def test_schedule_include_in_english():
    at = datetime.datetime(2026, 5, 4, 2, 15)
    jobs = [
        NextRun("a", "Nightly check", "Daily 02:15", True, at),
        NextRun("b", "Audit", "Daily 04:00", True, None),
        NextRun("c", "Ledger", "Daily 04:10", False, None),
    ]
    with translation.override("en"):
        html = render_to_string(
            "core/_schedule_next.html", {"schedule": {"jobs": jobs, "missing": True}}
        )
    assert "next 2026-05-04 02:15" in html and "not scheduled on the task worker" in html
    assert "run by cron" in html and "Run jiuzhu schedule on the server" in html
    assert chinese_runs(html) == []


def test_shared_messages_follow_the_language():
    with translation.override("en"):
        with pytest.raises(IdNumberError) as exc:
            validate_id_number(VALID_ID[:17] + "1")
        assert exc.value.message == (
            "The ID number's check character (18th) is wrong: it should be “X”, it is “1”"
        )
        with pytest.raises(IdNumberError) as exc:
            validate_id_number(VALID_ID, sex="M")
        assert "means sex “Female”" in exc.value.message
        assert ConcurrentEditError().text().startswith("The record was changed by someone else")
    with translation.override("zh-hans"), pytest.raises(IdNumberError) as exc:
        validate_id_number(VALID_ID[:17] + "1")
    assert exc.value.message == "身份证号校验码（第18位）错误：应为“X”，实为“1”"
