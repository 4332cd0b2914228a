"""``jiuzhu interop``: service accounts and tokens from the console (the trusted bootstrap, as
``jiuzhu accounts grant``), and the CRVS subscription.

    jiuzhu interop account --sender-id yibao-321200 --name 市医保局 --area 321200000000 \\
        --purpose "医疗救助对象资助参保" --scopes registry.search,registry.subscribe \\
        --fields name,id_number,programmes --reveal id_number --signature none
    jiuzhu interop token --sender-id yibao-321200 --days 90      # prints the token once
    jiuzhu interop revoke --prefix 1a2b3c4d5e --reason "泄露"
    jiuzhu interop crvs-subscribe --url https://crvs.example/registry/subscribe \\
        --token … --notify-uri https://jiuzhu.example/dci/crvs/notify --area 321200000000
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.errors import ServiceError
from jiuzhu.interop import services, signing
from jiuzhu.interop.crvs import crvs_subscribe_message
from jiuzhu.interop.models import AccessToken, ServiceAccount


def _list(text: str) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


class Command(BaseCommand):
    help = "接入系统与接口令牌（控制台）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        a = sub.add_parser("account")
        a.add_argument("--sender-id", required=True)
        a.add_argument("--name", required=True)
        a.add_argument("--area", required=True)
        a.add_argument("--purpose", required=True)
        a.add_argument("--department", default="")
        a.add_argument("--scopes", required=True)
        a.add_argument("--fields", default="name,sex,birth_date,area,programmes")
        a.add_argument("--reveal", default="")
        a.add_argument("--public-key", default="", help="JWK (JSON) of the sender's key")
        a.add_argument("--signature", default="message", choices=["message", "sender", "none"])
        t = sub.add_parser("token")
        t.add_argument("--sender-id", required=True)
        t.add_argument("--days", type=int, default=90)
        t.add_argument("--scopes", default="")
        r = sub.add_parser("revoke")
        r.add_argument("--prefix", required=True)
        r.add_argument("--reason", required=True)
        k = sub.add_parser("keypair", help="make a sender key pair (JWK) for a test client")
        k.add_argument("--out", required=True)
        s = sub.add_parser("assertion", help="a sender assertion (JWS) signed with a key pair")
        s.add_argument("--key", required=True)
        s.add_argument("--sender-id", required=True)
        s.add_argument("--hours", type=int, default=2)
        c = sub.add_parser("crvs-subscribe")
        c.add_argument("--url", required=True)
        c.add_argument("--token", required=True)
        c.add_argument("--notify-uri", required=True)
        c.add_argument("--area", required=True)
        c.add_argument("--sender-id", default="jiuzhu-social-registry")

    def handle(self, *args, what, **o):
        try:
            getattr(self, "_" + what.replace("-", "_"))(**o)
        except ServiceError as exc:
            raise CommandError("; ".join(m for ms in exc.errors.values() for m in ms)) from exc

    def _account(self, **o):
        acc = services.service_account_create(
            actor=None,
            name=o["name"],
            sender_id=o["sender_id"],
            purpose=o["purpose"],
            area_code=o["area"],
            department=o["department"],
            scopes=_list(o["scopes"]),
            fields=_list(o["fields"]),
            reveal=_list(o["reveal"]),
            public_key=o["public_key"],
            signature_mode=o["signature"],
        )
        self.stdout.write(f"接入系统 {acc.sender_id}（{acc.name}）已登记并生效")

    def _token(self, **o):
        acc = ServiceAccount.objects.filter(sender_id=o["sender_id"]).first()
        if acc is None:
            raise CommandError(f"没有系统标识为 {o['sender_id']} 的接入系统")
        _, raw = services.token_issue(
            actor=None, account_id=acc.pk, scopes=_list(o["scopes"]) or None, days=o["days"]
        )
        self.stdout.write(raw)

    def _revoke(self, **o):
        token = AccessToken.objects.filter(prefix=o["prefix"]).first()
        if token is None:
            raise CommandError(f"没有前缀为 {o['prefix']} 的令牌")
        services.token_revoke(actor=None, token_id=token.pk, reason=o["reason"])
        self.stdout.write("令牌已吊销")

    def _keypair(self, **o):
        from joserfc.jwk import ECKey

        key = ECKey.generate_key("P-256", auto_kid=True)
        with open(o["out"], "w") as f:
            json.dump(key.as_dict(private=True), f)
        self.stdout.write(json.dumps(key.as_dict(private=False)))

    def _assertion(self, **o):
        from joserfc.jwk import ECKey

        with open(o["key"]) as f:
            key = ECKey.import_key(json.load(f))
        self.stdout.write(signing.sender_assertion(o["sender_id"], key, ttl=o["hours"] * 3600))

    def _crvs_subscribe(self, **o):
        import httpx

        body = crvs_subscribe_message(
            notify_uri=o["notify_uri"], area_code=o["area"], sender_id=o["sender_id"]
        )
        body["signature"] = signing.sign(body["header"], body["message"])
        r = httpx.post(
            o["url"], json=body, headers={"Authorization": f"Bearer {o['token']}"}, timeout=30
        )
        self.stdout.write(f"HTTP {r.status_code} {r.text[:500]}")
