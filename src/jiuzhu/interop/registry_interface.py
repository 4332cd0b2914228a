"""The SPDCI Social Registry interface: what each endpoint does with a checked request.

Every handler takes the parsed ``Request`` and the caller's ``AccessToken`` and returns the
``message`` of the answer (sync) or stores it for the callback (async). Searches run through
``registry.selectors.person_search`` in the service account's scope, and persons go out as the
agreement says (``selectors.person_records``)."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.interop import signing
from jiuzhu.interop.dci import envelope
from jiuzhu.interop.dci.envelope import EnvelopeError, Request
from jiuzhu.interop.dci.query import parse_query
from jiuzhu.interop.models import AccessToken, Delivery, Subscription, Transaction
from jiuzhu.interop.selectors import person_records
from jiuzhu.interop.services import call_record, require_scope
from jiuzhu.registry.selectors import person_search

RECEIVER_ID = "jiuzhu-social-registry"
MAX_PAGE = 1000
CALLBACK_ACTION = {
    "search": "on-search",
    "subscribe": "on-subscribe",
    "unsubscribe": "on-unsubscribe",
    "txn-status": "txn-on-status",
}


def _items(message: dict, key: str) -> list[dict]:
    items = message.get(key)
    if not isinstance(items, list) or not items:
        raise EnvelopeError(f"rjct.{key}.invalid", f"message.{key} must be a non-empty list")
    if not all(isinstance(i, dict) for i in items):
        raise EnvelopeError(f"rjct.{key}.invalid", f"each of message.{key} must be an object")
    return items


def _search_one(token: AccessToken, item: dict) -> tuple[dict, int]:
    now = clock.now()
    ref = str(item.get("reference_id") or "")
    base = {"reference_id": ref, "timestamp": envelope.timestamp(now)}
    try:
        if not ref:
            raise EnvelopeError("rjct.reference_id.invalid", "reference_id is required")
        criteria = item.get("search_criteria")
        if not isinstance(criteria, dict):
            raise EnvelopeError("rjct.search_criteria.invalid", "search_criteria is required")
        query = parse_query(str(criteria.get("query_type", "")), criteria.get("query"))
        page = criteria.get("pagination") or {}
        size = int(page.get("page_size") or 100)
        number = int(page.get("page_number") or 1)
        if not (1 <= size <= MAX_PAGE and number >= 1):
            raise EnvelopeError(
                "rjct.pagination.invalid", f"page_size must be 1–{MAX_PAGE}, page_number ≥ 1"
            )
        try:
            qs = person_search(
                user=token.account.user,
                conditions=[(c.field, c.op, c.value) for c in query.conditions],
                join=query.join,
            )
            total = qs.count()
            persons = list(qs[(number - 1) * size : number * size])
        except (ValueError, ArithmeticError) as exc:
            raise EnvelopeError("rjct.search_criteria.invalid", str(exc)) from exc
    except EnvelopeError as exc:
        return base | {
            "status": "rjct",
            "status_reason_code": exc.code,
            "status_reason_message": exc.message,
        }, 0
    entity = criteria.get("response_entity") or "Member"
    records = [{"@type": "SRPerson", **r} for r in person_records(token.account, persons)]
    return base | {
        "status": "succ",
        "data": {
            "version": "1.0.0",
            "reg_type": envelope.REG_TYPE,
            "reg_record_type": "SRPerson" if entity == "Member" else "SRGroup",
            "reg_records": records,
        },
        "pagination": {"page_size": size, "page_number": number, "total_count": total},
    }, len(records)


def search(token: AccessToken, req: Request, correlation_id: str) -> dict:
    require_scope(token, "registry.search")
    items = _items(req.message, "search_request")
    responses, rows = [], 0
    for item in items:
        resp, n = _search_one(token, item)
        responses.append(resp)
        rows += n
    call_record(token, "dci.search", rows=rows, extra={"txn": req.transaction_id})
    return {
        "transaction_id": req.transaction_id,
        "correlation_id": correlation_id,
        "search_response": responses,
    }


def _notify_uri(req: Request, criteria: dict) -> str:
    uri = str(criteria.get("notify_uri") or req.sender_uri or "")
    if uri.endswith("/on-subscribe"):
        uri = uri[: -len("on-subscribe")] + "notify"
    return uri


def subscribe(token: AccessToken, req: Request, correlation_id: str) -> dict:
    require_scope(token, "registry.subscribe")
    now = clock.now()
    out = []
    for item in _items(req.message, "subscribe_request"):
        ref = str(item.get("reference_id") or "")
        criteria = item.get("subscribe_criteria")
        base = {"reference_id": ref, "timestamp": envelope.timestamp(now)}
        if not ref or not isinstance(criteria, dict) or "filter" not in criteria:
            out.append(
                base
                | {
                    "status": "rjct",
                    "status_reason_code": "rjct.notify_details.invalid",
                    "status_reason_message": "subscribe_criteria with reg_event_type and filter is required",
                }
            )
            continue
        event = str(criteria.get("reg_event_type") or "REGISTER")
        sub = Subscription.objects.create(
            account=token.account,
            code=f"sub-{envelope.new_id()}",
            event_types=[event],
            notify_uri=_notify_uri(req, criteria)[:300],
            area_code=token.account.area.prefix,
        )
        out.append(
            base
            | {
                "status": "succ",
                "subscriptions": [
                    {
                        "code": sub.code,
                        "status": "subscribe",
                        "timestamp": envelope.timestamp(now),
                        "reg_type": envelope.REG_TYPE,
                        "reg_event_type": event,
                    }
                ],
            }
        )
    call_record(token, "dci.subscribe", rows=len(out), extra={"txn": req.transaction_id})
    return {
        "transaction_id": req.transaction_id,
        "correlation_id": correlation_id,
        "subscribe_response": out,
    }


def unsubscribe(token: AccessToken, req: Request, correlation_id: str) -> dict:
    require_scope(token, "registry.subscribe")
    codes = req.message.get("subscription_codes")
    if not isinstance(codes, list) or not codes:
        raise EnvelopeError("rjct.subscription_code.invalid", "subscription_codes is required")
    now = clock.now()
    statuses = []
    for code in codes:
        # a code unknown to this sender, or already ended, changes nothing and is answered alike
        Subscription.objects.filter(account=token.account, code=str(code), active=True).update(
            active=False, ended_at=now
        )
        statuses.append({"code": str(code), "status": "unsubscribe"})
    call_record(token, "dci.unsubscribe", rows=len(codes), extra={"txn": req.transaction_id})
    return {
        "transaction_id": req.transaction_id,
        "correlation_id": correlation_id,
        "timestamp": envelope.timestamp(now),
        "status": "succ",
        "subscription_status": statuses,
    }


def txn_status(token: AccessToken, req: Request, correlation_id: str) -> dict:
    if not set(token.scopes) & {"registry.search", "registry.subscribe"}:
        require_scope(token, "registry.search")
    body = req.message.get("txnstatus_request")
    if not isinstance(body, dict):
        raise EnvelopeError("rjct.txnstatus_request.invalid", "txnstatus_request is required")
    kind = str(body.get("attribute_type") or "transaction_id")
    value = body.get("attribute_value")
    txn_type = str(body.get("txn_type") or "search")
    qs = Transaction.objects.filter(account=token.account)
    if kind == "correlation_id":
        found = qs.filter(correlation_id=str(value)).order_by("-id").first()
    else:
        found = qs.filter(transaction_id=str(value)).order_by("-id").first()
    status = {"transaction_id": str(value if kind == "transaction_id" else req.transaction_id)}
    if found is not None and found.action == "search":
        status = {
            "transaction_id": found.transaction_id,
            "correlation_id": found.correlation_id,
            "search_response": found.response.get("search_response", []),
        }
    else:
        status |= {
            "correlation_id": found.correlation_id if found else correlation_id,
            "search_response": [],
        }
    call_record(token, "dci.txn_status", extra={"txn": req.transaction_id})
    return {
        "transaction_id": req.transaction_id,
        "correlation_id": correlation_id,
        "txnstatus_response": {"txn_type": txn_type, "txn_status": status},
    }


HANDLERS = {
    "search": search,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "txn-status": txn_status,
}


def callback_envelope(action: str, message: dict, *, to: str) -> dict:
    header = envelope.callback_header(
        CALLBACK_ACTION[action], sender_id=RECEIVER_ID, receiver_id=to, now=clock.now()
    )
    return {"signature": signing.sign(header, message), "header": header, "message": message}


def record(
    token: AccessToken, req: Request, correlation_id: str, response: dict, *, deliver: bool
) -> None:
    """Keep the transaction (for txn/status) and, for an async request, queue the callback."""
    with transaction.atomic():
        Transaction.objects.create(
            account=token.account,
            transaction_id=req.transaction_id,
            message_id=str(req.header.get("message_id")),
            correlation_id=correlation_id,
            action=req.action,
            status="succ",
            sender_uri=req.sender_uri[:300],
            request={"header": req.header, "message": req.message},
            response=response,
        )
        if deliver and req.sender_uri:
            d = Delivery.objects.create(
                account=token.account,
                url=req.sender_uri,
                body=callback_envelope(req.action, response, to=req.sender_id),
            )
            transaction.on_commit(lambda: deliver_task.enqueue(d.pk))


def notify_subscribers(*, area_code: str, event_type: str, records_for) -> int:
    """Queue a notify to every active subscription whose area covers ``area_code``;
    ``records_for(account)`` gives the records as that subscriber's agreement allows."""
    n = 0
    with transaction.atomic():
        n = _notify(area_code, event_type, records_for)
    return n


