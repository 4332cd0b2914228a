"""Issue 17, the speed target's guards: a citizen's page reads are audited through the audit
read log (no chain lock per page, chained in batches, tamper-evident), and the signed-in pages
run a bounded number of queries whatever the household holds (bench/load_portal.py measures
the time; docs/benchmarks.md)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiuzhu.accounts.roles import Role
from jiuzhu.audit import services as audit_services
from jiuzhu.audit.models import AuditChainHead, AuditEvent, AuditReadLog
from jiuzhu.audit.services import audit_reads_chain, audit_verify
from jiuzhu.portal.models import Notice
from tests.factories import user_with_role
from tests.portal.test_apply_and_progress import bound, do_apply
from tests.portal.test_pages_helpers import sign_in

pytestmark = pytest.mark.django_db


def _head() -> tuple[int, str]:
    head = AuditChainHead.objects.filter(id=1).first()
    return (head.last_seq, head.last_hash) if head else (0, "")


def test_a_page_read_is_sealed_in_the_read_log_then_chained_and_verified(taizhou, client):
    citizen = bound()
    sign_in(client, citizen)
    before = _head()
    assert client.get("/m/").status_code == 200
    # recorded before the page was sent, without touching the chain head (no lock taken)
    row = AuditReadLog.objects.get(action="portal.view.home")
    assert row.household_id == citizen.household_id
    assert row.area_code == citizen.household.hukou_area_id
    assert row.subject_type == "citizen" and row.subject_id == str(citizen.pk)
    assert row.mac == audit_services._read_seal(row)
    assert _head() == before
    assert not AuditEvent.objects.filter(action="portal.view.home").exists()

    assert audit_reads_chain() == 1
    event = AuditEvent.objects.get(action="portal.view.home")
    assert event.seq == before[0] + 1 and event.prev_hash == (before[1] or "0" * 64)
    assert event.created_at == row.created_at  # the read's own time, not the chaining's
    assert event.extra == {"read_log": row.id}
    assert event.household_id == citizen.household_id
    assert not AuditReadLog.objects.exists()
    assert _head() == (event.seq, event.hash)
    result = audit_verify()
    assert result.ok, result.message


def test_verify_chains_what_waits_and_a_read_edited_while_waiting_breaks_it(taizhou, client):
    citizen = bound()
    sign_in(client, citizen)
    client.get("/m/")
    client.get("/m/assistance/")
    assert AuditReadLog.objects.count() == 2
    assert audit_reads_chain(limit=1) == 1  # batches are bounded (the lock is held briefly)
    assert AuditReadLog.objects.count() == 1
    assert audit_verify().ok  # verify chains the waiting reads first
    assert not AuditReadLog.objects.exists()
    assert AuditEvent.objects.filter(action="portal.view.assistance").exists()

    client.get("/m/change/")
    # someone with write access to the database rewrites whose data was read
    AuditReadLog.objects.update(household_id=citizen.household_id + 1000)
    assert audit_reads_chain() == 1
    event = AuditEvent.objects.get(action="portal.view.self_reports")
    assert event.extra["sealed"] is False
    result = audit_verify()
    assert not result.ok and result.problem_seq == event.seq
    assert "入链前被改动" in result.message


def test_the_read_log_is_append_only(taizhou, client):
    citizen = bound()
    sign_in(client, citizen)
    client.get("/m/")
    row = AuditReadLog.objects.get()
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()


def test_web_processes_chain_the_read_log_after_a_response(taizhou, client, settings):
    settings.JIUZHU_AUDIT_READ_CHAIN_SECONDS = 5
    audit_services._last_chained[0] = 0.0
    citizen = bound()
    sign_in(client, citizen)
    client.get("/m/")  # the first response of the period chains what waits
    assert not AuditReadLog.objects.exists()
    assert AuditEvent.objects.filter(action="portal.view.home").exists()
    client.get("/m/assistance/")  # within the period: it waits for the next one
    assert AuditReadLog.objects.filter(action="portal.view.assistance").exists()


def test_waiting_reads_show_on_the_audit_log_page(taizhou, client):
    citizen = bound()
    sign_in(client, citizen)
    client.get("/m/")
    assert AuditReadLog.objects.exists()
    client.force_login(user_with_role(Role.AUDITOR, citizen.household.hukou_area_id[:6] + "000000"))
    page = client.get(reverse("audit:event_list"))
    assert page.status_code == 200
    assert not AuditReadLog.objects.exists()
    assert any(e.action == "portal.view.home" for e in page.context["page"].items)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# Upper bounds on the queries of the signed-in pages, session and citizen included; the same
# whatever the household holds (no query per application, notice or payment).
BOUNDS = {"home": 8, "assistance": 9, "change": 5, "case": 11}


def test_signed_in_pages_run_a_bounded_number_of_queries(taizhou, client):
    citizen = bound()
    app = do_apply(citizen)
    sign_in(client, citizen)
    counts = {
        "home": _count(client, "/m/"),
        "assistance": _count(client, "/m/assistance/"),
        "change": _count(client, "/m/change/"),
        "case": _count(client, f"/m/case/{app.pk}/"),
    }
    for name, n in counts.items():
        assert n <= BOUNDS[name], (name, n, counts)
    # more rows, the same queries
    for i in range(5):
        Notice.objects.create(
            household_id=citizen.household_id,
            application=app,
            moment="accepted",
            key=f"speed:{i}",
            text="您的救助申请已受理",
            created_at=app.submitted_at,
        )
    assert _count(client, "/m/") == counts["home"]
    assert _count(client, f"/m/case/{app.pk}/") == counts["case"]
