"""Papers with the database: an upload at intake is queued, read by the task (run here
synchronously), cross-checked with the household, and flagged on the case; a near-duplicate
across households reaches the 核对 officer; a value read is accepted with one click, audited."""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from PIL import ImageFilter

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases import services as cases_services
from jiuzhu.cases.models import CaseEvent
from jiuzhu.core import idcard
from jiuzhu.demo import paper_images as pi
from jiuzhu.papers import services
from jiuzhu.papers.models import DuplicateImage, Finding, Reading, ReadingStatus
from jiuzhu.registry.models import Person
from tests.cases.helpers import make_cast
from tests.conftest import CHENGDONG
from tests.factories import household_with_head, user_with_role

pytestmark = pytest.mark.django_db


def card_of(person: Person, **over) -> dict:
    return {
        "name": person.name,
        "sex": person.sex,
        "ethnicity": "汉",
        "birth_date": person.birth_date.isoformat(),
        "address": "江苏省泰州市海陵区城东街道凤凰路118号",
        "id_number": person.id_number,
        **over,
    }


def upload(user, hh, data: bytes, kind="id_card", name="身份证.jpg", application_id=None):
    return cases_services.material_upload(
        actor=user,
        household_id=hh.pk,
        kind=kind,
        uploaded=SimpleUploadedFile(name, data),
        application_id=application_id,
    )


def run_queued():
    """The task worker, synchronously: every queued paper reading, in order."""
    done = []
    for r in Reading.objects.filter(status=ReadingStatus.QUEUED).order_by("id"):
        done.append(services.reading_run(r.pk))
    return done


@pytest.fixture
def fake_ocr(monkeypatch):
    """Stand-in for the OCR where a test is about the flow, not the reading (keeps it fast):
    returns the fields registered for the image's sha256."""
    import hashlib

    from jiuzhu.papers.engine import checks
    from jiuzhu.papers.engine import read as read_mod

    table: dict[str, tuple[str, dict]] = {}

    def fake(data, *, kind="", today, expected=None):
        k, fields = table[hashlib.sha256(data).hexdigest()]
        found = checks.validate(k, fields, today=today)
        if expected:
            found += checks.cross_check(k, fields, expected)
        text = " ".join(fields.values())
        return {"kind": k, "fields": fields, "findings": found, "text": text, "seconds": 0.01}

    monkeypatch.setattr(read_mod, "read_paper", fake)
    return table


def test_another_persons_card_at_intake_is_flagged_on_the_case(
    ocr_engine, django_capture_on_commit_callbacks
):
    cast = make_cast()
    hh = household_with_head(hukou_area_id=cast.village)
    stranger = idcard.make_id_number("321204", datetime.date(1985, 6, 1), 31, "M")
    data = pi.noisy(
        pi.id_front(
            card_of(
                hh.members.get(),
                name="王立军",
                sex="M",
                birth_date="1985-06-01",
                id_number=stranger,
            )
        ),
        random.Random(3),
    )
    with django_capture_on_commit_callbacks(execute=True):
        app = cases_services.intake_submit(
            actor=cast.worker,
            household_id=hh.pk,
            files=[("id_card", SimpleUploadedFile("id.jpg", data))],
            programme="dibao",
            reason="病",
        )
    r = Reading.objects.get()
    assert r.application_id == app.pk and r.status == ReadingStatus.QUEUED
    assert DBTaskResult.objects.filter(task_path__endswith="paper_read_task").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        run_queued()
    r.refresh_from_db()
    assert r.fields["id_number"] == stranger and r.fields["name"] == "王立军"
    assert [f.code for f in r.findings.all()] == ["other_person"]
    flag = CaseEvent.objects.get(application=app, action="paper_check")
    assert flag.data["findings"] == ["other_person"] and flag.from_state == flag.to_state
    assert "不属于本户" in flag.reason
    assert AuditEvent.objects.filter(action="papers.read", subject_id=str(r.pk)).exists()


