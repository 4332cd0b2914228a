"""Every article of RULES.md decided as written, at its boundaries (issues 13.14–13.15 and 21).

Each test names the article it reads. Parameters are national defaults unless a test overrides
them; the standard is set explicitly so the boundaries are visible in the numbers.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from jiuzhu.policy.engine.calculator import DocumentError, calculate
from jiuzhu.policy.engine.evaluate import Plan
from jiuzhu.policy.engine.params import load_catalogue
from jiuzhu.policy.engine.programmes import load_documents

SPECS, DEFAULTS = load_catalogue()
PLAN = Plan.from_documents(load_documents(), SPECS)
AREA = "321202001001"
ON = datetime.date(2025, 1, 1)  # look-back: the 12 months 2024-01..2024-12
STD = "800.00"


def calc(doc, **overrides):
    params = {"dibao.standard": STD, **overrides}
    return calculate(doc, area_code=AREA, on=ON, plan=PLAN, param_rows=DEFAULTS, overrides=params)


def prog(result, code):
    return next(p for p in result["programmes"] if p["programme"] == code)


def household(n, total_monthly, **member):
    """``n`` working-age members; the first earns ``total_monthly`` a month."""
    members = [{"age": 40, "monthly_income": total_monthly, **member}]
    members += [{"age": 38 - i} for i in range(n - 1)]
    return {"members": members}


def fen_text(f: Fraction) -> str:
    return f"{Decimal(f.numerator) / Decimal(f.denominator):.2f}"


# --- 13.14: exact values through every comparison --------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_dibao_income_one_fen_either_side_of_the_standard(n, delta):
    # 低保办法 Art. 13: per-capita income below the standard. Total 800·n ± 0.01: per capita
    # 800 ± 0.01/n, not exact in fen for n ≥ 2 — never rounded before the comparison.
    total = Decimal(STD) * n + Decimal(delta) / 100
    r = calc(household(n, str(total)))
    dibao = prog(r, "dibao")
    exact = Fraction(str(total)) / n
    assert dibao["eligible"] is (exact < 800), (n, delta)
    if delta < 0:
        # the gap (800 − 799.99…) × n is exactly one fen, rounded once at the end
        assert dibao["amount"] == "0.01"
        assert Fraction(r["features"]["per_capita_income"]) == exact or n > 1


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_dibao_assets_one_fen_either_side_of_the_limit(n, delta):
    # 低保办法 Art. 14: financial assets per person ≤ 24 × standard = 19,200.00.
    total = Decimal("19200.00") * n + Decimal(delta) / 100
    doc = household(n, "100.00")
    doc["assets"] = [{"kind": "deposit", "value": str(total)}]
    dibao = prog(calc(doc), "dibao")
    assert dibao["eligible"] is (delta <= 0), (n, delta)
    if delta > 0:
        assert dibao["failed"] == ["assets_within_limit"]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_edge_line_one_fen_either_side_of_one_and_a_half_standards(n, delta):
    # 低保办法 Art. 8 / 2022 notice: per-capita income below 1.5 × standard = 1,200.00.
    total = Decimal("1200.00") * n + Decimal(delta) / 100
    edge = prog(calc(household(n, str(total))), "dibao_edge")
    assert edge["eligible"] is (delta < 0), (n, delta)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_tekun_income_one_fen_either_side_of_the_standard(n, delta):
    # 特困办法 Art. 6: income below the local 低保标准; every member 60+, no obligor.
    total = Decimal(STD) * n + Decimal(delta) / 100
    members = [{"age": 70 + i, "obligors": []} for i in range(n)]
    members[0]["monthly_income"] = str(total)
    tekun = prog(calc({"members": members}), "tekun")
    assert tekun["eligible"] is (delta < 0), (n, delta)


def yearly(n, total_year, ages=None):
    """``n`` members; the first has one income item over the look-back year of ``total_year``:
    the monthly per-capita value is total / 12 / n — not exact in fen for any n, 1 included."""
    ages = ages or [40 - i for i in range(n)]
    members = [{"id": i + 1, "age": a} for i, a in enumerate(ages)]
    return {"members": members, "income": [{"member": 1, "kind": "wage", "amount": total_year}]}


LIMITS = {  # programme → (monthly per-capita limit, eligible exactly at the limit)
    "dibao": (Decimal("800.00"), False),  # below the standard
    "dibao_edge": (Decimal("1200.00"), False),  # below 1.5 × the standard
}


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("delta", [-1, 0, 1])
@pytest.mark.parametrize("programme", list(LIMITS))
def test_yearly_income_one_fen_either_side_with_per_capita_not_exact_in_fen(n, delta, programme):
    # A year's income of limit × 12 × n ± 0.01: per capita limit ± 0.01/(12n) a month, never a
    # whole fen, for households of 1–6 — decided on the exact value, never a rounded one.
    limit, at_limit = LIMITS[programme]
    total = limit * 12 * n + Decimal(delta) / 100
    r = calc(yearly(n, str(total)))
    exact = Fraction(str(total)) / 12 / n
    assert (exact * 100).denominator != 1 or delta == 0  # not exact in fen
    assert abs(Fraction(r["features"]["per_capita_income"]) - exact) < Fraction(1, 10**15)
    expected = exact < Fraction(str(limit)) or (at_limit and exact == Fraction(str(limit)))
    assert prog(r, programme)["eligible"] is expected, (programme, n, delta)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_tekun_yearly_income_one_fen_either_side_not_exact_in_fen(n, delta):
    total = Decimal(STD) * 12 * n + Decimal(delta) / 100
    doc = yearly(n, str(total), ages=[70 + i for i in range(n)])
    for m in doc["members"]:
        m["obligors"] = []
    tekun = prog(calc(doc), "tekun")
    assert tekun["eligible"] is (delta < 0), (n, delta)


def test_the_issue_examples():
    # 3 members with 2,399.99 in all: 799.9966… < 800.00 — eligible, gap exactly 0.01.
    r = calc(household(3, "2399.99"))
    assert prog(r, "dibao")["eligible"] is True
    assert prog(r, "dibao")["amount"] == "0.01"
    assert r["features"]["per_capita_income"].startswith("799.99666666")
    # assets of 19,200.0033… per person fail a 19,200.00 limit.
    doc = household(3, "300.00")
    doc["assets"] = [{"kind": "deposit", "value": "57600.01"}]
    r = calc(doc)
    assert prog(r, "dibao")["eligible"] is False
    assert prog(r, "dibao")["failed"] == ["assets_within_limit"]
    assert r["features"]["financial_assets_per_capita"].startswith("19200.00333")


def test_partial_period_items_are_not_rounded_item_by_item():
    # Two items of 0.02 over three months, one month in the window: 0.00666… each. Rounded to
    # the fen item by item they made 0.02 and per-capita income exactly 800.00 (refused).
    doc = {
        "members": [{"id": 1, "age": 40}],
        "income": [
            {"member": 1, "kind": "wage", "amount": "9599.98"},
            *[
                {
                    "member": 1,
                    "kind": "other",
                    "amount": "0.02",
                    "period_start": "2024-12",
                    "period_end": "2025-02",
                }
            ]
            * 2,
        ],
    }
    r = calc(doc)
    assert Fraction(r["features"]["income_lookback"]) > Fraction("9599.993")
    assert prog(r, "dibao")["eligible"] is True


def test_products_keep_every_decimal_and_the_tekun_floor_is_never_undershot():
    # 暂行办法 Art. 15 (local): basic living ≥ 1.3 × 低保标准. 1.3 × 798.15 = 1,037.595: each
    # person gets 1,037.60 (up to the fen), never 1,037.59; three people 3,112.80 + care.
    members = [{"age": 70 + i, "obligors": []} for i in range(3)]
    tekun = prog(calc({"members": members}, **{"dibao.standard": "798.15"}), "tekun")
    assert tekun["eligible"] is True
    assert tekun["amount"] == "3796.80"  # 3 × 1037.60 + 3 × 228.00


def test_national_rounding_is_exact_fen_and_whole_yuan_is_a_local_choice():
    # 低保办法 Art. 23: rounding is a parameter, applied once, at the end.
    assert next(v.value for v in DEFAULTS if v.name == "dibao.round_up_yuan") is False
    assert prog(calc(household(1, "700.50")), "dibao")["amount"] == "99.50"
    up = calc(household(1, "700.50"), **{"dibao.round_up_yuan": True})
    assert prog(up, "dibao")["amount"] == "100.00"
    # an exact whole yuan is not pushed up by the 20-decimal quotient (2,400 / 3 = 800 − 0)
    exact = calc(household(3, "2100.00"), **{"dibao.round_up_yuan": True})
    assert prog(exact, "dibao")["amount"] == "300.00"


# --- 13.15: 特困 for minors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "supported", "stage", "unable"),
    [
        (15, False, "junior", True),  # under 16
        (16, False, "senior", False),  # 16, not yet supported: able to work
        (17, True, "none", True),  # already supported: kept to 18
        (18, True, "none", False),  # 18, out of school: support ends
        (19, True, "vocational", True),  # past 18 while at 中职
        (19, True, "college", False),  # not compulsory / senior / 中职
        (19, False, "senior", False),  # not supported before
    ],
)
def test_tekun_minors_under_16_or_already_supported_to_18(age, supported, stage, unable):
    # 特困办法 Art. 5 and "ages 16–18".
    m = {"age": age, "school_stage": stage, "obligors": [], "tekun_supported": supported}
    r = calc({"members": [m]})
    assert r["members"][0]["unable_to_work"]["value"] is unable
    assert prog(r, "tekun")["eligible"] is unable


def test_supported_is_read_from_the_roll_too():
    doc = {
        "members": [{"id": 1, "age": 17, "obligors": []}],
        "roll": [{"programme": "tekun", "member": 1, "monthly_amount": "1000.00"}],
    }
    r = calc(doc)
    assert r["members"][0]["unable_to_work"]["reason"] == "supported_minor"
    assert prog(r, "tekun")["eligible"] is True


# --- 21: obligors (特困办法 Art. 4, 8) -----------------------------------------------------------


def test_a_missing_obligor_section_means_not_checked_never_no_obligor():
    r = calc({"members": [{"age": 72}]})
    assert prog(r, "tekun")["eligible"] is False
    assert prog(r, "tekun")["failed"] == ["obligors_verified"]
    assert r["members"][0]["obligors"] == {
        "value": "unknown",
        "article": "特困办法第四、八条",
        "checked": False,
        "each": [],
    }
    # an empty list: checked, nobody owes support
    assert prog(calc({"members": [{"age": 72, "obligors": []}]}), "tekun")["eligible"] is True


LINE = Decimal("41314.00")  # stats.disposable_income_year (national default)


@pytest.mark.parametrize(
    ("obligor", "reason", "tekun"),
    [
        ({"age": 45}, None, False),
        ({"age": 45, "on_tekun": True}, "tekun", True),
        ({"age": 60, "on_dibao": True}, "dibao_elderly", True),
        ({"age": 59, "on_dibao": True}, None, False),
        (
            {"age": 70, "income_year": "41313.99", "property_within_limits": True},
            "elderly_low_income",
            True,
        ),
        (
            {"age": 70, "income_year": "41314.00", "property_within_limits": True},
            "elderly_low_income",
            False,
        ),
        ({"age": 70, "income_year": "100.00", "property_within_limits": False}, None, False),
        ({"age": 69, "income_year": "100.00", "property_within_limits": True}, None, False),
        (
            {
                "age": 40,
                "disability_type": "physical",
                "disability_grade": 2,
                "income_year": "0",
                "property_within_limits": True,
            },
            "severe_disability",
            True,
        ),
        (
            {
                "age": 40,
                "disability_type": "physical",
                "disability_grade": 3,
                "income_year": "0",
                "property_within_limits": True,
            },
            None,
            False,
        ),
        (
            {
                "age": 40,
                "disability_type": "mental",
                "disability_grade": 3,
                "income_year": "0",
                "property_within_limits": True,
            },
            "severe_disability",
            True,
        ),
        ({"age": 40, "in_prison": True, "property_within_limits": True}, "no_capacity", True),
        (
            {"age": 40, "declared_missing": True, "property_within_limits": True},
            "no_capacity",
            True,
        ),
        (
            {"age": 40, "no_legal_capacity": True, "property_within_limits": True},
            "no_capacity",
            True,
        ),
        ({"age": 40, "in_prison": True}, None, False),  # the property test fails
    ],
)
def test_obligor_capacity_from_the_five_situations_of_article_8(obligor, reason, tekun):
    r = calc({"members": [{"age": 75, "obligors": [obligor]}]})
    each = r["members"][0]["obligors"]["each"][0]
    assert each["reason"] == reason
    assert prog(r, "tekun")["eligible"] is tekun
    cond = next(c for c in prog(r, "tekun")["conditions"] if c["name"] == "no_capable_obligor")
    assert cond["article"] == "特困办法第四、八条"
    assert "obligor_income_max" in cond["values"] and "obligor_able" in cond["values"]


def test_an_income_tested_obligor_without_an_income_is_not_checked():
    r = calc({"members": [{"age": 75, "obligors": [{"age": 80, "property_within_limits": True}]}]})
    assert r["members"][0]["obligors"]["value"] == "unknown"
    assert prog(r, "tekun")["failed"] == ["obligors_verified"]


# --- 21: self-care (特困办法 Art. 20–23) --------------------------------------------------------

ITEMS = ("eating", "dressing", "transfer", "toileting", "walking", "bathing")


@pytest.mark.parametrize(
    ("unable", "level", "care"),
    [
        (0, "full", "228.00"),
        (1, "partial", "380.00"),
        (3, "partial", "380.00"),
        (4, "none", "760.00"),
        (6, "none", "760.00"),
    ],
)
def test_self_care_level_from_the_six_items(unable, level, care):
    items = {k: i >= unable for i, k in enumerate(ITEMS)}
    r = calc(
        {"members": [{"age": 75, "obligors": [], "self_care_items": items}]},
        **{"dibao.standard": "710.00"},
    )
    assert r["members"][0]["self_care"]["value"] == level
    assert r["members"][0]["self_care"]["items_unable"] == unable
    # 710 × 1.3 = 923.00 basic + care by level
    assert prog(r, "tekun")["amount"] == str(Decimal("923.00") + Decimal(care))


def test_self_care_items_must_all_be_given():
    with pytest.raises(DocumentError, match="bathing"):
        calc({"members": [{"age": 75, "self_care_items": {k: True for k in ITEMS[:5]}}]})


# --- 21: 共同生活家庭成员 (低保办法 Art. 7) ----------------------------------------------------


@pytest.mark.parametrize(
    ("member", "counted", "reason"),
    [
        ({"relation": "spouse", "age": 38}, True, "spouse"),
        ({"relation": "child", "age": 17}, True, "minor_child"),
        ({"relation": "child", "age": 22, "school_stage": "college"}, True, "student_child"),
        ({"relation": "child", "age": 25, "school_stage": "postgraduate"}, False, "not_family"),
        (
            {"relation": "child", "age": 30, "cannot_live_independently": True},
            True,
            "dependent_child",
        ),
        ({"relation": "child", "age": 30}, False, "not_family"),
        ({"relation": "parent", "age": 70, "lives_together": True}, True, "duty_co_resident"),
        ({"relation": "parent", "age": 70}, False, "not_family"),
        ({"relation": "child_in_law", "age": 30, "lives_together": True}, False, "not_family"),
        ({"relation": "spouse", "age": 38, "in_prison": True}, False, "excluded_in_prison"),
        ({"relation": "spouse", "age": 38, "in_drug_rehab": True}, False, "excluded_in_drug_rehab"),
        (
            {"relation": "spouse", "age": 38, "declared_missing": True},
            False,
            "excluded_declared_missing",
        ),
        (
            {"relation": "child", "age": 30, "religious_site_years": 3, "lives_together": True},
            False,
            "excluded_clergy_apart",
        ),
        (
            {"relation": "child", "age": 30, "religious_site_years": 2, "lives_together": True},
            True,
            "duty_co_resident",
        ),
    ],
)
def test_counted_members_from_relation_residence_and_exclusions(member, counted, reason):
    doc = {"members": [{"id": 1, "relation": "head", "age": 40}, {"id": 2, **member}]}
    r = calc(doc)
    m = r["members"][1]
    assert (m["counted"]["value"], m["counted"]["reason"]) == (counted, reason)
    assert r["features"]["counted_members"] == (2 if counted else 1)


# --- 21: income exclusions per programme, by income category ------------------------------


def test_old_age_allowance_is_excluded_for_tekun_and_counted_for_dibao():
    # 特困办法 Art. 6–7 leave 高龄津贴 out; 低保办法 Art. 13 does not.
    doc = {
        "members": [{"id": 1, "age": 82, "obligors": []}],
        "income": [
            {"member": 1, "kind": "transfer", "category": "old_age_allowance", "amount": "9600.00"}
        ],
    }
    r = calc(doc)
    assert r["features"]["per_capita_income"] == "800.00"
    assert r["features"]["per_capita_income_tekun"] == "0.00"
    assert prog(r, "tekun")["eligible"] is True


@pytest.mark.parametrize(
    ("on", "counted"), [(datetime.date(2025, 12, 31), False), (datetime.date(2026, 1, 1), True)]
)
def test_central_basic_pension_excluded_for_dibao_2021_to_2025(on, counted):
    doc = {
        "members": [{"id": 1, "age": 66}],
        "income": [
            {
                "member": 1,
                "kind": "transfer",
                "category": "central_basic_pension",
                "amount": "1200.00",
                "period_start": "2024-01",
                "period_end": "2025-12",
            }
        ],
    }
    r = calculate(
        doc,
        area_code=AREA,
        on=on,
        plan=PLAN,
        param_rows=DEFAULTS,
        overrides={"dibao.standard": STD},
    )
    assert (Fraction(r["features"]["income_lookback"]) > 0) is counted


@pytest.mark.parametrize(
    "category",
    [
        "special_care_pension",
        "family_planning_reward",
        "scholarship",
        "heroism_reward",
        "social_assistance",
    ],
)
def test_dibao_exclusions_of_article_13(category):
    doc = {
        "members": [{"id": 1, "age": 40}],
        "income": [{"member": 1, "kind": "transfer", "category": category, "amount": "50000"}],
    }
    assert prog(calc(doc), "dibao")["eligible"] is True


# --- 21: property (低保办法 Art. 14) ------------------------------------------------------------


def test_a_shop_is_not_a_home():
    shop = household(1, "100.00")
    shop["assets"] = [{"kind": "property", "value": "0", "residential": False}]
    assert prog(calc(shop), "dibao")["failed"] == ["nonresidential_within_limit"]
    home = household(1, "100.00")
    home["assets"] = [{"kind": "property", "value": "0"}]
    assert prog(calc(home), "dibao")["eligible"] is True


@pytest.mark.parametrize("kind", ["receivable", "internet_finance"])
def test_debts_owed_and_internet_finance_are_financial_assets(kind):
    doc = household(1, "100.00")
    doc["assets"] = [{"kind": kind, "value": "19200.01"}]
    assert prog(calc(doc), "dibao")["failed"] == ["assets_within_limit"]


# --- 21: 单人保 grounds (低保办法 Art. 8; 2022 notice) -----------------------------------------


def test_clergy_in_a_religious_site_for_3_years_may_apply_alone():
    doc = {
        "members": [
            {"id": 1, "relation": "head", "age": 50, "monthly_income": "5000.00"},
            {"id": 2, "relation": "sibling", "age": 45, "religious_site_years": 3},
        ]
    }
    single = prog(calc(doc), "dibao_single")
    assert single["eligible"] is True and single["beneficiaries"] == 1
    assert single["amount"] == "800.00"
    off = calc(doc, **{"dibao_single.ground_clergy": False})
    assert prog(off, "dibao_single")["eligible"] is False


def test_unemployed_severely_disabled_adult_needs_the_2022_switch():
    # Not a 低保边缘 family (income 3,000 per person): only the 2022 widening lets him apply.
    doc = {
        "members": [
            {"id": 1, "age": 50, "monthly_income": "6000.00"},
            {
                "id": 2,
                "age": 25,
                "employment": "unemployed",
                "disability_type": "physical",
                "disability_grade": 1,
            },
        ]
    }
    assert prog(calc(doc), "dibao_single")["eligible"] is False
    on = calc(doc, **{"dibao_single.ground_unemployed_severe_2022": True})
    assert prog(on, "dibao_single")["eligible"] is True
    assert prog(on, "dibao_single")["amount"] == "800.00"


@pytest.mark.parametrize(("delta", "eligible_off"), [("-0.01", True), ("0.00", False)])
def test_support_from_siblings_or_the_elderly_needs_the_2022_switch(delta, eligible_off):
    # An unemployed severely disabled adult (2022 widening on) whose own income is only the
    # support his sister pays: counted, he is eligible below the standard (800.00) and not at it;
    # where the area leaves such support out (2022 notice), his income is 0 and the amount whole.
    support = (Decimal("800.00") + Decimal(delta)) * 12
    doc = {
        "members": [
            {"id": 1, "age": 50, "monthly_income": "6000.00"},
            {
                "id": 2,
                "age": 25,
                "employment": "unemployed",
                "disability_type": "physical",
                "disability_grade": 1,
            },
        ],
        "income": [
            {
                "member": 2,
                "kind": "transfer",
                "category": "support_sibling_elderly",
                "amount": str(support),
            }
        ],
    }
    widen = {"dibao_single.ground_unemployed_severe_2022": True}
    off = prog(calc(doc, **widen), "dibao_single")
    assert off["eligible"] is eligible_off
    if eligible_off:
        assert off["amount"] == "0.01"
    on = prog(
        calc(doc, **widen, **{"dibao_single.exempt_sibling_elderly_support": True}), "dibao_single"
    )
    assert on["eligible"] is True and on["amount"] == "800.00"
    cond = next(c for c in on["conditions"] if c["name"] == "candidate_income_below")
    assert cond["values"]["single_unemployed_severe_income"] == "0.00"
    # the same support from anyone else (category support_payment) is always counted
    doc["income"][0]["category"] = "support_payment"
    other = calc(doc, **widen, **{"dibao_single.exempt_sibling_elderly_support": True})
    assert prog(other, "dibao_single")["eligible"] is eligible_off


def test_each_article_8_ground_is_a_switch():
    doc = {
        "members": [
            {"id": 1, "age": 50, "monthly_income": "1800.00"},
            {"id": 2, "age": 45, "major_illness": True},
        ]
    }
    assert prog(calc(doc), "dibao_single")["eligible"] is True
    off = calc(doc, **{"dibao_single.ground_major_illness": False})
    assert prog(off, "dibao_single")["failed"] == ["has_ground", "candidate_income_below"]


# --- 21: 渐退 ceiling, 护理补贴 widening ---------------------------------------------------------


def test_phase_out_has_no_income_ceiling_unless_the_area_sets_one_and_the_why_says_so():
    doc = {
        "members": [{"age": 40, "monthly_income": "1700.00", "employment": "employed"}],
        "roll": [{"programme": "dibao", "monthly_amount": "300.00", "start_month": "2024-10"}],
    }
    r = prog(calc(doc), "phase_out")
    assert r["eligible"] is True
    cond = next(c for c in r["conditions"] if c["name"] == "income_within_phase_out")
    assert cond["values"]["phase_out.income_ceiling_enabled"]["value"] is False
    assert "第三十三条" in cond["label"]
    on = prog(calc(doc, **{"phase_out.income_ceiling_enabled": True}), "phase_out")
    assert on["failed"] == ["income_within_phase_out"]


def test_care_subsidy_may_widen_to_non_severe_intellectual_and_mental_disability():
    doc = {
        "members": [
            {
                "age": 30,
                "disability_type": "intellectual",
                "disability_grade": 3,
                "monthly_income": "5000.00",
            }
        ]
    }
    assert prog(calc(doc), "disability_care_subsidy")["eligible"] is False
    wide = prog(
        calc(doc, **{"disability.care_include_nonsevere_im": True}), "disability_care_subsidy"
    )
    assert wide["eligible"] is True and wide["amount"] == "277.00"


# --- 21: the input schema refuses unknown keys --------------------------------------------


@pytest.mark.parametrize(
    ("doc", "where", "keys"),
    [
        ({"members": [{"age": 1}], "extra": 1}, "document", "extra"),
        (
            {"household": {"obligor_able": True}, "members": [{"age": 1}]},
            "household",
            "obligor_able",
        ),
        (
            {"members": [{"age": 1, "obligor_status": "none", "orphan": True}]},
            r"members\[0\]",
            "obligor_status, orphan",
        ),
        (
            {"members": [{"age": 1, "obligors": [{"age": 40, "able": True}]}]},
            r"members\[0\]\.obligors\[0\]",
            "able",
        ),
        (
            {
                "members": [{"id": 1, "age": 1}],
                "income": [{"member": 1, "amount": "1", "excluded_for": "tekun"}],
            },
            r"income\[0\]",
            "excluded_for",
        ),
    ],
)
def test_unknown_keys_are_refused_naming_them(doc, where, keys):
    with pytest.raises(DocumentError, match=f"{where}.*不认识的字段 {keys}"):
        calc(doc)


# --- 低保办法 Art. 34: three refused offers of suitable work in a row --------------------------


def _offers(*refused):
    return [{"offered_on": f"2024-{i + 1:02d}-10", "refused": r} for i, r in enumerate(refused)]


@pytest.mark.parametrize(
    ("offers", "stopped"),
    [
        (_offers(True, True), False),  # two refusals: not yet
        (_offers(True, True, True), True),  # three in a row: the member's share stops
        (_offers(True, False, True, True), False),  # an accepted offer breaks the run
        (_offers(False, True, True, True), True),
    ],
)
def test_article_34_three_refusals_in_a_row_stop_the_members_own_share(offers, stopped):
    # Two adults, no income: 800 × 2 = 1,600; the refusing member's share (800) stops.
    doc = {"members": [{"id": 1, "age": 40, "job_offers": offers}, {"id": 2, "age": 38}]}
    r = calc(doc)
    dibao = prog(r, "dibao")
    assert dibao["eligible"] is True
    assert dibao["amount"] == ("800.00" if stopped else "1600.00")
    assert dibao["amount_values"]["n_refused_work"] == (1 if stopped else 0)
    why = r["members"][0]["refused_work"]
    assert why["article"] == "低保办法第三十四条" and why["value"] is stopped


def test_article_34_reduce_instead_of_stop_is_a_local_ratio_and_only_for_those_able_to_work():
    refusing = {"id": 1, "age": 40, "job_offers": _offers(True, True, True)}
    r = calc(
        {"members": [refusing, {"id": 2, "age": 38}]}, **{"dibao.refused_work_share_kept": "0.5"}
    )
    assert prog(r, "dibao")["amount"] == "1200.00"
    assert r["members"][0]["refused_work"]["share_kept"] == "0.5"
    # a 62-year-old cannot be required to work (特困办法 Art. 5): no reduction
    old = {**refusing, "age": 62}
    r = calc({"members": [old, {"id": 2, "age": 38}]})
    assert prog(r, "dibao")["amount"] == "1600.00"
    assert r["members"][0]["refused_work"]["value"] is False
    # an offer after the evaluation date does not count yet
    late = {
        **refusing,
        "job_offers": _offers(True, True) + [{"offered_on": "2025-02-01", "refused": True}],
    }
    assert prog(calc({"members": [late, {"id": 2, "age": 38}]}), "dibao")["amount"] == "1600.00"


def test_job_offers_refuse_unknown_keys_and_need_a_date():
    with pytest.raises(DocumentError, match="refusd"):
        calc(
            {"members": [{"age": 40, "job_offers": [{"offered_on": "2024-01-01", "refusd": True}]}]}
        )
    with pytest.raises(DocumentError, match="推荐日期"):
        calc({"members": [{"age": 40, "job_offers": [{"refused": True}]}]})


def test_an_obligor_with_no_situation_and_no_age_is_undetermined_and_a_birth_date_decides():
    # 特困办法 Art. 8: on 低保 and 60+ is a situation; without an age it cannot be ruled out.
    r = calc({"members": [{"age": 75, "obligors": [{"on_dibao": True}]}]})
    assert r["members"][0]["obligors"]["value"] == "unknown"
    assert prog(r, "tekun")["eligible"] is False
    born = {"on_dibao": True, "birth_date": "1965-01-01"}  # 60 on 2025-01-01
    r = calc({"members": [{"age": 75, "obligors": [born]}]})
    assert r["members"][0]["obligors"]["each"][0]["reason"] == "dibao_elderly"
    assert prog(r, "tekun")["eligible"] is True
    younger = {"on_dibao": True, "birth_date": "1965-01-02"}  # 59 the day before
    r = calc({"members": [{"age": 75, "obligors": [younger]}]})
    assert r["members"][0]["obligors"]["value"] == "able"


def test_other_exclusion_named_by_the_province_leaves_a_spouse_out():
    # 低保办法 Art. 7: others the province names are not counted.
    doc = {
        "members": [
            {"id": 1, "age": 40, "relation": "head"},
            {"id": 2, "age": 38, "relation": "spouse", "other_exclusion": True},
        ]
    }
    r = calc(doc)
    assert r["members"][1]["counted"]["reason"] == "excluded_other"
    assert r["features"]["counted_members"] == 1
