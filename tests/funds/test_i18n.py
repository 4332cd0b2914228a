"""Funds pages in English: the page's own text is translated; data (names, areas, bank names,
stored flag reasons) stays as stored. Return-file problems are shown in the reader's language."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jiuzhu.core.errors import ServiceError
from jiuzhu.core.programmes import programme_label
from jiuzhu.funds.models import BankProfile, PayrollLine
from jiuzhu.funds.services import bank_return_import, payroll_generate, payroll_submit
from tests.conftest import HAILING
from tests.funds.conftest import MONTH, household, on_roll
from tests.funds.helpers import released, return_file
from tests.i18n import area_names, chinese_lines, english_client, main_text

pytestmark = pytest.mark.django_db


def _data(officers) -> list[str]:
    """Chinese that is data, not the page's text: area, officer and bank names, a programme."""
    return [
        *area_names(),
        *(str(u) for u in officers.values()),
        *BankProfile.objects.values_list("name", flat=True),
        "江苏泰州农村商业银行",  # the bank's name on the accounts (data)
        programme_label("dibao"),
    ]


def test_payroll_pages_in_english(officers):
    hh, _head = household(officers["zijin"], name="Wang Fang")
    on_roll(hh, amount="710.00")
    hh2, _head2 = household(officers["zijin"], name="Li Ming")
    on_roll(hh2, amount="600.00")
    payroll = released(officers)
    data = _data(officers)
    zijin = english_client(officers["zijin"])

    page = main_text(zijin.get(reverse("funds:payroll_list")), data=data)
    assert "<h1>Payments</h1>" in page and "Generate a payroll" in page
    assert chinese_lines(page) == [], chinese_lines(page)

    page = main_text(zijin.get(reverse("funds:payroll_detail", args=[payroll.pk])), data=data)
    assert "Payroll number" in page and "Approval" in page and "Bank payment file" in page
    assert "November 2026" in page  # the month, in the English format
    assert chinese_lines(page) == [], chinese_lines(page)

    data_file = return_file(payroll, officers, fail={2: "账号错误"})
    bank_return_import(
        actor=officers["zijin"], payroll_id=payroll.pk, data=data_file, file_name="r.csv"
    )
    page = main_text(
        zijin.get(reverse("funds:payroll_detail", args=[payroll.pk]) + "?show=failed"), data=data
    )
    assert "Reconciliation" in page and "Wrong account number" in page  # the failure reason
    assert chinese_lines(page) == [], chinese_lines(page)

    page = main_text(zijin.get(reverse("funds:reissue")), data=data)
    assert "Wrong account number" in page and chinese_lines(page) == [], chinese_lines(page)
    page = main_text(zijin.get(reverse("funds:recoveries")), data=data)
    assert chinese_lines(page) == [], chinese_lines(page)
    page = main_text(zijin.get(reverse("funds:holds")), data=data)
    assert chinese_lines(page) == [], chinese_lines(page)
    response = zijin.get(reverse("funds:budget"))
    assert "name: 'Released to date'" in response.content.decode()  # the chart's series
    page = main_text(response, data=data)
    assert "Annual budget" in page
    assert chinese_lines(page) == [], chinese_lines(page)
    page = main_text(zijin.get(reverse("registry:household_detail", args=[hh.pk])), data=data)
    assert "Payment account" in page
    assert chinese_lines(page[page.index('id="payments"') :]) == []


def test_return_file_problems_in_the_readers_language(officers):
    hh, _head = household(officers["zijin"], name="Wang Fang")
    on_roll(hh, amount="710.00")
    payroll = released(officers)

    def wrong_amount(rows):
        rows[1][4] = "1.00"
        return rows

    bad = return_file(payroll, officers, mutate=wrong_amount)
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        bank_return_import(
            actor=officers["zijin"], payroll_id=payroll.pk, data=bad, file_name="r.csv"
        )
    text = exc.value.text()
    assert "Row 2: the amount 1.00 differs from the amount sent, 710.00" in text
    with pytest.raises(ServiceError) as exc:
        bank_return_import(
            actor=officers["zijin"], payroll_id=payroll.pk, data=bad, file_name="r.csv"
        )
    assert "第 2 行：金额 1.00 与代发金额 710.00 不符" in exc.value.text()


def test_the_refused_return_file_page_in_english(officers):
    hh, _head = household(officers["zijin"], name="Wang Fang")
    on_roll(hh, amount="710.00")
    payroll = released(officers)

    def wrong_amount(rows):
        rows[1][4] = "1.00"
        return rows

    upload = SimpleUploadedFile("r.csv", return_file(payroll, officers, mutate=wrong_amount))
    r = english_client(officers["zijin"]).post(
        reverse("funds:return_upload", args=[payroll.pk]), {"file": upload}
    )
    assert r.status_code == 400
    text = main_text(r.content.decode())
    assert "Row 2: the amount 1.00 differs from the amount sent, 710.00" in text
    assert chinese_lines(text) == [], chinese_lines(text)


def test_workflow_refusals_translate(officers):
    hh, _head = household(officers["zijin"], name="Wang Fang")
    on_roll(hh, amount="710.00")
    p = payroll_generate(actor=officers["zijin"], programme="dibao", area_code=HAILING, month=MONTH)
    p = payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    assert exc.value.text() == "Only a draft payroll can be submitted"
    with pytest.raises(ServiceError) as exc:
        payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    assert exc.value.text() == "只有草稿状态的发放批次可以提交"


def test_flag_labels_are_stored_in_chinese_and_shown_translated(officers):
    hh, _head = household(officers["zijin"], name="Wang Fang", account=False)
    on_roll(hh, amount="710.00")
    p = payroll_generate(actor=officers["zijin"], programme="dibao", area_code=HAILING, month=MONTH)
    line = PayrollLine.objects.get(payroll=p)
    assert [f["label"] for f in line.flags] == ["无发放账户"]  # the stored record
    zijin = english_client(officers["zijin"])
    page = main_text(zijin.get(reverse("funds:payroll_detail", args=[p.pk])), data=_data(officers))
    assert "No payment account" in page and "无发放账户" not in page
    body = zijin.get(f"/api/v1/funds/payrolls/{p.pk}/lines").json()
    assert body["items"][0]["flags"][0]["label"] == "No payment account"
    assert body["items"][0]["flags"][0]["code"] == "no_account"


def test_a_second_approval_level_names_the_level_in_the_readers_language(officers):
    from decimal import Decimal

    from jiuzhu.funds.models import ApprovalThreshold

    ApprovalThreshold.objects.create(
        area_id=HAILING[:4] + "00000000",
        above_total=Decimal("1000.00"),
        label="City check",
        approver_area_level="city",
    )
    for name in ("Wang Fang", "Li Ming"):
        hh, _head = household(officers["zijin"], name=name)
        on_roll(hh, amount="710.00")
    p = payroll_generate(actor=officers["zijin"], programme="dibao", area_code=HAILING, month=MONTH)
    p = payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    url = reverse("funds:payroll_detail", args=[p.pk])
    page = main_text(english_client(officers["zijin"]).get(url), data=_data(officers))
    assert "City check (by City-level staff, payroll above 1000.00 yuan)" in page
    assert chinese_lines(page) == [], chinese_lines(page)
    translation.deactivate()
    c = Client()
    c.force_login(officers["zijin"])
    page = c.get(url).content.decode()
    assert "City check（须市级人员，批次金额超过 1000.00 元）" in page
