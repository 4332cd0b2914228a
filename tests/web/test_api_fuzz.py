"""Issue 14 item 16 (and the "done when"): Hypothesis-driven fuzzing of the whole OpenAPI
description. Every operation is called with generated path, query and body values — negative
and huge integers, missing and unknown fields, wrong types, odd text — by users who can reach
it; the API must never answer 5xx, and every error body is the documented one (Chinese message).

Bounded and reproducible: a fixed seed (derandomize) and a fixed example count per operation.
"""

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.api import api
from tests.cases.helpers import make_cast, new_case

pytestmark = pytest.mark.django_db(transaction=False)
SCHEMA = api.get_openapi_schema(path_prefix="/api/v1")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF_JS = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF"
FILES = st.one_of(
    st.sampled_from(
        [
            ("scan.png", PNG),
            ("empty.png", b""),
            ("doc.pdf", PDF_JS),
            ("doc.pdf", b"%PDF-1.4 truncated"),
            ("x.exe", b"MZ\x90\x00"),
            ("名字.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
        ]
    ),
    st.tuples(st.text(max_size=12).map(lambda t: (t or "f") + ".png"), st.binary(max_size=64)),
    st.none(),
)

EXAMPLES = 12  # per operation and user; ~30 operations
INTS = st.one_of(
    st.sampled_from([0, 1, -1, 2**31, 2**63, 10**30, -(10**30)]),
    st.integers(-(10**6), 10**6),
)
TEXT = st.one_of(
    st.sampled_from(["", "0", "-1", "abc", "2026-02-30", "null", "dibao", "open", "' OR 1=1 --"]),
    st.text(max_size=20),
)


def _value(schema, defs, depth=0):
    if "$ref" in schema:
        return _value(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, depth)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return st.one_of([_value(s, defs, depth) for s in schema[key]])
    kind = schema.get("type")
    if "enum" in schema:
        return st.one_of(st.sampled_from(schema["enum"]), TEXT)
    if kind == "integer":
        return st.one_of(INTS, TEXT) if depth else INTS
    if kind == "number":
        return st.one_of(INTS, st.floats(allow_nan=False), TEXT)
    if kind == "boolean":
        return st.one_of(st.booleans(), TEXT)
    if kind == "array":
        return st.lists(_value(schema.get("items", {}), defs, depth + 1), max_size=3)
    if kind == "object" or "properties" in schema:
        if depth > 2:
            return st.just({})
        props = schema.get("properties", {})
        extra = st.dictionaries(
            st.sampled_from(["today", "visited_at", "now", "x", "amount", "reason"]),
            st.one_of(TEXT, INTS),
            max_size=2,
        )
        fields = {k: _value(v, defs, depth + 1) for k, v in props.items()}
        return st.fixed_dictionaries({}, optional=fields).flatmap(
            lambda d: extra.map(lambda e: {**e, **d})
        )
    if kind == "null":
        return st.none()
    return st.one_of(TEXT, INTS, st.none())


def _operations():
    schema = SCHEMA
    defs = schema.get("components", {}).get("schemas", {})
    ops = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            params = op.get("parameters", [])
            body = None
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = content["application/json"]["schema"]
            multipart = "multipart/form-data" in content
            if multipart:
                body = content["multipart/form-data"]["schema"]
            ops.append((method, path, params, body, multipart, defs))
    return ops


OPERATIONS = _operations()


def test_the_description_documents_error_bodies():
    for method, path, *_rest in OPERATIONS:
        op = SCHEMA["paths"][path][method]
        for code in ("400", "401", "403", "404", "422"):
            assert code in op["responses"], (method, path, code)
            body = op["responses"][code]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}, (method, path, code)
        assert all(isinstance(k, str) for k in op["responses"]), (method, path)


