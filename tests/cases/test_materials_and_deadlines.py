"""Uploads (type, size, once, nothing half-attached), 容缺受理, and working-day limits."""

import datetime
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.cases import checks
from jiuzhu.cases import services as s
from jiuzhu.cases.models import Material, OutstandingItem, State, Task, WorkingDayOverride
from jiuzhu.cases.selectors import todo_for
from jiuzhu.cases.services import materials
from jiuzhu.cases.workdays import add_working_days, is_working_day, working_days_between
from jiuzhu.core.errors import ServiceError
from tests.cases.helpers import JPEG, PDF, PNG, make_cast, new_case, png
from tests.factories import household_with_head

pytestmark = pytest.mark.django_db


def _files(root):
    return [f for _, _, fs in os.walk(root) for f in fs] if os.path.exists(root) else []


@pytest.fixture
def cast(taizhou):
    return make_cast()


@pytest.fixture
def hh(cast):
    return household_with_head(hukou_area_id=cast.village)


@pytest.mark.parametrize("data", [PNG, JPEG, PDF])
def test_images_and_pdf_accepted(cast, hh, data):
    m = s.material_upload(
        actor=cast.worker,
        household_id=hh.pk,
        kind="id_card",
        uploaded=SimpleUploadedFile("a.bin", data),
    )
    assert m.file.read() == data


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("virus.png", b"MZ\x90\x00" + b"\x00" * 40, "bad_type"),
        ("notes.pdf", "收入证明".encode(), "bad_type"),
        ("cut.jpg", JPEG[:-2], "truncated"),
        ("cut.pdf", PDF[:-7], "truncated"),
        ("empty.png", b"", "empty"),
        ("huge.png", PNG + b"\x00" * (10 * 1024 * 1024), "too_large"),
    ],
)
def test_bad_uploads_refused_and_nothing_stored(cast, hh, settings, name, data, code):
    with pytest.raises(ServiceError) as e:
        s.material_upload(
            actor=cast.worker,
            household_id=hh.pk,
            kind="id_card",
            uploaded=SimpleUploadedFile(name, data),
        )
    assert e.value.code == code and e.value.errors["file"]
    assert not Material.objects.filter(household=hh).exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_same_paper_is_stored_once_and_reused(cast, hh):
    a = s.material_upload(actor=cast.worker, household_id=hh.pk, kind="hukou", uploaded=png())
    b = s.material_upload(actor=cast.worker, household_id=hh.pk, kind="hukou", uploaded=png())
    assert a.pk == b.pk and Material.objects.filter(household=hh).count() == 1


def test_interrupted_save_leaves_no_file(cast, hh, settings, monkeypatch):
    def boom(**kw):
        raise RuntimeError("连接中断")

    monkeypatch.setattr(materials, "audit_record", boom)
    with pytest.raises(RuntimeError):
        s.material_upload(actor=cast.worker, household_id=hh.pk, kind="hukou", uploaded=png())
    assert not Material.objects.filter(household=hh).exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_upload_outside_area_refused(cast, hh):
    from django.http import Http404

    with pytest.raises(Http404):
        s.material_upload(
            actor=cast.out["village_worker"], household_id=hh.pk, kind="hukou", uploaded=png()
        )


def test_accept_needs_pledge_and_authorisation_before_any_check(cast, monkeypatch):
    calls = []
    monkeypatch.setattr(checks, "request_check", lambda app: calls.append(app.pk))
    app = new_case(cast, signatures=False)
    with pytest.raises(ServiceError) as e:
        s.application_accept(actor=cast.reviewer, application_id=app.pk, version=app.version)
    assert e.value.code == "missing_signature" and set(e.value.errors) == {
        "pledge",
        "authorisation",
    }
    assert calls == []
    s.pledge_record(actor=cast.worker, application_id=app.pk, signer_name="张伟")
    s.authorisation_record(actor=cast.worker, application_id=app.pk, signer_name="张伟")
    app.refresh_from_db()
    app = s.application_accept(actor=cast.reviewer, application_id=app.pk, version=app.version)
    assert calls == [app.pk] and app.check_requested_at is not None


