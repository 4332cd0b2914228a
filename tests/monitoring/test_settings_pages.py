"""Configuration on our own pages: rules with one field per threshold, risk classes; all audited."""

import datetime

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.monitoring import params
from jiuzhu.monitoring.models import AlertRule, RiskClass
from jiuzhu.monitoring.reviews import risk_grades
from jiuzhu.monitoring.services import risk_class_delete, risk_class_save
from tests.monitoring.helpers import on_roll

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _rule_post(rule, **fields):
    data = {
        "kind": rule.kind,
        "name": rule.name,
        "enabled": "on",
        "area_prefix": "",
        "programmes": "",
        "deadline_days": "15",
        "params_form": "1",
    }
    data.update(fields)
    return data


def test_the_rule_form_shows_one_labelled_field_per_threshold_and_checks_each(cast):
    c = _client(cast.admin)
    rule = AlertRule.objects.get(kind="school_leaving")
    page = c.get(f"/monitoring/rules/{rule.pk}/").content.decode()
    assert 'name="p__min_age"' in page and "最低年龄(周岁)" in page
    assert 'name="p__statuses" value="dropped_out" checked' in page
    assert 'name="p__statuses" value="transferred_out" >' in page  # offered, not ticked

    r = c.post(f"/monitoring/rules/{rule.pk}/", _rule_post(rule, p__min_age="十六"))
    assert "最低年龄(周岁)(min_age)" in r.content.decode()
    assert AlertRule.objects.get(pk=rule.pk).params["min_age"] == 16

    r = c.post(
        f"/monitoring/rules/{rule.pk}/",
        _rule_post(rule, p__min_age="17", p__statuses=["dropped_out"], p__roll_only="on"),
    )
    assert r.status_code == 302
    rule.refresh_from_db()
    assert rule.params == {"statuses": ["dropped_out"], "min_age": 17, "roll_only": True}
    ev = AuditEvent.objects.filter(action="alert_rule.save", subject_id=str(rule.pk)).get()
    assert ev.before["params"]["min_age"] == 16 and ev.after["params"]["min_age"] == 17


def test_a_new_rule_from_an_existing_kind_with_its_own_thresholds(cast):
    c = _client(cast.admin)
    page = c.get("/monitoring/rules/new/?kind=job_loss").content.decode()
    assert 'name="p__quiet_months"' in page and 'name="p__max_grade"' not in page
    r = c.post(
        "/monitoring/rules/new/",
        {
            "kind": "job_loss",
            "name": "城西街道失业预警（只看在保）",
            "enabled": "on",
            "area_prefix": "321202002",
            "deadline_days": "10",
            "params_form": "1",
            "p__new_within_months": "2",
            "p__quiet_months": "6",
            "p__roll_households": "on",
        },
    )
    assert r.status_code == 302
    new = AlertRule.objects.get(name="城西街道失业预警（只看在保）")
    assert new.params == {
        "new_within_months": 2,
        "quiet_months": 6,
        "roll_households": True,
        "off_roll_households": False,
    }
    assert "城西街道失业预警" in c.get("/monitoring/rules/").content.decode()


def test_list_thresholds_refuse_values_outside_their_choices():
    with pytest.raises(ServiceError, match="离校状态.*“left”不是允许值"):
        params.parse("school_leaving", {"statuses": ["graduated", "left"]})
    with pytest.raises(ServiceError, match="关注的年龄"):
        params.parse("age_threshold", {"ages": ["十八"]})


def test_risk_class_pages_are_for_the_configurer_only(cast):
    assert _client(cast.worker).get("/monitoring/risk-classes/").status_code == 403
    page = _client(cast.admin).get("/monitoring/risk-classes/").content.decode()
    assert "年审类" in page and "每12个月" in page


