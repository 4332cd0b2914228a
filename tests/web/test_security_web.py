"""Issue 14 items 1 and 13: identifiers in audit payloads masked on the timeline and the audit
log (reveal per field, audited); secure deployment defaults; API docs behind login, no CDN."""

import os
import subprocess
import sys

import pytest
from django.db import transaction
from django.urls import reverse

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.audit.services import audit_record
from tests.conftest import CHENGDONG
from tests.factories import first_village, user_with_role

pytestmark = pytest.mark.django_db
FULL_ID = "321202197203092128"
FULL_PHONE = "13812345678"


def _pii_event(household):
    with transaction.atomic():
        return audit_record(
            actor=None,
            action="person.update",
            subject_type="person",
            subject_id=household.members.first().pk,
            household_id=household.pk,
            area_code=household.hukou_area_id,
            before={"phone": "13900000000", "id_number": "321202197001011234"},
            after={"phone": FULL_PHONE, "id_number": FULL_ID},
        )


def test_timeline_and_audit_log_mask_identifiers(client, east_household):
    _pii_event(east_household)
    auditor = user_with_role(Role.AUDITOR, "321200000000")
    worker = user_with_role(Role.VILLAGE_WORKER, first_village(CHENGDONG))
    for user, url in [
        (auditor, reverse("audit:event_list")),
        (worker, reverse("registry:household_detail", args=[east_household.pk])),
    ]:
        client.force_login(user)
        page = client.get(url).content.decode()
        assert FULL_ID not in page and FULL_PHONE not in page, url
        assert "3212**********2128" in page and "138****5678" in page, url


def test_reveal_is_per_field_and_audited(client, east_household):
    ev = _pii_event(east_household)
    auditor = user_with_role(Role.AUDITOR, "321200000000")
    client.force_login(auditor)
    r = client.post(reverse("audit:event_reveal", args=[ev.seq, "after.id_number"]))
    assert r.status_code == 200 and FULL_ID in r.content.decode()
    assert FULL_PHONE not in r.content.decode()
    log = AuditEvent.objects.filter(action="audit.reveal").latest("seq")
    assert log.actor_id == auditor.pk and log.extra == {"field": "after.id_number"}
    # Only identifier fields; nobody outside the area; nobody without pii.reveal.
    assert (
        client.post(reverse("audit:event_reveal", args=[ev.seq, "after.name"])).status_code == 404
    )
    admin = user_with_role(Role.SYSADMIN, "321200000000")  # audit.view but no pii.reveal
    client.force_login(admin)
    r = client.post(reverse("audit:event_reveal", args=[ev.seq, "after.id_number"]))
    assert r.status_code == 403
    other = user_with_role(Role.TOWNSHIP_REVIEWER, "321202002000")
    client.force_login(other)
    r = client.post(reverse("audit:event_reveal", args=[ev.seq, "after.id_number"]))
    assert r.status_code == 404


def test_security_headers_and_csp_nonce(client, east_reviewer):
    client.force_login(east_reviewer)
    r = client.get(reverse("home"))
    csp = r["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert "frame-ancestors 'none'" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert "onchange=" not in r.content.decode()


def test_api_docs_need_login_and_load_nothing_from_a_cdn(client, east_reviewer):
    r = client.get("/api/v1/docs")
    assert r.status_code == 302 and "/login/" in r["Location"]
    client.force_login(east_reviewer)
    page = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page


def _run_settings(env_extra, code):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    env.update({"DJANGO_SETTINGS_MODULE": "jiuzhu.settings", **env_extra})
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_refuses_to_start_without_a_secret_key(tmp_path):
    out = _run_settings({"JIUZHU_VAR_DIR": str(tmp_path)}, "import django; django.setup()")
    assert out.returncode != 0 and "JIUZHU_SECRET_KEY" in out.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    out = _run_settings(
        {
            "JIUZHU_VAR_DIR": str(tmp_path),
            "JIUZHU_SECRET_KEY": "x9!" * 20 + "production-secret-key-for-the-check",
            "JIUZHU_ALLOWED_HOSTS": "jiuzhu.example.org",
        },
        "import django; django.setup(); from django.core.management import call_command;"
        " call_command('check', deploy=True, fail_level='WARNING')",
    )
    assert out.returncode == 0, out.stdout + out.stderr
