"""The SPDCI message envelope (Social Registry API v1.0.0): checking requests and building
ACKs, errors and callback messages. Plain Python — no Django — so it is tested alone.

An envelope is ``{"signature": …, "header": {...}, "message": {...}}``. A request that fails
here is answered with HTTP 400 and ``{"errors": [{"code", "message"}]}`` (the spec's
HttpErrorResponse) or, once the header is readable, an ACK with ``ack_status = ERR``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

VERSION = "1.0.0"
ACTIONS = {"search", "subscribe", "unsubscribe", "txn-status", "notify"}
QUERY_TYPES = {"idtype-value", "expression", "predicate"}
REG_TYPE = "ns:org:RegistryType:Social"


class EnvelopeError(ValueError):
    """A request the registry cannot take; ``code`` is one of the spec's reason codes."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Request:
    header: dict
    message: dict
    signature: str | None

    @property
    def action(self) -> str:
        return self.header["action"]

    @property
    def sender_id(self) -> str:
        return self.header["sender_id"]

    @property
    def sender_uri(self) -> str:
        return str(self.header.get("sender_uri") or "")

    @property
    def transaction_id(self) -> str:
        return str(self.message.get("transaction_id") or "")


def timestamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    return uuid.uuid4().hex


def _parse_ts(value, field: str, code: str) -> None:
    if not isinstance(value, str) or not value:
        raise EnvelopeError(code, f"{field} is required (RFC 3339 date-time)")
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise EnvelopeError(code, f"{field} is not an RFC 3339 date-time: {value!r}") from exc


def parse(body, *, expect_action: str) -> Request:
    """Check the envelope of a request to an endpoint whose action is ``expect_action``."""
    if not isinstance(body, dict):
        raise EnvelopeError("rjct.request.invalid", "the body must be a JSON object")
    header, message = body.get("header"), body.get("message")
    if not isinstance(header, dict):
        raise EnvelopeError("rjct.header.invalid", "header is required")
    if not isinstance(message, dict):
        raise EnvelopeError("rjct.message.invalid", "message is required")
    for field in ("message_id", "action", "sender_id"):
        if not isinstance(header.get(field), str) or not header[field].strip():
            raise EnvelopeError(f"rjct.{field}.invalid", f"header.{field} is required")
    if len(header["message_id"]) > 99:
        raise EnvelopeError("rjct.message_id.invalid", "header.message_id is longer than 99")
    _parse_ts(header.get("message_ts"), "header.message_ts", "rjct.message_ts.invalid")
    version = header.get("version", VERSION)
    if version != VERSION:
        raise EnvelopeError("rjct.version.invalid", f"version {version!r} is not supported")
    if header["action"] != expect_action:
        raise EnvelopeError(
            "rjct.action.invalid", f"action {header['action']!r} does not match this endpoint"
        )
    total = header.get("total_count")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise EnvelopeError("rjct.total_count.invalid", "header.total_count must be an integer")
    if header.get("is_msg_encrypted"):
        raise EnvelopeError("rjct.action.not_supported", "encrypted messages are not supported")
    uri = header.get("sender_uri")
    if uri is not None and not (isinstance(uri, str) and uri.startswith(("http://", "https://"))):
        raise EnvelopeError("rjct.sender_uri.invalid", "header.sender_uri must be an http(s) URI")
    signature = body.get("signature")
    if signature is not None and not isinstance(signature, str):
        raise EnvelopeError("rjct.signature.invalid", "signature must be a string")
    req = Request(header=header, message=message, signature=signature)
    tid = req.transaction_id
    if not tid or len(tid) > 99:
        raise EnvelopeError("rjct.transaction_id.invalid", "message.transaction_id is required")
    return req


def ack(correlation_id: str, now: dt.datetime) -> dict:
    return {
        "message": {
            "ack_status": "ACK",
            "timestamp": timestamp(now),
            "correlation_id": correlation_id,
        }
    }


def err(correlation_id: str, code: str, message: str, now: dt.datetime) -> dict:
    return {
        "message": {
            "ack_status": "ERR",
            "timestamp": timestamp(now),
            "correlation_id": correlation_id,
            "error": {"code": code, "message": message[:999]},
        }
    }


def http_error(code: str, message: str, now: dt.datetime) -> dict:
    """An HTTP 4xx body: the spec's ``HttpErrorResponse`` (``errors``) and, beside it, the
    ``message`` of an ERR acknowledgement — the conformance kit reads only the latter, the
    spec defines only the former (docs/interop.md lists this discrepancy)."""
    body = err("", code, message, now)
    body["errors"] = [{"code": code, "message": message[:999]}]
    return body


def callback_header(
    action: str,
    *,
    sender_id: str,
    receiver_id: str,
    now: dt.datetime,
    status: str = "succ",
    total: int = 1,
    completed: int | None = None,
    reason: tuple[str, str] | None = None,
) -> dict:
    header = {
        "version": VERSION,
        "message_id": new_id(),
        "message_ts": timestamp(now),
        "action": action,
        "status": status,
        "total_count": total,
        "completed_count": total if completed is None else completed,
        "sender_id": sender_id,
        "receiver_id": receiver_id,
        "is_msg_encrypted": False,
    }
    if reason:
        header["status_reason_code"], header["status_reason_message"] = reason
    return header