def _notify(area_code: str, event_type: str, records_for) -> int:
    n = 0
    for sub in Subscription.objects.filter(active=True).select_related("account"):
        if not area_code.startswith(sub.area_code) or not sub.account.active:
            continue
        message = {
            "transaction_id": envelope.new_id(),
            "notify_event": [
                {
                    "reference_id": sub.code,
                    "timestamp": envelope.timestamp(clock.now()),
                    "data": {
                        "version": "1.0.0",
                        "reg_type": envelope.REG_TYPE,
                        "reg_event_type": event_type,
                        "reg_record_type": "SRPerson",
                        "reg_records": records_for(sub.account),
                    },
                }
            ],
        }
        header = envelope.callback_header(
            "notify", sender_id=RECEIVER_ID, receiver_id=sub.account.sender_id, now=clock.now()
        )
        d = Delivery.objects.create(
            account=sub.account,
            url=sub.notify_uri,
            body={"signature": signing.sign(header, message), "header": header, "message": message},
        )
        audit_record(
            actor=None,
            action="interop.dci.notify",
            subject_type="service_account",
            subject_id=sub.account_id,
            area_code=area_code,
            extra={"subscription": sub.code, "event": event_type, "delivery": d.pk},
        )
        transaction.on_commit(lambda pk=d.pk: deliver_task.enqueue(pk))
        n += 1
    return n


@task()
def deliver_task(delivery_id: int) -> dict:
    """POST one callback or notify; a failure is kept with its error and retried by the
    nightly sweep (``deliveries_retry_task``)."""
    import httpx

    d = Delivery.objects.get(pk=delivery_id)
    if d.delivered_at is not None:
        return {"delivered": True}
    try:
        r = httpx.post(d.url, json=d.body, timeout=10.0)
        ok = r.status_code < 300
        error = "" if ok else f"HTTP {r.status_code}"
    except httpx.HTTPError as exc:
        ok, error = False, str(exc)[:300]
    Delivery.objects.filter(pk=d.pk).update(
        attempts=d.attempts + 1,
        delivered_at=clock.now() if ok else None,
        last_error=error,
    )
    return {"delivered": ok, "error": error}


@task()
def deliveries_retry_task(scheduled: str = "") -> dict:
    """Callbacks and notifications not yet delivered (at most 10 attempts each)."""
    from jiuzhu.core.schedule import schedule_chain

    with schedule_chain(scheduled):
        pending = list(
            Delivery.objects.filter(delivered_at=None, attempts__lt=10).values_list("pk", flat=True)
        )
        for pk in pending:
            deliver_task.call(pk)
        return {"retried": len(pending)}
