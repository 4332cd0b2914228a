"""The REST API (django-ninja), mounted at /api/v1/; OpenAPI at /api/v1/openapi.json.

Session authentication with CSRF (the same login as the pages); each app adds its router here.
One error shape for every app: ``{"code": …, "message": 中文, "errors": {field: [中文, …]}}``.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import django_auth

from jiuzhu.core.errors import ConcurrentEditError, ServiceError

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string", "description": "中文说明"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "message", "errors"],
}
# Every operation can answer these (the handlers below); the description says so.
COMMON_ERRORS = {
    "400": "业务规则拒绝（字段和原因见 errors）",
    "401": "未登录、须修改密码或须完成动态口令验证",
    "403": "没有办理该事项的权限",
    "404": "未找到，或不在您的管辖范围内",
    "422": "请求参数格式不正确",
}


def _enums() -> tuple[dict, dict]:
    """The closed value sets the API accepts, declared in the description (the handlers refuse
    anything else with a 4xx and a Chinese message). Parameters by (path suffix, name), where
    "" means "any"; body fields by (component, field)."""
    from jiuzhu.cases.models import MaterialKind, SignMethod, State, TempAidKind
    from jiuzhu.cases.workflow import TRANSITIONS
    from jiuzhu.core.programmes import PROGRAMME_LABELS
    from jiuzhu.funds.models import PayrollStatus
    from jiuzhu.funds.selectors import LINE_FILTERS
    from jiuzhu.monitoring.models import AlertStatus, Outcome, RuleKind
    from jiuzhu.policy.models import Flag

    programmes = list(PROGRAMME_LABELS)
    params = {
        ("/cases/applications", "state"): ["", *State.values],
        ("/transitions/{name}", "name"): list(TRANSITIONS),
        ("/determinations", "flag"): [v for v in Flag.values if v],
        ("/determinations", "programme"): programmes,
        ("/funds/payrolls", "programme"): ["", *programmes],
        ("/funds/payrolls", "status"): ["", *PayrollStatus.values],
        ("/lines", "show"): ["", *LINE_FILTERS],
        ("/monitoring/alerts", "status"): [*AlertStatus.values, "all"],
        ("/monitoring/alerts", "cause"): ["", *RuleKind.values],
    }
    fields = {
        ("ApplicationIn", "programme"): ["", *programmes],
        ("ApplicationIn", "temp_aid_kind"): ["", *TempAidKind.values],
        ("ApplicationIn", "channel"): ["window", "visit", "online", "api"],
        ("SignatureIn", "method"): SignMethod.values,
        ("CloseIn", "outcome"): Outcome.values,
        ("CloseIn", "programme"): ["", *programmes],
        ("MultiPartBodyParams", "kind"): MaterialKind.values,
    }
    return params, fields


def _with_enum(schema: dict, values: list) -> None:
    """Put ``enum`` on a string schema (inside ``anyOf`` for an optional one)."""
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "string":
            option["enum"] = list(values)


class JiuzhuAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = ERROR_SCHEMA
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        params, fields = _enums()
        for path, item in schema.get("paths", {}).items():
            for method, op in item.items():
                # One key per status code: a route's own {400: ErrorOut} and the common ones
                # would otherwise be two keys "400" in the JSON.
                responses = {str(k): v for k, v in op.get("responses", {}).items()}
                common = dict(COMMON_ERRORS)
                if method == "post":
                    common["409"] = "记录已被他人修改（版本不符），请刷新后重试"
                for code, text in common.items():
                    responses.setdefault(code, {"description": text, **ref})
                    responses[code]["content"] = ref["content"]
                op["responses"] = responses
                for p in op.get("parameters", []):
                    for (suffix, name), values in params.items():
                        if p["name"] == name and path.endswith(suffix):
                            _with_enum(p.setdefault("schema", {}), values)
                for content in op.get("requestBody", {}).get("content", {}).values():
                    body = content.get("schema", {})
                    title = body.get("title", "")
                    for (component, field), values in fields.items():
                        if component == title and field in body.get("properties", {}):
                            _with_enum(body["properties"][field], values)
        for (component, field), values in fields.items():
            props = components.get(component, {}).get("properties", {})
            if field in props:
                _with_enum(props[field], values)
        return schema


# The docs (/api/v1/docs) and the OpenAPI description are for signed-in staff only; Swagger UI is
# served from django-ninja's own static files ("ninja" in INSTALLED_APPS), never from a CDN.
api = JiuzhuAPI(
    urls_namespace="api",
    version="1",
    title="Jiuzhu API",
    auth=django_auth,
    docs_decorator=login_required,
)


def _loc(error: dict) -> str:
    parts = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "payload")]
    return ".".join(parts) or "request"


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    """Malformed input: 422 with a Chinese message naming each field (not pydantic's English)."""
    errors: dict[str, list[str]] = {}
    for e in exc.errors:
        field = _loc(e)
        kind = e.get("type", "")
        if kind == "missing":
            text = f"“{field}”为必填项"
        elif kind.startswith(("int", "float", "decimal")):
            text = f"“{field}”须为数字"
        elif kind.startswith(("date", "datetime")):
            text = f"“{field}”不是有效日期，请按 年-月-日 填写"
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            text = f"“{field}”超出允许范围"
        else:
            text = f"“{field}”格式不正确"
        errors.setdefault(field, []).append(text)
    return api.create_response(
        request,
        {
            "code": "invalid",
            "message": "请求参数不正确：" + "；".join(m for msgs in errors.values() for m in msgs),
            "errors": errors,
        },
        status=422,
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(
        request,
        {"code": "not_found", "message": "未找到该记录，或不在您的管辖范围内", "errors": {}},
        status=404,
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, {"code": "unauthenticated", "message": "请先登录", "errors": {}}, status=401
    )


@api.exception_handler(ServiceError)
def _service_error(request, exc: ServiceError):
    status = 409 if isinstance(exc, ConcurrentEditError) else 400
    return api.create_response(
        request, {"code": exc.code, "message": exc.text(), "errors": exc.errors}, status=status
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(
        request,
        {"code": "forbidden", "message": "您没有办理该事项的权限", "errors": {}},
        status=403,
    )


def _mount() -> None:
    from jiuzhu.cases.api import router as cases_router

    api.add_router("/cases/", cases_router)

    from jiuzhu.policy.api import router as policy_router

    api.add_router("/policy/", policy_router)

    from jiuzhu.funds.api import router as funds_router

    api.add_router("/funds/", funds_router)

    from jiuzhu.monitoring.api import router as monitoring_router

    api.add_router("/monitoring/", monitoring_router)

    # Other systems' service accounts (bearer token), not staff sessions.
    from jiuzhu.interop.api import router as registry_router

    api.add_router("/registry/", registry_router)


_mount()
