"""Sending a text message: a small pluggable backend.

``settings.JIUZHU_SMS_BACKEND`` names one of the registered backends (``console`` by default,
``file`` writes to ``JIUZHU_SMS_FILE``, ``memory`` keeps an outbox for tests). A province SMS
gateway is added by writing a class with ``send(phone: str, text: str) -> None`` (raise
``SmsError`` when the gateway refuses) and registering it under a name with
``register_backend("province", ProvinceGateway)`` in that deployment's AppConfig.ready().
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings

from jiuzhu.core import clock

log = logging.getLogger("jiuzhu.portal.sms")


class SmsError(Exception):
    pass


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        log.warning("SMS to %s: %s", phone, text)
        print(f"[短信] {phone}: {text}", flush=True)


class FileBackend:
    def send(self, phone: str, text: str) -> None:
        path = Path(getattr(settings, "JIUZHU_SMS_FILE", "sms-outbox.txt"))
        with path.open("a", encoding="utf-8") as f:
            f.write(f"{clock.now().isoformat()}\t{phone}\t{text}\n")


class MemoryBackend:
    """Keeps every message in ``outbox`` (tests read the code from here)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        MemoryBackend.outbox.append((phone, text))


_BACKENDS: dict[str, type] = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "memory": MemoryBackend,
}


def register_backend(name: str, cls: type) -> None:
    _BACKENDS[name] = cls


def backend():
    name = getattr(settings, "JIUZHU_SMS_BACKEND", "console")
    try:
        return _BACKENDS[name]()
    except KeyError as exc:
        raise SmsError(f"unknown SMS backend {name!r}") from exc


def send(phone: str, text: str) -> None:
    backend().send(phone, text)
