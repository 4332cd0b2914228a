import random
import re
import struct
import zlib

import pytest

from jiuzhu.portal.sms import MemoryBackend
from tests.factories import HouseholdFactory, PersonFactory
from tests.funds.conftest import bank_profiles, officers  # noqa: F401  (fixtures for 我的救助)


def png_bytes(w: int = 40, h: int = 30, rgb=(200, 30, 40), noise: bool = False) -> bytes:
    """A real (decodable) PNG; with ``noise`` a photo-like one that JPEG makes smaller."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rnd = random.Random(7)
    if noise:
        rows = b"".join(b"\x00" + rnd.randbytes(3 * w) for _ in range(h))
    else:
        rows = (b"\x00" + bytes(rgb) * w) * h
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def _outbox():
    MemoryBackend.outbox.clear()
    yield
    MemoryBackend.outbox.clear()


def last_code(phone: str) -> str:
    for to, text in reversed(MemoryBackend.outbox):
        if to == phone:
            m = re.search(r"(\d{6})", text)
            if m:
                return m.group(1)
    raise AssertionError(f"no code sent to {phone}")


def registered(phone: str, name: str = "王秀英"):
    """A household whose head is registered with this phone."""
    hh = HouseholdFactory(head_name=name, phone=phone)
    person = PersonFactory(household=hh, name=name, phone=phone)
    return hh, person
