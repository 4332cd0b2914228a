"""Demo accounts: one login per role, in the real 泰州市 tree. Idempotent."""

from __future__ import annotations

import datetime

from django.db import transaction

from jiuzhu.accounts.models import RoleAssignment, User
from jiuzhu.accounts.roles import Role
from jiuzhu.areas.models import Area, AreaLevel, OrgUnit, OrgUnitKind

DEMO_PASSWORD = "jiuzhu-demo-2026"

ORG_KIND_BY_ROLE = {
    Role.VILLAGE_WORKER: (OrgUnitKind.VILLAGE_COMMITTEE, "{area}"),
    Role.TOWNSHIP_REVIEWER: (OrgUnitKind.TOWNSHIP_OFFICE, "{area}办事处"),
    Role.COUNTY_APPROVER: (OrgUnitKind.CIVIL_AFFAIRS, "{area}民政局"),
    Role.PAYMENTS_OFFICER: (OrgUnitKind.CIVIL_AFFAIRS, "{area}民政局"),
    Role.FINANCE: (OrgUnitKind.CIVIL_AFFAIRS, "{area}民政局"),
    Role.DEPARTMENT_DATA: (OrgUnitKind.DEPARTMENT, "{area}公安局"),
    Role.AUDITOR: (OrgUnitKind.SUPERVISION, "{area}纪委监委"),
    Role.SYSADMIN: (OrgUnitKind.CIVIL_AFFAIRS, "{area}民政局"),
    Role.SERVICE_CENTRE: (OrgUnitKind.CIVIL_AFFAIRS, "{area}社会救助服务中心"),
    Role.PROVIDER_ADMIN: (OrgUnitKind.DEPARTMENT, "阳光社会工作服务中心"),
    Role.PROVIDER_WORKER: (OrgUnitKind.DEPARTMENT, "阳光社会工作服务中心"),
}

# username, full name, role, area code, department
DEMO_ACCOUNTS = [
    ("cunju", "李村居（村居经办）", Role.VILLAGE_WORKER, None, ""),  # first community of 城东街道
    ("jiedao", "王街道（城东街道审核）", Role.TOWNSHIP_REVIEWER, "321202001000", ""),
    ("jiedao2", "赵街道（城西街道审核）", Role.TOWNSHIP_REVIEWER, "321202002000", ""),
    ("quxian", "陈区县（海陵区审批）", Role.COUNTY_APPROVER, "321202000000", ""),
    ("zijin", "周资金（海陵区资金发放）", Role.PAYMENTS_OFFICER, "321202000000", ""),
    ("zijin2", "郑资金（海陵区资金复核）", Role.PAYMENTS_OFFICER, "321202000000", ""),
    ("caiwu", "钱财务（海陵区财务拨付）", Role.FINANCE, "321202000000", ""),
    ("bumen", "吴部门（公安数据员）", Role.DEPARTMENT_DATA, "321200000000", "police"),
    ("shenji", "孙审计（市纪检审计）", Role.AUDITOR, "321200000000", ""),
    ("admin", "系统管理员", Role.SYSADMIN, "321200000000", ""),
    # A second administrator: role grants need another administrator's approval (maker-checker).
    ("admin2", "系统管理员（复核）", Role.SYSADMIN, "321200000000", ""),
    # The services market (jiuzhu.support; jiuzhu.demo.support links them to their providers).
    ("fuwu", "冯中心（海陵区社会救助服务中心）", Role.SERVICE_CENTRE, "321202000000", ""),
    ("jigou", "蒋机构（阳光社工机构管理员）", Role.PROVIDER_ADMIN, "321202000000", ""),
    ("shegong", "韩社工（阳光社工机构服务人员）", Role.PROVIDER_WORKER, "321202000000", ""),
    ("jigou2", "杨机构（康乐社工机构管理员）", Role.PROVIDER_ADMIN, "321202000000", ""),
]


@transaction.atomic
def demo_users_ensure() -> list[tuple[str, str, str]]:
    """Create the demo accounts (and their offices) if missing; return (username, role, area)."""
    rows = []
    first_village = (
        Area.objects.filter(parent_id="321202001000")
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    for username, full_name, role, area_code, department in DEMO_ACCOUNTS:
        area = Area.objects.get(code=area_code or first_village)
        kind, pattern = ORG_KIND_BY_ROLE[role]
        org_name = area.name if area.level == AreaLevel.VILLAGE else pattern.format(area=area.name)
        org, _ = OrgUnit.objects.get_or_create(
            name=org_name, area=area, defaults={"kind": kind, "department": department}
        )
        user, created = User.objects.get_or_create(
            username=username, defaults={"full_name": full_name, "org_unit": org}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = role == Role.SYSADMIN
            user.save()
        if not RoleAssignment.objects.filter(user=user, role=role, area=area).exists():
            RoleAssignment.objects.create(
                user=user,
                role=role,
                area=area,
                department=department,
                valid_from=datetime.date(2024, 1, 1),
            )
        rows.append((username, str(role.label), area.full_name()))
    return rows
