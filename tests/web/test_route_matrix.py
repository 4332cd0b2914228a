"""Issue 14 "done when": a permission matrix over EVERY URL pattern and API route.

Every route (but the Django admin, read-only and tested in tests/accounts) is a row of ``MATRIX``
with the capability it needs, the method it answers and how to fill its parameters with a REAL
object INSIDE the 城东/海陵 area of the test users and a real object OUTSIDE it (姜堰区): a
household, a case, a paper, an audit event, an alert, a review, a linkage review, a duplicate
pair, a payroll and its line, a payment account and its notice, a hold, a recovery, a letter, a
declaration, a user and a pending grant, a chain change, a parameter, a spot-check plan and
sample, a citizen's report and its photo. For every route and every principal — anonymous, each
role, and a street reviewer of another county (for whom the 城东 objects are the outside ones):

- no answer is a 5xx;
- anonymous gets the login page (pages) or 401 (API), never the content;
- a principal without the capability never gets a 200;
- an object outside the principal's area is **404** for a principal holding the capability
  elsewhere (403/404 for one without it), and never shows the household's name.

The objects are built once per module (one transaction, rolled back at the end) and each
principal signs in once; each route is its own test (so ``-n`` spreads them), in a savepoint.

A new route that is not in ``MATRIX`` fails ``test_every_route_is_in_the_matrix``; a row whose
object parameter is not a real object fails ``test_every_object_parameter_is_a_real_object``.
"""

import datetime
from decimal import Decimal
from typing import NamedTuple
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from jiuzhu.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from jiuzhu.accounts.scoping import user_scope
from tests.conftest import CHENGDONG, HAILING, JIANGYAN, JIANGYAN_STREET
from tests.factories import (
    IncomeItemFactory,
    PersonFactory,
    first_village,
    household_with_head,
    load_taizhou,
    user_with_role,
)

pytestmark = pytest.mark.django_db

C = Capability
LOGIN = "login"  # any signed-in user
PUBLIC = "public"
CITIZEN = "citizen"  # the citizen portal's own sign-in (SMS code), never a staff session
# Another system's bearer token (interop: /api/v1/registry/, /dci/): no staff session and no
# anonymous caller ever gets an answer; scopes and revocation are tested in tests/interop.
TOKEN = "token"
IN_NAME, OUT_NAME = "城东内区户", "姜堰外区户"


# pages one more capability opens (besides the row's own)
ALSO_ALLOWED = {"accounts:login_log": C.ACCOUNTS_MANAGE, "accounts:roles": C.AUDIT_VIEW}


class Row(NamedTuple):
    cap: str
    method: str = "GET"
    kwargs: object = None  # (world, side) -> URL kwargs
    obj: str | None = None  # the kind of object in the URL whose area decides "outside"
    data: dict | None = None  # POST data that passes validation, so the scope check is reached
    # the capability (or any of several) whose scope decides "outside" (default: cap)
    scope_cap: str | tuple | None = None
    outside: int = 404  # the answer for an object outside the principal's area
    query: object = None  # (world, side) -> query string parameters (an area to drill into)


def none(w, side):
    return {}


def pk(kind, param="pk", /, **extra):
    def build(w, side):
        return {param: w[side][kind].pk, **extra}

    build.kinds = (kind,)
    return build


def both(*parts):
    def build(w, side):
        out = {}
        for p in parts:
            out.update(p(w, side))
        return out

    build.kinds = tuple(k for p in parts for k in getattr(p, "kinds", ()))
    return build


def fixed(**kw):
    return lambda w, side: dict(kw)


APP = pk("app")
HH = pk("household")
API_APP = pk("app", "application_id")


def VILLAGE(w, side):  # noqa: N802 - a URL-kwargs builder like pk()
    return {"village_code": w[side]["village"]}


