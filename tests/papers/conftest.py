"""Papers tests: the OCR engine loads once per test process (module-scoped fixtures reuse it)."""

import datetime

import pytest

TODAY = datetime.date(2026, 11, 18)  # the images' "today"; findings use the fixed test clock


@pytest.fixture(scope="session")
def ocr_engine():
    from jiuzhu.papers.engine import ocr

    return ocr.engine()
