"""The linkage model is safe by design (issue 22.1, 22.3, 13.10, 13.11): no living person linked
automatically on a namesake's record, valid unknown IDs still compared, bad IDs never crash a run.

Engine only (no database). One small registry is linked once per module; each test then looks at
what became of its own planted records."""

from __future__ import annotations

import datetime
import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.core.idcard import make_id_number
from jiuzhu.verify import matching

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
COUNTY = "321202"


def _registry(n: int = 1500, seed: int = 5) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=rnd.randint(0, 25000))
        sex = "M" if i % 2 else "F"
        area = f"{COUNTY}{rnd.randint(1, 5):03d}{rnd.randint(1, 4):03d}"
        rows.append(
            {
                "person_id": i,
                "id_number": make_id_number(COUNTY, birth, i % 900 + 1, sex),
                "name": rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN),
                "sex": sex,
                "birth_date": birth,
                "area_code": area,
            }
        )
    return rows


def _other_sex(sex: str) -> str:
    return "F" if sex == "M" else "M"


def _other_township(area: str) -> str:
    township = int(area[6:9])
    return f"{area[:6]}{(township % 5) + 6:03d}{area[9:]}"


def _several_digits_off(number: str) -> str:
    digits = list(number)
    for pos in (7, 10, 12, 15):
        digits[pos] = str((int(digits[pos]) + 3) % 10)
    return "".join(digits)


@pytest.fixture(scope="module")
def linked():
    people = _registry()
    by_id = {p["person_id"]: p for p in people}
    # person 7 is registered without an ID number (a roll member with a lost card)
    no_id = by_id[7]
    true_number_of_7 = no_id["id_number"]
    persons = pl.DataFrame(
        [{**p, "id_number": None if p["person_id"] == 7 else p["id_number"]} for p in people],
        schema=matching.PERSON_SCHEMA,
    )
    t = by_id[5]
    old = by_id[9]  # has an old 15-digit number in a department's file, mistyped
    old15 = old["id_number"][:6] + old["id_number"][8:17]
    old15_typo = old15[:12] + str((int(old15[12]) + 1) % 10) + old15[13:]

    def rec(rid, **kw):
        base = {k: t[k] for k in ("name", "sex", "birth_date", "area_code")}
        return {"record_id": rid, "id_number": None, **base, **kw}

    records = [
        rec(1),  # the true person, no ID: may be accepted
        rec(2, sex=_other_sex(t["sex"])),  # other-sex namesake
        rec(3, area_code=_other_township(t["area_code"])),  # namesake in another township
        rec(4, birth_date=t["birth_date"] + datetime.timedelta(days=400)),  # other birth date
        rec(5, name=t["name"][0] + "某某"),  # twin: same surname, other given name
        rec(6, id_number=_several_digits_off(t["id_number"])),  # ID several digits off
        # 22.3: the correct ID of a roll member registered without one
        {
            "record_id": 7,
            "id_number": true_number_of_7,
            **{k: no_id[k] for k in ("name", "sex", "birth_date", "area_code")},
        },
        # 13.10: full-width digits (an IME in Excel) and a number with letters in it
        rec(
            8, id_number="".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in t["id_number"])
        ),
        rec(9, id_number="32120A" + t["id_number"][6:]),
        # 13.11: a mistyped old 15-digit number: valid once converted, unknown to the registry
        {
            "record_id": 10,
            "id_number": old15_typo,
            **{k: old[k] for k in ("name", "sex", "birth_date", "area_code")},
        },
    ]
    result = matching.link_records(persons, pl.DataFrame(records, schema=matching.RECORD_SCHEMA))
    links = {row["record_id"]: row for row in result.links.iter_rows(named=True)}
    return result, links, by_id


def test_namesakes_are_never_accepted_automatically(linked):
    _result, links, _ = linked
    for rid in (2, 3, 4, 5, 6):
        link = links.get(rid)
        assert link is None or link["status"] == matching.STATUS_REVIEW, (rid, link)


def test_the_true_person_without_an_id_is_still_linked(linked):
    _result, links, _ = linked
    assert links[1]["person_id"] == 5 and links[1]["status"] == matching.STATUS_ACCEPTED


def test_a_valid_id_the_registry_does_not_know_is_compared_not_dropped(linked):
    result, links, _ = linked
    assert result.stats["valid_unknown"] >= 1
    assert links[7]["person_id"] == 7 and links[7]["method"] == matching.METHOD_PROBABILISTIC


def test_a_mistyped_old_15_digit_id_reaches_the_comparison(linked):
    _result, links, _ = linked
    link = links[10]
    assert link["person_id"] == 9
    assert '"level":"id_explainable"' in link["comparison"]


