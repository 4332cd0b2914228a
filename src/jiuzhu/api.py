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


class JiuzhuAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for item in schema.get("paths", {}).values():
            for op in item.values():
                responses = op.setdefault("responses", {})
                for code, text in COMMON_ERRORS.items():
                    responses.setdefault(code, {"description": text, **ref})
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


_mount()
