"""The policy engine failing is an error the clerk sees, never a silent fallback (issue 12).

Before: intake fell back to a hand-written screen against a hard-coded 低保标准 of 710 yuan when
the engine raised, and the 初审/审批 figures silently disappeared."""

from __future__ import annotations

import pytest
from django.test import Client

from jiuzhu.cases import calculator
from jiuzhu.cases import services as s
from jiuzhu.cases.models import Application, State
from jiuzhu.cases.selectors import decision_support
from tests.cases.helpers import advance, make_cast, new_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(taizhou):
    return make_cast()


@pytest.fixture
def broken_engine(monkeypatch):
    def boom(**kw):
        raise RuntimeError("parameter table unreadable")

    monkeypatch.setattr(calculator, "calculate_household", boom)


def test_a_vague_application_is_refused_with_a_chinese_message_when_the_engine_fails(
    cast, broken_engine
):
    before = Application.objects.count()
    with pytest.raises(calculator.CalculatorError) as e:
        new_case(cast, programme="")
    assert "救助测算出错" in e.value.text() and e.value.code == "calculator_failed"
    assert Application.objects.count() == before  # nothing half-written


def test_the_proposals_are_the_engines_not_a_hand_written_screen(cast, monkeypatch):
    """An engine that finds nothing yields "no programme" — not a 低保 proposal from 710."""
    monkeypatch.setattr(calculator, "calculate_household", lambda **kw: {"programmes": []})
    app = new_case(cast, programme="")
    assert [p["programme"] for p in app.proposed_programmes] == [""]


def test_the_decision_page_says_why_the_figure_is_missing(cast, broken_engine):
    app = advance(cast, new_case(cast), State.REVIEWING)
    support = decision_support(user=cast.reviewer, app=app)
    assert not support.available and "救助测算出错" in support.unavailable_reason
    client = Client()
    client.force_login(cast.reviewer)
    page = client.get(f"/cases/{app.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "救助测算出错" in page


def test_a_review_against_a_failing_engine_is_refused_not_waved_through(cast, broken_engine):
    app = advance(cast, new_case(cast), State.REVIEWING)
    with pytest.raises(calculator.CalculatorError):
        s.application_review(
            actor=cast.reviewer,
            application_id=app.pk,
            version=app.version,
            recommend=True,
            amount="500.00",
            reason="符合条件",
        )
    app.refresh_from_db()
    assert app.state == State.REVIEWING


def test_no_policy_amount_is_written_in_the_cases_app():
    """Every amount comes from the dated per-area parameters (grep for the old demo standard).
    Demo data (moving to ``jiuzhu.demo``) may name amounts."""
    from pathlib import Path

    root = Path(calculator.__file__).parent
    hits = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "migrations" not in p.parts
        and "demo" not in p.name
        and ("710" in p.read_text() or "FALLBACK" in p.read_text())
    ]
    assert hits == []
