"""The language of what is stored or issued.

The interface follows the reader (Chinese by default, English on request), but text written into
a record (a case's reason, a to-do note, an audit reason) and documents the office issues
(decision letters, 核对报告 PDFs) are always in the site's language, ``settings.LANGUAGE_CODE``,
whatever language the person who caused them reads.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def official_language():
    """A context in which translated strings render in the site's language."""
    return translation.override(settings.LANGUAGE_CODE)


def stored_text(label) -> str:
    """A (lazy) translated label as it goes into a stored record."""
    with official_language():
        return str(label)
