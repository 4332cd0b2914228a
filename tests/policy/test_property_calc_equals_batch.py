"""Property: for random households, the calculator's result equals the batch result.

The calculator evaluates one household document in its own area; the batch evaluates many
households of different areas at once (parameters resolved per area, grouped by parameter set).
"""

import datetime
from decimal import Decimal

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.policy.engine.calculator import calculate, document_frames
from jiuzhu.policy.engine.evaluate import Plan, evaluate
from jiuzhu.policy.engine.features import compute_features
from jiuzhu.policy.engine.params import ParamValue, load_catalogue, resolve_frame
from jiuzhu.policy.engine.programmes import load_documents

SPECS, DEFAULTS = load_catalogue()
PLAN = Plan.from_documents(load_documents(), SPECS)
ON = datetime.date(2025, 1, 1)
AREAS = ["321202001001", "321204001001", "321281001001"]
ROWS = [
    *DEFAULTS,
    ParamValue("dibao.standard", "321200000000", datetime.date(2020, 1, 1), Decimal("710.00"), 1),
    ParamValue("dibao.standard", "321204000000", datetime.date(2024, 7, 1), Decimal("735.50"), 2),
    ParamValue("dibao.category_enabled", "321281000000", datetime.date(2020, 1, 1), True, 3),
    ParamValue("dibao.round_up_yuan", "321200000000", datetime.date(2020, 1, 1), True, 4),
    ParamValue("dibao.round_up_yuan", "321204000000", datetime.date(2020, 1, 1), False, 5),
]

money = st.integers(min_value=0, max_value=400_000).map(lambda f: str(Decimal(f) / 100))
obligor = st.fixed_dictionaries(
    {"age": st.integers(30, 90)},
    optional={
        "on_tekun": st.booleans(),
        "on_dibao": st.booleans(),
        "disability_type": st.sampled_from(["", "physical", "mental"]),
        "disability_grade": st.integers(1, 4),
        "income_year": st.integers(0, 8_000_000).map(lambda f: str(Decimal(f) / 100)),
        "property_within_limits": st.booleans(),
        "in_prison": st.booleans(),
    },
)
# An obligor known by birth date instead of age (the registry's form), or by neither.
obligor = obligor | st.fixed_dictionaries(
    {},
    optional={
        "birth_date": st.sampled_from(["1964-12-31", "1965-01-01", "1965-01-02", "1955-01-01"]),
        "on_dibao": st.booleans(),
        "property_within_limits": st.booleans(),
    },
)
offer = st.fixed_dictionaries(
    {"offered_on": st.sampled_from(["2024-03-01", "2024-06-01", "2024-09-01", "2025-02-01"])},
    optional={"refused": st.booleans()},
)
member = st.fixed_dictionaries(
    {
        "age": st.integers(0, 95),
        "disability_type": st.sampled_from(["", "physical", "visual", "intellectual", "mental"]),
        "disability_grade": st.none() | st.integers(1, 4),
        "major_illness": st.booleans(),
        "labour_capacity": st.sampled_from(["full", "partial", "none"]),
        "employment": st.sampled_from(["na", "employed", "unemployed"]),
        "school_stage": st.sampled_from(["none", "preschool", "primary", "senior", "college"]),
        "child_status": st.sampled_from(["none", "orphan", "unsupported"]),
    },
    optional={
        "monthly_income": money,
        "is_counted": st.booleans(),
        "relation": st.sampled_from(["head", "spouse", "child", "parent", "child_in_law"]),
        "lives_together": st.booleans(),
        "religious_site_years": st.integers(0, 5),
        "in_prison": st.booleans(),
        "self_care": st.sampled_from(["full", "partial", "none"]),
        "self_care_items": st.fixed_dictionaries(
            {
                k: st.booleans()
                for k in ("eating", "dressing", "transfer", "toileting", "walking", "bathing")
            }
        ),
        "tekun_supported": st.booleans(),
        "obligors": st.lists(obligor, max_size=2),
        "other_exclusion": st.booleans(),
        "job_offers": st.lists(offer, max_size=4),
    },
)
month = st.sampled_from(["2023-06", "2023-12", "2024-01", "2024-05", "2024-10", "2024-12"])
later = st.sampled_from(["2024-12", "2025-02", "2025-06"])
household = st.fixed_dictionaries(
    {
        "household": st.fixed_dictionaries({"emergency_event": st.booleans()}),
        "members": st.lists(member, min_size=1, max_size=5),
        # Items that straddle the window's edges (pro rata: exact quotients, never rounded)
        "income": st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.sampled_from(["wage", "transfer", "other"]),
                    "category": st.sampled_from(
                        ["", "old_age_allowance", "social_assistance", "central_basic_pension"]
                    ),
                    "amount": money,
                    "period_start": month,
                    "period_end": later,
                }
            ),
            max_size=3,
        ),
        "assets": st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.sampled_from(
                        [
                            "deposit",
                            "receivable",
                            "internet_finance",
                            "vehicle",
                            "property",
                            "business",
                        ]
                    ),
                    "value": money,
                    "exempt": st.booleans(),
                },
                optional={"residential": st.booleans()},
            ),
            max_size=3,
        ),
        "expenses": st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.sampled_from(["medical", "education"]),
                    "amount": st.integers(0, 5_000_000).map(lambda f: str(Decimal(f) / 100)),
                    "period_start": month,
                }
            ),
            max_size=2,
        ),
        "roll": st.lists(
            st.fixed_dictionaries(
                {
                    "programme": st.sampled_from(["dibao", "phase_out", "tekun"]),
                    "monthly_amount": money,
                    "start_month": month,
                }
            ),
            max_size=1,
        ),
    }
)


def _fix(doc):
    # Expenses must not end before they start; give them the window end.
    for e in doc["expenses"]:
        e["period_end"] = "2024-12"
    return doc


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(household, st.sampled_from(AREAS)), min_size=1, max_size=6))
def test_calculator_equals_batch(households):
    frames_list, singles = [], []
    for i, (doc, area) in enumerate(households, start=1):
        doc = _fix(doc)
        singles.append(calculate(doc, area_code=area, on=ON, plan=PLAN, param_rows=ROWS))
        frames_list.append(document_frames(doc, ON, household_id=i, area_code=area))
    frames = {}
    for k in frames_list[0]:
        parts = [f[k] for f in frames_list if f[k] is not None]
        frames[k] = pl.concat(parts) if parts else None
    feats = compute_features(frames, ON)
    params, _ = resolve_frame(ROWS, sorted(set(feats["area_code"])), ON, SPECS)
    batch = evaluate(feats, params, PLAN, keep="results").sort("household_id")
    for i, single in enumerate(singles, start=1):
        row = batch.row(i - 1, named=True)
        assert row["household_id"] == i
        for p in single["programmes"]:
            code = p["programme"]
            assert row[f"{code}.eligible"] == p["eligible"], (i, code)
            assert str(row[f"{code}.amount"]) == p["amount"], (i, code)
            for c in p["conditions"]:
                assert row[f"{code}.c.{c['name']}"] == c["passed"], (i, code, c["name"])
