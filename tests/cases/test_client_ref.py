"""Issue 14.21: an online channel's ``client_ref`` is unique per accepting office (township), so
one office can neither see another's refs nor block them."""

import pytest
from django.db import IntegrityError, transaction

from jiuzhu.accounts.roles import Role
from jiuzhu.cases import services as s
from jiuzhu.cases.models import Application
from jiuzhu.core.errors import ServiceError
from tests.cases.helpers import make_cast, new_case
from tests.conftest import JIANGYAN_STREET
from tests.factories import first_village, household_with_head

pytestmark = pytest.mark.django_db


def test_the_same_ref_in_two_offices_makes_two_applications(taizhou):
    cast = make_cast()
    mine = new_case(cast, client_ref="web-0001")
    out_village = first_village(JIANGYAN_STREET)
    other_hh = household_with_head(hukou_area_id=out_village)
    other = s.application_create(
        actor=cast.out[Role.VILLAGE_WORKER],
        household_id=other_hh.pk,
        programme="dibao",
        client_ref="web-0001",
    )
    assert other.pk != mine.pk
    assert mine.client_office != other.client_office
    assert Application.objects.filter(client_ref="web-0001").count() == 2


def test_within_one_office_the_ref_stays_unique(taizhou):
    cast = make_cast()
    app = new_case(cast, client_ref="web-0002")
    assert app.client_office == cast.village[:9] + "000"
    again = s.application_create(
        actor=cast.worker, household_id=app.household_id, programme="dibao", client_ref="web-0002"
    )
    assert again.pk == app.pk
    other_hh = household_with_head(hukou_area_id=cast.village)
    with pytest.raises(ServiceError):
        s.application_create(
            actor=cast.worker, household_id=other_hh.pk, programme="dibao", client_ref="web-0002"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        dup = Application.objects.get(pk=app.pk)
        dup.pk, dup.number = None, "DUP-1"
        dup.save()
