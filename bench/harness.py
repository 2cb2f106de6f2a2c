"""Shared plumbing for the benchmarks in this folder: Django setup, a throwaway database,
query counting and timing.

A benchmark script imports this module first (`from harness import ...`), calls
`setup_django()`, and only then imports models and services.
"""

import gc
import logging
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter, process_time
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# `python bench/<name>.py` puts bench/ first on sys.path, not the repo root, so the
# project's packages (expedite_site, tickets, ...) would not import without this.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def setup_django() -> None:
    """Load the project's settings (or those named by DJANGO_SETTINGS_MODULE) and apps."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "expedite_site.settings")
    django.setup()
    # Production jobs run with DEBUG off; with it on every query is also formatted and
    # logged, which would inflate the timings (Django's test runner does the same).
    settings.DEBUG = False
    # The jobs enqueue e-mails through django-q2, which logs every enqueue at INFO; the
    # figures are the output here, not the queue.
    logging.getLogger("django-q").setLevel(logging.WARNING)
    # As expedite_site/wsgi.py does for the web server: the start-up objects leave the
    # garbage collector's generations.
    gc.freeze()


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
    """Do what autovacuum does for a production table after a bulk load; call it after one.

    ANALYZE: a freshly loaded test database has no planner statistics, and without them
    PostgreSQL reads each 1,000-row keyset batch of the jobs by sorting every remaining row
    (about 170 ms a batch at 50,000 rows) instead of walking the primary key (3 ms).
    VACUUM: until the visibility map is set, counts cannot be answered from an index
    alone; the board's two counts over 5,000 open requests read 3,000 heap pages (13 ms)
    instead of the index (1 ms). A benchmark without either measures an artefact.
    """
    # SQLite reads "VACUUM ANALYZE" as vacuuming a schema named ANALYZE.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


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


def measure(call: Callable[[int], Any], *, runs: int, warm_up: int, counted: int) -> dict[str, Any]:
    """Time `call(n)` over `runs` runs after `warm_up` runs; count its queries on `counted`
    further runs, apart, so recording the SQL does not slow the timed ones.

    Run numbers keep rising across warm-up, timed and counted runs, so a caller can make
    each run differ (another lane, skill or request).
    """
    number = 0
    for _ in range(warm_up):
        call(number)
        number += 1
    seconds, cpu = [], []
    for _ in range(runs):
        cpu_started = process_time()
        seconds.append(timed(lambda n=number: call(n))[0])
        cpu.append(process_time() - cpu_started)
        number += 1
    recorded = []
    for _ in range(counted):
        with timed_queries() as statements:
            elapsed, _result = timed(lambda n=number: call(n))
        recorded.append((elapsed, statements))
        number += 1
    counts = sorted({len(statements) for _, statements in recorded})
    return {
        "runs": runs,
        **summarise(seconds),
        # This process's CPU time alone: Python's share, little swayed by other load.
        "cpu_median_ms": round(statistics.median(cpu) * 1000, 2),
        "queries": counts[-1],
        "queries_min": counts[0],
        "connections_opened": max(statements.connections for _, statements in recorded),
        "sql": breakdown(recorded),
    }


def machine_speed_ms() -> float:
    """Median time of a fixed pure-Python loop: how fast this machine is right now.

    The shared machines here vary: the same loop took 17 ms at one moment and 35 ms
    at another in one session, and every page time moves with it. Printed next to the
    figures, it says which kind of moment they were measured in.
    """
    return round(
        statistics.median(timed(lambda: sum(range(1_000_000)))[0] for _ in range(9)) * 1000, 1
    )


def describe_database() -> str:
    """The server in use, e.g. "PostgreSQL 15.19" or "SQLite 3.40.1"."""
    version = ".".join(str(part) for part in connection.get_database_version())
    return f"{connection.display_name} {version}"


# Statements are shown cut to this many characters.
SQL_WIDTH = 160
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}


def summarise(seconds: list[float]) -> dict[str, float]:
    """Median and 90th percentile (nearest rank) in milliseconds."""
    ordered = sorted(seconds)
    p90 = ordered[math.ceil(0.9 * len(ordered)) - 1]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p90_ms": round(p90 * 1000, 2),
        "min_ms": round(ordered[0] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


class Statements(list):
    """Statements run, each {"sql", "ms", "rounded"}, and the connections opened."""

    connections = 0


@contextmanager
def timed_queries() -> Iterator[Statements]:
    """Every statement run on the default connection, with its time in milliseconds,
    and how many database connections were opened meanwhile.

    The list is filled on exit. Django logs times in whole milliseconds, too coarse for
    sub-millisecond queries, so statements are also timed through an execute wrapper.
    PostgreSQL's BEGIN and COMMIT never pass through one and keep Django's rounded time;
    SQLite's BEGIN does, so wrapped statements are matched by their text.
    """
    precise: list[tuple[str, float]] = []

    def time_execute(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict
    ) -> Any:
        started = perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            precise.append((sql, perf_counter() - started))

    def note_connection(**kwargs: Any) -> None:
        statements.connections += 1

    statements = Statements()
    connection_created.connect(note_connection)
    try:
        with count_queries() as captured, connection.execute_wrapper(time_execute):
            yield statements
    finally:
        connection_created.disconnect(note_connection)
    executed = iter(precise)
    wrapped = next(executed, None)
    for query in captured.captured_queries:
        rounded = query["sql"] in TRANSACTION_CONTROL and (
            wrapped is None or wrapped[0] != query["sql"]
        )
        if rounded:
            seconds = float(query["time"])
        else:
            assert wrapped is not None, "a statement ran outside the execute wrapper"
            seconds = wrapped[1]
            wrapped = next(executed, None)
        statements.append({"sql": query["sql"], "ms": seconds * 1000, "rounded": rounded})


def breakdown(runs: list[tuple[float, Statements]]) -> list[dict[str, Any]]:
    """Each statement with its mean time over the counted runs (by position), then the
    rest of the time: Python (for pages: middleware, view, forms, templates) and the
    driver outside any statement."""
    longest = max((statements for _, statements in runs), key=len)
    rows = []
    for position, query in enumerate(longest):
        times = [statements[position]["ms"] for _, statements in runs if len(statements) > position]
        rows.append(
            {
                "mean_ms": round(statistics.mean(times), 3),
                "rounded": query["rounded"],
                "sql": " ".join(query["sql"].split())[:SQL_WIDTH],
            }
        )
    total = statistics.mean(elapsed * 1000 for elapsed, _ in runs)
    in_sql = statistics.mean(sum(q["ms"] for q in statements) for _, statements in runs)
    rows.append({"mean_ms": round(total - in_sql, 3), "rounded": False, "sql": "(outside SQL)"})
    return rows


def print_statements(title: str, rows: list[dict[str, Any]]) -> None:
    """A `breakdown` under its title: each statement's mean time, "~" marking Django's
    time rounded to whole milliseconds."""
    print()
    print(title)
    for query in rows:
        mark = "~" if query["rounded"] else " "
        print(f"  {mark}{query['mean_ms']:8.3f}  {query['sql']}")
