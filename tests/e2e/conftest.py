"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser).

``make test`` installs the ``chromium`` package with apt-get when it is missing. A missing
browser fails these tests rather than skipping them, so a green run always drove a real browser.
"""

import os
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "pass-1234"  # tests.factories.UserFactory


@pytest.fixture
def chromium():
    """A headless Debian Chromium; database connections opened meanwhile are closed after."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed: run `make test` or apt-get install chromium")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            # Connections opened while Playwright's loop runs belong to its context; close them
            # here or PostgreSQL refuses to drop the test database at the end.
            connections.close_all()
            browser.close()
