"""Message signatures (JWS, RFC 7515) for the SPDCI interface.

- Outgoing callbacks and notifications are signed with the registry's key: a compact JWS with
  a detached payload (RFC 7515 appendix F) over the canonical JSON of ``{"header", "message"}``
  (keys sorted, no spaces, UTF-8), algorithm ES256; the public key is published at
  ``/dci/.well-known/jwks.json``.
- Incoming messages are checked as the sender's service account says (``signature_mode``):
  ``message`` — the same detached JWS, verified with the account's public key (JWK);
  ``sender`` — a compact JWS whose payload names the sender (``{"iss": sender_id, "exp": …}``),
  for a client that cannot sign each message (the conformance kit sends one signature value
  for every request); ``none`` — not checked (an agreement without keys; say so in the
  agreement). A signature that does not verify is refused with ``rjct.signature.invalid``.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from jiuzhu.core import clock
from jiuzhu.interop.dci.envelope import EnvelopeError

ALG = "ES256"
_KEY: ECKey | None = None


def canonical(header: dict, message: dict) -> bytes:
    return json.dumps(
        {"header": header, "message": message},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def registry_key() -> ECKey:
    """The registry's signing key: ``JIUZHU_DCI_SIGNING_KEY`` (a JWK file); in development a
    key is made once under ``var/``."""
    global _KEY
    if _KEY is None:
        path = Path(
            getattr(settings, "DCI_SIGNING_KEY", "")
            or Path(settings.VAR_DIR) / "dci-signing-key.json"
        )
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = ECKey.generate_key("P-256", auto_kid=True)
            path.write_text(json.dumps(key.as_dict(private=True)))
            path.chmod(0o600)
        _KEY = ECKey.import_key(json.loads(path.read_text()))
    return _KEY


def public_jwks() -> dict:
    return {"keys": [registry_key().as_dict(private=False) | {"use": "sig", "alg": ALG}]}


def sign(header: dict, message: dict, key: ECKey | None = None) -> str:
    key = key or registry_key()
    token = jws.serialize_compact(
        {"alg": ALG, "kid": key.kid}, canonical(header, message), key, algorithms=[ALG]
    )
    return jws.detach_content(token)


def sender_assertion(sender_id: str, key: ECKey, *, ttl: int = 3600) -> str:
    now = int(clock.now().timestamp())
    return jwt.encode(
        {"alg": ALG}, {"iss": sender_id, "iat": now, "exp": now + ttl}, key, algorithms=[ALG]
    )


def _public_key(jwk_text: str) -> ECKey:
    try:
        return ECKey.import_key(json.loads(jwk_text))
    except (ValueError, JoseError) as exc:
        raise EnvelopeError(
            "rjct.signature.invalid", "the sender's public key is not usable"
        ) from exc


def verify(*, mode: str, public_key: str, signature, header: dict, message: dict) -> None:
    if mode == "none":
        return
    bad = EnvelopeError("rjct.signature.invalid", "the message signature does not verify")
    if not isinstance(signature, str) or signature.count(".") != 2 or not public_key:
        raise bad
    key = _public_key(public_key)
    try:
        if mode == "message":
            jws.deserialize_compact(
                signature, key, payload=canonical(header, message), algorithms=[ALG]
            )
            return
        token = jwt.decode(signature, key, algorithms=[ALG])
    except (JoseError, ValueError) as exc:
        raise bad from exc
    claims = token.claims
    if (
        claims.get("iss") != header.get("sender_id")
        or int(claims.get("exp", 0)) < clock.now().timestamp()
    ):
        raise bad
