"""Roles, what each may do, and which roles one person may not hold together.

Capabilities are plain strings checked by ``jiuzhu.accounts.scoping``; a role grants its
capabilities inside the area subtree of the assignment only.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    VILLAGE_WORKER = "village_worker", _("村居经办/网格员")
    TOWNSHIP_REVIEWER = "township_reviewer", _("乡镇(街道)审核")
    COUNTY_APPROVER = "county_approver", _("县级审批")
    # "资金发放" alone is the funds menu (Payments); as a role it is the officer.
    PAYMENTS_OFFICER = "payments_officer", pgettext_lazy("role", "资金发放")
    FINANCE = "finance", _("财务拨付")
    DEPARTMENT_DATA = "department_data", _("部门数据员")
    # An officer of another department (教育, 医保, 住建 …) who handles the tracks of cases
    # referred to that department (转办), and only those (issue 19).
    DEPARTMENT_CLERK = "department_clerk", _("部门经办")
    AUDITOR = "auditor", _("纪检审计")
    SYSADMIN = "sysadmin", _("系统管理员")
    # Another system's service account (the registry API and the SPDCI interface): reads the
    # registry of its area, masked; the token's scopes and agreed fields narrow it further.
    INTERFACE = "interface", _("接入系统（只读）")
    # The services market (一人一策 and bought services, jiuzhu.support).
    SERVICE_CENTRE = "service_centre", _("服务中心")
    PROVIDER_ADMIN = "provider_admin", _("服务机构管理员")
    PROVIDER_WORKER = "provider_worker", _("服务机构服务人员")


class Capability:
    REGISTRY_VIEW = "registry.view"  # read households and persons (masked)
    REGISTRY_EDIT = "registry.edit"  # create and correct households, persons, facts
    PII_REVEAL = "pii.reveal"  # see a full ID or phone number (each reveal is logged)
    AUDIT_VIEW = "audit.view"  # read the audit log of the area
    STATS_VIEW = "stats.view"  # dashboards and statistics
    SUPERVISE = "stats.supervise"  # 督办, spot-check plans and reviews, data-quality worklist
    FEED_UPLOAD = "feed.upload"  # upload the department's own data feed
    ACCOUNTS_MANAGE = "accounts.manage"  # users, role assignments, org units
    AREAS_MANAGE = "areas.manage"  # administrative-division table
    CASE_VIEW = "case.view"  # read applications (cases) of the area
    CASE_INTAKE = "case.intake"  # register applications, upload materials, withdraw, resubmit
    CASE_VISIT = "case.visit"  # carry out home visits (入户调查)
    CASE_REVIEW = "case.review"  # accept/refuse intake, first review (初审), 公示, objections
    CASE_APPROVE = "case.approve"  # decide (审核确认/审批), change or stop a roll entry
    CASE_CONFIGURE = "case.configure"  # approval chains, working-day calendar overrides
    ALERT_HANDLE = "alert.handle"  # work monitoring alerts and review tasks (核增/核减/无需处理)
    ALERT_CONFIGURE = "alert.configure"  # switch alert rules on/off, thresholds, risk classes
    FUNDS_VIEW = "funds.view"  # payrolls, bank files, reconciliation, the ledger (read)
    PAYROLL_PREPARE = "payroll.prepare"  # generate payrolls, bank files, return files, re-issue
    PAYROLL_APPROVE = "payroll.approve"  # check and approve a payroll someone else prepared
    PAYROLL_RELEASE = "payroll.release"  # release an approved payroll to the bank (财务)
    BUDGET_MANAGE = "budget.manage"  # budgets per programme, area and year
    SUPPORT_PLAN = "support.plan"  # needs assessments and support plans (一户一策), reviews
    MARKET_ORDER = "market.order"  # 点单: order a service; rate it for the bureau; approve prices
    MARKET_CENTRE = "market.centre"  # 服务中心: publish, pick, accept; providers, prices proposed
    MARKET_PROVIDE = "market.provide"  # 服务机构: claim published orders, assign its workers
    MARKET_SERVE = "market.serve"  # 服务人员: carry out an assigned service on the phone
    TRACK_HANDLE = "track.handle"  # see and decide the referred tracks of one's department (转办)


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.VILLAGE_WORKER: frozenset(
        {
            Capability.REGISTRY_VIEW,
            Capability.REGISTRY_EDIT,
            Capability.PII_REVEAL,
            Capability.STATS_VIEW,
            Capability.CASE_VIEW,
            Capability.CASE_INTAKE,
            Capability.CASE_VISIT,
            Capability.ALERT_HANDLE,
            Capability.SUPPORT_PLAN,
        }
    ),
    Role.TOWNSHIP_REVIEWER: frozenset(
        {
            Capability.REGISTRY_VIEW,
            Capability.REGISTRY_EDIT,
            Capability.PII_REVEAL,
            Capability.STATS_VIEW,
            Capability.CASE_VIEW,
            Capability.CASE_INTAKE,
            Capability.CASE_VISIT,
            Capability.CASE_REVIEW,
            # Decides only where the area's approval chain says 初审即终审 (低保移交).
            Capability.CASE_APPROVE,
            Capability.ALERT_HANDLE,
            Capability.SUPPORT_PLAN,
            Capability.MARKET_ORDER,
        }
    ),
    Role.COUNTY_APPROVER: frozenset(
        {
            Capability.REGISTRY_VIEW,
            Capability.REGISTRY_EDIT,
            Capability.PII_REVEAL,
            Capability.STATS_VIEW,
            Capability.CASE_VIEW,
            Capability.CASE_VISIT,
            Capability.CASE_APPROVE,
            Capability.ALERT_HANDLE,
            Capability.SUPERVISE,
            Capability.SUPPORT_PLAN,
            Capability.MARKET_ORDER,
        }
    ),
    Role.PAYMENTS_OFFICER: frozenset(
        {
            Capability.REGISTRY_VIEW,
            Capability.STATS_VIEW,
            Capability.CASE_VIEW,
            Capability.FUNDS_VIEW,
            Capability.PAYROLL_PREPARE,
            Capability.PAYROLL_APPROVE,
        }
    ),
    Role.FINANCE: frozenset(
        {
            Capability.STATS_VIEW,
            Capability.FUNDS_VIEW,
            Capability.PAYROLL_RELEASE,
            Capability.BUDGET_MANAGE,
        }
    ),
    Role.DEPARTMENT_DATA: frozenset({Capability.FEED_UPLOAD}),
    Role.INTERFACE: frozenset({Capability.REGISTRY_VIEW}),
    Role.DEPARTMENT_CLERK: frozenset({Capability.TRACK_HANDLE}),
    Role.AUDITOR: frozenset(
        {
            Capability.REGISTRY_VIEW,
            Capability.PII_REVEAL,
            Capability.AUDIT_VIEW,
            Capability.STATS_VIEW,
            Capability.CASE_VIEW,
            Capability.FUNDS_VIEW,
            Capability.SUPERVISE,
        }
    ),
    Role.SYSADMIN: frozenset(
        {
            Capability.ACCOUNTS_MANAGE,
            Capability.AREAS_MANAGE,
            Capability.CASE_CONFIGURE,
            Capability.ALERT_CONFIGURE,
            Capability.AUDIT_VIEW,
            Capability.STATS_VIEW,
        }
    ),
    # The service centre runs the market of its area; providers see no registry at all, only
    # their own orders with the household's name, address and phone (jiuzhu.support.selectors).
    Role.SERVICE_CENTRE: frozenset(
        {Capability.MARKET_CENTRE, Capability.STATS_VIEW, Capability.SUPPORT_PLAN}
    ),
    Role.PROVIDER_ADMIN: frozenset({Capability.MARKET_PROVIDE}),
    Role.PROVIDER_WORKER: frozenset({Capability.MARKET_SERVE}),
}

# Pairs of roles one person may never hold at the same time (separation of duties):
# whoever approves may not pay; whoever audits may not do the work audited.
INCOMPATIBLE_ROLES: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in [
        (Role.COUNTY_APPROVER, Role.PAYMENTS_OFFICER),
        (Role.TOWNSHIP_REVIEWER, Role.PAYMENTS_OFFICER),
        (Role.AUDITOR, Role.VILLAGE_WORKER),
        (Role.AUDITOR, Role.TOWNSHIP_REVIEWER),
        (Role.AUDITOR, Role.COUNTY_APPROVER),
        (Role.AUDITOR, Role.PAYMENTS_OFFICER),
        (Role.AUDITOR, Role.FINANCE),
        (Role.AUDITOR, Role.DEPARTMENT_CLERK),
        (Role.COUNTY_APPROVER, Role.FINANCE),
        (Role.TOWNSHIP_REVIEWER, Role.FINANCE),
        # The market: whoever buys, accepts or pays for a service never sells it.
        *(
            (buyer, seller)
            for seller in (Role.PROVIDER_ADMIN, Role.PROVIDER_WORKER)
            for buyer in (
                Role.SERVICE_CENTRE,
                Role.VILLAGE_WORKER,
                Role.TOWNSHIP_REVIEWER,
                Role.COUNTY_APPROVER,
                Role.PAYMENTS_OFFICER,
                Role.FINANCE,
                Role.AUDITOR,
            )
        ),
        (Role.SERVICE_CENTRE, Role.PAYMENTS_OFFICER),
        (Role.SERVICE_CENTRE, Role.FINANCE),
        (Role.AUDITOR, Role.SERVICE_CENTRE),
        # System administration (accounts, chains, rules) and business work never in one
        # person: an administrator who could also approve or pay could grant itself the power
        # it then uses (三员分立 / 等保 2.0 separation of administrators).
        *((Role.SYSADMIN, r) for r in Role if r != Role.SYSADMIN),
    ]
)

# Capabilities whose holders must sign in with a second factor (TOTP): whoever can see full
# ID and phone numbers, decide on benefits, move money or manage accounts.
SECOND_FACTOR_CAPABILITIES: frozenset[str] = frozenset(
    {
        Capability.PII_REVEAL,
        Capability.CASE_APPROVE,
        Capability.PAYROLL_APPROVE,
        Capability.PAYROLL_RELEASE,
        Capability.ACCOUNTS_MANAGE,
    }
)


def roles_incompatible(a: str, b: str) -> bool:
    return frozenset((a, b)) in INCOMPATIBLE_ROLES


# What each capability lets a person do, as shown on 系统管理 › 角色与权限.
CAPABILITY_LABELS: dict[str, object] = {
    Capability.REGISTRY_VIEW: _("查看家庭档案（证件号、电话打码）"),
    Capability.REGISTRY_EDIT: _("登记和更正家庭、成员及其情况"),
    Capability.PII_REVEAL: _("查看完整证件号和电话（每次查看都记入日志）"),
    Capability.AUDIT_VIEW: _("查看本辖区的操作日志和登录日志"),
    Capability.STATS_VIEW: _("查看统计报表和工作台"),
    Capability.SUPERVISE: _("督办、抽查和数据质量"),
    Capability.FEED_UPLOAD: _("上传本部门的核对数据"),
    Capability.ACCOUNTS_MANAGE: _("管理用户和角色分配"),
    Capability.AREAS_MANAGE: _("维护行政区划和街道边界"),
    Capability.CASE_VIEW: _("查看救助申请和救助名册"),
    Capability.CASE_INTAKE: _("受理申请、上传材料、撤回和补正"),
    Capability.CASE_VISIT: _("入户调查"),
    Capability.CASE_REVIEW: _("受理审查、初审、公示和异议处理"),
    Capability.CASE_APPROVE: _("审核确认（审批），变更和停发名册"),
    Capability.CASE_CONFIGURE: _("审批流程、工作日、字典和政策参数设置"),
    Capability.ALERT_HANDLE: _("处理监测预警和动态复核"),
    Capability.ALERT_CONFIGURE: _("设置预警规则、阈值和风险分类"),
    Capability.FUNDS_VIEW: _("查看发放批次、银行文件和资金台账"),
    Capability.PAYROLL_PREPARE: _("生成发放批次、银行文件，导入回盘，补发"),
    Capability.PAYROLL_APPROVE: _("复核他人生成的发放批次"),
    Capability.PAYROLL_RELEASE: _("拨付已复核的发放批次（送银行）"),
    Capability.BUDGET_MANAGE: _("管理各项目、各区域、各年度的预算"),
    Capability.SUPPORT_PLAN: _("需求评估、帮扶计划（一户一策）和回访评价"),
    Capability.MARKET_ORDER: _("点单购买服务，代表民政部门评价，复核服务价格"),
    Capability.MARKET_CENTRE: _("服务中心：发布订单、选定机构、验收，管理服务机构和价格"),
    Capability.MARKET_PROVIDE: _("服务机构：抢单并指派本机构服务人员"),
    Capability.MARKET_SERVE: _("服务人员：在手机上完成指派的服务"),
    Capability.TRACK_HANDLE: _("办理转办到本部门的救助事项"),
}
