"""``Person.is_counted`` follows the facts of 低保审核确认办法 Art. 7 (registry.counting).

Art. 7 counts as 共同生活家庭成员: the spouse; minor children; adult children at school up to a
bachelor's degree and adult children who cannot live independently; other relatives with a duty
of support living together long-term — and not: clergy living in a religious site for 3 years or
more, people in prison or compulsory drug rehabilitation, people declared missing, other
situations the province names. The registry writes the flag from these facts wherever they are
written (services, import) and when a child turns 18; the engine decides the same way.
"""

import datetime
import itertools
from types import SimpleNamespace

import polars as pl
import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core import clock
from jiuzhu.policy.engine.features import INPUT_SCHEMAS, person_facts
from jiuzhu.registry.counting import counted, counted_expr
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.services import household_create, members_recount, person_add, person_update
from tests.conftest import CHENGDONG
from tests.factories import first_village, id_number_for, user_with_role

ON = clock.today()  # the suite's fixed clock date (JIUZHU_TEST_CLOCK)
EIGHTEEN_TODAY = ON.replace(year=ON.year - 18)
EIGHTEEN_TOMORROW = EIGHTEEN_TODAY + datetime.timedelta(days=1)


def facts(**kw):
    base = dict(
        relation="child",
        birth_date=datetime.date(1990, 1, 1),
        lives_together=None,
        cannot_live_independently=False,
        school_stage="none",
        religious_site_years=None,
        in_prison=False,
        in_drug_rehab=False,
        declared_missing=False,
        other_exclusion="",
    )
    return SimpleNamespace(**{**base, **kw})


@pytest.mark.parametrize(
    ("case", "kw", "expected"),
    [
        ("head", dict(relation="head"), True),
        ("spouse apart", dict(relation="spouse", lives_together=False), True),
        ("child one day short of 18", dict(birth_date=EIGHTEEN_TOMORROW), True),
        ("child 18 today", dict(birth_date=EIGHTEEN_TODAY), False),
        ("adult child at college", dict(school_stage="college"), True),
        ("adult child in postgraduate study", dict(school_stage="postgraduate"), False),
        ("adult child cannot live independently", dict(cannot_live_independently=True), True),
        ("adult child living together", dict(lives_together=True), True),
        ("adult child, co-residence not checked", dict(lives_together=None), False),
        ("sibling living together", dict(relation="sibling", lives_together=True), True),
        ("sibling apart", dict(relation="sibling", lives_together=False), False),
        ("grandparent living together", dict(relation="grandparent", lives_together=True), True),
        ("other relative living together", dict(relation="other", lives_together=True), False),
        ("clergy 2 years", dict(relation="head", religious_site_years=2), True),
        ("clergy 3 years", dict(relation="head", religious_site_years=3), False),
        ("spouse in prison", dict(relation="spouse", in_prison=True), False),
        ("minor in drug rehab", dict(birth_date=EIGHTEEN_TOMORROW, in_drug_rehab=True), False),
        ("head declared missing", dict(relation="head", declared_missing=True), False),
        ("spouse, a provincial exclusion", dict(relation="spouse", other_exclusion="入伍"), False),
        ("spouse, a blank exclusion", dict(relation="spouse", other_exclusion="  "), True),
    ],
)
def test_article_7_at_its_boundaries(case, kw, expected):
    assert counted(facts(**kw), ON) is expected, case
    frame = pl.DataFrame([vars(facts(**kw))])
    assert frame.select(counted_expr(ON)).item() is expected, case


