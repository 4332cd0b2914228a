"""The portal's pages through the test client: sign-in flow, 404 on others' cases."""

import pytest

from jiuzhu.portal.models import Citizen
from tests.portal.conftest import last_code, registered

pytestmark = pytest.mark.django_db


def test_sign_in_bind_and_home(taizhou, client, django_capture_on_commit_callbacks):
    hh, person = registered("13812345678")
    assert client.get("/m/").url == "/m/login/"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/m/login/", {"phone": "13812345678", "action": "send"})
    assert "验证码已发送" in r.content.decode()
    r = client.post("/m/login/", {"phone": "13812345678", "action": "verify", "code": "x"})
    assert "不正确" in r.content.decode() and 'value="13812345678"' in r.content.decode()
    code = last_code("13812345678")
    r = client.post("/m/login/", {"phone": "13812345678", "action": "verify", "code": code})
    assert r.url == "/m/"
    assert client.get("/m/").url == "/m/bind/"
    r = client.post("/m/bind/", {"name": person.name, "id_number": person.id_number})
    assert r.url == "/m/"
    page = client.get("/m/").content.decode()
    assert "申请救助" in page and person.name in page
    assert client.get("/m/assistance/").status_code == 200
    assert Citizen.objects.get(phone="13812345678").household_id == hh.pk


def test_pages_need_a_citizen(taizhou, client):
    for url in ("/m/", "/m/apply/", "/m/assistance/", "/m/case/1/"):
        assert client.get(url).url == "/m/login/"
    assert client.get("/m/report/").status_code == 200
    assert client.get("/m/report/query/?code=ABCDEFGHJK").status_code == 200


def test_demo_prints_where_the_portal_is_and_whom_to_sign_in_as(taizhou):
    import io

    from jiuzhu.demo.management.commands.demo import Command

    hh, person = registered("13812345678")
    cmd = Command(stdout=io.StringIO())
    cmd._portal_hint("127.0.0.1", 8000)
    out = cmd.stdout.getvalue()
    assert "http://127.0.0.1:8000/m/" in out and "13812345678" in out and person.id_number in out


def test_decision_letter_downloads_as_an_attachment_for_the_household_only(taizhou, client):
    from jiuzhu.cases.models import Application, DecisionLetter
    from tests.factories import UserFactory
    from tests.portal.test_apply_and_progress import bound, do_apply

    citizen = bound()
    app = do_apply(citizen)
    letter = DecisionLetter.objects.create(
        application=app,
        kind="approval",
        number="泰海民救〔2026〕1号",
        pdf=b"%PDF-1.4 x",
        issued_by=UserFactory(),
    )
    Application.objects.filter(pk=app.pk).update(state="approved")
    session = client.session
    session["portal_citizen"] = citizen.pk
    session.save()
    page = client.get(f"/m/case/{app.pk}/").content.decode()
    assert f"/m/letter/{letter.pk}/" in page
    r = client.get(f"/m/letter/{letter.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment") and r.content.startswith(b"%PDF")
    other = bound("13900001111", "李四")
    session["portal_citizen"] = other.pk
    session.save()
    assert client.get(f"/m/letter/{letter.pk}/").status_code == 404
    assert client.get(f"/m/case/{app.pk}/").status_code == 404
