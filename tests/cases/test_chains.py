"""Approval chains set per area and programme, applied to new cases only."""

import datetime

import pytest

from jiuzhu.cases import services as s
from jiuzhu.cases.models import ApprovalChain, State
from jiuzhu.core.errors import ServiceError
from tests.cases.helpers import _sig, make_cast, new_case
from tests.conftest import CHENGDONG, HAILING

pytestmark = pytest.mark.django_db


def test_most_specific_chain_wins_and_changes_apply_to_new_cases_only(taizhou):
    cast = make_cast()
    before = new_case(cast)
    assert before.chain["approve_role"] == "county_approver"
    ApprovalChain.objects.create(area_id=HAILING, programme="", notice_days=10)
    ApprovalChain.objects.create(
        area_id=CHENGDONG, programme="dibao", review_is_final=True, community_review=True
    )
    after = new_case(cast)
    tekun = new_case(cast, programme="tekun")
    before.refresh_from_db()
    assert before.chain["approve_role"] == "county_approver"  # unchanged
    assert after.chain["approve_role"] == "township_reviewer"  # 初审即终审 (低保移交)
    assert after.chain["community_review"] and after.chain["notice_days"] == 7
    assert tekun.chain["approve_role"] == "county_approver" and tekun.chain["notice_days"] == 10


def test_final_at_township_with_community_review(taizhou):
    cast = make_cast()
    ApprovalChain.objects.create(
        area_id=CHENGDONG, programme="dibao", review_is_final=True, community_review=True
    )
    app = new_case(cast)
    app = s.application_accept(actor=cast.reviewer, application_id=app.pk, version=app.version)
    app = s.home_visit_submit(
        actor=cast.worker,
        application_id=app.pk,
        version=app.version,
        checklist={},
        findings="属实",
        signature_material_id=_sig(cast, app),
    )
    assert app.state == State.COMMUNITY_REVIEW
    app = s.community_review_record(
        actor=cast.reviewer,
        application_id=app.pk,
        version=app.version,
        held_on=datetime.date.today(),
        participants=9,
        votes_for=8,
        votes_against=1,
        opinion="多数同意",
    )
    assert app.state == State.REVIEWING
    app = s.application_review(
        actor=cast.reviewer,
        application_id=app.pk,
        version=app.version,
        recommend=True,
        amount="500",
        reason="同意",
    )
    end = app.notices.get().end_date
    app = s.application_close_notice(
        actor=cast.reviewer,
        application_id=app.pk,
        version=app.version,
        today=end + datetime.timedelta(days=1),
    )
    with pytest.raises(ServiceError) as e:  # the county no longer decides here
        s.application_approve(
            actor=cast.approver, application_id=app.pk, version=app.version, reason="x"
        )
    assert e.value.code == "wrong_role"
    with pytest.raises(ServiceError) as e:  # nor the reviewer of this case
        s.application_approve(
            actor=cast.reviewer, application_id=app.pk, version=app.version, reason="x"
        )
    assert e.value.code == "same_person"
    app = s.application_approve(
        actor=cast.reviewer2, application_id=app.pk, version=app.version, reason="街道审批"
    )
    assert app.state == State.APPROVED and app.letters.get().kind == "approval"


def test_notice_cannot_close_early(taizhou):
    cast = make_cast()
    from tests.cases.helpers import advance

    app = advance(cast, new_case(cast), State.NOTICE)
    with pytest.raises(ServiceError) as e:
        s.application_close_notice(actor=cast.reviewer, application_id=app.pk, version=app.version)
    assert e.value.code == "notice_running" and "公示期至" in str(e.value)