MATRIX = {
    "home": Row(LOGIN),
    "login": Row(PUBLIC),
    "totp_verify": Row(LOGIN),
    "totp_enrol": Row(LOGIN),
    "logout": Row(PUBLIC, "POST"),
    "set_language": Row(PUBLIC, "POST"),
    "registry:household_list": Row(C.REGISTRY_VIEW),
    "registry:person_list": Row(C.REGISTRY_VIEW),
    "registry:household_create": Row(C.REGISTRY_EDIT),
    "registry:household_detail": Row(C.REGISTRY_VIEW, "GET", HH, "household"),
    "registry:household_edit": Row(C.REGISTRY_EDIT, "GET", HH, "household"),
    "registry:person_add": Row(C.REGISTRY_EDIT, "GET", HH, "household"),
    "registry:fact_add": Row(C.REGISTRY_EDIT, "GET", both(HH, fixed(kind="income")), "household"),
    "registry:person_edit": Row(C.REGISTRY_EDIT, "GET", pk("person"), "household"),
    "registry:person_remove": Row(C.REGISTRY_EDIT, "GET", pk("person"), "household"),
    "registry:person_reveal": Row(
        C.PII_REVEAL, "POST", pk("person", field="id_number"), "household", {}
    ),
    "registry:fact_delete": Row(
        C.REGISTRY_EDIT, "POST", pk("income", kind="income"), "household", {}
    ),
    "audit:event_list": Row(C.AUDIT_VIEW),
    "audit:verify": Row(C.AUDIT_VIEW, "POST"),
    # List exports (issue 15): who may export a list is who may see it; a job and its file
    # are their owner's only (everyone else, whatever their area: 404).
    "audit:export_list": Row(LOGIN),
    "audit:export_start": Row(
        C.REGISTRY_VIEW, "POST", fixed(name="households"), data={"query": "", "fmt": "csv"}
    ),
    "audit:export_job": Row(LOGIN, "GET", pk("export_job"), "export_job"),
    "audit:export_download": Row(LOGIN, "GET", pk("export_job"), "export_job"),
    "audit:event_reveal": Row(
        C.PII_REVEAL,
        "POST",
        lambda w, s: {"seq": w[s]["event"].seq, "path": "after.phone"},
        "household",
        {},
    ),
    "verify:home": Row(LOGIN),
    "verify:feed_upload": Row(C.FEED_UPLOAD),
    # A feed import belongs to a department, not an area (tests/verify: another department's
    # import is 404); the object is real, there is no "outside" one by area.
    "verify:feed_import": Row(C.FEED_UPLOAD, "GET", pk("feed")),
    "verify:feed_template": Row(C.FEED_UPLOAD, "GET", fixed(department="police", fmt="xlsx")),
    "verify:report": Row(C.REGISTRY_VIEW, "GET", HH, "household"),
    "verify:report_pdf": Row(C.REGISTRY_VIEW, "GET", HH, "household"),
    "verify:check": Row(C.REGISTRY_VIEW, "POST", HH, "household"),
    "verify:batch": Row(C.REGISTRY_VIEW, "POST"),
    "verify:review": Row(C.REGISTRY_VIEW),
    "verify:review_decide": Row(
        C.REGISTRY_EDIT, "POST", pk("link"), "household", {"decision": "rejected"}
    ),
    "verify:duplicates": Row(C.REGISTRY_VIEW),
    "verify:feeds": Row(C.FEED_UPLOAD),  # the user's departments' uploads only
    "verify:findings": Row(C.REGISTRY_VIEW),
    "verify:duplicates_start": Row(C.REGISTRY_EDIT, "POST"),
    "verify:duplicate_resolve": Row(
        C.REGISTRY_EDIT, "POST", pk("pair"), "household", {"action": "distinct"}
    ),
    "verify:quality": Row(C.REGISTRY_VIEW),
    "cases:todo": Row(C.CASE_VIEW),
    "cases:intake": Row(C.CASE_INTAKE),
    "cases:apply": Row(C.CASE_INTAKE, "GET", pk("household", "household_id"), "household"),
    "cases:detail": Row(C.CASE_VIEW, "GET", APP, "household"),
    "cases:move": Row(C.CASE_VIEW, "POST", pk("app", name="accept"), "household"),
    "cases:set_programme": Row(C.CASE_INTAKE, "POST", APP, "household"),
    "cases:upload": Row(C.CASE_INTAKE, "POST", APP, "household"),
    "cases:sign": Row(C.CASE_VIEW, "POST", APP, "household"),
    "cases:visit": Row(C.CASE_VISIT, "GET", APP, "household"),
    "cases:letter": Row(C.CASE_VIEW, "GET", pk("letter"), "household"),
    "cases:material": Row(C.CASE_VIEW, "GET", pk("material"), "household"),
    "cases:roll": Row(C.CASE_VIEW),
    "cases:applications": Row(C.CASE_VIEW),
    # 转办 (issue 19): the 部门经办's list and one referred track; the approver's decision on a
    # further civil-affairs track of a case (the case is looked up first: 404 outside).
    "policy:programmes": Row(C.CASE_CONFIGURE),
    "policy:programme_decide": Row(C.CASE_CONFIGURE, "POST", pk("proposal")),
    "cases:tracks": Row(C.TRACK_HANDLE),
    "cases:track": Row(C.TRACK_HANDLE, "GET", pk("track"), "household"),
    "cases:track_decide": Row(
        C.CASE_VIEW,
        "POST",
        both(APP, pk("track_pending", "track_id")),
        "household",
        {"outcome": "approved", "note": "x"},
    ),
    "cases:declaration_reconcile": Row(
        C.CASE_VIEW, "POST", both(APP, pk("declaration", "declaration_id")), "household"
    ),
    "cases:config": Row(C.ACCOUNTS_MANAGE),
    "cases:config_chain": Row(C.ACCOUNTS_MANAGE, "POST"),
    "cases:config_workday": Row(C.ACCOUNTS_MANAGE, "POST"),
    "cases:config_decide": Row(
        C.ACCOUNTS_MANAGE, "POST", pk("change"), "change", scope_cap=C.CASE_CONFIGURE
    ),
    "public:notice": Row(PUBLIC, "GET", lambda w, s: {"area_code": w[s]["village"]}),
    "public:objection": Row(
        PUBLIC, "POST", lambda w, s: {"area_code": w[s]["village"], "notice_id": w[s]["notice"].pk}
    ),
    "accounts:user_list": Row(C.ACCOUNTS_MANAGE),
    "accounts:user_create": Row(C.ACCOUNTS_MANAGE),
    "accounts:user_detail": Row(C.ACCOUNTS_MANAGE, "GET", pk("user"), "user"),
    "accounts:role_revoke": Row(
        C.ACCOUNTS_MANAGE, "POST", pk("grant"), "grant", {"reason": "调岗"}
    ),
    "accounts:role_approve": Row(C.ACCOUNTS_MANAGE, "POST", pk("grant"), "grant", {}),
    "accounts:password_reset": Row(C.ACCOUNTS_MANAGE, "POST", pk("user"), "user", {}),
    "accounts:user_action": Row(
        C.ACCOUNTS_MANAGE, "POST", pk("user", action="deactivate"), "user", {"reason": "离职"}
    ),
    "accounts:password_change": Row(LOGIN),
    "accounts:login_log": Row(C.AUDIT_VIEW),  # or accounts.manage
    # the area picker: answers only inside the user's own areas (tests/accounts/test_area_picker)
    "accounts:area_pick": Row(LOGIN),
    "accounts:roles": Row(C.ACCOUNTS_MANAGE),  # or audit.view
    "dicts:list": Row(C.CASE_CONFIGURE),
    "dicts:kind": Row(C.CASE_CONFIGURE, "GET", fixed(kind="visit_checklist")),
    "dicts:propose": Row(C.CASE_CONFIGURE, "POST", fixed(kind="visit_checklist")),
    "dicts:decide": Row(C.CASE_CONFIGURE, "POST", pk("dict_change")),
    "policy:calculator": Row(C.STATS_VIEW),
    "policy:runs": Row(C.STATS_VIEW),
    "policy:run_start": Row(C.STATS_VIEW, "POST"),
    # A policy run covers the whole city; its rows are scoped (tests/policy).
    "policy:run_detail": Row(C.STATS_VIEW, "GET", pk("run")),
    "policy:simulation": Row(C.STATS_VIEW),
    "policy:parameters": Row(LOGIN),
    "policy:parameter_decide": Row(LOGIN, "POST", pk("param"), "param", scope_cap=C.CASE_CONFIGURE),
    "monitoring:overview": Row(LOGIN),
    "monitoring:alerts": Row(C.ALERT_HANDLE),
    "monitoring:alerts_assign": Row(C.ALERT_HANDLE, "POST"),  # nothing ticked: refused
    "monitoring:alert": Row(C.ALERT_HANDLE, "GET", pk("alert"), "alert"),
    "monitoring:alert_close": Row(
        C.ALERT_HANDLE, "POST", pk("alert"), "alert", {"outcome": "no_change", "note": "已核实"}
    ),
    # Rules, routes and risk classes are city-wide configuration: real objects, no area.
    "monitoring:rules": Row(LOGIN),
    "monitoring:rule_new": Row(C.ALERT_CONFIGURE),
    "monitoring:rule_edit": Row(C.ALERT_CONFIGURE, "GET", pk("rule")),
    "monitoring:route_new": Row(C.ALERT_CONFIGURE),
    "monitoring:route_edit": Row(C.ALERT_CONFIGURE, "GET", pk("route")),
    "monitoring:route_delete": Row(C.ALERT_CONFIGURE, "POST", pk("route")),
    "monitoring:risk_classes": Row(LOGIN),
    "monitoring:risk_class_new": Row(C.ALERT_CONFIGURE),
    "monitoring:risk_class_edit": Row(C.ALERT_CONFIGURE, "GET", pk("risk_class")),
    "monitoring:risk_class_delete": Row(C.ALERT_CONFIGURE, "POST", pk("risk_class")),
    "monitoring:run": Row(C.ALERT_CONFIGURE, "POST"),
    "monitoring:reviews": Row(C.ALERT_HANDLE),
    "monitoring:review_generate": Row(C.ALERT_HANDLE, "POST"),
    "monitoring:review": Row(C.ALERT_HANDLE, "GET", pk("review"), "review"),
    "funds:payroll_list": Row(C.FUNDS_VIEW),
    "funds:lines": Row(C.FUNDS_VIEW),
    "funds:generate": Row(C.PAYROLL_PREPARE, "POST"),
    "funds:payroll_detail": Row(C.FUNDS_VIEW, "GET", pk("payroll"), "payroll"),
    "funds:payroll_act": Row(
        C.FUNDS_VIEW,
        "POST",
        pk("payroll", action="approve"),
        "payroll",
        {"version": "1"},
        scope_cap=C.PAYROLL_APPROVE,
    ),
    "funds:bank_file": Row(C.FUNDS_VIEW, "GET", pk("payroll"), "payroll"),
    "funds:return_upload": Row(C.PAYROLL_PREPARE, "POST", pk("payroll"), "payroll"),
    "funds:reissue": Row(C.FUNDS_VIEW),  # the list; re-issuing needs prepare
    "funds:recoveries": Row(C.FUNDS_VIEW),
    "funds:recovery_collect": Row(C.FUNDS_VIEW, "POST", pk("recovery"), "household"),
    "funds:holds": Row(C.FUNDS_VIEW),
    "funds:hold_release": Row(C.FUNDS_VIEW, "POST", pk("hold"), "household"),
    "funds:budget": Row(C.FUNDS_VIEW),
    "funds:budget_export": Row(C.FUNDS_VIEW),
    "funds:account_edit": Row(C.PAYROLL_PREPARE, "GET", HH, "household"),
    # Refused alike for an account outside the area and for one that does not exist (403
    # "not for your roles"): nothing about existence is revealed either way.
    "funds:account_reveal": Row(
        C.FUNDS_VIEW,
        "POST",
        pk("account"),
        "household",
        {},
        scope_cap=(C.PAYROLL_PREPARE, C.PAYROLL_RELEASE),
        outside=403,
    ),
    "funds:account_changes": Row(C.FUNDS_VIEW),
    "funds:account_change_decide": Row(C.FUNDS_VIEW, "POST", pk("account"), "household"),
    "funds:account_notice": Row(
        C.FUNDS_VIEW,
        "GET",
        pk("account_notice"),
        "household",
        scope_cap=(C.PAYROLL_PREPARE, C.PAYROLL_RELEASE),
    ),
    "api:api-root": Row(LOGIN),
    "api:openapi-json": Row(LOGIN),
    "api:openapi-view": Row(LOGIN),
    "api:application_list": Row(LOGIN),
    "api:application_create": Row(C.CASE_INTAKE, "POST"),
    "api:application_detail": Row(C.CASE_VIEW, "GET", API_APP, "household"),
    "api:application_events": Row(C.CASE_VIEW, "GET", API_APP, "household"),
    "api:application_moves": Row(C.CASE_VIEW, "GET", API_APP, "household"),
    "api:application_move": Row(
        C.CASE_VIEW, "POST", pk("app", "application_id", name="accept"), "household"
    ),
    "api:material_list": Row(C.CASE_VIEW, "GET", API_APP, "household"),
    "api:material_upload": Row(C.CASE_INTAKE, "POST", API_APP, "household"),
    "api:calculate": Row(C.STATS_VIEW, "POST"),
    "api:calculate_household": Row(
        C.STATS_VIEW, "GET", pk("household", "household_id"), "household"
    ),
    "api:run_determinations": Row(C.STATS_VIEW, "GET", pk("run", "run_id")),
    "api:payroll_list": Row(C.FUNDS_VIEW),
    "api:payroll_detail": Row(C.FUNDS_VIEW, "GET", pk("payroll", "payroll_id"), "payroll"),
    "api:payroll_lines": Row(C.FUNDS_VIEW, "GET", pk("payroll", "payroll_id"), "payroll"),
    "api:household_payments": Row(
        C.FUNDS_VIEW, "GET", pk("household", "household_id"), "household"
    ),
    "api:alert_list": Row(C.ALERT_HANDLE),
    "api:alert_detail": Row(C.ALERT_HANDLE, "GET", pk("alert", "alert_id"), "alert"),
    "api:alert_close": Row(C.ALERT_HANDLE, "POST", pk("alert", "alert_id"), "alert"),
    # The statistics name their area in the query: the county inside and the one outside.
    "stats:monthly": Row(C.STATS_VIEW, obj="county", query=lambda w, s: {"area": w[s]["county"]}),
    "stats:monthly_export": Row(
        C.STATS_VIEW, obj="county", query=lambda w, s: {"area": w[s]["county"], "format": "csv"}
    ),
    "stats:drill": Row(
        C.STATS_VIEW,
        obj="county",
        query=lambda w, s: {"area": w[s]["county"], "month": "2026-11", "indicator": "spend_dibao"},
    ),
    "stats:snapshot_take": Row(C.SUPERVISE, "POST"),
    "stats:kpis": Row(C.STATS_VIEW),
    "stats:supervision": Row(C.SUPERVISE),
    "stats:spot_plan_new": Row(C.SUPERVISE),
    "stats:spot_plan": Row(C.SUPERVISE, "GET", pk("plan", "plan_id"), "plan"),
    "stats:spot_result": Row(
        C.SUPERVISE, "POST", pk("sample", "sample_id"), "plan", {"result": "correct"}
    ),
    "stats:quality": Row(C.SUPERVISE),
    "portal:home": Row(PUBLIC),
    "portal:login": Row(PUBLIC),
    "portal:logout": Row(PUBLIC, "POST"),
    "portal:report": Row(PUBLIC),
    "portal:report_query": Row(PUBLIC),
    "portal:standards": Row(PUBLIC),
    "portal:self_check": Row(PUBLIC),
    "portal:public_roll": Row(PUBLIC, "GET", lambda w, s: {"village_code": w[s]["village"]}),
    "portal:bind": Row(CITIZEN),
    "portal:apply": Row(CITIZEN),
    "portal:assistance": Row(CITIZEN),
    "portal:case": Row(CITIZEN, "GET", pk("app", "application_id")),
    "portal:upload": Row(CITIZEN, "POST", pk("app", "application_id")),
    "portal:rate": Row(CITIZEN, "POST", pk("app", "application_id")),
    "portal:letter": Row(CITIZEN, "GET", pk("letter", "letter_id")),
    # Reports are routed to an office (township, county, discipline) and seen there only.
    "portal:staff_reports": Row(LOGIN),
    "portal:staff_report": Row(
        LOGIN, "GET", pk("report", "report_id"), "report", scope_cap=C.CASE_REVIEW
    ),
    "portal:staff_report_photo": Row(
        LOGIN,
        "GET",
        lambda w, s: {"report_id": w[s]["report"].pk, "photo_id": w[s]["photo"].pk},
        "report",
        scope_cap=C.CASE_REVIEW,
    ),
    "verify:link": Row(C.REGISTRY_VIEW, "GET", pk("link"), "household"),
    "stats:ratings": Row(C.STATS_VIEW),
    "stats:street_maps": Row(C.AREAS_MANAGE),
    "portal:change": Row(CITIZEN),
    "portal:proxy": Row(CITIZEN),
    "portal:proxy_act": Row(CITIZEN, "POST", fixed(grant_id=999999)),
    "portal:proxy_stop": Row(CITIZEN, "POST"),
    "portal:staff_proxy": Row(LOGIN),  # lists only the area's grants
    "portal:village": Row(PUBLIC, "GET", VILLAGE),
    "portal:village_qr": Row(PUBLIC, "GET", VILLAGE),
    "portal:village_notices": Row(PUBLIC, "GET", VILLAGE),
    "portal:village_objection": Row(PUBLIC, "POST", both(VILLAGE, pk("notice", "notice_id"))),
    "portal:objection_query": Row(PUBLIC),
    "portal:staff_posters": Row(LOGIN),  # lists only the villages in scope
    "portal:staff_poster": Row(C.CASE_VIEW, "GET", VILLAGE, "household"),
    "api:persons": Row(TOKEN),
    "api:parameters": Row(TOKEN),
    "api:feed_upload": Row(TOKEN, "POST"),
    "api:feed_status": Row(TOKEN, "GET", pk("feed", "import_id")),
    "dci:search": Row(TOKEN, "POST"),
    "dci:subscribe": Row(TOKEN, "POST"),
    "dci:unsubscribe": Row(TOKEN, "POST"),
    "dci:txn_status": Row(TOKEN, "POST"),
    "dci:sync_search": Row(TOKEN, "POST"),
    "dci:sync_txn_status": Row(TOKEN, "POST"),
    "dci:crvs_notify": Row(TOKEN, "POST"),
    "dci:jwks": Row(PUBLIC),
    "interop:accounts": Row(C.ACCOUNTS_MANAGE),
    "interop:account_create": Row(C.ACCOUNTS_MANAGE),
    "interop:account_detail": Row(
        C.ACCOUNTS_MANAGE, "GET", pk("service_account"), "service_account"
    ),
    "interop:account_approve": Row(
        C.ACCOUNTS_MANAGE, "POST", pk("service_account"), "service_account", {}
    ),
    "interop:account_disable": Row(
        C.ACCOUNTS_MANAGE, "POST", pk("service_account"), "service_account", {"reason": "x"}
    ),
    "interop:token_issue": Row(
        C.ACCOUNTS_MANAGE, "POST", pk("service_account"), "service_account", {"days": "1"}
    ),
    "interop:token_revoke": Row(
        C.ACCOUNTS_MANAGE,
        "POST",
        both(pk("service_account"), pk("service_token", "token_id")),
        "service_account",
        {"reason": "x"},
    ),
    # 证件识别 (papers): a household's paper read, a finding on it, an image seen for two households
    "papers:check": Row(C.CASE_INTAKE, "POST"),
    "papers:scan": Row(C.CASE_INTAKE, "POST"),
    "papers:reading": Row(C.CASE_VIEW, "GET", pk("reading"), "household"),
    "papers:image": Row(C.CASE_VIEW, "GET", pk("reading"), "household"),
    "papers:accept": Row(C.REGISTRY_EDIT, "POST", pk("finding"), "household", {}),
    "papers:keep": Row(C.REGISTRY_EDIT, "POST", pk("finding"), "household", {"note": "原值正确"}),
    "papers:duplicates": Row(C.REGISTRY_EDIT),
    "papers:duplicate_decide": Row(
        C.REGISTRY_EDIT, "POST", pk("dup"), "household", {"status": "cleared", "note": "核实"}
    ),
    "portal:paper_scan": Row(CITIZEN, "POST"),
    "portal:paper_reading": Row(CITIZEN, "GET", pk("reading", "reading_id")),
    # 一人一策 and the services market (jiuzhu.support). An order is seen by the bureau, the
    # centre, and only by the provider and worker it belongs to (404 for anyone else).
    "support:plans": Row(C.SUPPORT_PLAN),
    "support:plan_new": Row(C.SUPPORT_PLAN),
    "support:plan": Row(C.SUPPORT_PLAN, "GET", pk("plan_s"), "plan_s"),
    "support:orders": Row(C.MARKET_ORDER),
    "support:order": Row(
        LOGIN, "GET", pk("sorder"), "sorder", scope_cap=(C.MARKET_ORDER, C.MARKET_CENTRE)
    ),
    "support:order_act": Row(
        LOGIN,
        "POST",
        both(pk("sorder"), fixed(action="rate_centre")),
        "sorder",
        {"rating": "5"},
        scope_cap=(C.MARKET_ORDER, C.MARKET_CENTRE),
    ),
    "support:order_serve": Row(C.MARKET_SERVE, "GET", pk("sorder"), "sorder"),
    "support:order_signature": Row(
        LOGIN, "GET", pk("sorder"), "sorder", scope_cap=(C.MARKET_ORDER, C.MARKET_CENTRE)
    ),
    "support:centre": Row(C.MARKET_CENTRE),
    "support:prices": Row(LOGIN),  # the centre proposes, the bureau approves; others 403
    "support:providers": Row(C.MARKET_CENTRE),
    "support:provider": Row(C.MARKET_CENTRE, "GET", pk("provider"), "provider"),
    "support:hall": Row(C.MARKET_PROVIDE),
    "support:my_orders": Row(C.MARKET_SERVE),
    "support:settlement": Row(C.FUNDS_VIEW),
    "support:stats": Row(C.STATS_VIEW),
}


