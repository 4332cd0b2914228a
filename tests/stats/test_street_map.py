"""Street boundaries: no package carries 泰州's townships, so an administrator imports the
province's GeoJSON; the import is checked against the area table, and without a file the
county's page shows its streets as a ranked bar chart, not a map."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiuzhu.areas.models import Area
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.stats.models import StreetMap
from jiuzhu.stats.streetmap import street_map_import
from tests.factories import user_with_role

from .conftest import EAST, HAILING

pytestmark = pytest.mark.django_db
JIANGYAN = "321204000000"


def square(n: int) -> dict:
    x, y = 119.9 + 0.02 * n, 32.45
    ring = [[x, y], [x + 0.02, y], [x + 0.02, y + 0.02], [x, y + 0.02], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def collection(codes, key="code", geometry=square) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {key: c, "name": "x"}, "geometry": geometry(n)}
            for n, c in enumerate(codes)
        ],
    }


def streets(county=HAILING) -> list[str]:
    return list(
        Area.objects.filter(parent_id=county).order_by("code").values_list("code", flat=True)
    )


@pytest.fixture
def admin(db):
    return user_with_role("sysadmin", HAILING)


def test_a_province_file_in_gbk_with_full_width_and_9_digit_codes_is_stored(admin):
    codes = streets()
    written = [
        "３２１２０２" + c[6:9] if n == 0 else (c[:9] if n == 1 else c) for n, c in enumerate(codes)
    ]
    data = json.dumps(collection(written, key="XZQDM"), ensure_ascii=False).encode("gb18030")
    obj = street_map_import(actor=admin, county_code=HAILING, data=data, filename="海陵区.geojson")
    stored = json.loads(obj.geojson)
    assert obj.features == len(codes) > 1
    assert [f["properties"]["code"] for f in stored["features"]] == codes
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    assert [f["properties"]["name"] for f in stored["features"]] == [names[c] for c in codes]
    assert AuditEvent.objects.filter(action="stats.street_map_import").count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c[:-1], "文件缺少以下街道的边界"),
        (lambda c: [*c, c[0]], "同一街道出现两次"),
        (lambda c: [*c, "321204001000"], "不属于海陵区"),
        (lambda c: [*c, "321202999000"], "区划代码在区划表中不存在"),
        (lambda c: [*c, HAILING], "须为乡镇(街道)"),
    ],
)
def test_codes_must_match_the_area_table(admin, change, message):
    data = json.dumps(collection(change(streets()))).encode()
    with pytest.raises(ServiceError) as err:
        street_map_import(actor=admin, county_code=HAILING, data=data)
    assert message in err.value.text()
    assert not StreetMap.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"{not json", "不是有效的 GeoJSON"),
        (json.dumps({"type": "Feature"}).encode(), "FeatureCollection"),
        (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "没有任何要素"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(admin, data, message):
    with pytest.raises(ServiceError) as err:
        street_map_import(actor=admin, county_code=HAILING, data=data)
    assert message in err.value.text()


def test_projected_coordinates_and_points_are_refused_naming_the_feature(admin):
    codes = streets()

    def projected(n):
        return {"type": "Polygon", "coordinates": [[[40500000.0 + n, 3590000.0]] * 4]}

    data = json.dumps(collection(codes, geometry=projected)).encode()
    with pytest.raises(ServiceError) as err:
        street_map_import(actor=admin, county_code=HAILING, data=data)
    assert f"第 1 个要素（代码 {codes[0]}）：坐标须为经纬度" in err.value.text()
    points = json.dumps(
        collection(codes, geometry=lambda n: {"type": "Point", "coordinates": [120.0, 32.4]})
    ).encode()
    with pytest.raises(ServiceError, match="Polygon 或 MultiPolygon"):
        street_map_import(actor=admin, county_code=HAILING, data=points)


def test_only_an_administrator_of_the_area_imports(db):
    data = json.dumps(collection(streets())).encode()
    other = user_with_role("sysadmin", JIANGYAN)
    with pytest.raises(Exception):  # noqa: B017,PT011 - PermissionDenied or 404, never stored
        street_map_import(actor=other, county_code=HAILING, data=data)
    county = user_with_role("county_approver", HAILING)
    with pytest.raises(Exception):  # noqa: B017,PT011
        street_map_import(actor=county, county_code=HAILING, data=data)
    assert not StreetMap.objects.exists()


def test_the_county_page_draws_a_bar_chart_until_boundaries_are_imported(client, roll, admin):
    county_user = user_with_role("county_approver", HAILING)
    client.force_login(county_user)
    url = reverse("stats:monthly") + f"?area={HAILING}&month=2026-03"
    page = client.get(url).content.decode()
    assert 'id="street-map-note"' in page and "street_geo" not in page
    assert client.get(reverse("stats:street_maps")).status_code == 403
    client.force_login(admin)
    upload = SimpleUploadedFile("hl.geojson", json.dumps(collection(streets()[:-1])).encode())
    response = client.post(reverse("stats:street_maps"), {"county": HAILING, "file": upload})
    assert response.status_code == 200
    assert "文件缺少以下街道的边界" in response.content.decode()
    assert not StreetMap.objects.exists()
    upload = SimpleUploadedFile("hl.geojson", json.dumps(collection(streets())).encode())
    response = client.post(reverse("stats:street_maps"), {"county": HAILING, "file": upload})
    assert response.status_code == 302
    client.force_login(county_user)
    page = client.get(url).content.decode()
    assert 'id="street-map-note"' not in page
    assert '"map": "streets"' in page and "street_geo" in page
    # a street's page is not a map of anything
    street = client.get(reverse("stats:monthly") + f"?area={EAST}&month=2026-03").content.decode()
    assert "street_geo" not in street and 'id="street-map-note"' not in street
