"""factory_boy factories: one per model, producing valid data (ID numbers agree with birth/sex)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import factory

from jiuzhu.accounts.models import RoleAssignment, User
from jiuzhu.areas.models import Area
from jiuzhu.areas.services import DEMO_AREA_FILE, areas_import_csv
from jiuzhu.core.idcard import make_id_number
from jiuzhu.registry.models import Asset, Household, IncomeItem, Person, RigidExpense, RollEntry


def load_taizhou() -> None:
    if not Area.objects.filter(code="321200000000").exists():
        areas_import_csv(path=DEMO_AREA_FILE)


def first_village(township_code: str) -> str:
    return (
        Area.objects.filter(parent_id=township_code)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )


_seq = itertools.count(1)


def id_number_for(birth_date: datetime.date, sex: str, address: str = "321202") -> str:
    return make_id_number(address, birth_date, next(_seq) % 500, sex)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"工作人员{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj._jiuzhu_password_audited = True  # a fixture, not an account action
            obj.save()


def user_with_role(role: str, area_code: str, **kwargs) -> User:
    user = UserFactory(**kwargs)
    RoleAssignment.objects.create(
        user=user, role=role, area_id=area_code, valid_from=datetime.date(2020, 1, 1)
    )
    return user


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"HT{n:010d}")
    hukou_area_id = factory.LazyFunction(lambda: first_village("321202001000"))
    urban_rural = "urban"
    head_name = "张伟"
    size = 1


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    relation = "head"
    name = "张伟"
    sex = "M"
    birth_date = datetime.date(1970, 5, 17)
    id_number = factory.LazyAttribute(
        lambda o: id_number_for(o.birth_date, o.sex, o.household.hukou_area_id[:6])
    )


def household_with_head(**kwargs) -> Household:
    hh = HouseholdFactory(**kwargs)
    PersonFactory(household=hh, name=hh.head_name)
    return hh


class IncomeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncomeItem

    household = factory.SubFactory(HouseholdFactory)
    kind = "wage"
    amount = Decimal("12000.00")
    period_start = datetime.date(2025, 11, 1)
    period_end = datetime.date(2026, 10, 1)
    as_of = datetime.date(2026, 10, 31)


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    household = factory.SubFactory(HouseholdFactory)
    kind = "deposit"
    value = Decimal("5000.00")
    as_of = datetime.date(2026, 10, 31)


class RigidExpenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RigidExpense

    household = factory.SubFactory(HouseholdFactory)
    kind = "medical"
    amount = Decimal("8000.00")
    period_start = datetime.date(2025, 11, 1)
    period_end = datetime.date(2026, 10, 1)
    as_of = datetime.date(2026, 10, 31)


class RollEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RollEntry

    household = factory.SubFactory(HouseholdFactory)
    programme = "dibao"
    monthly_amount = Decimal("710.00")
    start_month = datetime.date(2026, 1, 1)