def _routes():
    def walk(resolver, prefix="", ns=None):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern), p.namespace or ns)
            else:
                yield (f"{ns}:{p.name}" if ns else p.name), prefix + str(p.pattern)

    return {
        name: pattern for name, pattern in walk(get_resolver()) if not pattern.startswith("admin/")
    }


def test_every_route_is_in_the_matrix():
    routes = _routes()
    missing = sorted(set(routes) - set(MATRIX))
    assert not missing, f"routes not in the permission matrix: {missing}"
    stale = sorted(set(MATRIX) - set(routes))
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


# ---------------------------------------------------------------- the world, built once


def _side(cast, village, county, township, name, worker, admin_user):
    """One side's objects: a household (2 persons) with a case, paper, letter, declaration,
    notice, audit event, income, linkage review, duplicate pair, alert, review, payroll and
    line, account and its notice, hold, recovery, pending grant, chain change, parameter,
    spot-check plan and sample, citizen's report with a photo."""
    from jiuzhu.accounts.models import RoleAssignment
    from jiuzhu.audit.models import ExportJob
    from jiuzhu.audit.services import audit_record
    from jiuzhu.cases import services as case_services
    from jiuzhu.cases.models import (
        ConfigChange,
        DecisionLetter,
        Declaration,
        Material,
        PublicNotice,
    )
    from jiuzhu.funds.models import (
        AccountNotice,
        PaymentAccount,
        PaymentHold,
        Payroll,
        PayrollLine,
        Recovery,
    )
    from jiuzhu.monitoring.models import Alert, AlertRule, MonitorRun, ReviewTask
    from jiuzhu.policy.models import ParameterValue
    from jiuzhu.portal.models import Report, ReportPhoto
    from jiuzhu.registry.models import RollEntry
    from jiuzhu.stats.models import SpotCheckPlan, SpotCheckSample
    from jiuzhu.verify.models import (
        DuplicatePair,
        FeedImport,
        FeedRecord,
        MatchRun,
        RecordLink,
    )
    from tests.cases.helpers import png

    today = datetime.date(2026, 11, 18)
    month = datetime.date(2026, 11, 1)
    hh = household_with_head(hukou_area_id=village, head_name=name, size=2)
    head = hh.members.get(relation="head")
    twin = PersonFactory(household=hh, relation="spouse", name=name + "妻")
    case_services.material_upload(
        actor=worker, household_id=hh.pk, kind="id_card", uploaded=png(extra=name.encode())
    )
    app = case_services.application_create(
        actor=worker,
        household_id=hh.pk,
        programme="dibao",
        reason="生活困难",
        pledge={"signer_name": name},
        authorisation={"signer_name": name},
        also_programmes=["education_aid", "elderly_allowance"],
    )
    with transaction.atomic():
        event = audit_record(
            actor=None,
            action="person.update",
            subject_type="person",
            subject_id=head.pk,
            household_id=hh.pk,
            area_code=village,
            after={"phone": "13800000000"},
        )
    letter = DecisionLetter.objects.create(
        application=app, kind="approval", number=f"L-{hh.pk}", pdf=b"%PDF-1.4", issued_by=worker
    )
    notice = PublicNotice.objects.create(
        application=app,
        area_id=village,
        masked_name=name[0] + "*",
        masked_id="3212**********0000",
        household_size=2,
        programme="dibao",
        amount=Decimal("710.00"),
        period="2026年12月起",
        start_date=today,
        end_date=today + datetime.timedelta(days=7),
    )
    declaration = Declaration.objects.create(
        application=app, fact="income", kind="wage", amount=Decimal("100.00"), as_of=today
    )
    feed = FeedImport.objects.create(
        department="police",
        file_name=f"{name}.csv",
        file_format="csv",
        checksum=f"sum-{hh.pk}",
        extracted_on=today,
        status="accepted",
    )
    record = FeedRecord.objects.create(
        department="police", record_key=f"k{hh.pk}", feed_import=feed, row_no=1, data={}
    )
    match_run = MatchRun.objects.create()
    link = RecordLink.objects.create(
        record=record,
        person=head,
        run=match_run,
        method="probabilistic",
        status="review",
        match_probability=0.8,
    )
    pair = DuplicatePair.objects.create(
        person_a=head, person_b=twin, kind="same_name", match_probability=0.9, run=match_run
    )
    rule = AlertRule.objects.order_by("pk").first() or AlertRule.objects.create(
        kind="death", name="在册人员死亡"
    )
    mrun = MonitorRun.objects.create(kind="incremental", as_of=today)
    alert = Alert.objects.create(
        household=hh,
        cause="death",
        rule=rule,
        run=mrun,
        area_id=village,
        summary=f"{name} 预警",
        level="village",
        role=Role.VILLAGE_WORKER,
        due_date=today + datetime.timedelta(days=5),
    )
    review = ReviewTask.objects.create(
        household=hh,
        period=month,
        risk_class="C",
        area_id=village,
        role=Role.VILLAGE_WORKER,
        due_date=today + datetime.timedelta(days=30),
    )
    roll = RollEntry.objects.create(
        household=hh,
        programme="dibao",
        monthly_amount=Decimal("710.00"),
        start_month=month,
        source="case",
    )
    payroll = Payroll.objects.create(
        number=f"P-{county}-{hh.pk}", programme="dibao", area_id=county, month=month
    )
    line = PayrollLine.objects.create(
        payroll=payroll,
        seq=1,
        roll_entry=roll,
        household=hh,
        programme="dibao",
        months_from=month,
        months_to=month,
        monthly_amount=Decimal("710.00"),
        amount=Decimal("710.00"),
        status="paid",
    )
    account = PaymentAccount.objects.create(
        household=hh,
        bank_name="江苏泰州农村商业银行",
        account_number=f"62284800000{hh.pk:08d}",
        holder_name=name,
    )
    account_notice = AccountNotice.objects.create(household=hh, account=account, text="账户变更")
    hold = PaymentHold.objects.create(person=head, household=hh, reason="核查", source="alert")
    recovery = Recovery.objects.create(
        line=line, household=hh, amount=Decimal("710.00"), reason="死亡后多发"
    )
    grantee = user_with_role(Role.VILLAGE_WORKER, village)
    grant = RoleAssignment.objects.create(
        user=grantee,
        role=Role.TOWNSHIP_REVIEWER,
        area_id=township,
        granted_by=admin_user,
        pending=True,
    )
    change = ConfigChange.objects.create(
        kind="chain",
        data={"area_id": county, "programme": "dibao"},
        reason="调整",
        proposed_by=admin_user,
    )
    param = ParameterValue.objects.create(
        name="dibao_standard_monthly",
        area_code=county,
        effective_from=datetime.date(2027, 1, 1),
        value="800.00",
        status="proposed",
    )
    plan = SpotCheckPlan.objects.create(
        name=f"{name}抽查",
        area_code=county,
        period_start=month,
        period_end=today,
        seed=1,
        created_at=datetime.datetime(2026, 11, 18, 9, tzinfo=datetime.UTC),
    )
    sample = SpotCheckSample.objects.create(
        plan=plan,
        stratum="dibao",
        application_id=app.pk,
        application_number=app.number,
        area_code=village,
    )
    report = Report.objects.create(
        number=f"R{hh.pk}",
        query_hash=f"q{hh.pk}",
        category="service",
        area_id=village,
        office="township",
        office_area_id=township,
        text=f"{name} 服务态度差",
        due_date=today + datetime.timedelta(days=5),
        created_at=datetime.datetime(2026, 11, 18, 9, tzinfo=datetime.UTC),
    )
    photo = ReportPhoto.objects.create(report=report, content_type="image/png", data=b"x", size=1)
    from jiuzhu.interop import services as interop_services

    service_account = interop_services.service_account_create(
        actor=None,
        name=f"{name}医保",
        sender_id=f"svc-{county}",
        purpose="资助参保",
        area_code=county,
        scopes=["registry.search"],
        fields=["name"],
        signature_mode="none",
    )
    service_token, _raw = interop_services.token_issue(actor=None, account_id=service_account.pk)
    from jiuzhu.papers.models import DuplicateImage, Finding, Reading

    paper = dict(purpose="material", area_id=village, household=hh, status="done", sha256="0" * 64)
    reading = Reading.objects.create(
        material_id=Material.objects.filter(household=hh).first().pk,
        kind="id_front",
        fields={"name": name + "乙", "id_number": head.id_number},
        **paper,
    )
    finding = Finding.objects.create(
        reading=reading, code="name_differs", field="name", person_id=head.pk
    )
    dup = DuplicateImage.objects.create(
        reading=reading,
        other=Reading.objects.create(kind="id_front", **paper),
        area_id=village,
        other_area_id=village,
        distance=3,
    )
    from jiuzhu.support.models import Provider, ServiceKind, ServiceOrder, SupportPlan
    from jiuzhu.support.services import catalogue_ensure

    catalogue_ensure()

    plan_s = SupportPlan.objects.create(
        household=hh, area_id=village, goals="照料", review_date=today, needs={"care": "独居"}
    )
    provider = Provider.objects.create(
        name=f"{name}社工机构",
        credit_code=f"5132{hh.pk:014d}",
        area_id=county,
        served_areas=[county],
        admission="admitted",
    )
    sorder = ServiceOrder.objects.create(
        number=f"FW-{hh.pk}",
        plan=plan_s,
        household=hh,
        area_id=village,
        kind=ServiceKind.objects.get(code="counselling"),
        quantity=Decimal("1"),
        unit_price=Decimal("80.00"),
        amount=Decimal("80.00"),
        need="心理疏导",
        status="done",
        provider=provider,
        signature_png=b"\x89PNG",
    )
    objects = {
        "household": hh,
        "person": head,
        "app": app,
        "material": Material.objects.filter(household=hh).first(),
        "event": event,
        "income": IncomeItemFactory(household=hh),
        "letter": letter,
        "notice": notice,
        "declaration": declaration,
        "feed": feed,
        "link": link,
        "pair": pair,
        "alert": alert,
        "review": review,
        "payroll": payroll,
        "line": line,
        "account": account,
        "account_notice": account_notice,
        "hold": hold,
        "recovery": recovery,
        "grant": grant,
        "user": worker,
        "change": change,
        "param": param,
        "plan": plan,
        "sample": sample,
        "report": report,
        "photo": photo,
        "service_account": service_account,
        "service_token": service_token,
        "reading": reading,
        "finding": finding,
        "dup": dup,
        "export_job": ExportJob.objects.create(
            user=admin_user, list_name="households", status="done", file="exports/none.csv"
        ),
        "plan_s": plan_s,
        "provider": provider,
        "sorder": sorder,
        # issue 19: a track referred to 教育 and one decided by civil affairs (并办)
        "track": app.tracks.get(programme="education_aid"),
        "track_pending": app.tracks.get(programme="elderly_allowance"),
    }
    areas = {
        "export_job": village,
        "household": village,
        "alert": village,
        "review": village,
        "payroll": county,
        "grant": township,
        "user": village,
        "change": county,
        "param": county,
        "plan": county,
        "report": township,
        "service_account": county,
        "county": county,
        "plan_s": village,
        "provider": county,
        "sorder": village,
    }
    return {**objects, "village": village, "county": county, "area": areas}


