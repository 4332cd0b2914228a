"""One paper read end to end: OCR → kind → fields → validation (and cross-check when given)."""

from __future__ import annotations

import datetime
import time

from jiuzhu.papers.engine import checks, fields, ocr


def read_paper(
    data: bytes, *, kind: str = "", today: datetime.date, expected: dict | None = None
) -> dict:
    """``{"kind", "fields", "findings", "text", "seconds"}`` for one image."""
    t0 = time.perf_counter()
    boxes = ocr.read_boxes(data)
    text_rows = ocr.rows(boxes)
    detected = fields.detect_kind(text_rows)
    if (
        kind in ("id_card", "")
        and detected in ("id_front", "id_back")
        or not kind
        or kind not in fields.KINDS
    ):
        kind = detected
    values = fields.extract(kind, text_rows) if kind else {}
    found = (
        checks.validate(kind, values, today=today)
        if kind
        else [{"code": "unknown_kind", "field": "", "params": {}}]
    )
    if expected:
        found += checks.cross_check(kind, values, expected)
    return {
        "kind": kind,
        "fields": values,
        "findings": found,
        "text": "\n".join(text_rows),
        "seconds": round(time.perf_counter() - t0, 3),
    }