def test_risk_classes_added_changed_and_deleted_on_the_page_are_audited(cast):
    c = _client(cast.admin)
    r = c.post(
        "/monitoring/risk-classes/new/",
        {
            "code": "s",
            "label": "重点关注（有劳动能力）",
            "criterion": "able_to_work",
            "interval_months": "2",
            "order": "2",
            "deadline_days": "10",
        },
    )
    assert r.status_code == 302
    rc = RiskClass.objects.get(code="S")
    assert rc.interval_months == 2
    assert AuditEvent.objects.filter(action="risk_class.save", subject_id=str(rc.pk)).exists()

    b = RiskClass.objects.get(code="B")
    form = {
        "code": "B",
        "label": b.label,
        "criterion": b.criterion,
        "interval_months": "零",
        "order": str(b.order),
        "deadline_days": "15",
    }
    r = c.post(f"/monitoring/risk-classes/{b.pk}/", form)
    assert "复核周期(月)须为整数" in r.content.decode()
    r = c.post(f"/monitoring/risk-classes/{b.pk}/", {**form, "interval_months": "4"})
    assert r.status_code == 302
    ev = AuditEvent.objects.get(action="risk_class.save", subject_id=str(b.pk))
    assert ev.before["interval_months"] == 3 and ev.after["interval_months"] == 4

    r = c.post(f"/monitoring/risk-classes/{rc.pk}/delete/", {"reason": "试行结束"})
    assert r.status_code == 302 and not RiskClass.objects.filter(code="S").exists()
    ev = AuditEvent.objects.get(action="risk_class.delete", subject_id=str(rc.pk))
    assert ev.reason == "试行结束" and ev.before["code"] == "S"


def test_the_catch_all_class_cannot_go_and_grading_follows_the_edit(cast):
    other = RiskClass.objects.get(criterion="other")
    with pytest.raises(ServiceError, match="唯一一个"):
        risk_class_delete(actor=cast.admin, class_id=other.pk, reason="不要了")
    with pytest.raises(ServiceError, match="至少一个"):
        risk_class_save(
            actor=cast.admin,
            class_id=other.pk,
            code=other.code,
            label=other.label,
            criterion="stable",
            interval_months=6,
            order=other.order,
            deadline_days=15,
        )
    with pytest.raises(ServiceError, match="已被使用"):
        risk_class_save(
            actor=cast.admin,
            code="A",
            label="重复",
            criterion="other",
            interval_months=6,
            order=9,
            deadline_days=15,
        )
    hh, _, _ = on_roll(cast.village, programme="tekun", head_birth=datetime.date(1940, 1, 1))
    assert risk_grades().filter(household_id=hh.pk)["risk_class"].to_list() == ["Y"]
    y = RiskClass.objects.get(code="Y")
    risk_class_save(
        actor=cast.admin,
        class_id=y.pk,
        code="Y",
        label=y.label,
        criterion="stable",
        interval_months=12,
        order=9,  # after C (other): every stable household now falls in C
        deadline_days=15,
    )
    assert risk_grades().filter(household_id=hh.pk)["risk_class"].to_list() == ["C"]


def test_the_django_admin_shows_configuration_read_only(cast):
    request = RequestFactory().get("/admin/")
    request.user = cast.admin
    for model in (AlertRule, RiskClass):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_every_kind_renders_and_its_defaults_survive_a_round_trip_through_the_form(cast):
    from django.http import QueryDict

    from jiuzhu.monitoring.models import RuleKind

    c = _client(cast.admin)
    for kind in RuleKind.values:
        page = c.get(f"/monitoring/rules/new/?kind={kind}")
        assert page.status_code == 200, kind
        posted = QueryDict(mutable=True)
        for f in params.form_fields(kind):
            if f.widget == "bool":
                if f.value:
                    posted[f"p__{f.name}"] = "on"
            elif f.widget == "choices":
                posted.setlist(f"p__{f.name}", list(f.value))
            else:
                posted[f"p__{f.name}"] = str(f.value)
        typed = params.parse(kind, params.from_form(kind, posted))
        assert typed == params.PARAMS[kind](), kind
