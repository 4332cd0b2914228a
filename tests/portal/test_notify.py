"""Notifications at the five moments after submission: on the portal and by SMS, once each."""

import pytest

from jiuzhu.cases import services as cases_services
from jiuzhu.cases.models import State
from jiuzhu.portal import selectors
from jiuzhu.portal.models import Citizen, Notice
from jiuzhu.portal.sms import MemoryBackend
from tests.cases.helpers import advance, make_cast, new_case

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


def citizen_of(app, phone=PHONE):
    head = app.household.members.order_by("id").first()
    return Citizen.objects.create(phone=phone, person=head, household=app.household)


def texts(phone=PHONE):
    return [t for p, t in MemoryBackend.outbox if p == phone]


def moments(app):
    return list(
        Notice.objects.filter(household_id=app.household_id)
        .order_by("id")
        .values_list("moment", flat=True)
    )


@pytest.fixture
def cast(taizhou):
    return make_cast()


def test_acceptance_notice_and_decision_are_told_once_each(
    cast, django_capture_on_commit_callbacks
):
    app = new_case(cast)
    citizen = citizen_of(app)
    with django_capture_on_commit_callbacks(execute=True):
        app = advance(cast, app, State.INVESTIGATING)
    assert moments(app) == ["accepted"]
    assert any("已受理" in t and app.number in t for t in texts())
    with django_capture_on_commit_callbacks(execute=True):
        app = advance(cast, app, State.NOTICE)
    assert moments(app) == ["accepted", "notice"]
    assert any("公示" in t for t in texts())
    with django_capture_on_commit_callbacks(execute=True):
        app = advance(cast, app, State.APPROVED)
    assert moments(app) == ["accepted", "notice", "decision"]
    assert any("已批准" in t and "决定书" in t for t in texts())
    # the citizen's page shows the same messages
    shown = [n.moment for n in selectors.home(citizen)["notices"]]
    assert sorted(shown) == ["accepted", "decision", "notice"]
    assert len(texts()) == 3


def test_refusal_is_a_decision_too(cast, django_capture_on_commit_callbacks):
    app = new_case(cast)
    citizen_of(app)
    with django_capture_on_commit_callbacks(execute=True):
        advance(cast, app, State.REFUSED)
    assert moments(app)[-1] == "decision" and any("未获批准" in t for t in texts())


def test_a_missing_paper_is_told_with_its_deadline(cast, django_capture_on_commit_callbacks):
    from tests.cases.helpers import png

    app = new_case(cast, papers=False)
    cases_services.material_upload(
        actor=cast.worker, household_id=app.household_id, kind="id_card", uploaded=png()
    )
    citizen_of(app)
    with django_capture_on_commit_callbacks(execute=True):
        cases_services.application_accept_with_pledge(
            actor=cast.reviewer,
            application_id=app.pk,
            version=app.version,
            missing=["hukou", "income_proof"],
            reason="缺户口簿，承诺补齐",
        )
    assert "missing" in moments(app) and "accepted" in moments(app)
    assert any("户口簿" in t and "补交" in t for t in texts())


def test_a_return_for_correction_asks_for_papers(cast, django_capture_on_commit_callbacks):
    app = new_case(cast)
    citizen_of(app)
    with django_capture_on_commit_callbacks(execute=True):
        advance(cast, app, State.RETURNED)
    assert moments(app)[-1] == "missing" and any("补正" in t for t in texts())


def test_no_bound_phone_no_sms_but_the_page_keeps_it(cast, django_capture_on_commit_callbacks):
    app = new_case(cast)
    with django_capture_on_commit_callbacks(execute=True):
        advance(cast, app, State.INVESTIGATING)
    assert moments(app) == ["accepted"] and MemoryBackend.outbox == []
    assert Notice.objects.get(household_id=app.household_id).sms_to == 0


def test_payment_released_is_told_with_the_masked_account(
    officers, django_capture_on_commit_callbacks
):
    from tests.funds.conftest import household, on_roll
    from tests.funds.helpers import released

    hh, head = household(officers["zijin"], name="王秀英")
    Citizen.objects.create(phone=PHONE, person=head, household=hh)
    other, _h = household(officers["zijin"], name="李四")
    on_roll(hh, amount="680.00")
    on_roll(other, amount="700.00")
    with django_capture_on_commit_callbacks(execute=True):
        released(officers)
    [n] = Notice.objects.filter(moment="payment")
    assert n.household_id == hh.pk and "680.00" in n.text
    [sms] = texts()
    assert "680.00元" in sms and "已拨付" in sms and "*" in sms
    assert not Notice.objects.filter(household_id=other.pk).exists()  # nobody bound there
