"""13.10 / 22.6: an ID typed with a Chinese IME (full-width), with spaces or dashes, or a lower-case
x reaches the database as the one normalised number on every input path: the registry service
(forms and API go through it), the registry form, the household search, the registry bulk import
and the feeds (tests/verify/test_feed_intake.py)."""

import datetime

import polars as pl
import pytest

from jiuzhu.accounts.roles import Role
from jiuzhu.registry.bulk_import import _normalised_ids
from jiuzhu.registry.forms import PersonForm
from jiuzhu.registry.models import Person
from jiuzhu.registry.selectors import HouseholdFilters, household_search
from jiuzhu.registry.services import household_create
from tests.conftest import CHENGDONG
from tests.factories import first_village, id_number_for, user_with_role

BIRTH = datetime.date(1968, 3, 9)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")


def typed(number: str) -> str:
    """The number as a clerk typed it in a Chinese IME, with a space and a dash."""
    wide = number.translate(FULL_WIDTH)
    return f"{wide[:6]} {wide[6:14]}－{wide[14:]}"


@pytest.mark.django_db
def test_registry_service_and_search_store_and_find_the_normalised_number():
    clerk = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    number = id_number_for(BIRTH, "M")
    hh = household_create(
        actor=clerk,
        hukou_area_code=first_village(CHENGDONG),
        urban_rural="urban",
        head={"name": "刘建国", "sex": "M", "birth_date": BIRTH, "id_number": typed(number)},
        reason="新登记",
    )
    assert Person.objects.get(household=hh).id_number == number
    found = household_search(user=clerk, filters=HouseholdFilters(q=typed(number)))
    assert list(found) == [hh]


def test_registry_form_normalises_the_typed_number():
    number = id_number_for(BIRTH, "F")
    form = PersonForm(
        data={
            "relation": "head",
            "name": "李秀英",
            "id_number": typed(number),
            "sex": "F",
            "birth_date": BIRTH.isoformat(),
        }
    )
    form.is_valid()
    assert "id_number" not in form.errors
    assert form.cleaned_data["id_number"] == number


def test_registry_bulk_import_normalises_ids_before_checking():
    number = id_number_for(BIRTH, "M")
    ids = pl.Series("id_number", [number, typed(number), number.lower(), None])
    assert _normalised_ids(ids).to_list() == [number, number, number, None]
