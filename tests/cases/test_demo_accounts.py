"""低保, 特困 and 临时救助 end to end with the demo's own accounts (cunju → jiedao → quxian)."""

import datetime
from decimal import Decimal

import pytest

from jiuzhu.accounts.models import User
from jiuzhu.cases import services as s
from jiuzhu.cases.models import State
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.idcard import make_id_number
from jiuzhu.demo.accounts import demo_users_ensure
from jiuzhu.registry.services import household_create
from tests.cases.helpers import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(taizhou):
    demo_users_ensure()
    return {
        u.username: u
        for u in User.objects.filter(username__in=["cunju", "jiedao", "quxian", "zijin"])
    }


def _household(demo, n):
    cunju = demo["cunju"]
    village = cunju.role_assignments.get().area_id
    birth = datetime.date(1950 + n, 1, 2)
    hh = household_create(
        actor=cunju,
        hukou_area_code=village,
        urban_rural="urban",
        head={
            "name": f"演示{n}",
            "sex": "M",
            "birth_date": birth,
            "id_number": make_id_number("321202", birth, 100 + n, "M"),
        },
    )
    for kind in ("id_card", "hukou", "income_proof", "medical_record"):
        s.material_upload(
            actor=cunju, household_id=hh.pk, kind=kind, uploaded=png(extra=f"{kind}{n}".encode())
        )
    return hh


def _visit(demo, app):
    sig = s.material_upload(
        actor=demo["cunju"],
        household_id=app.household_id,
        kind="signature",
        uploaded=png(extra=b"sig%d" % app.pk),
    )
    return s.home_visit_submit(
        actor=demo["cunju"],
        application_id=app.pk,
        version=app.version,
        checklist={"housing_poor": True},
        findings="属实",
        signature_material_id=sig.pk,
    )


@pytest.mark.parametrize("programme", ["dibao", "tekun", "temporary_aid"])
def test_full_path_with_demo_accounts(demo, programme):
    hh = _household(demo, ["dibao", "tekun", "temporary_aid"].index(programme))
    sig = {"signer_name": "演示"}
    app = s.application_create(
        actor=demo["cunju"],
        household_id=hh.pk,
        programme=programme,
        temp_aid_kind="expenditure" if programme == "temporary_aid" else "",
        pledge=sig,
        authorisation=sig,
    )
    app = s.application_accept(actor=demo["jiedao"], application_id=app.pk, version=app.version)
    app = _visit(demo, app)
    app = s.application_review(
        actor=demo["jiedao"],
        application_id=app.pk,
        version=app.version,
        recommend=True,
        amount="800.00",
        reason="建议批准",
    )
    end = app.notices.get().end_date
    app = s.application_close_notice(
        actor=demo["jiedao"],
        application_id=app.pk,
        version=app.version,
        today=end + datetime.timedelta(days=1),
    )
    with pytest.raises(ServiceError):  # the payments officer never decides
        s.application_approve(
            actor=demo["zijin"], application_id=app.pk, version=app.version, reason="x"
        )
    app = s.application_approve(
        actor=demo["quxian"], application_id=app.pk, version=app.version, reason="符合条件"
    )
    assert app.state == State.APPROVED and app.roll_entry.monthly_amount == Decimal("800.00")


def test_emergency_aid_with_demo_accounts(demo):
    hh = _household(demo, 7)
    app = s.application_create(
        actor=demo["cunju"],
        household_id=hh.pk,
        programme="temporary_aid",
        temp_aid_kind="emergency",
    )
    app = s.application_grant_emergency(
        actor=demo["jiedao"],
        application_id=app.pk,
        version=app.version,
        amount="3000",
        reason="火灾先行救助",
    )
    assert app.state == State.APPROVED and app.roll_entry.end_month == app.roll_entry.start_month


def test_cases_demo_command_builds_every_stage(demo):
    from django.core.management import call_command

    from jiuzhu.cases.models import Application

    call_command("cases_demo")
    states = sorted(Application.objects.values_list("state", flat=True))
    assert states == sorted(
        ["approved", "notice", "approving", "approved", "submitted", "investigating"]
    )
    call_command("cases_demo")  # idempotent
    assert Application.objects.count() == 6
