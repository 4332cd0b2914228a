"""Engine refusals in the user's language.

The engine (no Django) raises codes with parameters and Chinese text; ``jiuzhu.policy.messages``
translates them. Every code must have a translation with the same Chinese text and placeholders,
and the pages and the API show the refusal in English with the English cookie, in Chinese without.
"""

import datetime
import json
import re

import pytest
from django.utils import translation

from jiuzhu.accounts.models import RoleAssignment
from jiuzhu.accounts.roles import Role
from jiuzhu.core.errors import ServiceError
from jiuzhu.policy import services
from jiuzhu.policy.engine.calculator import DocumentError
from jiuzhu.policy.engine.errors import MESSAGES, EngineError, Message
from jiuzhu.policy.engine.expr import ExpressionError, compile_expr
from jiuzhu.policy.messages import TRANSLATIONS, engine_message
from tests.factories import user_with_role
from tests.i18n import CJK, english_client

HAILING_VILLAGE = "321202001002"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_engine_code_has_a_translation_with_the_same_text_and_placeholders():
    assert set(TRANSLATIONS) == set(MESSAGES)
    with translation.override("zh-hans"):
        for code, chinese in MESSAGES.items():
            assert str(TRANSLATIONS[code]) == chinese, code  # the msgid is the engine's text
    with translation.override("en"):
        for code, chinese in MESSAGES.items():
            english = str(TRANSLATIONS[code])
            assert not CJK.search(english), (code, english)  # filled in the English catalogue
            assert sorted(PLACEHOLDER.findall(english)) == sorted(PLACEHOLDER.findall(chinese))


def test_an_unknown_code_is_refused_at_the_raise():
    with pytest.raises(KeyError):
        EngineError("no_such_code")


def test_engine_used_alone_reads_chinese_and_carries_code_params_and_field():
    from jiuzhu.policy.engine.evaluate import catalogue_for
    from jiuzhu.policy.engine.params import load_catalogue

    specs, _defaults = load_catalogue()
    with pytest.raises(ExpressionError) as exc:
        compile_expr("counted_members >= 1 and nobody", catalogue_for(specs, set()), expect="bool")
    assert exc.value.code == "unknown_name" and exc.value.params == {"name": "nobody"}
    assert str(exc.value) == "未知的名称 “nobody”：不是已登记的特征或参数"
    with translation.override("en"):
        assert "nobody" in engine_message(exc.value) and not CJK.search(engine_message(exc.value))

    # nested locations and a translated type name inside the message
    err = DocumentError(
        "condition_not_bool",
        {"type": Message("type_money")},
        where=(Message("where_condition", {"code": "dibao", "name": "poor"}), "x"),
    )
    assert str(err) == "项目 dibao 条件 poor: x: 条件必须是真/假，这里的结果是金额"
    assert err.field == "x"
    with translation.override("en"):
        english = engine_message(err)
    assert not CJK.search(english)
    assert english.startswith("Programme dibao condition poor: x: ") and "money" in english


@pytest.fixture
def worker(taizhou):
    return user_with_role(Role.VILLAGE_WORKER, HAILING_VILLAGE)


def _calculate(client, household, overrides=None):
    payload = {"household": household, "area_code": HAILING_VILLAGE, "date": "2026-11-01"}
    if overrides:
        payload["overrides"] = overrides
    r = client.post(
        "/api/v1/policy/calculate", json.dumps(payload), content_type="application/json"
    )
    assert r.status_code == 400, r.content
    return r.json()["errors"]


@pytest.mark.django_db
def test_calculator_api_refusal_in_english_and_in_chinese(client, worker):
    bad_income = {"members": [{"age": 40, "monthly_income": "1.001"}]}
    english = english_client(worker)
    errors = _calculate(english, bad_income)
    (msg,) = errors["members[0].monthly_income"]
    assert msg == "members[0].monthly_income: At most two decimals (to the fen), got '1.001'"

    client.force_login(worker)
    errors = _calculate(client, bad_income)
    assert errors["members[0].monthly_income"] == [
        "members[0].monthly_income: 金额最多两位小数（到分），收到 '1.001'"
    ]

    # a parameter override refused by its type: the field is the override, the text English
    errors = _calculate(english, {"members": [{"age": 40}]}, {"dibao.standard": "abc"})
    (msg,) = errors["overrides.dibao.standard"]
    assert msg == "Parameter overrides: Parameter dibao.standard must be a number, got 'abc'"
    errors = _calculate(client, {"members": [{"age": 40}]}, {"nope": "1"})
    assert errors["overrides.nope"] == ["参数覆盖: 未知参数 “nope”"]


@pytest.mark.django_db
def test_parameter_form_shows_the_type_refusal_in_english(taizhou):
    # configuring parameters (sysadmin) on a page that needs registry.view (county approver)
    admin = user_with_role(Role.SYSADMIN, "321200000000")
    RoleAssignment.objects.create(
        user=admin,
        role=Role.COUNTY_APPROVER,
        area_id="321202000000",
        valid_from=datetime.date(2020, 1, 1),
    )
    form = {
        "name": "dibao.standard",
        "area_code": "321202000000",
        "effective_from": "2026-11-01",
        "value": "750.001",
        "reason": "CPI",
    }
    body = english_client(admin).post("/policy/parameters/", form).content.decode()
    assert "Parameter dibao.standard is an amount of money: at most two decimals (to the fen)" in (
        body
    )
    assert "最多两位小数" not in body

    client = english_client(admin)
    client.cookies["django_language"] = "zh-hans"
    body = client.post("/policy/parameters/", form).content.decode()
    assert "参数 dibao.standard 是金额，最多两位小数（到分）" in body


@pytest.mark.django_db
def test_programme_save_refuses_an_expression_in_the_active_language(taizhou):
    doc = {
        "code": "test_aid",
        "name": "测试救助",
        "tier": "special",
        "conditions": [{"name": "poor", "expr": "counted_members * nobody"}],
        "amount": "0",
    }
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        services.programme_save(actor=None, doc=doc)
    assert exc.value.code == "invalid_expression"
    assert exc.value.errors["definition"] == [
        "Programme test_aid condition poor: Unknown name “nobody”: "
        "not a registered feature or parameter"
    ]
    with translation.override("zh-hans"), pytest.raises(ServiceError) as exc:
        services.programme_save(actor=None, doc={**doc, "tier": "gold"})
    assert exc.value.errors["definition"] == [
        "项目 test_aid.tier: 层级必须是 basic, special, watch 之一"
    ]
