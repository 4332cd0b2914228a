"""Issue 14 "done when": a permission matrix over EVERY URL pattern and API route.

Every route (but the Django admin, read-only and tested in tests/accounts) is in ``MATRIX`` with
the capability it needs, the method it answers, and how to fill its parameters with an object
INSIDE the 城东/海陵 area of the test users and one OUTSIDE it (姜堰区). For every route and every
principal — anonymous, each role, and a street reviewer of another county:

- no answer is a 5xx;
- anonymous gets the login page (pages) or 401 (API), never the content;
- a principal without the capability never gets a 200;
- an object outside the principal's area is never shown (no 200 and no name of its household).

A new route that is not in ``MATRIX`` fails ``test_every_route_is_in_the_matrix``: add it here
with its capability when you add the view.
"""

import pytest
from django.urls import URLResolver, get_resolver

from jiuzhu.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from jiuzhu.accounts.scoping import user_scope
from jiuzhu.cases import services as case_services
from jiuzhu.cases.models import Material
from tests.cases.helpers import make_cast, new_case
from tests.conftest import JIANGYAN_STREET
from tests.factories import first_village, household_with_head, user_with_role

pytestmark = pytest.mark.django_db

C = Capability
LOGIN = "login"  # any signed-in user
PUBLIC = "public"
CITIZEN = "citizen"  # the citizen portal's own sign-in (SMS code), never a staff session
NONE = 999_999_999  # an id that exists nowhere


def hh(w, side):
    return {"pk": w[side]["household"].pk}


def person(w, side):
    return {"pk": w[side]["household"].members.first().pk}


def app(w, side):
    return {"pk": w[side]["app"].pk}


def api_app(w, side):
    return {"application_id": w[side]["app"].pk}


def api_hh(w, side):
    return {"household_id": w[side]["household"].pk}


def material(w, side):
    return {"pk": w[side]["material"].pk}


def none(w, side):
    return {}


def pk_none(w, side):
    return {"pk": NONE}


