"""智能审核 in a browser: at the window, on a 390 px phone screen, photographing the ID card fills
the new-household form (the task worker reads it meanwhile); at 1440 px the reading of an
uploaded paper shows the value that disagrees highlighted beside the image.

``JIUZHU_DOC_SHOTS=1`` writes docs/img/ocr-*.png."""

import datetime
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from jiuzhu.accounts.roles import Role
from jiuzhu.cases import services as cases_services
from jiuzhu.core.idcard import make_id_number
from jiuzhu.demo import paper_images as pi
from jiuzhu.papers import services as papers_services
from jiuzhu.papers.models import Reading
from tests.conftest import CHENGDONG
from tests.e2e.test_case_flow import login, shots_dir
from tests.factories import first_village, household_with_head, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CARD = {
    "name": "陈秀兰",
    "sex": "F",
    "ethnicity": "汉",
    "birth_date": "1958-03-09",
    "address": "江苏省泰州市海陵区城东街道凤凰路118号6幢302室",
    "id_number": make_id_number("321202", datetime.date(1958, 3, 9), 127, "F"),
}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=1
    )
    context.set_default_timeout(60_000)  # OCR on a busy shared machine
    try:
        yield context
    finally:
        context.close()


def test_photographing_the_id_card_fills_the_intake_form(live_server, taizhou, phone):
    village = first_village(CHENGDONG)
    worker = user_with_role(Role.VILLAGE_WORKER, village, full_name="李村居")
    page, base, shots = phone.new_page(), live_server.url, shots_dir()
    login(page, base, worker.username)
    page.goto(f"{base}/cases/new/")
    page.fill("#phone", "13812345678")
    photo = pi.noisy(pi.id_front(CARD), random.Random(7), quality=70)
    page.set_input_files(
        "#paper-scan-file", {"name": "身份证.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    page.wait_for_selector("#paper-scan [aria-busy=true]")
    page.screenshot(path=str(shots / "ocr-intake-reading-390.png"), full_page=True)
    # The task worker runs here, in the test's thread. The panel's polls are held by a route
    # meanwhile (the sync API answers them only after the worker returns): SQLite's shared
    # in-memory test database would refuse a read while the worker writes ("table is locked").
    page.route("**/papers/readings/**", lambda route: route.continue_())
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert Reading.objects.get().status == "done"
    page.unroute("**/papers/readings/**")
    page.wait_for_selector("#paper-fill-data", state="attached")
    page.wait_for_function("document.getElementById('name').value !== ''")
    assert page.input_value("#name") == CARD["name"]
    assert page.input_value("#id_number") == CARD["id_number"]
    assert page.input_value("#birth_date") == CARD["birth_date"]
    assert page.input_value("#sex") == "F"
    assert page.input_value("#address") == CARD["address"]
    assert page.input_value("#phone") == "13812345678"  # typed values stay
    panel = page.inner_text("#paper-scan")
    assert "居民身份证" in panel and CARD["id_number"] not in panel  # masked in the panel
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width})"
    page.screenshot(path=str(shots / "ocr-intake-filled-390.png"), full_page=True)
    page.click("#new-household button[type=submit]")
    page.wait_for_selector("#apply-form")
    # a blurred photo is refused with the reason, before anything is read
    blurred = pi.jpeg(pi.id_front(CARD).resize((300, 190)))
    page.goto(f"{base}/cases/new/")
    page.set_input_files(
        "#paper-scan-file", {"name": "糊.jpg", "mimeType": "image/jpeg", "buffer": blurred}
    )
    page.wait_for_selector("#paper-scan [data-paper-refused]")
    assert "图片太小" in page.inner_text("#paper-scan")
    assert Reading.objects.count() == 1


def test_reading_beside_the_image_with_the_mismatch_highlighted(live_server, taizhou, chromium):
    village = first_village(CHENGDONG)
    worker = user_with_role(Role.VILLAGE_WORKER, village, full_name="李村居")
    hh = household_with_head(hukou_area_id=village, head_name="陈秀兰")
    head = hh.members.get()
    card = {
        **CARD,
        "name": "陈秀英",
        "id_number": head.id_number,
        "birth_date": head.birth_date.isoformat(),
        "sex": head.sex,
    }
    cases_services.material_upload(
        actor=worker,
        household_id=hh.pk,
        kind="id_card",
        uploaded=SimpleUploadedFile("id.jpg", pi.jpeg(pi.id_front(card))),
    )
    r = Reading.objects.get()
    papers_services.reading_run(r.pk)
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(30_000)
    page, base, shots = context.new_page(), live_server.url, shots_dir()
    login(page, base, worker.username)
    page.goto(f"{base}/papers/readings/{r.pk}/")
    assert page.locator("tr[data-field=name] td.flagged").inner_text() == "陈秀英"
    assert "证件上的姓名与登记的不一致" in page.inner_text(".paper-findings")
    assert page.evaluate("document.querySelector('.paper-grid img').naturalWidth") > 0
    page.screenshot(path=str(shots / "ocr-reading-1440.png"), full_page=True)
    page.click("text=采用识别值")
    page.wait_for_selector(".paper-findings >> text=已采用识别值")
    head.refresh_from_db()
    assert head.name == "陈秀英"
    context.close()
