"""Serving files people uploaded (or the system made from their data) so a browser never runs
them: always an attachment, never sniffed into another type, and a Content-Security-Policy that
allows nothing (a PDF or SVG with script in it stays inert even if opened in the browser)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

STRICT_CSP = "default-src 'none'; sandbox"


def attachment(data: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """``data`` as a download named ``filename`` (UTF-8 names per RFC 6266)."""
    response = HttpResponse(data, content_type=content_type or "application/octet-stream")
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = STRICT_CSP
    response["Cache-Control"] = "private, no-store"
    return response