def test_near_duplicate_across_households_is_flagged(fake_ocr, django_capture_on_commit_callbacks):
    import hashlib

    cast = make_cast()
    a = household_with_head(hukou_area_id=cast.village)
    b = household_with_head(hukou_area_id=cast.village, head_name="刘芳")
    card = pi.id_front(card_of(a.members.get()))
    first, second = pi.jpeg(card, quality=90), pi.jpeg(card.resize((900, 601)), quality=40)
    fields = {k: v for k, v in card_of(a.members.get()).items() if k != "ethnicity"}
    for data in (first, second):
        fake_ocr[hashlib.sha256(data).hexdigest()] = ("id_front", fields)
    upload(cast.worker, a, first)
    upload(cast.worker, b, second)  # the same card, rescaled and recompressed, for household b
    with django_capture_on_commit_callbacks(execute=True):
        run_queued()
    dup = DuplicateImage.objects.get()
    assert (dup.reading.household_id, dup.other.household_id) == (b.pk, a.pk)
    assert dup.distance <= 12
    assert {f.code for f in dup.reading.findings.all()} == {"other_person", "duplicate_image"}
    # the 核对 officer's list shows it; an officer of another county does not see it
    c = pytest.importorskip("django.test").Client()
    c.force_login(cast.reviewer)
    page = c.get(reverse("papers:duplicates"))
    assert page.status_code == 200 and b.number in page.content.decode()
    c.force_login(cast.out[Role.TOWNSHIP_REVIEWER])
    assert b.number not in c.get(reverse("papers:duplicates")).content.decode()
    c.force_login(cast.reviewer)
    resp = c.post(
        reverse("papers:duplicate_decide", args=[dup.pk]),
        {"status": "confirmed", "note": "同一证件"},
    )
    assert resp.status_code == 302
    dup.refresh_from_db()
    assert dup.status == "confirmed"
    assert AuditEvent.objects.filter(action="papers.duplicate.decide").exists()


def test_accept_value_read_with_one_click_audited(fake_ocr):
    import hashlib

    cast = make_cast()
    hh = household_with_head(hukou_area_id=cast.village)
    person = hh.members.get()
    data = pi.jpeg(pi.id_front(card_of(person, name="张卫")))
    fields = {k: v for k, v in card_of(person, name="张卫").items() if k != "ethnicity"}
    fake_ocr[hashlib.sha256(data).hexdigest()] = ("id_front", fields)
    upload(cast.worker, hh, data)
    (r,) = run_queued()
    f = Finding.objects.get(reading=r)
    assert f.code == "name_differs" and f.person_id == person.pk
    person.refresh_from_db()
    assert person.name != "张卫"  # nothing overwritten until the clerk says so
    c = pytest.importorskip("django.test").Client()
    c.force_login(cast.worker)
    page = c.get(reverse("papers:reading", args=[r.pk]))
    html = page.content.decode()
    assert 'class="flagged"' in html and "采用识别值" in html
    assert person.id_number not in html  # the ID number is masked on the page
    assert AuditEvent.objects.filter(action="papers.reading.view", subject_id=str(r.pk)).exists()
    resp = c.post(
        reverse("papers:accept", args=[f.pk]), {"next": reverse("papers:reading", args=[r.pk])}
    )
    assert resp.status_code == 302
    person.refresh_from_db()
    f.refresh_from_db()
    assert person.name == "张卫" and f.status == "accepted"
    assert AuditEvent.objects.filter(action="papers.accept", subject_id=str(f.pk)).exists()
    # a second click does nothing more
    c.post(reverse("papers:accept", args=[f.pk]))
    assert AuditEvent.objects.filter(action="papers.accept").count() == 1


