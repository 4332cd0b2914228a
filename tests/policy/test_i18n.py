"""The policy pages in English (django_language=en): their own UI text has no Chinese left.

Programme names come from the one code → name mapping (jiuzhu.core.programmes) and are translated;
condition labels, legal articles and parameter labels come from the shipped programme definitions
(data) and stay as defined; the pages around them are translated.
"""

import re

import pytest
from django.utils import translation

from jiuzhu.accounts.roles import Role
from tests.factories import user_with_role
from tests.i18n import assert_no_chinese, english_client, main_text

HAILING_VILLAGE = "321202001002"


@pytest.fixture
def worker_en(taizhou):
    return english_client(user_with_role(Role.VILLAGE_WORKER, HAILING_VILLAGE))


@pytest.mark.django_db
def test_policy_pages_in_english(worker_en):
    client = worker_en
    body = client.get("/policy/calculator/").content.decode()
    for nav in ("Policy calculator", "Proactive discovery", "Policy simulation"):
        assert f">{nav}</a>" in body  # the menu entries of this app
    main = main_text(body, without_schedule=True)
    for text in (
        "Household members (rows without an age are ignored)",
        "Other monthly household income (yuan)",
        "Urban/rural",
        "Grade 1",
        "Needs full care",
        "Calculate",
    ):
        assert text in main, text
    assert_no_chinese(main)

    main = main_text(client.get("/policy/runs/").content.decode(), without_schedule=True)
    assert "No runs yet" in main and "Every night all households are evaluated" in main
    assert_no_chinese(main)

    main = main_text(client.get("/policy/simulation/").content.decode(), without_schedule=True)
    assert "Household size for the curve" in main and "Simulate" in main
    assert_no_chinese(main)

    main = main_text(client.get("/policy/parameters/").content.decode(), without_schedule=True)
    assert "Current values" in main and "Awaiting review" in main and "History" in main


@pytest.mark.django_db
def test_calculator_result_in_english(worker_en):
    form = {
        "area_code": HAILING_VILLAGE,
        "on": "2026-11-01",
        "urban_rural": "urban",
        "m0_age": "40",
        "m0_monthly_income": "300.00",
        "m0_labour_capacity": "full",
        "m0_self_care": "full",
        "m0_employment": "employed",
        "m0_school_stage": "none",
    }
    main = main_text(
        worker_en.post("/policy/calculator/", form).content.decode(), without_schedule=True
    )
    assert "Eligible programmes" in main
    assert "Monthly income per head 300.00 yuan; 1 counted members" in main
    assert "Basic protection" in main and "yuan / month" in main  # tier and period labels
    assert "✓ Met" in main and "✗ Not met" in main
    assert 'Amount formula: <span class="mono">' in main
    # programmes are named by code through the one shared mapping (the YAML names are Chinese)
    summaries = re.findall(r"<summary>(.*?)</summary>", main, flags=re.S)
    assert len(summaries) >= 10
    assert any(
        x.startswith("<strong>Minimum living guarantee (dibao)</strong> (dibao, ")
        for x in summaries
    )
    assert any("<strong>Poverty watch</strong> (poverty_watch, " in x for x in summaries)
    for summary in summaries:  # condition labels and articles stay Chinese (data), not these
        assert not re.search(r"[\u4e00-\u9fff\uff01-\uff5e\u3001-\u3011]", summary), summary

    refused = worker_en.post("/policy/calculator/", {**form, "area_code": "321204001001"})
    assert "The area is outside your jurisdiction" in refused.content.decode()

    empty = worker_en.post("/policy/calculator/", {**form, "m0_age": ""})
    assert "Enter the age of at least one household member" in empty.content.decode()


@pytest.mark.django_db
def test_parameter_service_errors_in_english(taizhou):
    from jiuzhu.core.errors import ServiceError
    from jiuzhu.policy import services

    with translation.override("en"), pytest.raises(ServiceError) as exc:
        services.parameter_propose(
            actor=None, name="no.such", area_code="", effective_from=None, value="1"
        )
    assert exc.value.text() == "Unknown parameter “no.such”"
    with pytest.raises(ServiceError) as exc:
        services.parameter_propose(
            actor=None, name="no.such", area_code="", effective_from=None, value="1"
        )
    assert exc.value.text() == "未知参数 “no.such”"  # Chinese by default


def test_programme_label_is_one_mapping():
    from jiuzhu.core.programmes import programme_label
    from jiuzhu.registry import display

    assert not hasattr(display, "programme_label")  # one place: jiuzhu.core.programmes
    with translation.override("en"):
        assert programme_label("tekun") == "Support for the extremely poor (tekun)"
        assert programme_label("poverty_watch") == "Poverty watch"
        assert programme_label("no_such_code") == "no_such_code"
    with translation.override("zh-hans"):
        assert programme_label("dibao") == "最低生活保障"
