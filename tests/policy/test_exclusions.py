from jiuzhu.policy.engine.exclusions import EXCLUSIONS, exclusion_between, exclusions_within


def test_pairs_are_symmetric_and_named():
    assert exclusion_between("tekun", "dibao") is exclusion_between("dibao", "tekun")
    assert exclusion_between("dibao", "dibao") is None
    assert exclusion_between("dibao", "medical_aid") is None
    assert all(e.rule and e.unit in ("person", "household") for e in EXCLUSIONS)


def test_exclusions_within_a_set():
    broken = exclusions_within({"dibao", "tekun", "medical_aid", "orphan_allowance"})
    pairs = {frozenset((e.first, e.second)) for e in broken}
    assert pairs == {frozenset(("dibao", "tekun")), frozenset(("orphan_allowance", "tekun"))}
    assert exclusions_within({"dibao", "medical_aid", "education_aid"}) == []