def test_window_scan_refuses_a_blurred_photo_and_fills_from_a_sharp_one(fake_ocr):
    import hashlib

    worker = user_with_role(Role.VILLAGE_WORKER, CHENGDONG)
    c = pytest.importorskip("django.test").Client()
    c.force_login(worker)
    person = {
        "name": "陈秀兰",
        "sex": "F",
        "ethnicity": "汉",
        "birth_date": "1958-03-09",
        "address": "江苏省泰州市海陵区城东街道凤凰路118号",
        "id_number": idcard.make_id_number("321202", datetime.date(1958, 3, 9), 127, "F"),
    }
    blurred = pi.jpeg(pi.id_front(person).filter(ImageFilter.GaussianBlur(5)))
    resp = c.post(reverse("papers:scan"), {"file": SimpleUploadedFile("a.jpg", blurred)})
    assert "图片模糊" in resp.content.decode() and not Reading.objects.exists()
    sharp = pi.jpeg(pi.id_front(person))
    fake_ocr[hashlib.sha256(sharp).hexdigest()] = ("id_front", {k: v for k, v in person.items()})
    resp = c.post(reverse("papers:scan"), {"file": SimpleUploadedFile("a.jpg", sharp)})
    r = Reading.objects.get()
    assert f'hx-get="{reverse("papers:reading", args=[r.pk])}"' in resp.content.decode()
    assert "正在识别" in c.get(reverse("papers:reading", args=[r.pk])).content.decode()
    run_queued()
    html = c.get(reverse("papers:reading", args=[r.pk])).content.decode()
    assert 'id="paper-fill-data"' in html and person["id_number"] in html  # fills the form
    r.refresh_from_db()
    assert r.image == ""  # the photo is deleted once read
    other = user_with_role(Role.VILLAGE_WORKER, CHENGDONG)
    c.force_login(other)
    assert c.get(reverse("papers:reading", args=[r.pk])).status_code == 404
    resp = c.post(reverse("papers:check"), {"file": SimpleUploadedFile("b.jpg", blurred)})
    assert "data-paper-refused" in resp.content.decode()
    # the household register page: a 户口簿 member page fills the new member, relation as a code
    page = pi.jpeg(pi.hukou(person, "母亲"))
    member = {k: person[k] for k in ("name", "sex", "birth_date", "id_number")}
    fake_ocr[hashlib.sha256(page).hexdigest()] = ("hukou", {**member, "relation": "母亲"})
    c.post(reverse("papers:scan"), {"file": SimpleUploadedFile("h.jpg", page), "kind": "hukou"})
    r = Reading.objects.get(created_by=other)
    assert r.kind_asked == "hukou"
    run_queued()
    html = c.get(reverse("papers:reading", args=[r.pk])).content.decode()
    assert '"relation": "parent"' in html


def test_portal_bind_page_scan_is_the_citizens_own(fake_ocr):
    """The 实名认证 page: a citizen not yet bound photographs the ID card; the reading fills the
    name and number for that citizen only."""
    import hashlib

    from django.test import Client

    from jiuzhu.portal.models import Citizen
    from tests.portal.test_pages_helpers import sign_in

    citizen = Citizen.objects.create(phone="13900001111")
    other = Citizen.objects.create(phone="13900002222")
    c = Client()
    sign_in(c, citizen)
    assert 'id="paper-scan-file"' in c.get(reverse("portal:bind")).content.decode()
    person = {
        "name": "陈秀兰",
        "id_number": idcard.make_id_number("321202", datetime.date(1958, 3, 9), 127, "F"),
    }
    card = pi.jpeg(
        pi.id_front(
            {
                **person,
                "sex": "F",
                "ethnicity": "汉",
                "birth_date": "1958-03-09",
                "address": "泰州市",
            }
        )
    )
    fake_ocr[hashlib.sha256(card).hexdigest()] = ("id_front", person)
    resp = c.post(reverse("portal:paper_scan"), {"file": SimpleUploadedFile("id.jpg", card)})
    r = Reading.objects.get()
    assert reverse("portal:paper_reading", args=[r.pk]) in resp.content.decode()
    run_queued()
    html = c.get(reverse("portal:paper_reading", args=[r.pk])).content.decode()
    assert 'id="paper-fill-data"' in html and person["id_number"] in html
    assert AuditEvent.objects.filter(action="papers.reading.view", subject_id=str(r.pk)).exists()
    sign_in(c, other)
    assert c.get(reverse("portal:paper_reading", args=[r.pk])).status_code == 404
