"""demo.funds_synthetic.plant_cases: chosen kinds alone, with their truth, for other benchmarks."""

import pytest

from jiuzhu.demo.funds_synthetic import excluded_partner, plant_cases
from jiuzhu.funds.models import PaymentAccount
from jiuzhu.policy.engine.exclusions import exclusion_between
from jiuzhu.registry.models import RollEntry
from tests.funds.conftest import MONTH, household, on_roll


def test_plant_duplicate_and_excluded_only(officers):
    for i in range(6):
        hh, _head = household(officers["zijin"], name=f"户主{i}", account=False)
        on_roll(hh)
    truth = plant_cases(seed=5, n=2, kinds=("duplicate", "excluded"), month=MONTH)
    assert sorted(t["kind"] for t in truth) == ["duplicate"] * 2 + ["excluded"] * 2
    assert len({t["household_id"] for t in truth}) == 4
    partner = excluded_partner("dibao")
    assert exclusion_between("dibao", partner).unit == "person"
    for t in truth:
        entries = RollEntry.objects.filter(household_id=t["household_id"])
        if t["kind"] == "duplicate":
            assert entries.filter(programme="dibao", person=None).count() == 2
            assert t["entry_id"] == max(e.pk for e in entries)
        else:
            other = RollEntry.objects.get(pk=t["other_entry_id"])
            assert (other.programme, other.household_id) == (partner, t["household_id"])
            assert other.person.relation == "head"
    assert not PaymentAccount.objects.exists()  # no accounts when "shared" is not planted


def test_plant_refuses_a_roll_too_small(officers):
    for i in range(3):
        hh, _head = household(officers["zijin"], name=f"户主{i}", account=False)
        on_roll(hh)
    with pytest.raises(ValueError, match="roll too small"):
        plant_cases(seed=5, n=2, kinds=("duplicate", "excluded"), month=MONTH)
