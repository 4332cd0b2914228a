"""Pages, the public 公示 page (masking, objections) and the REST API."""

import pytest
from django.test import Client

from jiuzhu.cases import services as s
from jiuzhu.cases.models import Application, State, Task
from jiuzhu.core.errors import ServiceError
from tests.cases.helpers import PNG, advance, make_cast, new_case, png
from tests.factories import household_with_head

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(taizhou):
    return make_cast()


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_public_notice_masks_and_objection_pauses(cast):
    app = advance(cast, new_case(cast), State.NOTICE)
    person = app.applicant
    anon = Client()
    township = app.area_id[:9] + "000"
    for code in (app.area_id, township):
        page = anon.get(f"/gongshi/{code}/").content.decode()
        assert "张*" in page and person.id_number[:4] + "*" * 10 + person.id_number[-4:] in page
        assert person.name not in page.replace("张*", "") and person.id_number not in page
        assert "710.00" in page and "最低生活保障" in page
    notice = app.notices.get()
    r = anon.post(
        f"/gongshi/{app.area_id}/objection/{notice.pk}/",
        {
            "contact_name": "李某",
            "contact_phone": "13912345678",
            "content": "该户儿子有一辆小汽车未申报",
        },
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.paused and app.state == State.NOTICE
    task = Task.objects.get(application=app, kind="objection", done_at__isnull=True)
    assert task.role == "county_approver"
    # paused: the notice cannot close and nobody can decide
    with pytest.raises(ServiceError) as e:
        s.application_close_notice(actor=cast.reviewer, application_id=app.pk, version=app.version)
    assert e.value.code == "paused" and "异议" in str(e.value)
    o = app.objections.get()
    app = s.objection_resolve(
        actor=cast.approver,
        application_id=app.pk,
        version=app.version,
        objection_id=o.pk,
        upheld=False,
        reason="经核实车辆登记在其本人户下，与该户无关",
    )
    assert not app.paused and app.state == State.NOTICE
    task.refresh_from_db()
    assert task.done_at is not None


def test_upheld_objection_sends_case_back_to_investigation(cast):
    app = advance(cast, new_case(cast), State.NOTICE)
    o = s.objection_submit(
        notice_id=app.notices.get().pk,
        contact_name="李某",
        contact_phone="13912345678",
        content="家中有经营性商铺未申报",
    )
    app.refresh_from_db()
    app = s.objection_resolve(
        actor=cast.approver,
        application_id=app.pk,
        version=app.version,
        objection_id=o.pk,
        upheld=True,
        reason="异议属实，重新入户调查",
    )
    assert app.state == State.INVESTIGATING and not app.paused
    assert not app.notices.filter(closed=False).exists()


def test_objection_input_checked(cast):
    app = advance(cast, new_case(cast), State.NOTICE)
    with pytest.raises(ServiceError) as e:
        s.objection_submit(
            notice_id=app.notices.get().pk, contact_name="", contact_phone="123", content="不"
        )
    assert set(e.value.errors) == {"contact_name", "contact_phone", "content"}


def test_pages_render_for_each_step(cast):
    app = new_case(cast)
    w, r, a = _client(cast.worker), _client(cast.reviewer), _client(cast.approver)
    assert w.get("/cases/new/").status_code == 200
    assert w.get(f"/cases/new/{app.household_id}/").status_code == 200
    page = r.get(f"/cases/{app.pk}/").content.decode()
    assert 'id="form-accept"' in page and 'id="form-reject_intake"' in page
    assert r.get("/cases/").status_code == 200 and app.number in r.get("/cases/").content.decode()
    resp = r.post(f"/cases/{app.pk}/move/accept/", {"version": app.version, "reason": "材料齐全"})
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.state == State.INVESTIGATING
    assert w.get(f"/cases/{app.pk}/visit/").status_code == 200
    assert a.get("/cases/roll/").status_code == 200
    # a refused move is shown in Chinese, not a crash
    resp = w.post(
        f"/cases/{app.pk}/move/approve/", {"version": app.version, "reason": "x"}, follow=True
    )
    assert "须由县级审批办理" in resp.content.decode()
    # outside the area: not found
    assert _client(cast.out["township_reviewer"]).get(f"/cases/{app.pk}/").status_code == 404


def test_intake_screen_registers_with_papers_and_pledge(cast):
    hh = household_with_head(hukou_area_id=cast.village)
    w = _client(cast.worker)
    resp = w.post(
        f"/cases/new/{hh.pk}/",
        {
            "programme": "",
            "reason": "丈夫重病",
            "income_12m": "6000",
            "signer_name": "张伟",
            "pledge": "1",
            "authorisation": "1",
            "file_id_card": png(),
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    app = Application.objects.get(household=hh)
    assert app.vague and app.proposed_programmes[0]["programme"] == "dibao"
    assert (
        app.materials.count() == 1 and app.pledges.count() == 1 and app.authorisations.count() == 1
    )


def test_visit_form_with_signature(cast):
    import base64

    app = advance(cast, new_case(cast), State.INVESTIGATING)
    w = _client(cast.worker)
    sig = "data:image/png;base64," + base64.b64encode(PNG + b"sig").decode()
    resp = w.post(
        f"/cases/{app.pk}/visit/",
        {
            "version": app.version,
            "checklist": ["housing_poor"],
            "findings": "住房简陋",
            "signature": sig,
            "latitude": "32.4900",
            "longitude": "119.9200",
        },
    )
    assert resp.status_code == 302
    app.refresh_from_db()
    v = app.visits.get()
    assert app.state == State.REVIEWING and v.checklist["housing_poor"] and v.latitude is not None


def test_api_application_lifecycle(cast):
    hh = household_with_head(hukou_area_id=cast.village)
    w, r = _client(cast.worker), _client(cast.reviewer)
    body = {
        "household_id": hh.pk,
        "programme": "dibao",
        "client_ref": "gov-app-1",
        "pledge": {"signer_name": "张伟"},
        "authorisation": {"signer_name": "张伟"},
    }
    resp = w.post("/api/v1/cases/applications", body, content_type="application/json")
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["state"] == "submitted" and data["state_label"] == "已申请待受理"
    again = w.post("/api/v1/cases/applications", body, content_type="application/json")
    assert again.json()["id"] == data["id"]
    aid = data["id"]
    up = w.post(f"/api/v1/cases/applications/{aid}/materials", {"kind": "id_card", "file": png()})
    assert up.status_code == 201, up.content
    bad = w.post(
        f"/api/v1/cases/applications/{aid}/materials",
        {"kind": "id_card", "file": png("x.png", b"")},
    )
    bad2 = w.post(
        f"/api/v1/cases/applications/{aid}/materials",
        {
            "kind": "id_card",
            "file": __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
                "a.exe", b"MZ\x90\x00" * 10
            ),
        },
    )
    assert bad2.status_code == 400 and bad2.json()["code"] == "bad_type"
    assert bad.status_code == 201  # same bytes as the first: the paper is already on file
    moves = r.get(f"/api/v1/cases/applications/{aid}/transitions").json()
    assert {m["name"] for m in moves} >= {"accept", "accept_with_pledge", "reject_intake"}
    refused = w.post(
        f"/api/v1/cases/applications/{aid}/transitions/accept",
        {"version": data["version"]},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "wrong_role"
    ok = r.post(
        f"/api/v1/cases/applications/{aid}/transitions/accept_with_pledge",
        {"version": data["version"], "data": {"missing": ["hukou", "income_proof"]}},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["state"] == "investigating" and len(ok.json()["outstanding"]) == 2
    stale = r.post(
        f"/api/v1/cases/applications/{aid}/transitions/withdraw",
        {"version": data["version"], "reason": "x"},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_edit"
    events = r.get(f"/api/v1/cases/applications/{aid}/events").json()
    assert [e["action"] for e in events] == ["submit", "accept_with_pledge"]
    assert (
        _client(cast.out["township_reviewer"]).get(f"/api/v1/cases/applications/{aid}").status_code
        == 404
    )
    assert Client().get(f"/api/v1/cases/applications/{aid}").status_code == 401


def test_openapi_lists_case_endpoints(cast):
    spec = _client(cast.worker).get("/api/v1/openapi.json").json()
    assert "/api/v1/cases/applications" in spec["paths"]
    assert "/api/v1/cases/applications/{application_id}/transitions/{name}" in spec["paths"]
