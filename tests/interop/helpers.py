"""Builders for the interop tests: service accounts made through the console path, envelopes."""

from __future__ import annotations

import itertools

from jiuzhu.interop import services
from jiuzhu.interop.dci import envelope

_ids = itertools.count(1)


def account(**kw):
    """An approved service account (console bootstrap) and a token for it: (account, raw)."""
    defaults = dict(
        actor=None,
        name="市医保局",
        sender_id=f"sys-{next(_ids)}",
        purpose="医疗救助资助参保",
        area_code="321200000000",
        scopes=["registry.search", "registry.subscribe"],
        fields=["name", "sex", "birth_date", "id_number", "area", "programmes"],
        signature_mode="none",
    )
    defaults.update(kw)
    acc = services.service_account_create(**defaults)
    _, raw = services.token_issue(actor=None, account_id=acc.pk)
    return acc, raw


def request(action: str, message: dict, sender_id: str, *, sender_uri: str | None = None) -> dict:
    header = {
        "version": "1.0.0",
        "message_id": envelope.new_id(),
        "message_ts": "2026-12-07T10:00:00Z",
        "action": action,
        "sender_id": sender_id,
        "total_count": 1,
    }
    if sender_uri:
        header["sender_uri"] = sender_uri
    return {"signature": "", "header": header, "message": message}


def search_by_id(id_number: str, sender_id: str, **kw) -> dict:
    return request(
        "search",
        {
            "transaction_id": f"t-{next(_ids)}",
            "search_request": [
                {
                    "reference_id": "r1",
                    "timestamp": "2026-12-07T10:00:00Z",
                    "search_criteria": {
                        "query_type": "idtype-value",
                        "query": {"type": "UIN", "value": id_number},
                    },
                }
            ],
        },
        sender_id,
        **kw,
    )


def post(client, path: str, body: dict, raw: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    return client.post(path, data=body, content_type="application/json", **headers)
