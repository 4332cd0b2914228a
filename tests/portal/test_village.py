"""一码通办 (a QR code and poster per village) and the village's 公示 with objection receipts."""

import shutil
import subprocess

import pytest
import segno
from PIL import Image

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases import services as cases_services
from jiuzhu.cases.models import Objection, PublicNotice, State
from jiuzhu.portal import village
from tests.cases.helpers import advance, make_cast, new_case
from tests.conftest import CHENGDONG, JIANGYAN_STREET
from tests.factories import first_village, user_with_role

pytestmark = pytest.mark.django_db


def read_modules(png_path, scale=12, border=4) -> list[list[bool]]:
    """The dark/light modules of a QR image (sampled at each module's centre)."""
    img = Image.open(png_path).convert("L")
    n = img.width // scale - 2 * border
    return [
        [
            img.getpixel(((border + x) * scale + scale // 2, (border + y) * scale + scale // 2))
            < 128
            for x in range(n)
        ]
        for y in range(n)
    ]


def expected_modules(url: str) -> list[list[bool]]:
    return [[bool(v) for v in row] for row in segno.make_qr(url, error="q").matrix]


def test_the_qr_code_carries_the_village_url(taizhou, client, tmp_path, settings):
    settings.JIUZHU_PORTAL_URL = "https://jiuzhu.example.gov.cn"
    code = first_village(CHENGDONG)
    url = village.village_url(code)
    assert url == f"https://jiuzhu.example.gov.cn/m/v/{code}/"
    r = client.get(f"/m/v/{code}/qr.png")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    (tmp_path / "qr.png").write_bytes(r.content)
    got = read_modules(tmp_path / "qr.png")
    assert got == expected_modules(url)
    assert got != expected_modules(village.village_url(first_village(JIANGYAN_STREET)))
    # and the page it opens is that village's
    page = client.get(f"/m/v/{code}/").content.decode()
    assert "一码通办" in page and f"/m/v/{code}/notices/" in page


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_the_poster_renders_and_holds_the_qr_code_for_staff_of_the_area_only(
    taizhou, client, tmp_path, settings
):
    settings.JIUZHU_PORTAL_URL = "https://jiuzhu.example.gov.cn"
    code = first_village(CHENGDONG)
    worker = user_with_role(Role.VILLAGE_WORKER, code)
    outsider = user_with_role(Role.VILLAGE_WORKER, first_village(JIANGYAN_STREET))
    client.force_login(outsider)
    assert client.get(f"/m/staff/posters/{code}.pdf").status_code == 404
    assert code not in client.get("/m/staff/posters/").content.decode()
    client.force_login(worker)
    listing = client.get("/m/staff/posters/").content.decode()
    assert code in listing and "共 1 条" in listing
    r = client.get(f"/m/staff/posters/{code}.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert "attachment" in r["Content-Disposition"]
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(r.content)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    [page] = list(tmp_path.glob("page*.png"))
    img = Image.open(page).convert("L")
    assert img.height > img.width  # A4 portrait, one page
    assert img.getextrema()[0] < 50  # something printed
    subprocess.run(["pdfimages", "-png", str(pdf), str(tmp_path / "img")], check=True)
    [qr] = list(tmp_path.glob("img*.png"))
    assert read_modules(qr) == expected_modules(f"https://jiuzhu.example.gov.cn/m/v/{code}/")
    assert AuditEvent.objects.filter(action="portal.poster", subject_id=code).exists()


def test_an_unknown_or_non_village_code_is_404(taizhou, client):
    assert client.get("/m/v/999999999999/").status_code == 404
    assert client.get(f"/m/v/{CHENGDONG}/").status_code == 404  # a street, not a village


def test_village_notices_masked_and_objection_with_a_receipt(taizhou, client):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.NOTICE)
    notice = PublicNotice.objects.get(application=app, closed=False)
    page = client.get(f"/m/v/{notice.area_id}/notices/").content.decode()
    head = app.household.members.order_by("id").first()
    assert notice.masked_name in page and head.name not in page
    assert head.id_number not in page
    # a bad objection names the fields and keeps what was typed
    r = client.post(
        f"/m/v/{notice.area_id}/notices/{notice.pk}/objection/",
        {"contact_name": "", "contact_phone": "123", "content": "该户儿子开公司"},
    )
    text = r.content.decode()
    assert "请填写联系人姓名" in text and "该户儿子开公司" in text
    r = client.post(
        f"/m/v/{notice.area_id}/notices/{notice.pk}/objection/",
        {"contact_name": "张三", "contact_phone": "13911112222", "content": "该户儿子开公司，有车"},
    )
    number = r.context["receipt"].number
    assert number.startswith("YY") and number in r.content.decode()
    o = Objection.objects.get(application=app)
    q = client.get("/m/objection/query/", {"number": number.lower(), "phone": "13911112222"})
    assert "核查中" in q.content.decode()
    q = client.get("/m/objection/query/", {"number": number, "phone": "13900000000"})
    assert "没有找到" in q.content.decode()  # the receipt alone shows nothing
    app.refresh_from_db()
    cases_services.objection_resolve(
        actor=cast.approver,
        application_id=app.pk,
        version=app.version,
        objection_id=o.pk,
        upheld=False,
        reason="经核查，该户儿子已分户，车辆为残疾人代步车",
    )
    q = client.get("/m/objection/query/", {"number": number, "phone": "13911112222"})
    assert "异议不成立" in q.content.decode()


def test_an_objection_through_another_villages_page_is_refused(taizhou, client):
    cast = make_cast()
    app = advance(cast, new_case(cast), State.NOTICE)
    notice = PublicNotice.objects.get(application=app, closed=False)
    other = first_village(JIANGYAN_STREET)
    r = client.post(
        f"/m/v/{other}/notices/{notice.pk}/objection/",
        {"contact_name": "张三", "contact_phone": "13911112222", "content": "该户儿子开公司，有车"},
    )
    assert "所在村（社区）的公示页面" in r.content.decode()
    assert not Objection.objects.exists()
