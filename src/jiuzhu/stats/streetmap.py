"""Street (乡镇/街道) boundaries for a county's choropleth, imported from the province's GeoJSON.

No npm package carries 泰州's township boundaries (the vendored ``taizhou-geo`` stops at the
counties), so an administrator imports the file the province's surveying office supplies. The
import checks it against the area table before anything is stored; without one, the county's
page draws its streets as a ranked bar chart, never an invented map.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata

from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area
from jiuzhu.areas.models import PREFIX_LENGTH, Area, AreaLevel
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.stats.models import StreetMap

MAX_BYTES = 20 * 1024 * 1024
CODE_KEYS = ("code", "adcode", "XZQDM", "xzqdm", "QHDM", "qhdm", "区划代码")
GEOMETRIES = ("Polygon", "MultiPolygon")
# Longitude / latitude bounds of China: a file in projected metres (CGCS2000 Gauss-Krüger) or
# with the axes swapped fails here, not as an empty map.
LON, LAT = (73.0, 136.0), (3.0, 54.0)


def _fail(message: str) -> ServiceError:
    return ServiceError(message, field="file")


def _text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _fail(_("文件：无法识别编码（应为 UTF-8 或 GBK 的 GeoJSON 文本）"))


def _code(value) -> str:
    """A township code as a department writes it: full-width digits, a number, 9 digits (the
    township part only) or 12."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    if text.endswith(".0"):  # read through a spreadsheet as a number
        text = text[:-2]
    if text.isdigit() and len(text) == 9:
        text += "000"
    return text


def _points(coords):
    if coords and isinstance(coords[0], (int, float)):
        yield coords
        return
    for part in coords or []:
        yield from _points(part)


def validate(*, county: Area, data: bytes) -> dict:
    """The normalised FeatureCollection (``properties``: ``code``, ``name`` from the area table),
    or a ServiceError naming the feature and the rule."""
    if len(data) > MAX_BYTES:
        raise _fail(_("文件：超过 20 MB"))
    try:
        raw = json.loads(_text(data))
    except json.JSONDecodeError as exc:
        raise _fail(
            _("文件：不是有效的 GeoJSON（第 %(line)s 行：%(msg)s）")
            % {"line": exc.lineno, "msg": exc.msg}
        ) from None
    if not isinstance(raw, dict) or raw.get("type") != "FeatureCollection":
        raise _fail(_("文件：须为 GeoJSON 的 FeatureCollection（要素集合）"))
    features = raw.get("features")
    if not isinstance(features, list) or not features:
        raise _fail(_("文件：没有任何要素（features 为空）"))
    prefix = county.code[: PREFIX_LENGTH[AreaLevel.COUNTY]]
    streets = {
        a.code: a
        for a in Area.objects.filter(parent=county, level=AreaLevel.TOWNSHIP).order_by("code")
    }
    out, seen, errors = [], set(), []
    for n, feature in enumerate(features, start=1):
        props = (feature or {}).get("properties") or {}
        raw_code = next((props[k] for k in CODE_KEYS if props.get(k) not in (None, "")), None)
        label = _("第 %(n)s 个要素") % {"n": n}
        if raw_code is None:
            errors.append(_("%(f)s：缺少区划代码属性（code / adcode / XZQDM）") % {"f": label})
            continue
        code = _code(raw_code)
        label = _("第 %(n)s 个要素（代码 %(code)s）") % {"n": n, "code": code}
        if code not in streets:
            other = Area.objects.filter(code=code).first()
            if other is None:
                errors.append(_("%(f)s：区划代码在区划表中不存在") % {"f": label})
            elif not code.startswith(prefix):
                errors.append(
                    _("%(f)s：%(name)s 不属于%(county)s")
                    % {"f": label, "name": other.name, "county": county.name}
                )
            else:
                errors.append(
                    _("%(f)s：%(name)s 是%(level)s，须为乡镇(街道)")
                    % {"f": label, "name": other.name, "level": other.get_level_display()}
                )
            continue
        if code in seen:
            errors.append(_("%(f)s：同一街道出现两次") % {"f": label})
            continue
        seen.add(code)
        geometry = (feature or {}).get("geometry") or {}
        if geometry.get("type") not in GEOMETRIES:
            errors.append(_("%(f)s：边界须为 Polygon 或 MultiPolygon") % {"f": label})
            continue
        try:
            points = list(_points(geometry.get("coordinates")))
            bad = not points or any(
                not (LON[0] <= float(p[0]) <= LON[1] and LAT[0] <= float(p[1]) <= LAT[1])
                for p in points
            )
        except (TypeError, ValueError, IndexError):
            bad = True
        if bad:
            errors.append(
                _("%(f)s：坐标须为经纬度（经度 73–136，纬度 3–54）；投影坐标请先转换")
                % {"f": label}
            )
            continue
        out.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": streets[code].name},
                "geometry": geometry,
            }
        )
    missing = [a.name for code, a in streets.items() if code not in seen]
    if missing and not errors:
        errors.append(_("文件缺少以下街道的边界：%(names)s") % {"names": "、".join(missing)})
    if errors:
        shown = errors[:20]
        if len(errors) > 20:
            shown.append(_("另有 %(n)s 处错误") % {"n": len(errors) - 20})
        raise _fail("；".join(shown))
    return {"type": "FeatureCollection", "features": out}


def street_map_import(*, actor, county_code: str, data: bytes, filename: str = "") -> StreetMap:
    """Validate and store a county's street boundaries (replacing the previous file); audited."""
    require_area(actor, Capability.AREAS_MANAGE, county_code)
    county = Area.objects.filter(code=county_code, level=AreaLevel.COUNTY).first()
    if county is None:
        raise ServiceError(_("县(区)：请选择一个县(区)"), field="county")
    collection = validate(county=county, data=data)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        before = StreetMap.objects.filter(county_code=county.code).first()
        obj, _created = StreetMap.objects.update_or_create(
            county_code=county.code,
            defaults={
                "geojson": text,
                "features": len(collection["features"]),
                "sha256": digest,
                "source_name": filename[:200],
                "imported_at": clock.now(),
                "imported_by": actor,
            },
        )
        audit_record(
            actor=actor,
            action="stats.street_map_import",
            subject_type="stats_street_map",
            subject_id=obj.pk,
            area_code=county.code,
            reason=_("导入街道边界"),
            before={"sha256": before.sha256} if before else None,
            after={"file": filename, "sha256": digest, "features": obj.features},
        )
    return obj


def street_map_for(county_code: str) -> dict | None:
    """The stored boundaries of a county's streets (for the chart), or None."""
    row = StreetMap.objects.filter(county_code=county_code).values_list("geojson", flat=True)
    text = row.first()
    return json.loads(text) if text else None


def street_maps(*, user) -> list[dict]:
    """Counties the user may import for, with what is stored for each."""
    from jiuzhu.accounts.scoping import user_scope

    scope = user_scope(user, Capability.AREAS_MANAGE)
    counties = Area.objects.filter(scope.q("code"), level=AreaLevel.COUNTY).order_by("code")
    stored = {m.county_code: m for m in StreetMap.objects.select_related("imported_by")}
    return [{"area": c, "map": stored.get(c.code)} for c in counties]
