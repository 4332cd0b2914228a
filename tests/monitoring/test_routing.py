"""Routing by area and programme: a programme set to start at the county or the street goes there;
every other alert still starts with the village worker. Configured on the 预警规则 page, audited."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from jiuzhu.audit.models import AuditEvent
from jiuzhu.monitoring.models import Alert, ProgrammeRoute, ReviewTask
from jiuzhu.monitoring.reviews import review_tasks_generate
from jiuzhu.monitoring.services import alerts_escalate, monitor_run, programme_route_save
from tests.conftest import CHENGXI
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _deaths(*households):
    rows = [police_death(hh.members.first(), timezone.localdate()) for hh in households]
    import_rows("police", rows)
    monitor_run()
    return [Alert.objects.get(household=hh) for hh in households]


def _who(a):
    return a.level, a.role, a.assigned_to


def test_programme_routes_send_alerts_to_the_county_and_street_others_stay_in_the_village(cast):
    programme_route_save(actor=cast.admin, programme="tekun", level="county")
    programme_route_save(actor=cast.admin, programme="orphan_allowance", level="county")
    programme_route_save(actor=cast.admin, programme="temporary_aid", level="township")
    tekun = on_roll(cast.village, programme="tekun")[0]
    orphan = on_roll(cast.village, programme="orphan_allowance", person_level=True)[0]
    temporary = on_roll(cast.village, programme="temporary_aid")[0]
    dibao = on_roll(cast.village)[0]
    a_tekun, a_orphan, a_temp, a_dibao = _deaths(tekun, orphan, temporary, dibao)
    assert a_tekun.programme == "tekun"
    assert _who(a_tekun) == ("county", "county_approver", cast.approver)
    assert _who(a_orphan) == ("county", "county_approver", cast.approver)
    assert _who(a_temp) == ("township", "township_reviewer", cast.reviewer)
    assert _who(a_dibao) == ("village", "village_worker", cast.worker)  # the default


def test_a_route_for_one_area_overrides_the_general_one_and_nobody_there_goes_up(cast):
    programme_route_save(actor=cast.admin, programme="tekun", level="county")
    programme_route_save(
        actor=cast.admin, programme="tekun", area_prefix=CHENGXI[:9], level="township"
    )
    programme_route_save(actor=cast.admin, programme="dibao", level="township")
    east = on_roll(cast.village, programme="tekun")[0]
    west = on_roll(cast.village_xi, programme="tekun")[0]
    a_east, a_west = _deaths(east, west)
    assert _who(a_east) == ("county", "county_approver", cast.approver)
    assert _who(a_west) == ("township", "township_reviewer", cast.reviewer_xi)
    cast.reviewer_xi.is_active = False
    cast.reviewer_xi.save()
    west2 = on_roll(cast.village_xi)[0]  # dibao → the street; nobody active there → the county
    (a_west2,) = _deaths(west2)
    assert _who(a_west2) == ("county", "county_approver", cast.approver)


def test_escalation_from_a_programme_routed_street_goes_to_the_county(cast):
    programme_route_save(actor=cast.admin, programme="temporary_aid", level="township")
    (a,) = _deaths(on_roll(cast.village, programme="temporary_aid")[0])
    Alert.objects.filter(pk=a.pk).update(due_date=a.due_date.replace(year=a.due_date.year - 1))
    assert alerts_escalate() == 1
    a.refresh_from_db()
    assert _who(a) == ("county", "county_approver", cast.approver) and a.escalations == 1


def test_reviews_follow_the_household_s_main_programme(cast):
    programme_route_save(actor=cast.admin, programme="tekun", level="county")
    tekun = on_roll(cast.village, programme="tekun")[0]
    dibao = on_roll(cast.village)[0]
    from jiuzhu.monitoring.models import RiskClass

    RiskClass.objects.update(interval_months=1)  # every household is due this month
    review_tasks_generate(month=timezone.localdate().replace(day=1))
    assert ReviewTask.objects.get(household=tekun).assigned_to == cast.approver
    assert ReviewTask.objects.get(household=dibao).assigned_to == cast.worker


def test_routes_are_edited_on_the_rules_page_checked_and_audited(cast):
    c = _client(cast.admin)
    page = c.get("/monitoring/rules/").content.decode()
    assert 'id="routes"' in page and "所有项目的预警先由村(社区)办理" in page
    r = c.post(
        "/monitoring/routes/new/", {"programme": "tekun", "area_prefix": "", "level": "county"}
    )
    assert r.status_code == 302
    route = ProgrammeRoute.objects.get()
    assert (route.programme, route.level, route.updated_by) == ("tekun", "county", cast.admin)
    ev = AuditEvent.objects.get(action="programme_route.save", subject_id=str(route.pk))
    assert ev.before is None and ev.after == {
        "programme": "tekun",
        "area_prefix": "",
        "level": "county",
    }
    page = c.get("/monitoring/rules/").content.decode()
    assert "特困人员救助供养" in page and f"/monitoring/routes/{route.pk}/" in page
    assert "tekun" not in page.split('id="routes"')[1].split("</table>")[0]  # a name, not a code

    r = c.post(
        "/monitoring/routes/new/", {"programme": "tekun", "area_prefix": "", "level": "township"}
    )
    assert "该项目在该区域已有分派设置" in r.content.decode()
    r = c.post(
        "/monitoring/routes/new/", {"programme": "nothing", "area_prefix": "", "level": "county"}
    )
    assert "救助项目“nothing”不存在" in r.content.decode()
    r = c.post(
        f"/monitoring/routes/{route.pk}/",
        {"programme": "tekun", "area_prefix": "3212x", "level": "county"},
    )
    assert "适用区域须为区划代码前缀" in r.content.decode()
    r = c.post(
        f"/monitoring/routes/{route.pk}/",
        {"programme": "tekun", "area_prefix": "", "level": "township"},
    )
    assert r.status_code == 302
    ev = AuditEvent.objects.filter(action="programme_route.save").order_by("-seq").first()
    assert ev.before["level"] == "county" and ev.after["level"] == "township"

    r = c.post(f"/monitoring/routes/{route.pk}/delete/", {"reason": ""}, follow=True)
    assert "须填写删除理由" in r.content.decode() and ProgrammeRoute.objects.exists()
    c.post(f"/monitoring/routes/{route.pk}/delete/", {"reason": "恢复默认"})
    assert not ProgrammeRoute.objects.exists()
    assert AuditEvent.objects.get(action="programme_route.delete").reason == "恢复默认"


def test_only_configurers_may_route(cast):
    assert _client(cast.worker).get("/monitoring/routes/new/").status_code == 403
    with pytest.raises(PermissionDenied):
        programme_route_save(actor=cast.worker, programme="tekun", level="county")
    assert not ProgrammeRoute.objects.exists()
