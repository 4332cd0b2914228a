"""The services market end to end in services (the browser test drives the same through pages):
点单 → 下单 → 抢单 (first valid claim wins) → 服务 → 评价 → 验收 → 服务费 through the ledger."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.funds.ledger import ledger_verify
from jiuzhu.funds.models import LedgerEntry, ServicePayment
from jiuzhu.funds.services import service_payment_approve, service_payment_release
from jiuzhu.support import selectors, services
from jiuzhu.support.models import ClaimStatus, OrderStatus, Provider, ServiceOrder
from tests.support.helpers import make_market

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _published(m, kind="counselling"):
    order = services.order_create(
        actor=m.county_user,
        household_id=m.household.pk,
        kind_code=kind,
        quantity="2",
        need="丧偶后情绪低落，需心理疏导",
    )
    return services.order_publish(
        actor=m.centre,
        order_id=order.pk,
        deadline=clock.today() + datetime.timedelta(days=10),
        conditions="须持证",
    )


def test_the_market_from_order_to_ledger():
    m = make_market()
    order = _published(m)
    assert order.amount == 160 and order.status == OrderStatus.PUBLISHED
    claim = services.order_claim(actor=m.admins["A"], order_id=order.pk, worker_id=m.staff["A"].pk)
    assert claim.status == ClaimStatus.WON
    with pytest.raises(ServiceError) as exc:
        services.order_claim(actor=m.admins["B"], order_id=order.pk, worker_id=m.staff["B"].pk)
    assert "已被其他机构接单" in exc.value.text()
    order.refresh_from_db()
    photo = io.BytesIO(PNG)
    photo.size, photo.content_type = len(PNG), "image/png"
    services.order_serve(
        actor=m.workers["A"],
        order_id=order.pk,
        version=order.version,
        hours="1.5",
        record="面谈一次，情绪好转",
        signature_png=PNG,
        photos=[photo],
        latitude="32.490600",
        longitude="119.922900",
        household_rating=5,
    )
    services.order_rate(actor=m.county_user, order_id=order.pk, who="bureau", rating=4)
    with pytest.raises(ServiceError):  # not yet rated by the centre
        services.order_accept(actor=m.centre, order_id=order.pk, version=99)
    services.order_rate(actor=m.centre, order_id=order.pk, who="centre", rating=5)
    assert str(Provider.objects.get(pk=m.providers["A"].pk).score) == "4.67"
    order.refresh_from_db()
    services.order_accept(actor=m.centre, order_id=order.pk, version=order.version)
    payment = ServicePayment.objects.get(source=f"order:{order.pk}")
    assert payment.amount == order.amount and payment.payee_name == m.providers["A"].name
    with pytest.raises((ServiceError, PermissionDenied)):  # the accepter may not approve
        service_payment_approve(actor=m.centre, payment_id=payment.pk, version=payment.version)
    payment = service_payment_approve(actor=m.payer, payment_id=payment.pk, version=1)
    with pytest.raises(PermissionDenied):  # approval is not release
        service_payment_release(actor=m.payer, payment_id=payment.pk, version=payment.version)
    service_payment_release(actor=m.finance, payment_id=payment.pk, version=payment.version)
    kinds = list(
        LedgerEntry.objects.filter(programme="services", line_id=payment.pk).values_list(
            "kind", flat=True
        )
    )
    assert kinds == ["payable", "approved", "sent"]
    assert ledger_verify().ok


def test_an_expired_certificate_blocks_a_claim():
    m = make_market()
    order = _published(m)
    staff = m.staff["A"]
    staff.certificate_expiry = clock.today() - datetime.timedelta(days=1)
    staff.save()
    with pytest.raises(ServiceError) as exc:
        services.order_claim(actor=m.admins["A"], order_id=order.pk, worker_id=staff.pk)
    assert exc.value.code == "certificate_expired" and "已过期" in exc.value.text()
    assert ServiceOrder.objects.get(pk=order.pk).status == OrderStatus.PUBLISHED
    # provider B, certified, may still claim it
    services.order_claim(actor=m.admins["B"], order_id=order.pk, worker_id=m.staff["B"].pk)


def test_a_provider_sees_only_its_orders_and_never_an_id_number():
    m = make_market()
    mine = _published(m)
    services.order_claim(actor=m.admins["A"], order_id=mine.pk, worker_id=m.staff["A"].pk)
    theirs = _published(m, kind="care")
    services.order_claim(actor=m.admins["B"], order_id=theirs.pk, worker_id=m.staff["B"].pk)
    open_order = _published(m, kind="meal")
    visible = set(selectors.orders_provider(m.admins["A"]).values_list("pk", flat=True))
    assert visible == {mine.pk, open_order.pk}
    assert set(selectors.orders_worker(m.workers["A"]).values_list("pk", flat=True)) == {mine.pk}
    head = m.household.members.get()
    for user, url_name in (
        (m.admins["A"], "support:order"),
        (m.workers["A"], "support:order"),
        (m.workers["A"], "support:order_serve"),
    ):
        c = Client()
        c.force_login(user)
        body = c.get(f"/support/orders/{mine.pk}/" + ("serve/" if "serve" in url_name else ""))
        assert body.status_code == 200
        text = body.content.decode()
        assert m.household.head_name in text and m.household.address in text
        assert head.id_number not in text and head.id_number[-4:] not in text
        assert "4321" not in text  # the household's income
        assert c.get(f"/support/orders/{theirs.pk}/").status_code == 404
        assert c.get(f"/registry/households/{m.household.pk}/").status_code in (403, 404)
    # the phone in full only to the worker on the visit
    c = Client()
    c.force_login(m.admins["A"])
    assert "13812345678" not in c.get(f"/support/orders/{mine.pk}/").content.decode()
    c.force_login(m.workers["A"])
    assert "13812345678" in c.get(f"/support/orders/{mine.pk}/serve/").content.decode()


def test_prices_need_a_second_person_and_an_order_needs_a_price():
    m = make_market()
    today = clock.today()
    p = services.price_propose(
        actor=m.centre,
        kind_code="visit",
        area_code=m.providers["A"].area_id,
        year=today.year,
        effective_from=today,
        unit_price="30.00",
        reason="探访",
    )
    with pytest.raises(ServiceError) as exc:
        services.order_create(
            actor=m.county_user,
            household_id=m.household.pk,
            kind_code="visit",
            quantity=1,
            need="x",
        )
    assert "没有已生效的服务单价" in exc.value.text()
    with pytest.raises(Http404):  # the centre proposes; it cannot approve
        services.price_decide(actor=m.centre, price_id=p.pk, approve=True)
    services.price_decide(actor=m.county_user, price_id=p.pk, approve=True)
    o = services.order_create(
        actor=m.county_user, household_id=m.household.pk, kind_code="visit", quantity=1, need="x"
    )
    assert str(o.unit_price) == "30.00"


def test_the_credit_code_is_checked():
    m = make_market()
    with pytest.raises(ServiceError) as exc:
        services.provider_create(
            actor=m.centre,
            name="某机构",
            credit_code="91321202MA1MXXXX00",
            area_code=m.providers["A"].area_id,
            served_areas=[m.providers["A"].area_id],
            kind_codes=["care"],
        )
    assert "credit_code" in exc.value.errors


def test_where_the_centre_picks_claims_wait_and_the_pick_awards_one():
    m = make_market()
    services.market_setting_set(
        actor=m.centre, area_code=m.providers["A"].area_id, pick_mode="choose"
    )
    order = _published(m)
    a = services.order_claim(actor=m.admins["A"], order_id=order.pk, worker_id=m.staff["A"].pk)
    b = services.order_claim(actor=m.admins["B"], order_id=order.pk, worker_id=m.staff["B"].pk)
    assert a.status == b.status == ClaimStatus.WAITING
    services.order_pick(actor=m.centre, order_id=order.pk, claim_id=b.pk)
    order.refresh_from_db()
    a.refresh_from_db()
    assert order.provider_id == m.providers["B"].pk and order.status == OrderStatus.CLAIMED
    assert a.status == ClaimStatus.LOST
