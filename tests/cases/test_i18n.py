"""The cases pages in English (django_language=en): translated from the committed catalogue, with
no Chinese left in their own text — only data (area and user names, stored reasons) stays."""

import pytest
from django.utils import translation

from jiuzhu.accounts.models import User
from jiuzhu.cases import services as s
from jiuzhu.cases.models import CaseEvent, MaterialKind, PublicNotice, State, Task
from jiuzhu.core.errors import ServiceError
from tests.cases.helpers import advance, make_cast, png
from tests.factories import household_with_head
from tests.i18n import area_names, chinese_runs, english_client, main_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(taizhou):
    return make_cast()


def _condition_labels() -> list[str]:
    """The policy calculator's condition labels shown at 初审/审批: the shipped programme
    definitions' Chinese (data, as on the calculator page)."""
    from jiuzhu.cases import calculator
    from jiuzhu.registry.models import Household

    labels = []
    for hh in Household.objects.all():
        for p in calculator.calculation(household=hh).get("programmes", []):
            labels += [c.get("label", "") for c in p.get("conditions", [])]
    return labels


def _data() -> list[str]:
    """Chinese that is data, not the page's text: names of areas and users, stored reasons,
    to-do notes and notice periods (written in Chinese by design)."""
    return [
        *area_names(),
        *User.objects.values_list("full_name", flat=True),
        *CaseEvent.objects.values_list("reason", flat=True),
        *Task.objects.values_list("note", flat=True),
        *PublicNotice.objects.values_list("period", flat=True),
        *_condition_labels(),
    ]


def _ascii_case(cast, head="Zhang Wei"):
    hh = household_with_head(hukou_area_id=cast.village, head_name=head)
    for kind in (MaterialKind.ID_CARD, MaterialKind.HUKOU, MaterialKind.INCOME_PROOF):
        s.material_upload(
            actor=cast.worker,
            household_id=hh.pk,
            kind=kind,
            uploaded=png(extra=kind.encode() + str(hh.pk).encode()),
        )
    sig = {"signer_name": head}
    return s.application_create(
        actor=cast.worker,
        household_id=hh.pk,
        programme="dibao",
        pledge=sig,
        authorisation=sig,
        reason="hardship",
    )


def test_case_pages_in_english(cast):
    app = _ascii_case(cast)
    reviewer, worker = english_client(cast.reviewer), english_client(cast.worker)

    page = reviewer.get(f"/cases/{app.pk}/").content.decode()
    assert "Overview" in page and "History (who, when, what, why)" in page
    assert "Application registered" in page  # the stored event label, shown translated
    assert "Pledges and authorisations" in page and 'id="do-accept"' in page
    assert chinese_runs(main_text(page, data=_data())) == []
    # punctuation travels with the translated text: no "Zhang Wei（household …，1 person）"
    assert "Zhang Wei (household <a href=" in page and ", 1 person)</td>" in page
    assert "Check authorisation: Zhang Wei (" in page
    main = main_text(page)
    assert [c for c in "：（），、；" if c in main] == []

    page = reviewer.get("/cases/").content.decode()
    assert "My to-do list" in page and "Find any application" in page
    assert chinese_runs(main_text(page, data=_data())) == []

    page = worker.get("/cases/new/?q=Zhang").content.decode()
    assert "Step 1: find the household" in page and "Apply for this household" in page
    assert chinese_runs(main_text(page, data=_data())) == []
    page = worker.get(f"/cases/new/{app.household_id}/").content.decode()
    assert "Household declaration (last 12 months)" in page and "Submit the application" in page
    assert chinese_runs(main_text(page, data=_data())) == []
    assert "Zhang Wei (" in page and "（" not in page.split('id="apply-form"', 1)[0]

    # a move, its message and the next step's form
    resp = reviewer.post(
        f"/cases/{app.pk}/move/accept/", {"version": app.version, "reason": "ok"}, follow=True
    )
    assert "Done: Intake" in resp.content.decode()
    page = worker.get(f"/cases/{app.pk}/visit/").content.decode()
    assert "Living conditions" in page and "Submit the visit" in page
    assert "Poor or unsafe housing" in page
    assert chinese_runs(main_text(page, data=_data())) == []


