"""Shared plumbing for the benchmarks in this folder: Django setup, a throwaway database,
query counting and timing.

A benchmark script imports this module first (`from harness import ...`), calls
`setup_django()`, and only then imports models and services.
"""

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# `python bench/<name>.py` puts bench/ first on sys.path, not the repo root, so the
# project's packages (expedite_site, tickets, ...) would not import without this.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def setup_django() -> None:
    """Load the project's settings (or those named by DJANGO_SETTINGS_MODULE) and apps."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "expedite_site.settings")
    django.setup()
    # Production jobs run with DEBUG off; with it on every query is also formatted and
    # logged, which would inflate the timings (Django's test runner does the same).
    settings.DEBUG = False


@contextmanager
def bench_database() -> Iterator[str]:
    """Create a fresh, migrated test database on the configured server; drop it on exit.

    Yields the test database's name. The developer's own database is never written:
    `create_test_db` points the default connection at `test_<name>` (PostgreSQL creates
    it from the `postgres` maintenance database, so the configured one need not exist).
    """
    test_settings = connection.settings_dict.setdefault("TEST", {})
    with tempfile.TemporaryDirectory(prefix="expedite-bench-") as tmp:
        old_test_name = test_settings.get("NAME")
        if connection.vendor == "sqlite":
            # SQLite's default test database lives in memory, which would flatter every
            # timing; a file behaves like the database the jobs really run on.
            test_settings["NAME"] = str(Path(tmp) / "bench.sqlite3")
        old_name = connection.settings_dict["NAME"]
        try:
            test_name = connection.creation.create_test_db(
                verbosity=0, autoclobber=True, keepdb=False, serialize=False
            )
            try:
                yield test_name
            finally:
                connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        finally:
            test_settings["NAME"] = old_test_name


def analyze_database() -> None:
    """Refresh the query planner's statistics; call it after bulk-loading data.

    A freshly loaded test database has none until autovacuum comes round, and without them
    PostgreSQL reads each 1,000-row keyset batch of the jobs by sorting every remaining row
    (about 170 ms a batch at 50,000 rows) instead of walking the primary key (3 ms).
    Production tables have statistics, so a benchmark without them measures an artefact.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@contextmanager
def count_queries() -> Iterator[CaptureQueriesContext]:
    """Record the queries run on the default connection; `len(ctx)` is the count."""
    with CaptureQueriesContext(connection) as context:
        yield context


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    """Run `func()` once; return (seconds, its result)."""
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def describe_database() -> str:
    """The server in use, e.g. "PostgreSQL 15.19" or "SQLite 3.40.1"."""
    version = ".".join(str(part) for part in connection.get_database_version())
    return f"{connection.display_name} {version}"
