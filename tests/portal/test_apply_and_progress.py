"""Applying from the phone lands in the cases process (channel online); progress; 404s."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases import services as cases_services
from jiuzhu.cases.models import Application, Material, State, Task, TaskKind
from jiuzhu.core.errors import ServiceError
from jiuzhu.portal import selectors, services
from jiuzhu.portal.models import Citizen, SignatureEvidence
from tests.conftest import CHENGDONG
from tests.factories import user_with_role
from tests.portal.conftest import png_bytes, registered

pytestmark = pytest.mark.django_db

SIG = png_bytes(60, 20, (0, 0, 0))


def bound(phone="13812345678", name="王秀英"):
    hh, person = registered(phone, name)
    c = Citizen.objects.create(phone=phone)
    return services.identity_bind(citizen=c, name=name, id_number=person.id_number)


def photo(name="身份证.png", data=None):
    return SimpleUploadedFile(name, data or png_bytes(), content_type="image/png")


def do_apply(citizen, **kw):
    args = dict(
        citizen=citizen,
        reason="丈夫去世，本人患慢性病，无固定收入",
        answers={"income": "3600", "members": "1", "illness": "yes"},
        photos=[photo()],
        pledge_png=SIG,
        authorisation_png=SIG,
    )
    args.update(kw)
    return services.apply(**args)


def test_apply_creates_an_online_application_with_signatures_and_the_photo(taizhou):
    citizen = bound()
    app = do_apply(citizen)
    assert app.channel == "online" and app.vague and app.state == State.SUBMITTED
    assert "3600" in app.reason and app.applicant_id == citizen.person_id
    assert app.pledges.filter(kind="truth").exists() and app.authorisations.exists()
    assert SignatureEvidence.objects.filter(application=app).count() == 2
    m = Material.objects.get(application=app)
    assert m.kind == "id_card" and m.content_type == "image/png"
    # the township is asked to accept it, as for the window
    assert Task.objects.filter(application=app, kind=TaskKind.ACCEPT, done_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="portal.apply", subject_id=str(app.pk)).exists()


def test_bad_input_names_the_field_and_writes_nothing(taizhou):
    citizen = bound()
    with pytest.raises(ServiceError) as e:
        do_apply(
            citizen,
            reason="难",
            answers={"income": "三千", "members": "0"},
            photos=[photo("x.png", b"GIF89a....")],
            pledge_png=b"",
        )
    errs = e.value.errors
    assert {"reason", "income", "members", "photos", "pledge"} <= set(errs)
    assert "诚信承诺书" in errs["pledge"][0] and "JPG" in errs["photos"][0]
    assert not Application.objects.exists() and not Material.objects.exists()


def test_one_open_application_per_household(taizhou):
    citizen = bound()
    do_apply(citizen)
    with pytest.raises(ServiceError, match="办理中的申请"):
        do_apply(citizen)


def test_progress_shows_stage_office_and_deadline_and_hides_other_households(taizhou):
    citizen = bound()
    app = do_apply(citizen)
    page = selectors.progress(citizen, app.pk)
    assert str(page["stage"]) == "受理" and "城东街道" in page["office"]
    assert page["due"] == app.intake_due and page["days_left"] >= 0
    reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    cases_services.application_set_programme(
        actor=reviewer, application_id=app.pk, version=app.version, programme="dibao"
    )
    app.refresh_from_db()
    cases_services.application_accept_with_pledge(
        actor=reviewer,
        application_id=app.pk,
        version=app.version,
        missing=["hukou", "income_proof"],
        reason="缺户口簿，承诺补齐",
    )
    app.refresh_from_db()
    page = selectors.progress(citizen, app.pk)
    assert str(page["stage"]) == "入户调查" and page["due"] == app.visit_due
    assert sorted(o.kind for o in page["outstanding"]) == ["hukou", "income_proof"]
    assert Task.objects.filter(
        application=app, kind=TaskKind.HOME_VISIT, done_at__isnull=True
    ).exists()
    # the missing paper uploaded from the phone marks the item received
    services.upload_missing(
        citizen=citizen,
        application_id=app.pk,
        kind="hukou",
        uploaded=photo("户口簿.png", png_bytes(9, 9)),
    )
    assert [o.kind for o in selectors.progress(citizen, app.pk)["outstanding"]] == ["income_proof"]
    other = bound("13900001111", "李四")
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.progress(other, app.pk)
    with pytest.raises(Http404):
        services.upload_missing(
            citizen=other, application_id=app.pk, kind="hukou", uploaded=photo()
        )


def test_the_channel_principal_holds_no_role_and_only_intake_rights_for_the_call(taizhou):
    """Issue 14 follow-up (item 8): the portal acts in the cases services as an intake-only
    channel principal — no RoleAssignment (so no role maker-checker is bypassed), intake rights
    only in the household's village and only on the object handed to the service, audited as
    the citizen via the channel."""
    from jiuzhu.accounts.models import RoleAssignment, User
    from jiuzhu.accounts.roles import Capability
    from jiuzhu.accounts.scoping import has_capability, user_scope
    from jiuzhu.audit.models import AuditEvent

    citizen = bound()
    app = do_apply(citizen)
    u = User.objects.get(username=services.CHANNEL_USERNAME)
    assert not u.has_usable_password()
    assert not RoleAssignment.objects.filter(user=u).exists()
    # Read back from the database (as a session would), the account has no right at all.
    assert not has_capability(u, Capability.CASE_INTAKE)
    assert not has_capability(u, Capability.REGISTRY_VIEW)
    # The object handed to the service: intake and view in the one village, nothing else.
    village = citizen.household.hukou_area_id
    actor = services.channel_actor(village, citizen)
    assert user_scope(actor, Capability.CASE_INTAKE).prefixes == (village,)
    for cap in (
        Capability.REGISTRY_EDIT,
        Capability.CASE_VISIT,
        Capability.CASE_REVIEW,
        Capability.CASE_APPROVE,
        Capability.PII_REVEAL,
        Capability.PAYROLL_PREPARE,
        Capability.ACCOUNTS_MANAGE,
    ):
        assert not has_capability(actor, cap), cap
    # The cases service's own audit events name the channel and the citizen.
    created = AuditEvent.objects.filter(subject_type="application", subject_id=str(app.pk))
    names = set(created.values_list("actor_name", flat=True))
    assert f"portal-online（群众#{citizen.pk}）" in names
    # Outside the household's village the principal is refused (the service's own check).
    from django.core.exceptions import PermissionDenied

    from jiuzhu.cases import services as cases_services

    other = services.channel_actor("321204001001", citizen)
    with pytest.raises((PermissionDenied, Http404)):
        cases_services.application_create(
            actor=other, household_id=citizen.household_id, programme="dibao", reason="生活困难"
        )


def test_rating_after_the_visit_once_and_counted_for_kpis(taizhou):
    citizen = bound()
    app = do_apply(citizen)
    with pytest.raises(ServiceError) as e:
        services.rate(citizen=citizen, application_id=app.pk, score=5)
    assert e.value.code == "too_early"
    Application.objects.filter(pk=app.pk).update(state=State.REVIEWING)  # the visit is done
    assert selectors.progress(citizen, app.pk)["can_rate"] == "visit"
    with pytest.raises(ServiceError, match="1到5"):
        services.rate(citizen=citizen, application_id=app.pk, score=9)
    services.rate(citizen=citizen, application_id=app.pk, score=4, comment="态度很好")
    assert selectors.progress(citizen, app.pk)["can_rate"] == ""
    with pytest.raises(ServiceError, match="已评价"):
        services.rate(citizen=citizen, application_id=app.pk, score=5)
    Application.objects.filter(pk=app.pk).update(state=State.APPROVED)
    services.rate(citizen=citizen, application_id=app.pk, score=2)
    kpi = selectors.satisfaction(area_prefix=CHENGDONG[:9])
    assert kpi == {"visit": {"count": 1, "average": 4}, "decision": {"count": 1, "average": 2}}
    assert selectors.satisfaction(area_prefix="321204") == {}
