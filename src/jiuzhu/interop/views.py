"""HTTP endpoints of the SPDCI Social Registry interface (``/dci/…``) and the CRVS notify
receiver. Machine-to-machine: bearer token, JSON in and out, no session and no CSRF (a token
in a header is not sent by a browser on its own)."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from jiuzhu.core import clock
from jiuzhu.interop import crvs, registry_interface, signing
from jiuzhu.interop.dci import envelope
from jiuzhu.interop.dci.envelope import EnvelopeError
from jiuzhu.interop.services import ScopeError, TokenError, authenticate


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(envelope.http_error(code, message, clock.now()), status=status)


def _checked(request, action: str):
    """(token, parsed request) or an error response."""
    try:
        token = authenticate(request.headers.get("Authorization"))
    except TokenError as exc:
        return None, _error(401, "err.unauthorized", str(exc))
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return None, _error(400, "rjct.request.invalid", "the body is not JSON")
    try:
        req = envelope.parse(body, expect_action=action)
        if req.sender_id != token.account.sender_id:
            raise EnvelopeError(
                "rjct.sender_id.invalid", "header.sender_id is not the token's system"
            )
        signing.verify(
            mode=token.account.signature_mode,
            public_key=token.account.public_key,
            signature=req.signature,
            header=req.header,
            message=req.message,
        )
    except EnvelopeError as exc:
        return None, _error(400, exc.code, exc.message)
    return (token, req), None


def _endpoint(action: str, *, sync: bool):
    @csrf_exempt
    @require_POST
    def view(request):
        checked, error = _checked(request, action)
        if error is not None:
            return error
        token, req = checked
        correlation_id = envelope.new_id()
        try:
            message = registry_interface.HANDLERS[action](token, req, correlation_id)
        except ScopeError as exc:
            return _error(403, "err.forbidden", f"the token lacks the scope {exc}")
        except EnvelopeError as exc:
            if sync:
                return _error(400, exc.code, exc.message)
            return JsonResponse(envelope.err(correlation_id, exc.code, exc.message, clock.now()))
        registry_interface.record(token, req, correlation_id, message, deliver=not sync)
        if not sync:
            return JsonResponse(envelope.ack(correlation_id, clock.now()))
        return JsonResponse(registry_interface.callback_envelope(action, message, to=req.sender_id))

    return view


search = _endpoint("search", sync=False)
subscribe = _endpoint("subscribe", sync=False)
unsubscribe = _endpoint("unsubscribe", sync=False)
txn_status = _endpoint("txn-status", sync=False)
sync_search = _endpoint("search", sync=True)
sync_txn_status = _endpoint("txn-status", sync=True)


@require_GET
def jwks(request):
    return JsonResponse(signing.public_jwks())


@csrf_exempt
@require_POST
def crvs_notify(request):
    """A civil registry's ``notify`` of deaths and births (the CRVS API's subscriber side)."""
    checked, error = _checked(request, "notify")
    if error is not None:
        return error
    token, req = checked
    try:
        crvs.notify_receive(token, req)
    except PermissionDenied:
        return _error(403, "err.forbidden", "the account may not upload death registrations")
    except ScopeError as exc:
        return _error(403, "err.forbidden", f"the token lacks the scope {exc}")
    except EnvelopeError as exc:
        return _error(400, exc.code, exc.message)
    return JsonResponse(envelope.ack(envelope.new_id(), clock.now()))
