"""The staff workbench (issue 15 part A): the grouped menu, the home page per role, 角色与权限
and 字典管理 with maker-checker."""

import pytest
from django.urls import reverse

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases.models import Task
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.navigation import GROUPS, nav_groups
from jiuzhu.dicts import selectors as dicts
from jiuzhu.dicts.models import ChangeStatus, DictChange
from jiuzhu.dicts.services import dict_change_decide, dict_change_propose
from tests.cases.helpers import make_cast, new_case
from tests.conftest import CHENGDONG, HAILING
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _groups(client):
    return [g["key"] for g in client.get(reverse("home")).context["nav_groups"]]


def test_menu_is_grouped_by_work_and_follows_the_role(client):
    # given
    worker = user_with_role(Role.VILLAGE_WORKER, CHENGDONG)
    admin = user_with_role(Role.SYSADMIN, HAILING)
    dept = user_with_role(Role.DEPARTMENT_DATA, HAILING, username="dept-x")
    # when
    client.force_login(worker)
    worker_groups = _groups(client)
    client.force_login(admin)
    admin_groups = _groups(client)
    client.force_login(dept)
    dept_groups = _groups(client)
    # then
    assert worker_groups[0] == "cases" and "registry" in worker_groups
    assert "system" not in worker_groups and "funds" not in worker_groups
    assert "system" in admin_groups and "cases" not in admin_groups
    assert dept_groups == ["verify"]
    assert list(GROUPS)[:9] == [
        "cases", "registry", "verify", "policy", "monitoring", "services", "funds", "stats",
        "system",
    ]  # fmt: skip


def test_current_entry_and_breadcrumbs(client):
    # given
    client.force_login(user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG))
    # when
    r = client.get(reverse("cases:roll"))
    # then
    body = r.content.decode()
    assert 'aria-current="page">救助名册</a>' in body
    assert [c["label"] for c in r.context["nav_crumbs"]] == ["受理审批", "救助名册"]
    groups = nav_groups({"case.view"}, reverse("cases:roll"))
    assert groups[0]["open"] is True


def test_home_counts_todos_by_kind_with_overdue_and_links(client):
    # given: a case waiting for the reviewer's 受理审查, one of them overdue
    cast = make_cast()
    new_case(cast)
    late = new_case(cast)
    Task.objects.filter(application=late, done_at__isnull=True).update(due_date="2026-01-05")
    client.force_login(cast.reviewer)
    # when
    r = client.get(reverse("home"))
    # then
    sections = {s["key"]: s for s in r.context["sections"]}
    todo = sections["todo"]["cards"]
    total = todo[0]
    assert total.value == 2
    assert ("已逾期", 1, reverse("cases:todo"), "warn") in total.details
    assert any(c.url == reverse("cases:roll") for c in sections["area"]["cards"])
    body = r.content.decode()
    assert f'href="{reverse("cases:todo")}"' in body


def test_data_clerk_sees_feed_status_not_households(client):
    # given
    clerk = user_with_role(Role.DEPARTMENT_DATA, HAILING)
    clerk.role_assignments.update(department="police")
    client.force_login(clerk)
    # when
    r = client.get(reverse("home"))
    # then
    keys = [s["key"] for s in r.context["sections"]]
    assert keys == ["feeds"]
    body = r.content.decode()
    assert "尚未上传" in body and "在册家庭" not in body


def test_payments_officer_sees_this_months_payrolls_and_approver_alerts(client):
    # given
    cast = make_cast()
    # when
    client.force_login(cast.payer)
    payer = client.get(reverse("home")).content.decode()
    client.force_login(cast.approver)
    approver = client.get(reverse("home")).content.decode()
    # then
    assert "本月发放批次" in payer and "本月尚未生成发放批次" in payer
    assert "待处理预警" in approver and f"{reverse('monitoring:alerts')}?status=open" in approver


def test_roles_page_lists_every_role_with_chinese_capabilities(client):
    # given
    client.force_login(user_with_role(Role.SYSADMIN, HAILING))
    # when
    body = client.get(reverse("accounts:roles")).content.decode()
    # then
    for role in Role:
        assert str(role.label) in body
    assert "上传本部门的核对数据" in body
    assert "feed.upload" not in body


def test_dictionary_change_needs_a_second_administrator(client):
    # given
    a1 = user_with_role(Role.SYSADMIN, HAILING, username="adm1")
    a2 = user_with_role(Role.SYSADMIN, HAILING, username="adm2")
    seed = dicts.choices("visit_checklist")
    assert ("housing_poor", "住房简陋/危房") in seed
    # when: one proposes a new item, and may not approve it
    change = dict_change_propose(
        actor=a1,
        kind="visit_checklist",
        code="water_power",
        label="水电是否正常",
        sort_order=15,
        active=True,
        reason="本市入户调查表新增",
    )
    with pytest.raises(ServiceError) as own:
        dict_change_decide(actor=a1, change_id=change.pk, approve=True)
    assert dicts.choices("visit_checklist") == seed  # nothing applies before approval
    dict_change_decide(actor=a2, change_id=change.pk, approve=True)
    # then
    after = dicts.choices("visit_checklist")
    assert after[1] == ("water_power", "水电是否正常") and len(after) == len(seed) + 1
    assert "另一位管理员" in str(own.value.errors)
    actions = list(
        AuditEvent.objects.filter(subject_type="dict_change").values_list("action", flat=True)
    )
    assert actions == ["dict.propose", "dict.approve"]
    assert DictChange.objects.get().status == ChangeStatus.APPROVED


def test_dictionary_validation_names_the_field():
    # given
    a1 = user_with_role(Role.SYSADMIN, HAILING)
    # when
    with pytest.raises(ServiceError) as bad:
        dict_change_propose(
            actor=a1,
            kind="material_type",
            code="new_paper",
            label="",
            sort_order="x",
            active=True,
            reason="",
        )
    # then
    errors = bad.value.errors
    assert "代码" in errors["code"][0] and "名称" in errors["label"][0]
    assert "排序" in errors["sort_order"][0] and "理由" in errors["reason"][0]
    assert not DictChange.objects.exists()


def test_switched_off_material_type_leaves_the_upload_menu(client):
    # given
    cast = make_cast()
    a2 = user_with_role(Role.SYSADMIN, HAILING, username="adm-b")
    change = dict_change_propose(
        actor=cast.admin,
        kind="material_type",
        code="disability_cert",
        label="残疾证",
        sort_order=40,
        active=False,
        reason="本地不收",
    )
    dict_change_decide(actor=a2, change_id=change.pk, approve=True)
    app = new_case(cast)
    client.force_login(cast.worker)
    # when
    body = client.get(reverse("cases:detail", args=[app.pk])).content.decode()
    # then
    assert 'value="disability_cert"' not in body
    assert 'value="hukou"' in body


def test_dictionary_pages(client):
    # given
    client.force_login(user_with_role(Role.SYSADMIN, HAILING))
    # when
    listing = client.get(reverse("dicts:list")).content.decode()
    kind = client.get(reverse("dicts:kind", args=["visit_checklist"])).content.decode()
    bad = client.post(
        reverse("dicts:propose", args=["visit_checklist"]),
        {"code": "Bad Code", "label": "x", "sort_order": "1", "reason": "r"},
    )
    # then
    assert "入户调查项目" in listing and "材料类型" in listing and "银行文件格式" in listing
    assert "住房简陋/危房" in kind
    assert bad.status_code == 400 and "小写字母开头" in bad.content.decode()
    assert 'value="Bad Code"' in bad.content.decode()  # typed input kept
