"""一门受理、协同办理 (issue 19) in a real browser, at 1440 px and at 390 px.

A village worker takes ONE application for 低保 + 医疗救助 + 教育救助 with one set of papers: the
case has three tracks, the 教育 track shows "referred to 教育局" with a due date. The 教育
department's officer (部门经办) sees only that track (not the 医保 one, not the case), masked,
and records the outcome; the citizen's progress page shows it.

Screenshots: docs/img/onewindow-<step>-<width>.png with ``JIUZHU_DOC_SHOTS=1`` (else a temp dir).
"""

import datetime

import pytest

from jiuzhu.accounts.models import RoleAssignment
from jiuzhu.accounts.roles import Role
from jiuzhu.cases.models import Application, CaseTrack, Material, TrackStatus
from tests.conftest import HAILING
from tests.e2e.test_case_flow import choose_paper, login, shots_dir
from tests.e2e.test_citizen_portal import citizen_login
from tests.factories import PersonFactory, user_with_role
from tests.portal.conftest import registered

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _clerk(department: str, name: str):
    user = user_with_role(Role.DEPARTMENT_CLERK, HAILING, full_name=name)
    RoleAssignment.objects.filter(user=user).update(department=department)
    return user


@pytest.mark.parametrize("width", [1440, 390])
def test_one_application_three_programmes_referral_and_outcome(
    live_server, taizhou, chromium, width
):
    hh, person = registered(PHONE, "王秀英")
    PersonFactory(
        household=hh,
        relation="child",
        name="王小明",
        birth_date=datetime.date(2015, 4, 2),
        school_stage="primary",
    )
    worker = user_with_role(Role.VILLAGE_WORKER, hh.hukou_area_id, full_name="李村居")
    education = _clerk("education", "赵教育")
    _clerk("medical_insurance", "钱医保")
    mobile = width < 800
    context = chromium.new_context(
        locale="zh-CN",
        viewport={"width": width, "height": 900},
        is_mobile=mobile,
        has_touch=mobile,
    )
    context.set_default_timeout(30_000)
    page, base, shots = context.new_page(), live_server.url, shots_dir()
    try:
        # -- 村居经办: one application, three programmes, one set of papers
        login(page, base, worker.username)
        page.goto(f"{base}/cases/new/{hh.pk}/")
        page.select_option("#programme", "dibao")
        page.check("#also-programmes input[value=medical_aid]")
        page.check("#also-programmes input[value=education_aid]")
        page.fill("#reason", "丈夫去世，本人患慢性病，孩子上小学")
        for kind in ("id_card", "hukou", "income_proof"):
            choose_paper(page, f"#file_{kind}", f"{kind}.png", kind)
        page.check("#pledge")
        page.check("#authorisation")
        page.screenshot(path=str(shots / f"onewindow-apply-{width}.png"), full_page=True)
        page.click("#submit-application")
        page.wait_for_selector("#tracks")
        rows = page.locator("#tracks tbody tr")
        assert rows.count() == 3
        edu_row = page.inner_text("#track-education_aid")
        app = Application.objects.get(household=hh)
        edu = app.tracks.get(programme="education_aid")
        assert "教育救助" in edu_row and "教育局" in edu_row and "转办" in edu_row
        assert edu.due_date.isoformat() in edu_row
        assert "医疗保障局" in page.inner_text("#track-medical_aid")
        page.screenshot(path=str(shots / f"onewindow-case-{width}.png"), full_page=True)
        assert Application.objects.filter(household=hh).count() == 1
        assert app.tracks.count() == 3
        assert Material.objects.filter(household=hh).count() == 3  # papers given once

        # -- 教育局 部门经办: only the 教育 track, masked; records the outcome
        login(page, base, education.username)
        if mobile:
            page.goto(f"{base}/cases/tracks/")
        else:
            page.click("nav.mainnav >> text=转办事项")
        page.wait_for_selector("#tracks")
        listing = page.inner_text("#tracks tbody")
        assert app.number in listing and "教育救助" in listing
        assert "医疗救助" not in listing and "最低生活保障" not in listing
        assert page.locator("#tracks tbody tr").count() == 1
        page.screenshot(path=str(shots / f"onewindow-department-list-{width}.png"), full_page=True)
        page.click(f"#tracks >> text={app.number}")
        page.wait_for_selector("#track-outcome")
        applicant = page.inner_text("#track-applicant")
        assert "*" in applicant and person.id_number not in applicant
        members = page.inner_text("#track-members")
        assert "王*明" in members and "王*英" not in members  # only the pupil concerns 教育
        assert "13812345678" not in page.content()
        page.screenshot(path=str(shots / f"onewindow-department-track-{width}.png"), full_page=True)
        page.check("#track-outcome input[value=approved]")
        page.fill("#amount", "1000.00")
        page.fill("#note", "义务教育阶段家庭经济困难学生生活补助")
        page.click("#track-outcome button[type=submit]")
        page.wait_for_selector("#track-status >> text=已批准")
        edu.refresh_from_db()
        assert edu.status == TrackStatus.APPROVED and edu.decided_by == education
        # the other department's track and the case itself are not found for this officer
        med = CaseTrack.objects.get(application=app, programme="medical_aid")
        assert page.goto(f"{base}/cases/tracks/{med.pk}/").status == 404
        assert page.goto(f"{base}/cases/{app.pk}/").status in (403, 404)

        # -- the citizen's progress page shows the outcome
        citizen_login(page, base, PHONE)
        page.wait_for_selector("#bind-form")
        page.fill("#name", "王秀英")
        page.fill("#id_number", person.id_number)
        page.click("#do-bind")
        page.click("#tile-progress")  # the open application's progress page
        page.wait_for_selector("#tracks")
        tracks = page.inner_text("#tracks")
        assert "教育救助" in tracks and "已批准" in tracks
        assert "义务教育阶段家庭经济困难学生生活补助" in tracks
        assert "医疗救助" in tracks and "已转办" in tracks
        page.screenshot(path=str(shots / f"onewindow-citizen-{width}.png"), full_page=True)
    finally:
        context.close()
