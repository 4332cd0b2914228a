"""registry 0007: the old conclusions (is_counted, self_care, obligor_status) mapped into facts.

Migrates the registry back to 0006, writes one person per old value with the historical models,
migrates forward and checks the facts the data step wrote (docs/registry-facts.md).
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import load_taizhou

BEFORE = ("registry", "0006_person_support_mode_phone_updated")
AFTER = ("registry", "0007_person_facts_selfcare_obligors_job_offers")
MIGRATED = "由原结论迁移，未逐项核实，请重新核实"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0006(transactional_db):
    load_taizhou()
    apps = _migrate([BEFORE])
    yield apps
    # Back to the latest state of every app, whatever happened in the test.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_each_old_conclusion_becomes_the_facts_it_rests_on(at_0006):
    apps = at_0006
    Household = apps.get_model("registry", "Household")
    Person = apps.get_model("registry", "Person")
    village = apps.get_model("areas", "Area").objects.filter(level="village").first()
    hh = Household.objects.create(number="HMIG0001", hukou_area=village, urban_rural="urban")
    born = datetime.date(1950, 1, 1)
    people = {}

    def person(key, **kw):
        people[key] = Person.objects.create(
            household=hh,
            name=key,
            sex="M",
            birth_date=born,
            relation=kw.pop("relation", "other"),
            **kw,
        )

    person("counted_head", relation="head", is_counted=True)
    person("uncounted_spouse", relation="spouse", is_counted=False)
    person("uncounted_sibling", relation="sibling", is_counted=False)
    person("care_full", self_care="full")
    person("care_partial", self_care="partial")
    person("care_none", self_care="none")
    person("obligor_unknown", obligor_status="unknown")
    person("obligor_none", obligor_status="none")
    person("obligor_able", obligor_status="able")
    for reason in (
        "tekun",
        "dibao_elderly",
        "elderly_low_income",
        "severe_disability",
        "no_capacity",
    ):
        person(f"unable_{reason}", obligor_status="unable", obligor_unable_reason=reason)

    apps = _migrate([AFTER])
    Person = apps.get_model("registry", "Person")
    Assessment = apps.get_model("registry", "SelfCareAssessment")
    Obligor = apps.get_model("registry", "Obligor")
    got = {p.name: p for p in Person.objects.filter(household_id=hh.pk)}

    # 共同生活家庭成员: the conclusion becomes the co-residence fact; for the head, a spouse or a
    # child (counted whatever the residence) the exclusion is kept as a reason to check.
    assert got["counted_head"].lives_together is True
    assert got["counted_head"].other_exclusion == ""
    assert got["uncounted_spouse"].lives_together is False
    assert "待核实" in got["uncounted_spouse"].other_exclusion
    assert got["uncounted_sibling"].lives_together is False
    assert got["uncounted_sibling"].other_exclusion == ""

    # 自理能力: full → no assessment; partial → 1 item not done; none → 4 items not done.
    items = ("eating", "dressing", "transfer", "toileting", "walking", "bathing")

    def unable(name):
        rows = list(Assessment.objects.filter(person_id=got[name].pk))
        assert len(rows) == 1, name
        assert rows[0].note == MIGRATED and rows[0].assessor == "原系统结论"
        return {i for i in items if not getattr(rows[0], i)}

    assert not Assessment.objects.filter(person_id=got["care_full"].pk).exists()
    assert unable("care_partial") == {"bathing"}  # 1 item: 部分丧失 (1–3)
    assert unable("care_none") == {"bathing", "dressing", "toileting", "transfer"}  # 4: 完全丧失

    # 法定义务人: unknown → not checked; none → checked, no obligor; able → one obligor with no
    # Art. 8 situation; unable → one obligor with the fact the reason names.
    def obligors(name):
        return list(Obligor.objects.filter(person_id=got[name].pk))

    assert got["obligor_unknown"].obligors_checked_on is None
    assert obligors("obligor_unknown") == []
    assert got["obligor_none"].obligors_checked_on is not None
    assert obligors("obligor_none") == []
    (able,) = obligors("obligor_able")
    assert got["obligor_able"].obligors_checked_on is not None
    assert not (able.on_tekun or able.on_dibao or able.no_legal_capacity)
    assert able.note == MIGRATED
    expected = {
        "tekun": {"on_tekun": True},
        "dibao_elderly": {"on_dibao": True},
        "elderly_low_income": {"property_within_limits": True},
        "severe_disability": {"property_within_limits": True},
        "no_capacity": {"no_legal_capacity": True, "property_within_limits": True},
    }
    for reason, facts in expected.items():
        (o,) = obligors(f"unable_{reason}")
        assert got[f"unable_{reason}"].obligors_checked_on is not None
        for field in ("on_tekun", "on_dibao", "no_legal_capacity"):
            assert bool(getattr(o, field)) == bool(facts.get(field)), (reason, field)
        if "property_within_limits" in facts:
            assert o.property_within_limits is True, reason
        # the age or income the reason rested on was never recorded: left unchecked
        assert o.birth_date is None and o.income_year is None, reason
    # the conclusion columns are gone
    assert not hasattr(got["care_none"], "self_care")
    assert not hasattr(got["obligor_none"], "obligor_status")
