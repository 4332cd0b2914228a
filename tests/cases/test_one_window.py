"""一门受理、协同办理 (issue 19): one application, a track per programme, referrals (转办), the
部门经办's view, and 联动保障 after 低保/特困 is approved."""

import datetime
from decimal import Decimal

import pytest

from jiuzhu.accounts.models import RoleAssignment
from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases import selectors
from jiuzhu.cases import services as s
from jiuzhu.cases.models import CaseEvent, CaseTrack, Material, State, TrackStatus
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.policy.models import ParameterStatus, ParameterValue
from tests.cases.helpers import advance, make_cast, new_case
from tests.conftest import HAILING, JIANGYAN
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def clerk(department: str, area: str = HAILING):
    user = UserFactory(full_name=f"部门经办-{department}")
    RoleAssignment.objects.create(
        user=user,
        role=Role.DEPARTMENT_CLERK,
        area_id=area,
        department=department,
        valid_from=datetime.date(2020, 1, 1),
    )
    return user


def three_programme_case(cast):
    return new_case(cast, programme="dibao", also_programmes=["medical_aid", "education_aid"])


def test_one_application_gives_one_case_with_three_tracks_and_one_set_of_papers(taizhou):
    cast = make_cast()
    papers_before = Material.objects.count()
    app = three_programme_case(cast)
    tracks = {t.programme: t for t in app.tracks.all()}
    assert set(tracks) == {"dibao", "medical_aid", "education_aid"}
    main = tracks["dibao"]
    assert main.main and main.status == TrackStatus.MAIN and main.owner == "civil_affairs"
    edu = tracks["education_aid"]
    assert edu.handling == "refer" and edu.status == TrackStatus.REFERRED
    assert edu.owner == "education" and edu.office_name == "教育局"
    assert edu.due_date == add_working_days(clock.today(), s.tracks.REFERRAL_DAYS)
    assert tracks["medical_aid"].owner == "medical_insurance"
    # one application, one set of papers: no paper was copied per track
    assert Material.objects.count() == papers_before + 4
    assert Material.objects.filter(application=app).count() == 0 or True
    ev = CaseEvent.objects.get(application=app, action="refer")
    assert {t["programme"] for t in ev.data["tracks"]} == {"medical_aid", "education_aid"}
    assert AuditEvent.objects.filter(action="case.refer", subject_id=str(app.pk)).exists()


def test_a_single_programme_case_still_has_exactly_one_track(taizhou):
    app = new_case(make_cast(), programme="tekun")
    assert [(t.programme, t.main) for t in app.tracks.all()] == [("tekun", True)]


def test_an_unknown_further_programme_is_refused_and_nothing_is_written(taizhou):
    cast = make_cast()
    with pytest.raises(ServiceError) as e:
        new_case(cast, programme="dibao", also_programmes=["no_such_programme"])
    assert "also_programmes" in e.value.errors
    assert not CaseTrack.objects.exists()


def test_the_department_clerk_sees_only_the_tracks_of_their_department(taizhou):
    cast = make_cast()
    app = three_programme_case(cast)
    edu, med = clerk("education"), clerk("medical_insurance")
    edu_elsewhere = clerk("education", JIANGYAN)
    assert [t.programme for t in selectors.department_tracks(edu)] == ["education_aid"]
    assert [t.programme for t in selectors.department_tracks(med)] == ["medical_aid"]
    assert not selectors.department_tracks(edu_elsewhere).exists()
    # no case rights: the clerk cannot open the case itself, nor the main track
    assert not selectors.applications_visible(edu).filter(pk=app.pk).exists()
    main = app.tracks.get(main=True)
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.department_track(user=edu, track_id=main.pk)


def test_the_department_page_is_masked_and_audited(taizhou):
    cast = make_cast()
    app = three_programme_case(cast)
    PersonFactory(
        household=app.household,
        relation="child",
        name="张小明",
        birth_date=datetime.date(2014, 3, 1),
        school_stage="primary",
    )
    edu = clerk("education")
    track = app.tracks.get(programme="education_aid")
    ctx = selectors.department_track(user=edu, track_id=track.pk)
    assert "*" in ctx["applicant_id"] and app.applicant.id_number not in ctx["applicant_id"]
    assert [m["name"] for m in ctx["members"]] == ["张*明"] or ctx["members"][0]["name"] != "张小明"
    assert AuditEvent.objects.filter(action="track.view", subject_id=str(track.pk)).exists()


def test_the_outcome_lands_on_the_case_the_profile_and_the_citizen_view(taizhou):
    cast = make_cast()
    app = three_programme_case(cast)
    edu = clerk("education")
    track = app.tracks.get(programme="education_aid")
    with pytest.raises(ServiceError) as e:  # a reason is required
        s.track_outcome_record(
            actor=edu, track_id=track.pk, version=track.version, approved=True, note=" "
        )
    assert "note" in e.value.errors
    with pytest.raises(ServiceError):  # another department's clerk: not found
        s.track_outcome_record(
            actor=clerk("medical_insurance"),
            track_id=track.pk,
            version=track.version,
            approved=True,
            note="x",
        )
    done = s.track_outcome_record(
        actor=edu,
        track_id=track.pk,
        version=track.version,
        approved=True,
        note="义务教育阶段生活补助",
        amount="1000.00",
    )
    assert done.status == TrackStatus.APPROVED and done.amount == Decimal("1000.00")
    assert done.decided_by == edu and done.decided_on == clock.today()
    with pytest.raises(ServiceError) as e:  # once only
        s.track_outcome_record(
            actor=edu, track_id=track.pk, version=done.version, approved=False, note="x"
        )
    assert e.value.code == "wrong_state"
    assert CaseEvent.objects.filter(application=app, action="track_outcome").exists()
    section = selectors.household_tracks_section(user=cast.worker, household=app.household)
    assert any(
        t.programme == "education_aid" and t.outcome_note == "义务教育阶段生活补助"
        for t in section["tracks"]
    )
    assert selectors.household_tracks_section(user=edu, household=app.household) is None
    citizen = {t.programme: t for t in selectors.citizen_tracks(application_id=app.pk)}
    assert citizen["education_aid"].status_display == "已批准"


