"""Issue 14.19: a PDF with JavaScript or automatic actions is refused; every uploaded material
is served as an attachment with ``nosniff`` and ``default-src 'none'``."""

import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.cases import services as s
from jiuzhu.cases.models import Material, MaterialKind
from jiuzhu.core.errors import ServiceError
from tests.cases.helpers import PDF, make_cast, png
from tests.factories import household_with_head

pytestmark = pytest.mark.django_db

SCRIPTED = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction 2 0 R>>endobj\n"
    b"2 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj\ntrailer<<>>\n%%EOF\n"
)
HIDDEN = b"%PDF-1.4\n1 0 obj<</S/J#61vaScript>>endobj\ntrailer<<>>\n%%EOF\n"
_inner = zlib.compress(b"<</Type/Catalog/AA<</O 3 0 R>>>>")
COMPRESSED = (
    b"%PDF-1.5\n1 0 obj<</Type/ObjStm/Filter/FlateDecode/Length "
    + str(len(_inner)).encode()
    + b">>stream\n"
    + _inner
    + b"\nendstream endobj\ntrailer<<>>\n%%EOF\n"
)


@pytest.mark.parametrize("data", [SCRIPTED, HIDDEN, COMPRESSED])
def test_a_pdf_with_active_content_is_refused(taizhou, data):
    cast = make_cast()
    hh = household_with_head(hukou_area_id=cast.village)
    with pytest.raises(ServiceError) as exc:
        s.material_upload(
            actor=cast.worker,
            household_id=hh.pk,
            kind=MaterialKind.INCOME_PROOF,
            uploaded=SimpleUploadedFile("x.pdf", data, content_type="application/pdf"),
        )
    assert exc.value.code == "active_pdf" and "脚本" in exc.value.text()
    assert not Material.objects.filter(household=hh).exists()


def test_a_plain_pdf_is_accepted_and_every_material_is_served_as_an_attachment(client, taizhou):
    cast = make_cast()
    hh = household_with_head(hukou_area_id=cast.village)
    pdf = s.material_upload(
        actor=cast.worker,
        household_id=hh.pk,
        kind=MaterialKind.INCOME_PROOF,
        uploaded=SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf"),
    )
    img = s.material_upload(
        actor=cast.worker, household_id=hh.pk, kind=MaterialKind.ID_CARD, uploaded=png()
    )
    client.force_login(cast.worker)
    for m in (pdf, img):
        r = client.get(f"/cases/materials/{m.pk}/")
        assert r.status_code == 200, r.status_code
        assert r["Content-Disposition"].startswith("attachment;")
        assert r["X-Content-Type-Options"] == "nosniff"
        assert r["Content-Security-Policy"].startswith("default-src 'none'")