def test_full_width_digits_link_exactly_and_a_bad_id_is_reported_not_fatal(linked):
    result, links, _ = linked
    assert links[8]["method"] == matching.METHOD_EXACT and links[8]["person_id"] == 5
    assert result.stats["bad_ids"] == 1 and result.stats["bad_id_records"] == [9]
    assert links[9]["person_id"] == 5  # compared without its unreadable number


def test_the_check_character_column_takes_full_width_digits_without_crashing():
    series = pl.Series(["３２１２０２１９７５０６２１００１", "32120219750621001", None])
    out = matching._check_chars(series)  # crashed on full-width digits before (13.10)
    assert out[0] is None and out[1] is not None and out[2] is None


def test_the_trained_model_is_reviewed_bounded_and_versioned(linked):
    result, _links, _ = linked
    model = result.model
    assert model.version == matching.MODEL_VERSION
    matching.check_model(model)  # inside every bound
    w = model.weights()
    assert w["sex_other"] <= -10 and w["birth_other"] <= -10 and w["id_other"] <= -10
    assert w["name_surname"] <= -3  # a different given name counts against
    assert w["area_county"] < w["area_township"] <= w["area_village"]
    assert "clamped" in model.review


def test_an_out_of_bounds_or_old_model_is_refused(linked):
    result, _links, _ = linked
    data = result.model.as_dict()
    old = matching.LinkModel.from_dict({**data, "version": ""})
    with pytest.raises(matching.ModelRefused):
        matching.check_model(old)
    import copy

    settings_ = copy.deepcopy(data["settings"])
    for lv in matching._levels(settings_):
        if lv["label_for_charts"] == "sex_other":
            lv["m_probability"] = lv["u_probability"] * 0.5  # weight -1: too weak
    bad = matching.LinkModel.from_dict({**data, "settings": settings_})
    with pytest.raises(matching.ModelRefused):
        matching.check_model(bad)
    reviewed, changed = matching.review_model(copy.deepcopy(settings_))
    assert {c["level"] for c in changed} == {"sex_other"}
    matching.check_model(matching.LinkModel.from_dict({**data, "settings": reviewed}))


def test_term_frequencies_make_a_common_name_weaker_evidence():
    frame = matching.add_name_features(
        pl.LazyFrame({"name": ["王伟"] * 50 + ["欧阳晓曦"] + ["李明"] * 49})
    ).collect()
    tf = dict(matching.name_frequencies(frame).iter_rows())
    assert tf["王伟"] == pytest.approx(0.5) and tf["欧阳晓曦"] == pytest.approx(0.01)


def test_hold_gate_needs_an_exact_match_or_a_high_probability():
    assert matching.link_holds_payment(matching.METHOD_EXACT, None)
    assert matching.link_holds_payment(matching.METHOD_CONFIRMED, 1.0)
    assert not matching.link_holds_payment(matching.METHOD_PROBABILISTIC, 0.995)
    assert matching.link_holds_payment(matching.METHOD_PROBABILISTIC, matching.HOLD_PROBABILITY)


# --------------------------------------------------------------------------- the property

DISAGREE = {
    "sex": ["sex_other"],
    "birth_date": ["birth_one", "birth_other"],
    "area": ["area_county", "area_other"],
}


def _any_level(column: str):
    return st.sampled_from([None, *[k for k, _label in matching.LEVELS[column]]])


@settings(max_examples=400, deadline=None)
@given(
    field=st.sampled_from(sorted(DISAGREE)),
    data=st.data(),
    probability=st.floats(min_value=0.0, max_value=1.0),
    clear=st.booleans(),
)
def test_no_single_disagreement_on_sex_birth_or_township_is_outweighed(
    field, data, probability, clear
):
    """Whatever the other fields say and however high the model's probability, one disagreement
    among sex, birth date and township never yields an automatic accept."""
    levels = {col: data.draw(_any_level(col)) for col in matching.LEVELS}
    levels[field] = data.draw(st.sampled_from(DISAGREE[field]))
    assert matching.decide(probability, levels, clear=clear) != matching.STATUS_ACCEPTED


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_engine_veto_agrees_with_the_decision_rule(data):
    """The vectorised veto in ``link_records`` (on Splink's level numbers) vetoes exactly the
    pairs ``veto_reasons`` names (on level keys): the numbering cannot drift."""
    gammas = {col: data.draw(st.integers(-1, len(lv) - 1)) for col, lv in matching.LEVELS.items()}
    frame = pl.DataFrame({f"gamma_{c}": [g] for c, g in gammas.items()})
    vetoed = frame.select(matching._veto_expr(frame))[0, 0]
    keys = {c: matching.level_key(c, g) for c, g in gammas.items()}
    assert vetoed == bool(matching.veto_reasons(keys))
