"""Pages: scoping matrix, masking and the audited reveal, the task button, the profile section."""

import pytest
from django.urls import reverse

from jiuzhu.accounts.roles import Role
from jiuzhu.audit.models import AuditEvent
from jiuzhu.funds.models import PaymentAccount, Payroll
from jiuzhu.funds.selectors import payments_disagreeing_with_roll
from jiuzhu.funds.services import payroll_generate
from tests.conftest import CHENGDONG, HAILING, JIANGYAN
from tests.factories import user_with_role
from tests.funds.conftest import MONTH, household, on_roll
from tests.funds.helpers import released, return_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def payroll(officers):
    hh, _ = household(officers["zijin"], name="王芳")
    on_roll(hh, amount="710.00")
    return payroll_generate(
        actor=officers["zijin"], programme="dibao", area_code=HAILING, month=MONTH
    )


def _get(client, user, url):
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_scoping_matrix_for_the_payroll_page(client, officers, payroll):
    url = reverse("funds:payroll_detail", args=[payroll.pk])
    assert _get(client, None, url).status_code == 302  # anonymous → login
    assert _get(client, user_with_role(Role.VILLAGE_WORKER, CHENGDONG), url).status_code == 403
    assert _get(client, user_with_role(Role.PAYMENTS_OFFICER, JIANGYAN), url).status_code == 404
    auditor = user_with_role(Role.AUDITOR, "321200000000")
    r = _get(client, auditor, url)
    assert r.status_code == 200 and "王芳" in r.content.decode()
    r = _get(client, officers["zijin"], reverse("funds:payroll_list"))
    assert payroll.number in r.content.decode()
    other = user_with_role(Role.PAYMENTS_OFFICER, JIANGYAN)
    assert payroll.number not in _get(client, other, reverse("funds:payroll_list")).content.decode()


def test_account_numbers_are_masked_and_the_reveal_is_audited(client, officers, payroll):
    acct = PaymentAccount.objects.get()
    page = _get(
        client, officers["zijin"], reverse("funds:payroll_detail", args=[payroll.pk])
    ).content.decode()
    assert acct.account_number not in page and acct.account_number[-4:] in page
    auditor = user_with_role(Role.AUDITOR, "321200000000")
    client.force_login(auditor)
    assert client.post(reverse("funds:account_reveal", args=[acct.pk])).status_code == 403
    client.force_login(officers["zijin"])
    r = client.post(reverse("funds:account_reveal", args=[acct.pk]))
    assert r.json()["account_number"] == acct.account_number
    assert AuditEvent.objects.filter(
        action="funds.account_reveal", subject_id=str(acct.pk)
    ).exists()


def test_generate_button_enqueues_the_background_task(client, officers):
    from django_tasks_db.models import DBTaskResult

    client.force_login(officers["zijin"])
    r = client.post(
        reverse("funds:generate"), {"programme": "dibao", "area_code": HAILING, "month": "2026-11"}
    )
    assert r.status_code == 302
    task = DBTaskResult.objects.get()
    assert (
        task.task_path.endswith("payroll_generate_task")
        and task.args_kwargs["kwargs"]["area_code"] == HAILING
    )
    other = user_with_role(Role.PAYMENTS_OFFICER, JIANGYAN)
    client.force_login(other)
    assert (
        client.post(
            reverse("funds:generate"),
            {"programme": "dibao", "area_code": HAILING, "month": "2026-11"},
        ).status_code
        == 403
    )
    assert DBTaskResult.objects.count() == 1


def test_the_task_generates_the_payroll(officers, payroll):
    from jiuzhu.funds.tasks import payroll_generate_task

    result = payroll_generate_task.call(
        programme="dibao", area_code=HAILING, month="2026-11-01", actor_id=officers["zijin"].pk
    )
    assert result == {
        "payroll": payroll.pk,
        "lines": 1,
        "digest": Payroll.objects.get(pk=payroll.pk).digest,
    }


def test_household_profile_shows_payments_to_funds_roles_only(client, officers, payroll):
    hh = payroll.lines.get().household
    url = reverse("registry:household_detail", args=[hh.pk])
    page = _get(client, officers["zijin"], url).content.decode()
    assert 'id="payments"' in page and payroll.number in page
    worker = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG)
    page = _get(client, worker, url).content.decode()
    assert 'id="payments"' not in page


def test_refused_return_file_page_lists_the_problems(client, officers, payroll):
    p = released(officers)
    data = return_file(p, officers, mutate=lambda rows: rows[:-1])
    client.force_login(officers["zijin"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        reverse("funds:return_upload", args=[p.pk]), {"file": SimpleUploadedFile("r.csv", data)}
    )
    assert r.status_code == 400 and "缺少“合计”行" in r.content.decode()


def test_budget_page_has_the_chart_data(client, officers):
    from jiuzhu.funds.services import budget_set

    budget_set(
        actor=officers["caiwu"],
        programme="dibao",
        area_code=HAILING,
        year=2026,
        funding_source="central",
        amount="120000",
    )
    page = _get(client, officers["caiwu"], reverse("funds:budget") + "?year=2026").content.decode()
    assert "budget-chart" in page and "120,000.00" in page and "中央财政" in page


def test_payments_disagreeing_with_roll_for_monitoring(officers, payroll):
    p = released(officers)
    line = p.lines.get()
    entry = line.roll_entry
    assert payments_disagreeing_with_roll() == []
    entry.monthly_amount = "650.00"
    entry.save()
    rows = payments_disagreeing_with_roll(since=MONTH)
    assert rows == [
        {
            "household_id": line.household_id,
            "person_id": None,
            "programme": "dibao",
            "payroll_id": p.pk,
            "line_id": line.pk,
            "paid_amount": line.monthly_amount,
            "roll_amount": entry.monthly_amount
            if not isinstance(entry.monthly_amount, str)
            else __import__("decimal").Decimal("650.00"),
            "month": MONTH,
        }
    ]


def test_a_phase_out_payroll_can_be_generated_from_the_page(client, officers):
    from django_tasks_db.models import DBTaskResult

    client.force_login(officers["zijin"])
    page = client.get(reverse("funds:payroll_list")).content.decode()
    assert '<option value="phase_out">渐退</option>' in page
    r = client.post(
        reverse("funds:generate"),
        {"programme": "phase_out", "area_code": HAILING, "month": "2026-11"},
    )
    assert r.status_code == 302
    assert DBTaskResult.objects.get().args_kwargs["kwargs"]["programme"] == "phase_out"
