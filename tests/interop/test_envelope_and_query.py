"""The SPDCI envelope and query parsing (no database)."""

import pytest

from jiuzhu.interop.dci import envelope
from jiuzhu.interop.dci.envelope import EnvelopeError
from jiuzhu.interop.dci.query import Condition, parse_query

HEADER = {
    "version": "1.0.0",
    "message_id": "m1",
    "message_ts": "2026-12-07T10:00:00Z",
    "action": "search",
    "sender_id": "a",
    "total_count": 1,
}


def test_a_well_formed_request_parses():
    req = envelope.parse(
        {"header": HEADER, "message": {"transaction_id": "t"}}, expect_action="search"
    )
    assert req.sender_id == "a" and req.transaction_id == "t"


@pytest.mark.parametrize(
    "change, code",
    [
        ({"message": None}, "rjct.message.invalid"),
        ({"header": {**HEADER, "action": "subscribe"}}, "rjct.action.invalid"),
        ({"header": {**HEADER, "message_ts": "yesterday"}}, "rjct.message_ts.invalid"),
        ({"header": {**HEADER, "version": "0.9"}}, "rjct.version.invalid"),
        ({"header": {**HEADER, "total_count": "1"}}, "rjct.total_count.invalid"),
        ({"header": {**HEADER, "sender_uri": "ftp://x"}}, "rjct.sender_uri.invalid"),
        ({"message": {}}, "rjct.transaction_id.invalid"),
    ],
)
def test_a_bad_envelope_is_refused_with_the_spec_code(change, code):
    body = {"header": HEADER, "message": {"transaction_id": "t"}} | change
    with pytest.raises(EnvelopeError) as exc:
        envelope.parse(body, expect_action="search")
    assert exc.value.code == code


def test_the_three_query_types():
    q = parse_query("idtype-value", {"type": "UIN", "value": "321202195510233843"})
    assert q.conditions == (Condition("id_number", "eq", "321202195510233843"),)
    q = parse_query(
        "expression",
        {
            "value": {
                "expression": {"query": {"$or": [{"group_size": {"$lt": 5}}, {"gender": "female"}]}}
            }
        },
    )
    assert q.join == "or"
    assert q.conditions == (
        Condition("household_size", "lt", 5),
        Condition("sex", "eq", "female"),
    )
    q = parse_query(
        "predicate",
        [
            {
                "seq_num": 1,
                "expression1": {"attribute_name": "age", "operator": "lt", "attribute_value": "25"},
                "condition": "and",
                "expression2": {
                    "attribute_name": "poverty_score",
                    "operator": "lt",
                    "attribute_value": "2.5",
                },
            }
        ],
    )
    assert q.join == "and" and q.conditions[0] == Condition("age", "lt", "25")


def test_an_unknown_attribute_is_named_in_the_refusal():
    with pytest.raises(EnvelopeError) as exc:
        parse_query(
            "predicate",
            [{"expression1": {"attribute_name": "salary", "operator": "lt", "attribute_value": 1}}],
        )
    assert exc.value.code == "rjct.search_criteria.invalid" and "salary" in exc.value.message
