"""Monitoring pages in English: the page's own text is translated; only data stays Chinese."""

import re

import pytest
from django.utils import timezone, translation

from jiuzhu.monitoring.models import Alert, AlertRule, RiskClass
from jiuzhu.monitoring.services import monitor_run
from tests.i18n import CJK, chinese_lines, english_client, main_text
from tests.monitoring.helpers import import_rows, on_roll, police_death

pytestmark = pytest.mark.django_db


def test_monitoring_pages_in_english(cast):
    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [police_death(head, timezone.localdate())])
    monitor_run()
    alert = Alert.objects.select_related("area", "rule", "assigned_to").get(household=hh)
    data = [
        hh.head_name,
        alert.summary,
        alert.area.name,
        alert.area.full_name(),
        alert.rule.name,
        cast.worker.full_name,
        # people offered for 批量分派 (names are data)
        cast.reviewer.full_name,
        cast.approver.full_name,
        *(r["source"] for r in alert.evidence["records"]),
        *(r["text"] for r in alert.evidence["records"]),
        *AlertRule.objects.values_list("name", flat=True),
        *RiskClass.objects.values_list("label", flat=True),
    ]
    street = english_client(cast.reviewer)

    page = main_text(street.get("/monitoring/"), data=data)
    assert "Monitoring overview" in page and "Open alerts by cause" in page
    assert "Recent runs" in page
    assert chinese_lines(page) == []

    page = main_text(street.get("/monitoring/alerts/"), data=data)
    assert "Overdue only" in page and "Reset" in page
    assert "Death of a person on the roll" in page  # the cause, a choice label
    assert chinese_lines(page) == []
    assert [c for c in "：（），" if c in page] == []

    page = main_text(street.get(f"/monitoring/alerts/{alert.pk}/"), data=data)
    assert f"Alert #{alert.pk}" in page and " household (1 person)" in page
    assert "Active roll entries" in page and "Handling history" in page
    assert "Increase: opens an application" in page
    assert chinese_lines(page) == []
    assert "<th>Person</th>" in page  # 人员 of one alert (context: not "Persons")
    assert [c for c in "：（），、；" if c in page] == []  # punctuation went with the text
    assert "Minimum living guarantee (dibao): " in page  # its roll entry, label: value
    assert re.search(r"<td>\d{4}-\d\d-\d\d \(working days\)</td>", page)

    page = main_text(street.get("/monitoring/reviews/"), data=data)
    assert "Risk classes and review intervals" in page and "Every 3 months" in page
    assert chinese_lines(page) == []

    admin = english_client(cast.admin)
    page = main_text(admin.get("/monitoring/rules/"), data=data)
    assert "Rule types and default thresholds" in page and "Routing by programme" in page
    assert "Hold payment as soon as found" in page  # a threshold label from params.py
    assert chinese_lines(page) == []

    page = main_text(admin.get("/monitoring/rules/new/?kind=new_asset"), data=data)
    assert "New alert rule" in page and "Vehicle registry (vehicles)" in page
    assert chinese_lines(page) == []


def test_monitoring_messages_in_english(cast):
    from jiuzhu.core.errors import ServiceError
    from jiuzhu.monitoring import params

    with translation.override("en"), pytest.raises(ServiceError) as exc:
        params.parse("school_leaving", {"min_age": "sixteen"})
    assert "Threshold “" in exc.value.text() and "a whole number of at least 0" in exc.value.text()
    assert not CJK.search(exc.value.text())
    with translation.override("zh-hans"), pytest.raises(ServiceError) as exc:
        params.parse("school_leaving", {"min_age": "sixteen"})
    assert (
        "阈值参数“最低年龄(周岁)(min_age)”的值“sixteen”无效：应为不小于0的整数" in exc.value.text()
    )


def test_closing_in_english_keeps_the_stored_case_text_chinese(cast):
    from jiuzhu.cases.models import Application

    hh, (head,), _ = on_roll(cast.village)
    import_rows("police", [police_death(head, timezone.localdate())])
    monitor_run()
    alert = Alert.objects.get(household=hh)
    r = english_client(cast.worker).post(
        f"/monitoring/alerts/{alert.pk}/close/",
        {"version": alert.version, "outcome": "stop", "reason": "verified"},
        follow=True,
    )
    assert "Alert closed: Stopped" in r.content.decode()  # the message is English
    alert.refresh_from_db()
    app = Application.objects.get(pk=alert.application_id)
    assert app.reason == "预警停发：verified"
    assert app.evidence["summary"].startswith(f"预警#{alert.pk}（在册人员死亡）：")


def test_awaiting_review_is_not_the_payroll_awaiting_approval():
    """待复核 means a dynamic review still to do in monitoring; a payroll's 待复核 is an approval."""
    from django.template import Context, Template

    page = Template(
        '{% load i18n %}{% translate "待复核" context "dynamic review" %}|{% translate "待复核" %}'
    )
    with translation.override("en"):
        assert page.render(Context()) == "Awaiting review|Awaiting approval"
        assert translation.pgettext("the one person an alert is about", "人员") == "Person"
    with translation.override("zh-hans"):
        assert page.render(Context()) == "待复核|待复核"
