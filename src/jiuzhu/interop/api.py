"""The registry API for other systems (``/api/v1/registry/``): bearer token of a service
account, never a staff session. Every call needs the token's scope, is bound to the account's
purpose and area, and is audited with its row count."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.security import HttpBearer

from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.interop.models import AccessToken
from jiuzhu.interop.selectors import person_records
from jiuzhu.interop.services import ScopeError, TokenError, authenticate, call_record, require_scope
from jiuzhu.policy.selectors import current_parameter_table
from jiuzhu.registry.selectors import person_search
from jiuzhu.verify.selectors import feed_imports
from jiuzhu.verify.services import feed_import

MAX_SIZE = 200


class ServiceToken(HttpBearer):
    """``Authorization: Bearer jz_…``: the token, or 401 (ninja's AuthenticationError)."""

    def authenticate(self, request, token):
        try:
            return authenticate(f"Bearer {token}")
        except TokenError:
            return None


router = Router(auth=ServiceToken(), tags=["registry (service accounts)"])


def _token(request) -> AccessToken:
    return request.auth


def _scope(request, scope: str) -> AccessToken:
    token = _token(request)
    try:
        require_scope(token, scope)
    except ScopeError as exc:
        raise PermissionDenied(scope) from exc
    return token


class PersonQuery(Schema):
    id_number: str = ""
    name: str = ""
    birth_date: datetime.date | None = None
    area: str = ""
    page: int = 1
    size: int = 50


@router.get("/persons", summary="按身份证号或姓名、出生日期、地区查询人员（按约定字段脱敏）")
def persons(request, q: Query[PersonQuery]):
    token = _scope(request, "registry.search")
    conditions = []
    if q.id_number:
        conditions.append(("id_number", "eq", q.id_number))
    if q.name:
        conditions.append(("name", "eq", q.name))
    if q.birth_date:
        conditions.append(("birth_date", "eq", q.birth_date))
    if q.area:
        conditions.append(("area", "eq", q.area))
    if not conditions:
        raise ServiceError(
            "请至少给出一个查询条件：身份证号、姓名、出生日期或地区", field="id_number"
        )
    if not (1 <= q.size <= MAX_SIZE and q.page >= 1):
        raise ServiceError(f"每页条数须在 1 到 {MAX_SIZE} 之间，页码从 1 开始", field="size")
    qs = person_search(user=token.account.user, conditions=conditions)
    total = qs.count()
    items = person_records(token.account, qs[(q.page - 1) * q.size : q.page * q.size])
    call_record(
        token,
        "api.search",
        rows=len(items),
        extra={"conditions": [c[0] for c in conditions]},
    )
    return {"count": total, "page": q.page, "size": q.size, "items": items}


@router.get("/parameters", summary="当前救助标准和参数（各地区）")
def parameters(request, on: datetime.date | None = None):
    token = _scope(request, "params.read")
    area = token.account.area_id
    rows = [
        {
            "name": r["name"],
            "label": str(r["label"]),
            "unit": str(r["unit"]),
            "area_code": r["area_code"] if r["area_code"] and r["area_code"][0].isdigit() else "",
            "value": str(r["value"]),
            "effective_from": r["effective_from"].isoformat(),
        }
        for r in current_parameter_table(on=on or clock.today())
        if not r["area_code"][:1].isdigit()
        or r["area_code"].startswith(area[:6])
        or area.startswith(r["area_code"])
    ]
    call_record(token, "api.params", rows=len(rows))
    return {"on": (on or clock.today()).isoformat(), "items": rows}


@router.post("/feeds", summary="上传本部门数据文件（与页面上传同一检查）")
def feed_upload(request, file: File[UploadedFile], extracted_on: datetime.date | None = None):
    token = _scope(request, "feed.upload")
    account = token.account
    result = feed_import(
        actor=account.user,
        department=account.department,
        data=file.read(),
        file_name=file.name or "upload",
        extracted_on=extracted_on,
    )
    imp = result.feed_import
    call_record(token, "api.feed", rows=imp.rows_total, extra={"import": imp.pk})
    return _feed_out(imp, duplicate=result.duplicate)


@router.get("/feeds/{import_id}", summary="本部门一次上传的处理状态")
def feed_status(request, import_id: int):
    token = _scope(request, "feed.upload")
    imp = (
        feed_imports(user=token.account.user)
        .filter(pk=import_id, department=token.account.department)
        .first()
    )
    if imp is None:
        raise Http404
    return _feed_out(imp)


def _feed_out(imp, duplicate: bool = False) -> dict:
    return {
        "id": imp.pk,
        "department": imp.department,
        "status": imp.status,
        "duplicate": duplicate,
        "rows_total": imp.rows_total,
        "rows_created": imp.rows_created,
        "rows_updated": imp.rows_updated,
        "rows_rejected": imp.rows_rejected,
        "report": imp.report[:100],
    }
