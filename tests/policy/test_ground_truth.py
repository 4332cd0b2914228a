"""政策找人 against the synthetic county's ground truth, one determination at a time.

Given a 3,000-household synthetic county imported into the test database (SQLite, or PostgreSQL
with JIUZHU_TEST_DATABASE_URL) and the demo's 泰州 parameters, when 政策找人 runs on the day after
the county's reference date (its 12-month look-back is then the 12 months the income covers),
then:

- every row of ``ground_truth.csv`` with an ``expected_flag`` is a stored determination of that
  household and programme with that flag, and (for 应保未保 and 金额不符) the amount due;
- every flagged determination is a row of the ground truth — nothing is found that the generator
  did not plant or record as following from a planted case (渐退 after a job, the disability
  living subsidy that follows the household's 低保/特困/单人保 status, 单人保 that the county's
  roll never had: see docs/synth.md);
- the rows without a flag hold too: the boundary households (exactly at the standard: not
  eligible; a fen below: eligible for 1 yuan and not flagged) and the recent emergencies
  (急难型临时救助 for exactly the households with an event inside the 3-month window).
"""

import datetime
from decimal import Decimal

import polars as pl
import pytest

from jiuzhu.demo.synth.generator import PLANTED_KINDS
from jiuzhu.demo.synth.services import synth_to_database
from jiuzhu.policy import services
from jiuzhu.policy.models import Determination
from jiuzhu.registry.models import Household

SEED = 3
HOUSEHOLDS = 3_000
ON = datetime.date(2026, 11, 1)  # the day after the synthetic reference date 2026-10-31


@pytest.fixture
def county(taizhou):
    result, _ = synth_to_database(HOUSEHOLDS, seed=SEED)
    services.parameters_load_demo()  # 低保标准 710 in 泰州
    run = services.policy_run(on=ON)
    ids = dict(Household.objects.values_list("number", "id"))
    truth = result.ground_truth.with_columns(
        household_id=pl.col("household_number").replace_strict(ids, return_dtype=pl.Int64)
    )
    dets = {
        (d.household_id, d.programme): d
        for d in Determination.objects.filter(run=run).only(
            "household_id", "programme", "eligible", "amount", "flag", "on_roll", "roll_amount"
        )
    }
    return result, truth, dets


def test_every_planted_kind_is_present(county):
    result, truth, _ = county
    kinds = set(truth["kind"])
    assert kinds == set(PLANTED_KINDS), set(PLANTED_KINDS) - kinds
    assert "unplanned" not in kinds


def test_every_flagged_truth_row_is_found_with_its_flag_and_amount(county):
    _, truth, dets = county
    problems = []
    flagged = truth.filter(pl.col("expected_flag") != "")
    assert flagged.height >= 30
    for row in flagged.iter_rows(named=True):
        key = (row["household_id"], row["programme"])
        d = dets.get(key)
        where = f"{row['household_number']} {row['programme']} {row['kind']}"
        if d is None:
            problems.append(f"{where}: no determination (expected {row['expected_flag']})")
            continue
        if d.flag != row["expected_flag"]:
            problems.append(f"{where}: flag {d.flag!r}, expected {row['expected_flag']!r}")
        expected = Decimal(row["expected_monthly_amount"])
        if row["expected_flag"] == "wrongly_included":
            if d.eligible:
                problems.append(f"{where}: still eligible ({d.amount})")
        elif d.amount != expected:
            problems.append(f"{where}: amount {d.amount}, expected {expected}")
    assert not problems, "\n".join(problems)


def test_nothing_is_flagged_that_the_ground_truth_does_not_list(county):
    _, truth, dets = county
    listed = {
        (h, p)
        for h, p in truth.filter(pl.col("expected_flag") != "")
        .select("household_id", "programme")
        .iter_rows()
    }
    extra = sorted(
        f"{h} {p} {d.flag} amount={d.amount} roll={d.roll_amount}"
        for (h, p), d in dets.items()
        if d.flag and (h, p) not in listed
    )
    assert not extra, "flagged but not in ground_truth.csv:\n" + "\n".join(extra)


def test_boundary_households_are_decided_to_the_fen(county):
    _, truth, dets = county
    at = truth.filter(pl.col("kind") == "boundary_at_standard")["household_id"].to_list()
    below = truth.filter(pl.col("kind") == "boundary_below_standard")["household_id"].to_list()
    assert at and below
    for h in at:  # exactly 710.00 per person: not eligible and not on the roll → not stored
        d = dets.get((h, "dibao"))
        assert d is None or not d.eligible
    for h in below:  # 709.99: eligible for 1 yuan, paid 1 yuan, nothing to flag
        d = dets[(h, "dibao")]
        assert d.eligible and d.amount == Decimal("1.00") and d.flag == ""


def test_emergency_aid_for_exactly_the_recent_events(county):
    result, truth, dets = county
    recent = truth.filter(pl.col("kind") == "emergency_recent")
    assert recent.height >= 3
    for row in recent.iter_rows(named=True):
        d = dets[(row["household_id"], "temporary_aid")]
        assert d.eligible and d.amount == Decimal(row["expected_monthly_amount"]), row
    # The feature itself: an emergency only inside the window (older events do not count).
    res, _, _, _ = services.evaluate_registry(on=ON, extra=["emergency_event"])
    found = set(res.filter(pl.col("emergency_event"))["household_id"].to_list())
    assert found == set(recent["household_id"].to_list())
    events = result.tables["emergency_events"]
    assert events["household_number"].n_unique() > recent.height  # old events exist, not counted