# route: (capability, method, kwargs builder, object kind for the outside check or None)
MATRIX = {
    "home": (LOGIN, "GET", none, None),
    "login": (PUBLIC, "GET", none, None),
    "totp_verify": (LOGIN, "GET", none, None),
    "totp_enrol": (LOGIN, "GET", none, None),
    "logout": (PUBLIC, "POST", none, None),
    "set_language": (PUBLIC, "POST", none, None),
    "registry:household_list": (C.REGISTRY_VIEW, "GET", none, None),
    "registry:household_create": (C.REGISTRY_EDIT, "GET", none, None),
    "registry:household_detail": (C.REGISTRY_VIEW, "GET", hh, "household"),
    "registry:household_edit": (C.REGISTRY_EDIT, "GET", hh, "household"),
    "registry:person_add": (C.REGISTRY_EDIT, "GET", hh, "household"),
    "registry:fact_add": (
        C.REGISTRY_EDIT,
        "GET",
        lambda w, s: {**hh(w, s), "kind": "income"},
        "household",
    ),
    "registry:person_edit": (C.REGISTRY_EDIT, "GET", person, "household"),
    "registry:person_reveal": (
        C.PII_REVEAL,
        "POST",
        lambda w, s: {**person(w, s), "field": "id_number"},
        "household",
    ),
    "registry:fact_delete": (
        C.REGISTRY_EDIT,
        "POST",
        lambda w, s: {"kind": "income", "pk": NONE},
        None,
    ),
    "audit:event_list": (C.AUDIT_VIEW, "GET", none, None),
    "audit:verify": (C.AUDIT_VIEW, "POST", none, None),
    "audit:event_reveal": (
        C.PII_REVEAL,
        "POST",
        lambda w, s: {"seq": w[s]["event"].seq, "path": "after.phone"},
        "household",
    ),
    "verify:home": (LOGIN, "GET", none, None),
    "verify:feed_upload": (C.FEED_UPLOAD, "GET", none, None),
    "verify:feed_import": (C.FEED_UPLOAD, "GET", pk_none, None),
    "verify:report": (C.REGISTRY_VIEW, "GET", hh, "household"),
    "verify:report_pdf": (C.REGISTRY_VIEW, "GET", hh, "household"),
    "verify:check": (C.REGISTRY_VIEW, "POST", hh, "household"),
    "verify:batch": (C.REGISTRY_VIEW, "POST", none, None),
    "verify:review": (C.REGISTRY_VIEW, "GET", none, None),
    "verify:review_decide": (C.REGISTRY_VIEW, "POST", pk_none, None),
    "verify:duplicates": (C.REGISTRY_VIEW, "GET", none, None),
    "verify:duplicate_resolve": (C.REGISTRY_VIEW, "POST", pk_none, None),
    "cases:todo": (C.CASE_VIEW, "GET", none, None),
    "cases:intake": (C.CASE_INTAKE, "GET", none, None),
    "cases:apply": (
        C.CASE_INTAKE,
        "GET",
        lambda w, s: {"household_id": w[s]["household"].pk},
        "household",
    ),
    "cases:detail": (C.CASE_VIEW, "GET", app, "household"),
    "cases:move": (C.CASE_VIEW, "POST", lambda w, s: {**app(w, s), "name": "accept"}, "household"),
    "cases:set_programme": (C.CASE_INTAKE, "POST", app, "household"),
    "cases:upload": (C.CASE_INTAKE, "POST", app, "household"),
    "cases:visit": (C.CASE_VISIT, "GET", app, "household"),
    "cases:letter": (C.CASE_VIEW, "GET", pk_none, None),
    "cases:material": (C.CASE_VIEW, "GET", material, "household"),
    "cases:roll": (C.CASE_VIEW, "GET", none, None),
    "public:notice": (PUBLIC, "GET", lambda w, s: {"area_code": w[s]["village"]}, None),
    "public:objection": (
        PUBLIC,
        "GET",
        lambda w, s: {"area_code": w[s]["village"], "notice_id": NONE},
        None,
    ),
    "accounts:user_list": (C.ACCOUNTS_MANAGE, "GET", none, None),
    "accounts:user_create": (C.ACCOUNTS_MANAGE, "GET", none, None),
    "accounts:user_detail": (
        C.ACCOUNTS_MANAGE,
        "GET",
        lambda w, s: {"pk": w[s]["user"].pk},
        None,
    ),
    "accounts:role_revoke": (C.ACCOUNTS_MANAGE, "POST", pk_none, None),
    "accounts:role_approve": (C.ACCOUNTS_MANAGE, "POST", pk_none, None),
    "accounts:password_reset": (
        C.ACCOUNTS_MANAGE,
        "POST",
        lambda w, s: {"pk": w[s]["user"].pk},
        None,
    ),
    "accounts:user_action": (
        C.ACCOUNTS_MANAGE,
        "POST",
        lambda w, s: {"pk": w[s]["user"].pk, "action": "deactivate"},
        None,
    ),
    "accounts:password_change": (LOGIN, "GET", none, None),
    "accounts:login_log": (C.AUDIT_VIEW, "GET", none, None),  # or accounts.manage
    "policy:calculator": (C.STATS_VIEW, "GET", none, None),
    "policy:runs": (C.STATS_VIEW, "GET", none, None),
    "policy:run_start": (C.STATS_VIEW, "POST", none, None),
    "policy:run_detail": (C.STATS_VIEW, "GET", pk_none, None),
    "policy:simulation": (C.STATS_VIEW, "GET", none, None),
    "policy:parameters": (LOGIN, "GET", none, None),
    "policy:parameter_decide": (LOGIN, "POST", pk_none, None),
    "monitoring:overview": (LOGIN, "GET", none, None),
    "monitoring:alerts": (C.ALERT_HANDLE, "GET", none, None),
    "monitoring:alert": (C.ALERT_HANDLE, "GET", pk_none, None),
    "monitoring:alert_close": (C.ALERT_HANDLE, "POST", pk_none, None),
    "monitoring:rules": (LOGIN, "GET", none, None),
    "monitoring:rule_new": (C.ALERT_CONFIGURE, "GET", none, None),
    "monitoring:rule_edit": (C.ALERT_CONFIGURE, "GET", pk_none, None),
    "monitoring:route_new": (C.ALERT_CONFIGURE, "GET", none, None),
    "monitoring:route_edit": (C.ALERT_CONFIGURE, "GET", pk_none, None),
    "monitoring:route_delete": (C.ALERT_CONFIGURE, "POST", pk_none, None),
    "monitoring:risk_classes": (LOGIN, "GET", none, None),
    "monitoring:risk_class_new": (C.ALERT_CONFIGURE, "GET", none, None),
    "monitoring:risk_class_edit": (C.ALERT_CONFIGURE, "GET", pk_none, None),
    "monitoring:risk_class_delete": (C.ALERT_CONFIGURE, "POST", pk_none, None),
    "monitoring:run": (C.ALERT_CONFIGURE, "POST", none, None),
    "monitoring:reviews": (C.ALERT_HANDLE, "GET", none, None),
    "monitoring:review_generate": (C.ALERT_HANDLE, "POST", none, None),
    "monitoring:review": (C.ALERT_HANDLE, "GET", pk_none, None),
    "funds:payroll_list": (C.FUNDS_VIEW, "GET", none, None),
    "funds:generate": (C.PAYROLL_PREPARE, "POST", none, None),
    "funds:payroll_detail": (C.FUNDS_VIEW, "GET", pk_none, None),
    "funds:payroll_act": (
        C.FUNDS_VIEW,
        "POST",
        lambda w, s: {"pk": NONE, "action": "approve"},
        None,
    ),
    "funds:bank_file": (C.FUNDS_VIEW, "GET", pk_none, None),
    "funds:return_upload": (C.PAYROLL_PREPARE, "POST", pk_none, None),
    "funds:reissue": (C.FUNDS_VIEW, "GET", none, None),  # the list; re-issuing needs prepare
    "funds:recoveries": (C.FUNDS_VIEW, "GET", none, None),
    "funds:recovery_collect": (C.FUNDS_VIEW, "POST", pk_none, None),
    "funds:holds": (C.FUNDS_VIEW, "GET", none, None),
    "funds:hold_release": (C.FUNDS_VIEW, "POST", pk_none, None),
    "funds:budget": (C.FUNDS_VIEW, "GET", none, None),
    "funds:budget_export": (C.FUNDS_VIEW, "GET", none, None),
    "funds:account_edit": (C.PAYROLL_PREPARE, "GET", hh, "household"),
    "funds:account_reveal": (C.FUNDS_VIEW, "POST", pk_none, None),
    "api:openapi-json": (LOGIN, "GET", none, None),
    "api:openapi-view": (LOGIN, "GET", none, None),
    "api:application_list": (LOGIN, "GET", none, None),
    "api:application_create": (C.CASE_INTAKE, "POST", none, None),
    "api:application_detail": (C.CASE_VIEW, "GET", api_app, "household"),
    "api:application_events": (C.CASE_VIEW, "GET", api_app, "household"),
    "api:application_moves": (C.CASE_VIEW, "GET", api_app, "household"),
    "api:application_move": (
        C.CASE_VIEW,
        "POST",
        lambda w, s: {**api_app(w, s), "name": "accept"},
        "household",
    ),
    "api:material_list": (C.CASE_VIEW, "GET", api_app, "household"),
    "api:material_upload": (C.CASE_INTAKE, "POST", api_app, "household"),
    "api:calculate": (C.STATS_VIEW, "POST", none, None),
    "api:calculate_household": (C.STATS_VIEW, "GET", api_hh, "household"),
    "api:run_determinations": (C.STATS_VIEW, "GET", lambda w, s: {"run_id": NONE}, None),
    "api:payroll_list": (C.FUNDS_VIEW, "GET", none, None),
    "api:payroll_detail": (C.FUNDS_VIEW, "GET", lambda w, s: {"payroll_id": NONE}, None),
    "api:payroll_lines": (C.FUNDS_VIEW, "GET", lambda w, s: {"payroll_id": NONE}, None),
    "api:household_payments": (C.FUNDS_VIEW, "GET", api_hh, "household"),
    "api:alert_list": (C.ALERT_HANDLE, "GET", none, None),
    "api:alert_detail": (C.ALERT_HANDLE, "GET", lambda w, s: {"alert_id": NONE}, None),
    "api:alert_close": (C.ALERT_HANDLE, "POST", lambda w, s: {"alert_id": NONE}, None),
    "cases:config": (C.ACCOUNTS_MANAGE, "GET", none, None),
    "cases:config_chain": (C.ACCOUNTS_MANAGE, "POST", none, None),
    "cases:config_workday": (C.ACCOUNTS_MANAGE, "POST", none, None),
    "cases:config_decide": (C.ACCOUNTS_MANAGE, "POST", pk_none, None),
    "cases:declaration_reconcile": (
        C.CASE_VIEW,
        "POST",
        lambda w, s: {**app(w, s), "declaration_id": NONE},
        "household",
    ),
    "cases:sign": (C.CASE_VIEW, "POST", app, "household"),
    "funds:account_changes": (C.FUNDS_VIEW, "GET", none, None),
    "funds:account_change_decide": (C.FUNDS_VIEW, "POST", pk_none, None),
    "funds:account_notice": (C.FUNDS_VIEW, "GET", pk_none, None),
    "registry:person_remove": (C.REGISTRY_EDIT, "GET", person, "household"),
    "verify:duplicates_start": (C.REGISTRY_EDIT, "POST", none, None),
    "verify:feed_template": (
        C.FEED_UPLOAD,
        "GET",
        lambda w, s: {"department": "police", "fmt": "xlsx"},
        None,
    ),
    "verify:quality": (C.REGISTRY_VIEW, "GET", none, None),
    "verify:link": (C.REGISTRY_VIEW, "GET", pk_none, None),
    "stats:monthly": (C.STATS_VIEW, "GET", none, None),
    "stats:monthly_export": (C.STATS_VIEW, "GET", none, None),
    "stats:drill": (C.STATS_VIEW, "GET", none, None),
    "stats:snapshot_take": (C.SUPERVISE, "POST", none, None),
    "stats:kpis": (C.STATS_VIEW, "GET", none, None),
    "stats:ratings": (C.STATS_VIEW, "GET", none, None),
    "stats:supervision": (C.SUPERVISE, "GET", none, None),
    "stats:spot_plan_new": (C.SUPERVISE, "GET", none, None),
    "stats:spot_plan": (C.SUPERVISE, "GET", lambda w, s: {"plan_id": NONE}, None),
    "stats:spot_result": (C.SUPERVISE, "POST", lambda w, s: {"sample_id": NONE}, None),
    "stats:quality": (C.SUPERVISE, "GET", none, None),
    "stats:street_maps": (C.AREAS_MANAGE, "GET", none, None),
    "portal:home": (PUBLIC, "GET", none, None),
    "portal:login": (PUBLIC, "GET", none, None),
    "portal:logout": (PUBLIC, "POST", none, None),
    "portal:report": (PUBLIC, "GET", none, None),
    "portal:report_query": (PUBLIC, "GET", none, None),
    "portal:standards": (PUBLIC, "GET", none, None),
    "portal:self_check": (PUBLIC, "GET", none, None),
    "portal:public_roll": (PUBLIC, "GET", lambda w, s: {"village_code": w[s]["village"]}, None),
    "portal:bind": (CITIZEN, "GET", none, None),
    "portal:apply": (CITIZEN, "GET", none, None),
    "portal:assistance": (CITIZEN, "GET", none, None),
    "portal:change": (CITIZEN, "GET", none, None),
    "portal:proxy": (CITIZEN, "GET", none, None),
    "portal:proxy_act": (CITIZEN, "POST", lambda w, s: {"grant_id": NONE}, None),
    "portal:proxy_stop": (CITIZEN, "POST", none, None),
    "portal:staff_proxy": (LOGIN, "GET", none, None),  # lists only the area's grants
    "portal:village": (PUBLIC, "GET", lambda w, s: {"village_code": w[s]["village"]}, None),
    "portal:village_qr": (PUBLIC, "GET", lambda w, s: {"village_code": w[s]["village"]}, None),
    "portal:village_notices": (
        PUBLIC,
        "GET",
        lambda w, s: {"village_code": w[s]["village"]},
        None,
    ),
    "portal:village_objection": (
        PUBLIC,
        "POST",
        lambda w, s: {"village_code": w[s]["village"], "notice_id": NONE},
        None,
    ),
    "portal:objection_query": (PUBLIC, "GET", none, None),
    "portal:staff_posters": (LOGIN, "GET", none, None),  # lists only the villages in scope
    "portal:staff_poster": (
        C.CASE_VIEW,
        "GET",
        lambda w, s: {"village_code": w[s]["village"]},
        "area",
    ),
    "portal:case": (CITIZEN, "GET", lambda w, s: {"application_id": w[s]["app"].pk}, None),
    "portal:upload": (CITIZEN, "POST", lambda w, s: {"application_id": w[s]["app"].pk}, None),
    "portal:rate": (CITIZEN, "POST", lambda w, s: {"application_id": w[s]["app"].pk}, None),
    "portal:letter": (CITIZEN, "GET", lambda w, s: {"letter_id": NONE}, None),
    "portal:staff_reports": (LOGIN, "GET", none, None),  # lists only what is routed to the office
    "portal:staff_report": (LOGIN, "GET", lambda w, s: {"report_id": NONE}, None),
    "portal:staff_report_photo": (
        LOGIN,
        "GET",
        lambda w, s: {"report_id": NONE, "photo_id": NONE},
        None,
    ),
    "api:api-root": (LOGIN, "GET", none, None),
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


@pytest.fixture
def world(taizhou):
    cast = make_cast()
    inside = new_case(cast)
    out_village = first_village(JIANGYAN_STREET)
    out_hh = household_with_head(hukou_area_id=out_village, head_name="姜堰外区户")
    out_app = case_services.application_create(
        actor=cast.out[Role.VILLAGE_WORKER],
        household_id=out_hh.pk,
        programme="dibao",
        reason="生活困难",
    )
    from django.db import transaction

    from jiuzhu.audit.services import audit_record
    from tests.cases.helpers import png

    case_services.material_upload(
        actor=cast.out[Role.VILLAGE_WORKER],
        household_id=out_hh.pk,
        kind="id_card",
        uploaded=png(extra=b"outside"),
    )

    def event(h):
        with transaction.atomic():
            return audit_record(
                actor=None,
                action="person.update",
                subject_type="person",
                subject_id=h.members.first().pk,
                household_id=h.pk,
                area_code=h.hukou_area_id,
                after={"phone": "13800000000"},
            )

    in_hh = inside.household
    principals = {
        "anonymous": None,
        "village_worker": cast.worker,
        "township_reviewer": cast.reviewer,
        "county_approver": cast.approver,
        "payments_officer": cast.payer,
        "finance": user_with_role(Role.FINANCE, "321202000000"),
        "department_data": cast.dept,
        "auditor": cast.auditor,
        "sysadmin": cast.admin,
        "other_county_reviewer": cast.out[Role.TOWNSHIP_REVIEWER],
    }
    return {
        "principals": principals,
        "in": {
            "household": in_hh,
            "app": inside,
            "material": Material.objects.filter(household=in_hh).first(),
            "village": cast.village,
            "event": event(in_hh),
            "user": cast.worker,
        },
        "out": {
            "household": out_hh,
            "app": out_app,
            "material": Material.objects.filter(household=out_hh).first(),
            "village": out_village,
            "event": event(out_hh),
            "user": cast.out[Role.VILLAGE_WORKER],
        },
    }


def _caps(user):
    if user is None:
        return set()
    caps = set()
    for a in user.role_assignments.all():
        caps |= ROLE_CAPABILITIES[a.role]
    return caps


def _call(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.post(url, {})


def test_permission_matrix(client, world):
    from django.urls import reverse

    problems = []
    for name, (cap, method, kwargs_for, outside_kind) in MATRIX.items():
        for side in ("in", "out"):
            if side == "out" and outside_kind is None:
                continue
            url = reverse(name, kwargs=kwargs_for(world, side))
            for who, user in world["principals"].items():
                client.logout()
                if user is not None:
                    client.force_login(user)
                r = _call(client, method, url)
                code = r.status_code
                where = f"{method} {url} as {who} ({side})"
                if code >= 500:
                    problems.append(f"{where}: {code}")
                    continue
                if cap == CITIZEN:  # a staff session is no citizen sign-in
                    if code in (200, 201):
                        problems.append(f"{where}: citizen page answered {code}")
                    continue
                if user is None and cap != PUBLIC:
                    leaked = code == 200 or (code == 302 and "/login/" not in r["Location"])
                    if leaked and name != "logout":
                        problems.append(f"{where}: anonymous got {code}")
                    continue
                lacks = cap not in (PUBLIC, LOGIN) and cap not in _caps(user)
                if lacks and name == "accounts:login_log" and C.ACCOUNTS_MANAGE in _caps(user):
                    lacks = False
                if lacks and code in (200, 201):
                    problems.append(f"{where}: {code} without {cap}")
                if side == "out" and user is not None:
                    out_area = world["out"]["household"].hukou_area_id
                    if not user_scope(user, C.REGISTRY_VIEW).contains(out_area):
                        body = r.content.decode("utf-8", "replace")
                        if code in (200, 201) and method == "GET":
                            problems.append(f"{where}: outside object answered {code}")
                        if "姜堰外区户" in body:
                            problems.append(f"{where}: outside household's name in the answer")
    assert not problems, "\n".join(problems)
