"""举报/投诉: routing by rule, working-day SLA, query code, who sees the reporter, replies."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from jiuzhu.accounts.roles import Role
from jiuzhu.cases.workdays import add_working_days
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.portal import selectors, services
from jiuzhu.portal.models import Report
from tests.conftest import CHENGDONG, CHENGXI, HAILING
from tests.factories import first_village, user_with_role
from tests.portal.conftest import png_bytes

pytestmark = pytest.mark.django_db
TEXT = "某村干部亲属不符合条件却享受低保，村民意见很大"


def file(category, area=None, **kw):
    args = dict(category=category, area_code=area or first_village(CHENGDONG), text=TEXT)
    args.update(anonymous=True)
    args.update(kw)
    return services.report_submit(**args)


@pytest.mark.parametrize(
    "category,office,area,days",
    [
        ("service", "township", CHENGDONG, 5),
        ("fraud", "county", HAILING, 15),
        ("favour", "discipline", HAILING, 15),
        ("misconduct", "discipline", HAILING, 15),
    ],
)
def test_routed_by_rule_with_a_working_day_deadline(taizhou, category, office, area, days):
    report, code = file(category)
    assert report.office == office and report.office_area_id == area
    assert report.due_date == add_working_days(clock.today(), days)
    assert selectors.report_by_code(code) == report
    assert selectors.report_by_code(code.lower()) == report
    assert code not in report.query_hash


def test_bad_input_names_the_fields(taizhou):
    with pytest.raises(ServiceError) as e:
        services.report_submit(
            category="x",
            area_code="nope",
            text="短",
            anonymous=False,
            photos=[SimpleUploadedFile("a.gif", b"GIF89a")],
        )
    assert {"category", "area", "text", "reporter_name", "reporter_phone", "photos"} <= set(
        e.value.errors
    )
    assert not Report.objects.exists()


def test_only_the_office_routed_to_sees_it_and_only_discipline_sees_the_reporter(taizhou):
    named, _code = file(
        "favour",
        anonymous=False,
        reporter_name="赵举报",
        reporter_phone="13700000000",
        photos=[SimpleUploadedFile("p.png", png_bytes())],
    )
    service, code = file("service")
    township = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    other_township = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGXI)
    county = user_with_role(Role.COUNTY_APPROVER, HAILING)
    shenji = user_with_role(Role.AUDITOR, "321200000000")
    assert list(services.reports_for(township)) == [service]
    assert list(services.reports_for(other_township)) == []
    assert list(services.reports_for(county)) == []
    assert list(services.reports_for(shenji)) == [named]
    assert services.sees_reporter(shenji, named)
    assert not services.sees_reporter(county, named)
    with pytest.raises(Http404):
        services.report_reply(actor=other_township, report_id=service.pk, reply="已核查处理完毕")
    with pytest.raises(ServiceError, match="答复"):
        services.report_reply(actor=township, report_id=service.pk, reply="好")
    services.report_reply(actor=township, report_id=service.pk, reply="已核查，情况属实，已整改")
    assert selectors.report_by_code(code).reply == "已核查，情况属实，已整改"
    with pytest.raises(ServiceError, match="已答复"):
        services.report_reply(actor=township, report_id=service.pk, reply="再次答复内容")


def test_staff_page_shows_the_reporter_only_to_discipline(taizhou, client):
    named, _code = file(
        "favour", anonymous=False, reporter_name="赵举报", reporter_phone="13700000000"
    )
    county = user_with_role(Role.COUNTY_APPROVER, HAILING)
    shenji = user_with_role(Role.AUDITOR, "321200000000")
    client.force_login(county)
    assert client.get(f"/m/staff/reports/{named.pk}/").status_code == 404
    client.force_login(shenji)
    assert "/m/staff/reports/" in client.get("/").content.decode()  # in the top menu
    page = client.get(f"/m/staff/reports/{named.pk}/").content.decode()
    assert "赵举报" in page and "13700000000" in page


def test_public_form_keeps_input_after_an_error_and_is_rate_limited(taizhou, client):
    r = client.post("/m/report/", {"category": "service", "text": "太短了", "anonymous": "1"})
    page = r.content.decode()
    assert r.status_code == 200 and "太短了" in page and "至少10个字" in page
    for _ in range(4):
        client.post("/m/report/", {"category": "service"})
    page = client.post("/m/report/", {"category": "service"}).content.decode()
    assert "提交过于频繁" in page
