"""疑难案例会商 (issue 19): a panel step on any case — members, each member's opinion, the
decision recorded; the case is not decided while its panel is open."""

import pytest

from jiuzhu.cases import services as s
from jiuzhu.cases.models import CaseEvent, State
from jiuzhu.core.errors import ServiceError
from tests.cases.helpers import advance, make_cast, new_case

pytestmark = pytest.mark.django_db

MEMBERS = ["民政局 王科长", "医保局 李科长", "村委会 张主任"]


def test_a_panel_records_members_opinions_and_decision_and_holds_the_decision(taizhou):
    cast = make_cast()
    app = advance(cast, new_case(cast, programme="rigid_expense"), State.APPROVING)
    with pytest.raises(ServiceError) as e:  # too few members
        s.panel_convene(actor=cast.reviewer, application_id=app.pk, topic="x", members=["甲", "乙"])
    assert "members" in e.value.errors
    panel = s.panel_convene(
        actor=cast.reviewer,
        application_id=app.pk,
        topic="刚性支出占比接近认定线，家庭另有大额借款，一事一议",
        members=MEMBERS,
    )
    app.refresh_from_db()
    with pytest.raises(ServiceError) as e:
        s.application_approve(
            actor=cast.approver, application_id=app.pk, version=app.version, reason="同意"
        )
    assert e.value.code == "panel_open"
    s.panel_opinion_record(
        actor=cast.reviewer, panel_id=panel.pk, member=MEMBERS[0], opinion="同意认定"
    )
    with pytest.raises(ServiceError) as e:  # not a member
        s.panel_opinion_record(actor=cast.reviewer, panel_id=panel.pk, member="路人", opinion="x")
    assert "member" in e.value.errors
    with pytest.raises(ServiceError) as e:  # every member's opinion first
        s.panel_decide(actor=cast.approver, panel_id=panel.pk, decision="同意")
    assert e.value.code == "opinions_missing"
    for m in MEMBERS[1:]:
        s.panel_opinion_record(actor=cast.approver, panel_id=panel.pk, member=m, opinion="同意")
    panel = s.panel_decide(actor=cast.approver, panel_id=panel.pk, decision="一致同意认定")
    assert panel.decision == "一致同意认定" and len(panel.opinions) == 3
    actions = set(CaseEvent.objects.filter(application=app).values_list("action", flat=True))
    assert {"panel_convene", "panel_decide"} <= actions
    app.refresh_from_db()
    app = s.application_approve(
        actor=cast.approver, application_id=app.pk, version=app.version, reason="按会商结论认定"
    )
    assert app.state == State.APPROVED


def test_a_village_worker_cannot_convene_a_panel(taizhou):
    cast = make_cast()
    app = new_case(cast)
    with pytest.raises(ServiceError) as e:
        s.panel_convene(actor=cast.worker, application_id=app.pk, topic="x", members=MEMBERS)
    assert e.value.code == "not_found"
