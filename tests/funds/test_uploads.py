"""Issue 14.19: the bank return upload has a size limit checked before the body is read (and in
the browser); bank files are served as attachments with a strict policy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiuzhu.funds.models import LineStatus, PayrollLine
from jiuzhu.funds.views import RETURN_MAX_BYTES
from tests.funds.conftest import household, on_roll
from tests.funds.helpers import released

pytestmark = pytest.mark.django_db


@pytest.fixture
def payroll(officers):
    hh, _ = household(officers["zijin"])
    on_roll(hh)
    return released(officers)


def test_an_oversized_return_file_is_refused_before_reading(client, officers, payroll):
    client.force_login(officers["zijin"])
    big = SimpleUploadedFile("r.csv", b"x" * (RETURN_MAX_BYTES + 200 * 1024))
    r = client.post(reverse("funds:return_upload", args=[payroll.pk]), {"file": big})
    assert r.status_code == 400
    assert "回盘文件超过 2 MB" in r.content.decode()
    assert not PayrollLine.objects.filter(payroll=payroll, status=LineStatus.PAID).exists()


def test_the_page_checks_the_size_in_the_browser(client, officers, payroll):
    client.force_login(officers["zijin"])
    page = client.get(reverse("funds:payroll_detail", args=[payroll.pk])).content.decode()
    assert f'data-max-bytes="{RETURN_MAX_BYTES}"' in page and "upload-limit.js" in page


def test_bank_files_are_attachments_with_a_strict_policy(client, officers, payroll):
    client.force_login(officers["zijin"])
    r = client.get(reverse("funds:bank_file", args=[payroll.pk]))
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith("attachment;")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Security-Policy"].startswith("default-src 'none'")