def test_missing_paper_needs_pledge_and_is_listed_with_deadline(cast):
    app = new_case(cast, papers=False)
    s.material_upload(
        actor=cast.worker,
        household_id=app.household_id,
        kind="id_card",
        uploaded=png(extra=b"id"),
        application_id=app.pk,
    )
    with pytest.raises(ServiceError) as e:
        s.application_accept(actor=cast.reviewer, application_id=app.pk, version=app.version)
    assert e.value.code == "missing_materials" and "户口簿" in str(e.value)
    with pytest.raises(ServiceError) as e:
        s.application_accept_with_pledge(
            actor=cast.reviewer, application_id=app.pk, version=app.version, missing=["id_card"]
        )
    assert e.value.code == "core_missing"
    app = s.application_accept_with_pledge(
        actor=cast.reviewer,
        application_id=app.pk,
        version=app.version,
        missing=["hukou", "income_proof"],
    )
    assert app.state == State.INVESTIGATING
    items = OutstandingItem.objects.filter(application=app)
    assert {i.kind for i in items} == {"hukou", "income_proof"}
    assert all(i.due_date == app.outstanding_due for i in items)
    assert app.pledges.filter(kind="missing_papers").exists()
    task = Task.objects.get(application=app, kind="outstanding")
    assert task.done_at is None
    for kind in ("hukou", "income_proof"):
        s.material_upload(
            actor=cast.worker,
            household_id=app.household_id,
            kind=kind,
            uploaded=png(extra=kind.encode()),
            application_id=app.pk,
        )
    task.refresh_from_db()
    assert task.done_at is not None
    assert not OutstandingItem.objects.filter(application=app, received__isnull=True).exists()


def test_national_day_is_not_a_working_day():
    # 2024 国庆: 10月1–7日放假, 9月29日(周日)、10月12日(周六)上班.
    assert not is_working_day(datetime.date(2024, 10, 1))
    assert is_working_day(datetime.date(2024, 9, 29))
    assert is_working_day(datetime.date(2024, 10, 12))
    # Accepted Monday 30 September: 3 working days for the home visit end on Thursday 10 October.
    assert add_working_days(datetime.date(2024, 9, 30), 3) == datetime.date(2024, 10, 10)
    # 2025 国庆+中秋 (10月1–8日): accepted Friday 26 September, the next working day is Sunday 28th.
    assert add_working_days(datetime.date(2025, 9, 26), 1) == datetime.date(2025, 9, 28)
    assert working_days_between(datetime.date(2024, 9, 30), datetime.date(2024, 10, 10)) == 3
    # 30 working days for 低保 across 国庆 2024 (9月29日 and 10月12日 count, 10月1–7日 do not)
    assert add_working_days(datetime.date(2024, 9, 20), 30) == datetime.date(2024, 11, 6)


def test_admin_override_wins_over_package():
    WorkingDayOverride.objects.create(
        date=datetime.date(2024, 10, 8), is_working_day=False, note="本地停电停工"
    )
    assert add_working_days(datetime.date(2024, 9, 30), 3) == datetime.date(2024, 10, 11)
    WorkingDayOverride.objects.create(date=datetime.date(2024, 10, 5), is_working_day=True)
    assert add_working_days(datetime.date(2024, 9, 30), 1) == datetime.date(2024, 10, 5)


def test_todo_flags_overdue_and_near_and_sorts_most_urgent_first(cast):
    a = new_case(cast)
    b = new_case(cast)
    Task.objects.filter(application=a).update(due_date=datetime.date(2024, 10, 8))
    Task.objects.filter(application=b).update(due_date=datetime.date(2024, 10, 10))
    items = todo_for(user=cast.reviewer, today=datetime.date(2024, 10, 9))
    assert [(i.task.application_id, i.flag) for i in items][:2] == [
        (a.pk, "overdue"),
        (b.pk, "near"),
    ]
    assert todo_for(user=cast.out["township_reviewer"]) == []
    assert todo_for(user=cast.worker) == []  # intake waits on the street office, not the village


def test_refused_intake_screen_leaves_no_paper_behind(cast, hh, settings):
    with pytest.raises(ServiceError):
        s.intake_submit(
            actor=cast.worker,
            household_id=hh.pk,
            files=[("id_card", png(extra=b"a")), ("hukou", png(extra=b"b"))],
            programme="no_such_programme",
        )
    assert not Material.objects.filter(household=hh).exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_refused_visit_leaves_no_signature_behind(cast, settings):
    from tests.cases.helpers import advance

    app = advance(cast, new_case(cast), State.INVESTIGATING)
    before = set(_files(settings.MEDIA_ROOT))
    with pytest.raises(ServiceError):
        s.visit_complete(
            actor=cast.worker,
            application_id=app.pk,
            version=app.version,
            signature_png=PNG + b"s",
            photos=[png(extra=b"photo")],
            checklist={},
            findings="",
        )  # findings are required
    assert set(_files(settings.MEDIA_ROOT)) == before
    assert not Material.objects.filter(household=app.household, kind="signature").exists()
