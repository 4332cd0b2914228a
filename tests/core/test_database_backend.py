import os

from django.db import connection


def test_suite_runs_on_the_requested_database(db):
    """CI runs the suite twice; this fails if the PostgreSQL run silently used SQLite."""
    wanted = os.environ.get("JIUZHU_TEST_DATABASE_URL", "")
    expected = "postgresql" if wanted.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
