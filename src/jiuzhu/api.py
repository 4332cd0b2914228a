"""The REST API (django-ninja), mounted at /api/v1/; OpenAPI at /api/v1/openapi.json.

Session authentication with CSRF (the same login as the pages); each app adds its router here.
One error shape for every app: ``{"code": …, "message": 中文, "errors": {field: [中文, …]}}``.
"""

from django.core.exceptions import PermissionDenied
from ninja import NinjaAPI
from ninja.security import django_auth

from jiuzhu.core.errors import ConcurrentEditError, ServiceError

api = NinjaAPI(urls_namespace="api", version="1", title="Jiuzhu API", auth=django_auth)


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
