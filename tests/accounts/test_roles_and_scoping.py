import datetime

import pytest

from jiuzhu.accounts.models import RoleAssignment
from jiuzhu.accounts.roles import Capability, Role
from jiuzhu.accounts.scoping import access, scoped, user_scope
from jiuzhu.accounts.services import role_approve, role_assign, role_revoke
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.registry.models import Household
from tests.conftest import CHENGDONG, CHENGXI, HAILING, JIANGYAN
from tests.factories import UserFactory, first_village, household_with_head, user_with_role

pytestmark = pytest.mark.django_db


def test_approver_cannot_also_be_payments_officer():
    admin = user_with_role(Role.SYSADMIN, "321200000000")
    user = UserFactory()
    role_assign(actor=admin, user=user, role=Role.COUNTY_APPROVER, area_code=HAILING)
    before = RoleAssignment.objects.count()
    with pytest.raises(ServiceError) as exc:
        role_assign(actor=admin, user=user, role=Role.PAYMENTS_OFFICER, area_code=JIANGYAN)
    assert exc.value.code == "incompatible_roles"
    assert "不相容岗位" in exc.value.text()
    assert RoleAssignment.objects.count() == before


def test_incompatible_roles_in_disjoint_periods_are_allowed():
    admin = user_with_role(Role.SYSADMIN, "321200000000")
    user = UserFactory()
    role_assign(
        actor=admin,
        user=user,
        role=Role.COUNTY_APPROVER,
        area_code=HAILING,
        valid_from=datetime.date(2024, 1, 1),
        valid_until=datetime.date(2024, 12, 31),
    )
    role_assign(
        actor=admin,
        user=user,
        role=Role.PAYMENTS_OFFICER,
        area_code=HAILING,
        valid_from=datetime.date(2025, 1, 1),
    )
    assert user.role_assignments.count() == 2


def test_role_assignment_is_audited():
    admin = user_with_role(Role.SYSADMIN, "321200000000")
    user = UserFactory()
    role_assign(actor=admin, user=user, role=Role.AUDITOR, area_code=HAILING)
    event = AuditEvent.objects.filter(action="role.assign").latest("seq")
    assert event.actor_id == admin.pk
    assert event.after["role"] == "auditor"


def test_expired_and_future_assignments_grant_nothing():
    user = UserFactory()
    RoleAssignment.objects.create(
        user=user,
        role=Role.TOWNSHIP_REVIEWER,
        area_id=CHENGDONG,
        valid_from=datetime.date(2020, 1, 1),
        valid_until=datetime.date(2021, 1, 1),
    )
    RoleAssignment.objects.create(
        user=user,
        role=Role.TOWNSHIP_REVIEWER,
        area_id=CHENGXI,
        valid_from=datetime.date(2999, 1, 1),
    )
    assert user_scope(user, Capability.REGISTRY_VIEW).empty


def test_revoked_role_stops_working_today():
    admin = user_with_role(Role.SYSADMIN, "321200000000")
    user = UserFactory()
    a = role_assign(
        actor=admin,
        user=user,
        role=Role.TOWNSHIP_REVIEWER,
        area_code=CHENGDONG,
        valid_from=datetime.date(2024, 1, 1),
    )
    role_approve(actor=user_with_role(Role.SYSADMIN, "321200000000"), assignment_id=a.pk)
    assert not user_scope(type(user).objects.get(pk=user.pk), Capability.REGISTRY_VIEW).empty
    role_revoke(actor=admin, assignment_id=a.pk, reason="调岗")
    user = type(user).objects.get(pk=user.pk)
    assert user_scope(user, Capability.REGISTRY_VIEW).empty


def test_scope_is_the_union_of_areas_with_the_capability():
    user = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    RoleAssignment.objects.create(
        user=user,
        role=Role.TOWNSHIP_REVIEWER,
        area_id=HAILING,
        valid_from=datetime.date(2020, 1, 1),
    )
    scope = user_scope(user, Capability.REGISTRY_VIEW)
    assert scope.prefixes == ("321202",)  # the county covers the street


def test_street_user_sees_only_own_street():
    mine = household_with_head(hukou_area_id=first_village(CHENGDONG))
    other = household_with_head(hukou_area_id=first_village(CHENGXI))
    user = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    visible = set(
        scoped(Household.objects.all(), user, Capability.REGISTRY_VIEW).values_list("pk", flat=True)
    )
    assert mine.pk in visible
    assert other.pk not in visible
    from django.http import Http404

    with pytest.raises(Http404):
        access(Household, user, Capability.REGISTRY_VIEW, pk=other.pk)


def test_department_data_user_cannot_read_the_registry():
    household_with_head()
    user = user_with_role(Role.DEPARTMENT_DATA, "321200000000")
    assert not scoped(Household.objects.all(), user, Capability.REGISTRY_VIEW).exists()


def test_anonymous_user_has_empty_scope():
    from django.contrib.auth.models import AnonymousUser

    assert user_scope(AnonymousUser(), Capability.REGISTRY_VIEW).empty


def test_sysadmin_cannot_grant_roles_outside_own_area():
    county_admin = user_with_role(Role.SYSADMIN, HAILING)
    user = UserFactory()
    with pytest.raises(ServiceError) as exc:
        role_assign(actor=county_admin, user=user, role=Role.AUDITOR, area_code=JIANGYAN)
    assert "只能在本人管理的区域内分配角色" in exc.value.errors["area"][0]
    assert not user.role_assignments.exists()