def test_the_registry_and_the_engine_decide_alike_for_every_combination():
    combos = list(
        itertools.product(
            ("head", "spouse", "child", "parent", "sibling", "grandchild", "other"),
            (EIGHTEEN_TODAY, EIGHTEEN_TOMORROW),
            (None, True, False),
            (False, True),
            ("none", "college"),
            (None, 3),
            (False, True),  # in prison
            ("", "入伍"),
        )
    )
    rows = [
        facts(
            relation=rel,
            birth_date=born,
            lives_together=together,
            cannot_live_independently=dependent,
            school_stage=stage,
            religious_site_years=years,
            in_prison=prison,
            other_exclusion=other,
        )
        for rel, born, together, dependent, stage, years, prison, other in combos
    ]
    schema = INPUT_SCHEMAS["persons"]
    persons = pl.DataFrame(
        [
            {
                **{c: None for c in schema},
                **vars(r),
                "other_exclusion": bool(r.other_exclusion.strip()),
                "person_id": i,
                "household_id": 1,
            }
            for i, r in enumerate(rows)
        ],
        schema=schema,
    )
    empty = {k: pl.DataFrame(schema=INPUT_SCHEMAS[k]) for k in ("roll", "obligors")}
    engine = person_facts(persons, ON, empty["roll"], empty["obligors"], reasons=False)
    got = dict(zip(engine["person_id"], engine["counted"], strict=True))
    for i, r in enumerate(rows):
        assert got[i] is counted(r, ON), vars(r)


# --- the registry's writes keep the flag in step -----------------------------------------------


@pytest.fixture
def reviewer(db, taizhou):
    return user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)


@pytest.fixture
def household(reviewer):
    born = datetime.date(1968, 3, 9)
    return household_create(
        actor=reviewer,
        hukou_area_code=first_village(CHENGDONG),
        urban_rural="urban",
        head={
            "name": "刘建国",
            "sex": "M",
            "birth_date": born,
            "id_number": id_number_for(born, "M"),
            "is_counted": False,  # a conclusion typed in is not taken: the head always counts
        },
        reason="新登记",
    )


def _member(household, reviewer, **kw):
    data = {"name": "刘小红", "sex": "F", "birth_date": datetime.date(1995, 5, 1), **kw}
    return person_add(actor=reviewer, household_id=household.pk, data=data, reason="登记")


def test_create_and_add_derive_the_flag_from_the_facts(household, reviewer):
    head = household.members.get()
    assert head.is_counted is True
    sister = _member(household, reviewer, relation="sibling", lives_together=False, is_counted=True)
    assert sister.is_counted is False
    daughter = _member(household, reviewer, relation="child", birth_date=EIGHTEEN_TOMORROW)
    assert daughter.is_counted is True
    assert Household.objects.get(pk=household.pk).size == 2


def test_an_update_of_a_fact_recomputes_the_flag_and_the_household_size(household, reviewer):
    sister = _member(household, reviewer, relation="sibling", lives_together=False)
    sister = person_update(
        actor=reviewer,
        person_id=sister.pk,
        version=sister.version,
        data={"lives_together": True},
        reason="入户核实：长期共同居住",
    )
    assert sister.is_counted is True
    assert Household.objects.get(pk=household.pk).size == 2
    event = AuditEvent.objects.filter(action="person.update", subject_id=str(sister.pk)).last()
    assert event.after["is_counted"] is True and event.before["is_counted"] is False
    sister = person_update(
        actor=reviewer,
        person_id=sister.pk,
        version=sister.version,
        data={"in_prison": True, "is_counted": True},
        reason="服刑",
    )
    assert sister.is_counted is False  # the exclusion wins; the typed conclusion is ignored
    assert Household.objects.get(pk=household.pk).size == 1


def test_a_child_turning_18_is_recounted(household, reviewer):
    son = _member(household, reviewer, relation="child", birth_date=EIGHTEEN_TOMORROW, sex="M")
    student = _member(
        household,
        reviewer,
        name="刘小兰",
        relation="child",
        birth_date=EIGHTEEN_TOMORROW,
        school_stage="senior",
    )
    assert members_recount(on=ON) == 0  # 17 today
    assert members_recount(on=ON + datetime.timedelta(days=1)) == 1
    assert Person.objects.get(pk=son.pk).is_counted is False
    assert Person.objects.get(pk=student.pk).is_counted is True
    assert Household.objects.get(pk=household.pk).size == 2
    event = AuditEvent.objects.get(action="person.recount")
    assert event.after == {"is_counted": False}
    assert members_recount(on=ON + datetime.timedelta(days=2)) == 0