def test_refusals_and_public_notice_in_english(cast):
    app = advance(cast, _ascii_case(cast, head="Li Fang"), State.NOTICE)
    worker = english_client(cast.worker)
    resp = worker.post(
        f"/cases/{app.pk}/move/approve/", {"version": app.version, "reason": "x"}, follow=True
    )
    body = resp.content.decode()
    assert "you do not hold that post" in body and "须由" not in body

    page = english_client().get(f"/gongshi/{app.area_id}/").content.decode()
    assert "Object to this household" in page and "Notice period" in page
    assert chinese_runs(main_text(page, data=_data())) == []

    app = advance(cast, app, State.APPROVED)
    page = english_client(cast.approver).get(f"/cases/{app.pk}/").content.decode()
    assert "Assistance decision letter" in page and "On the roll from" in page
    assert chinese_runs(main_text(page, data=_data())) == []
    page = english_client(cast.approver).get("/cases/roll/").content.decode()
    assert "Assistance roll" in page and "Decision ref." in page
    assert chinese_runs(main_text(page, data=_data())) == []
    stop = s.adjustment_create(
        actor=cast.reviewer, roll_entry_id=app.roll_entry_id, purpose="stop", reason="moved away"
    )
    page = english_client(cast.reviewer).get(f"/cases/{stop.pk}/").content.decode()
    assert "Open a stop" in page and "Roll entry: 710.00 yuan/month from" in page
    assert "，" not in page.split('id="purpose"', 1)[1].split("</td>", 1)[0]
    assert chinese_runs(main_text(page, data=_data())) == []
    assert stop.events.get().action_label == "发起停发"
    # the letter stays an official Chinese document and the events stay stored in Chinese
    assert set(app.events.values_list("action_label", flat=True)) >= {"申请登记", "批准"}


def test_service_messages_follow_the_language(cast):
    app = _ascii_case(cast, head="Wang Qiang")
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        s.application_accept(actor=cast.reviewer, application_id=app.pk, version=app.version + 1)
    assert exc.value.text() == (
        "This application was changed by someone else; reload and try again"
        " (so their changes are not overwritten)"
    )
    with translation.override("zh-hans"), pytest.raises(ServiceError) as exc:
        s.application_accept(actor=cast.reviewer, application_id=app.pk, version=app.version + 1)
    assert exc.value.text() == "该申请已被他人修改，请刷新后重试（避免覆盖他人的修改）"


def test_vague_application_proposals_in_english(cast):
    hh = household_with_head(hukou_area_id=cast.village, head_name="Zhao Min")
    app = s.application_create(
        actor=cast.worker, household_id=hh.pk, programme="", pledge={}, authorisation={}
    )
    assert app.proposed_programmes[0]["label"] == "最低生活保障"  # stored as proposed
    page = english_client(cast.reviewer).get(f"/cases/{app.pk}/").content.decode()
    proposals = page.split('id="proposals"', 1)[1].split("</ul>", 1)[0]
    assert "<b>Minimum living guarantee (dibao)</b>" in proposals
    assert "Programme not specified (to be decided)" in page and "Set the programme" in page


def test_task_and_event_are_different_words_for_the_same_chinese():
    """事项 is a to-do's "Task" in cases, the police feed's "Event" in the check report."""
    from jiuzhu.verify.feeds import FEEDS
    from jiuzhu.verify.selectors import column_label

    event = next(c for c in FEEDS["police"].columns if c.name == "event")
    assert event.label == "事项"  # the file header keeps the Chinese
    with translation.override("en"):
        assert translation.gettext("事项") == "Task"
        assert column_label("police", event) == "Event"
    with translation.override("zh-hans"):
        assert column_label("police", event) == "事项"