def _clerk(department: str, area: str):
    from jiuzhu.accounts.models import RoleAssignment

    user = user_with_role(Role.DEPARTMENT_CLERK, area, username=f"matrix-clerk-{department}")
    RoleAssignment.objects.filter(user=user).update(department=department)
    return user


def _build():
    from jiuzhu.monitoring.models import ProgrammeRoute, RiskClass
    from jiuzhu.policy.models import PolicyRun
    from tests.cases.helpers import make_cast

    cast = make_cast()
    out_village = first_village(JIANGYAN_STREET)
    admin2 = user_with_role(Role.SYSADMIN, HAILING, username="matrix-admin2")
    world = {
        "in": _side(cast, cast.village, HAILING, CHENGDONG, IN_NAME, cast.worker, admin2),
        "out": _side(
            cast,
            out_village,
            JIANGYAN,
            JIANGYAN_STREET,
            OUT_NAME,
            cast.out[Role.VILLAGE_WORKER],
            admin2,
        ),
    }
    run = PolicyRun.objects.create(on_date=datetime.date(2026, 11, 18))
    rule = world["in"]["alert"].rule
    route = ProgrammeRoute.objects.order_by("pk").first() or ProgrammeRoute.objects.create(
        programme="dibao", area_prefix="", level="village"
    )
    risk_class = RiskClass.objects.order_by("pk").first() or RiskClass.objects.create(
        code="Z", label="测试", criterion="测试", interval_months=12
    )
    from jiuzhu.dicts.models import DictChange

    dict_change = DictChange.objects.create(
        kind="visit_checklist",
        code="matrix_item",
        label="测试项",
        reason="测试",
        proposed_by=admin2,
    )
    from jiuzhu.policy.models import ProgrammeProposal

    # a programme proposal (issue 19's editor) is national: no area, the same on both sides
    proposal = ProgrammeProposal.objects.create(
        code="matrix_programme", definition={}, text="", reason="矩阵", proposed_by=cast.admin
    )
    for side in ("in", "out"):
        world[side].update(
            run=run,
            rule=rule,
            route=route,
            risk_class=risk_class,
            dict_change=dict_change,
            proposal=proposal,
        )
    principals = {
        "anonymous": None,
        "village_worker": cast.worker,
        "township_reviewer": cast.reviewer,
        "county_approver": cast.approver,
        "payments_officer": cast.payer,
        "finance": user_with_role(Role.FINANCE, HAILING),
        "department_data": cast.dept,
        "department_clerk": _clerk("education", HAILING),
        "auditor": cast.auditor,
        "sysadmin": cast.admin,
        "other_county_reviewer": cast.out[Role.TOWNSHIP_REVIEWER],
        "service_centre": user_with_role(Role.SERVICE_CENTRE, HAILING),
        "provider_admin": user_with_role(Role.PROVIDER_ADMIN, HAILING),
        "provider_worker": user_with_role(Role.PROVIDER_WORKER, HAILING),
    }
    sessions = {}
    for who, user in principals.items():
        if user is not None:
            c = Client()
            c.force_login(user)
            sessions[who] = c.cookies[settings.SESSION_COOKIE_NAME].value
    # One test client per principal for the whole module: a new client builds a new handler,
    # and loading the middleware (WhiteNoise scanning the static files) cost more than the
    # request itself. Its session cookie is put back before every request (a logout flushes it).
    clients = {who: Client() for who in principals}
    world.update(principals=principals, sessions=sessions, clients=clients)
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The objects and the principals' sessions, made once for the module inside one
    transaction that is rolled back at the end (each test runs in a savepoint within it)."""
    with django_db_blocker.unblock():
        load_taizhou()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _caps(user):
    if user is None:
        return set()
    caps = set()
    for a in user.role_assignments.all():
        caps |= ROLE_CAPABILITIES[a.role]
    return caps


def _client(world, who):
    c = world["clients"][who]
    c.cookies.clear()
    if who in world["sessions"]:
        c.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][who]
    return c


def _kinds(row):
    return getattr(row.kwargs, "kinds", ())


def test_every_object_parameter_is_a_real_object(world):
    """Every route with an object in its URL names a real object on both sides; rows whose
    object belongs to an area say which (the outside check); the few city-wide objects are
    listed here."""
    city_wide = {"feed", "run", "rule", "route", "risk_class", "dict_change", "proposal"}
    problems = []
    for name, row in MATRIX.items():
        pattern = _routes()[name]
        if "<int:" not in pattern:
            continue
        if row.kwargs is None:
            problems.append(f"{name}: no object")
            continue
        for side in ("in", "out"):
            kwargs = row.kwargs(world, side)
            for key, value in kwargs.items():
                if f"<int:{key}>" in pattern and not isinstance(value, int):
                    problems.append(f"{name}: {key}={value!r}")
        kinds = set(_kinds(row))
        if row.cap not in (PUBLIC, CITIZEN, TOKEN) and row.obj is None and not kinds <= city_wide:
            problems.append(f"{name}: an object of an area without the outside check")
        if row.kwargs(world, "in") == row.kwargs(world, "out") and not kinds <= city_wide:
            problems.append(f"{name}: the same object inside and outside")
    assert not problems, "\n".join(problems)


def _area_of(world, side, row):
    return world[side]["area"].get(row.obj, world[side]["area"]["household"])


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(world, name):
    row = MATRIX[name]
    kwargs_for = row.kwargs or none
    problems = []
    sides = ("in", "out") if row.kwargs is not None or row.query is not None else ("in",)
    for side in sides:
        url = reverse(name, kwargs=kwargs_for(world, side))
        if row.query is not None:
            url += "?" + urlencode(row.query(world, side))
        for who, user in world["principals"].items():
            client = _client(world, who)
            r = client.get(url) if row.method == "GET" else client.post(url, row.data or {})
            code = r.status_code
            where = f"{row.method} {url} as {who} ({side})"
            if code >= 500:
                problems.append(f"{where}: {code}")
                continue
            if row.cap == CITIZEN:  # a staff session is no citizen sign-in
                if code in (200, 201):
                    problems.append(f"{where}: citizen page answered {code}")
                continue
            if row.cap == TOKEN:  # neither a session nor nobody is another system
                if code != 401:
                    problems.append(f"{where}: token route answered {code}, not 401")
                continue
            if user is None:
                if row.cap != PUBLIC:
                    leaked = code == 200 or (code == 302 and "/login/" not in r["Location"])
                    if leaked:
                        problems.append(f"{where}: anonymous got {code}")
                continue
            if row.cap == PUBLIC:
                continue
            caps = _caps(user)
            lacks = row.cap not in (LOGIN,) and row.cap not in caps
            if lacks and ALSO_ALLOWED.get(name) in caps:
                lacks = False
            if lacks and code in (200, 201):
                problems.append(f"{where}: {code} without {row.cap}")
            if row.obj is None:
                continue
            scope_caps = row.scope_cap or (row.cap if row.cap != LOGIN else C.REGISTRY_VIEW)
            if isinstance(scope_caps, str):
                scope_caps = (scope_caps,)
            scopes = [user_scope(user, c) for c in scope_caps]
            if any(sc.contains(_area_of(world, side, row)) for sc in scopes):
                continue
            nowhere = all(sc.empty for sc in scopes)
            # Outside the principal's area.
            body = r.content.decode("utf-8", "replace")
            other = OUT_NAME if side == "out" else IN_NAME
            if other in body:
                problems.append(f"{where}: the outside household's name in the answer")
            if code in (200, 201):
                problems.append(f"{where}: outside object answered {code}")
            strict = row.method == "GET" or row.data is not None
            if strict and not nowhere and not lacks and code != row.outside:
                problems.append(f"{where}: outside object answered {code}, not {row.outside}")
    assert not problems, "\n".join(problems)