def test_the_description_declares_the_closed_value_sets():
    """Item 3 of the follow-up: states, transitions, programmes, statuses, causes, outcomes,
    material kinds are enums in the description."""
    paths = SCHEMA["paths"]

    def param(path, method, name):
        p = next(p for p in paths[path][method]["parameters"] if p["name"] == name)
        schema = p["schema"]
        return next(s for s in schema.get("anyOf", [schema]) if s.get("type") == "string")

    assert "notice" in param("/api/v1/cases/applications", "get", "state")["enum"]
    move = "/api/v1/cases/applications/{application_id}/transitions/{name}"
    assert "approve" in param(move, "post", "name")["enum"]
    assert "dibao" in param("/api/v1/funds/payrolls", "get", "programme")["enum"]
    assert "released" in param("/api/v1/funds/payrolls", "get", "status")["enum"]
    assert "death" in param("/api/v1/monitoring/alerts", "get", "cause")["enum"]
    flags = "/api/v1/policy/runs/{run_id}/determinations"
    assert "missed" in param(flags, "get", "flag")["enum"]
    components = SCHEMA["components"]["schemas"]
    assert "no_action" in components["CloseIn"]["properties"]["outcome"]["enum"]
    assert "online" in components["ApplicationIn"]["properties"]["channel"]["enum"]
    upload = paths["/api/v1/cases/applications/{application_id}/materials"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "id_card" in form["properties"]["kind"]["enum"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Users, a case, a payroll and an alert, made once for the module inside a transaction
    rolled back at the end (each operation's test runs in a savepoint within it); each user
    signs in once and the examples reuse the session."""
    from django.conf import settings as django_settings
    from django.db import transaction
    from django.test import Client

    from tests.factories import load_taizhou

    with django_db_blocker.unblock():
        load_taizhou()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            cast = make_cast()
            app = new_case(cast)
            users = [cast.reviewer, cast.approver, cast.payer, cast.worker]
            sessions = []
            for user in users:
                c = Client()
                c.force_login(user)
                sessions.append(c.cookies[django_settings.SESSION_COOKIE_NAME].value)
            # One client per user for the module (a new client loads the middleware again).
            clients = [Client() for _ in sessions]
            yield {"cast": cast, "app": app, "sessions": sessions, "clients": clients}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _request_strategy(method, path, params, body, multipart, defs, ids):
    path_params = [p for p in params if p["in"] == "path"]
    query_params = [p for p in params if p["in"] == "query"]
    path_values = {
        p["name"]: st.one_of(st.sampled_from(ids), INTS)
        if p.get("schema", {}).get("type") == "integer"
        else st.sampled_from(["accept", "review", "approve", "submit_visit", "close_notice", "x"])
        for p in path_params
    }
    # Each query parameter is present in most examples (None = left out), integers mostly as
    # integers (negative, huge), sometimes as text.
    query_values = {
        p["name"]: st.one_of(INTS, INTS, INTS, _value(p.get("schema", {}), defs, 1), st.none())
        if _is_int(p.get("schema", {}))
        else st.one_of(_value(p.get("schema", {}), defs, 1), st.none())
        for p in query_params
    }
    if multipart:
        optional = {"file": FILES}
        if "kind" in body["properties"]:  # a material's kind (the other forms have only a file)
            optional["kind"] = _value(body["properties"]["kind"], defs, 1)
        body_strategy = st.fixed_dictionaries({}, optional=optional)
    else:
        body_strategy = _value(body, defs) if body is not None else st.none()
    return st.tuples(
        st.fixed_dictionaries(path_values),
        st.fixed_dictionaries(query_values),
        body_strategy,
    )


def _is_int(schema) -> bool:
    return schema.get("type") == "integer" or any(
        s.get("type") == "integer" for s in schema.get("anyOf", [])
    )


def _call(client, method, path, path_values, query, body, multipart=False):
    url = re.sub(r"\{(\w+)\}", lambda m: str(path_values[m.group(1)]), path)
    query = {
        k: (json.dumps(v) if isinstance(v, dict | list) else v)
        for k, v in query.items()
        if v is not None
    }
    if method == "get":
        return client.get(url, query)
    if multipart:
        from django.core.files.uploadedfile import SimpleUploadedFile

        form = {}
        if "kind" in body:
            kind = body["kind"]
            form["kind"] = json.dumps(kind) if isinstance(kind, dict | list) else str(kind)
        if body.get("file") is not None:
            name, data = body["file"]
            form["file"] = SimpleUploadedFile(name, data)
        return client.post(url, form)
    return client.generic(
        method.upper(),
        url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
        json.dumps(body if body is not None else {}),
        content_type="application/json",
    )


@pytest.mark.parametrize(
    "method,path,params,body,multipart,defs",
    OPERATIONS,
    ids=[f"{o[0]} {o[1]}" for o in OPERATIONS],
)
def test_fuzz_operation_never_5xx(world, method, path, params, body, multipart, defs):
    """Never a 5xx; every status answered is one the description documents for the operation;
    every error is the documented body (code, Chinese message, errors) — 404s included."""
    from django.conf import settings as django_settings

    app = world["app"]
    sessions = world["sessions"]
    ids = [app.pk, app.household_id, 1]
    strategy = _request_strategy(method, path, params, body, multipart, defs, ids)
    documented = set(SCHEMA["paths"][path][method]["responses"])
    clients = world["clients"]
    for c, key in zip(clients, sessions, strict=True):
        c.cookies.clear()
        c.cookies[django_settings.SESSION_COOKIE_NAME] = key

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=strategy, who=st.sampled_from(range(len(clients))))
    def run(data, who):
        path_values, query, payload = data
        r = _call(clients[who], method, path, path_values, query, payload, multipart)
        where = (method, path, path_values, query, payload if not multipart else "multipart")
        assert r.status_code < 500, (*where, r.content[:300])
        assert str(r.status_code) in documented, (*where, r.status_code, sorted(documented))
        if r.status_code >= 400:
            assert r["Content-Type"].startswith("application/json"), (*where, r.status_code)
            err = r.json()
            assert set(err) == {"code", "message", "errors"}, err
            assert re.search(r"[\u4e00-\u9fff]", err["message"]), err

    run()