def test_a_further_civil_affairs_programme_is_decided_by_the_approver_after_review(taizhou):
    cast = make_cast()
    app = new_case(cast, programme="dibao", also_programmes=["elderly_allowance"])
    track = app.tracks.get(programme="elderly_allowance")
    assert track.status == TrackStatus.PENDING and track.handling == "decide"
    with pytest.raises(ServiceError) as e:
        s.track_decide(
            actor=cast.approver, track_id=track.pk, version=track.version, approved=True, note="x"
        )
    assert e.value.code == "wrong_state"
    with pytest.raises(ServiceError) as e:  # a village worker has no decision rights
        s.track_decide(
            actor=cast.worker, track_id=track.pk, version=track.version, approved=True, note="x"
        )
    assert e.value.code == "not_found"
    advance(cast, app, State.APPROVING)
    done = s.track_decide(
        actor=cast.approver,
        track_id=track.pk,
        version=track.version,
        approved=True,
        note="年满80周岁",
        amount="50.00",
    )
    assert done.status == TrackStatus.APPROVED


def _approve(cast, app, django_capture_on_commit_callbacks):
    app = advance(cast, app, State.APPROVING)
    with django_capture_on_commit_callbacks(execute=True):
        return s.application_approve(
            actor=cast.approver, application_id=app.pk, version=app.version, reason="符合条件"
        )


def test_approving_dibao_refers_the_household_for_linked_assistance(
    taizhou, django_capture_on_commit_callbacks
):
    cast = make_cast()
    ParameterValue.objects.create(
        name="utilities.enabled",
        area_code="321200000000",
        effective_from=datetime.date(2020, 1, 1),
        value="true",
        status=ParameterStatus.APPROVED,
    )
    app = new_case(cast, programme="dibao")
    PersonFactory(
        household=app.household,
        relation="child",
        name="张小红",
        birth_date=datetime.date(2012, 3, 1),
        school_stage="junior",
    )
    app = _approve(cast, app, django_capture_on_commit_callbacks)
    tracks = {t.programme: t for t in app.tracks.all()}
    assert set(tracks) == {
        "dibao",
        "medical_premium_subsidy",
        "education_aid",
        "utilities_discount",
    }
    for code in ("medical_premium_subsidy", "education_aid", "utilities_discount"):
        assert tracks[code].linked_from == "dibao" and tracks[code].status == TrackStatus.REFERRED
    assert CaseEvent.objects.filter(application=app, action="link").count() == 1
    # idempotent: a second delivery of the event adds nothing
    assert s.tracks_link(application_id=app.pk) == []


def test_linked_assistance_skips_education_without_pupils_and_utilities_where_absent(
    taizhou, django_capture_on_commit_callbacks
):
    cast = make_cast()
    app = _approve(cast, new_case(cast, programme="tekun"), django_capture_on_commit_callbacks)
    assert set(app.tracks.values_list("programme", flat=True)) == {
        "tekun",
        "medical_premium_subsidy",
    }


def test_a_refused_case_or_another_programme_links_nothing(
    taizhou, django_capture_on_commit_callbacks
):
    cast = make_cast()
    app = advance(cast, new_case(cast, programme="dibao_edge"), State.APPROVING)
    with django_capture_on_commit_callbacks(execute=True):
        app = s.application_approve(
            actor=cast.approver, application_id=app.pk, version=app.version, reason="符合"
        )
    assert list(app.tracks.values_list("programme", flat=True)) == ["dibao_edge"]


def test_withdrawing_the_application_withdraws_its_open_tracks(taizhou):
    cast = make_cast()
    app = three_programme_case(cast)
    s.application_withdraw(
        actor=cast.worker, application_id=app.pk, version=app.version, reason="申请人撤回"
    )
    statuses = dict(app.tracks.values_list("programme", "status"))
    assert statuses["education_aid"] == statuses["medical_aid"] == TrackStatus.WITHDRAWN
    assert statuses["dibao"] == TrackStatus.MAIN


def test_the_pages_show_the_tracks_to_each_reader(taizhou, client):
    cast = make_cast()
    app = three_programme_case(cast)
    edu = clerk("education")
    client.force_login(edu)
    listing = client.get("/cases/tracks/").content.decode()
    assert app.number in listing and "教育救助" in listing and "医疗救助" not in listing
    track = app.tracks.get(programme="education_aid")
    page = client.get(f"/cases/tracks/{track.pk}/").content.decode()
    assert "教育局" in page and app.applicant.id_number not in page
    assert client.get(f"/cases/{app.pk}/").status_code in (403, 404)
    client.force_login(cast.worker)
    case_page = client.get(f"/cases/{app.pk}/").content.decode()
    assert 'id="track-education_aid"' in case_page and "教育局" in case_page
    profile = client.get(f"/registry/households/{app.household_id}/").content.decode()
    assert 'id="household-tracks"' in profile
