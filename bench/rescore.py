"""Benchmark of the periodic priority jobs on a large open backlog.

For each size N it loads N open demo requests into a fresh throwaway database (then
refreshes the planner's statistics, as autovacuum would have in production), moves the
clock three hours on (so scores, levels and escalations really change) and measures
`rescore_open_tickets`, the same re-score run again at once (nothing left to change, so
this is the cost of an idempotent pass) and `escalate_waiting_tickets`: requests examined
(for escalation, those due) and changed, seconds (wall clock, and this process's CPU),
requests per second, queries (BEGIN and COMMIT included; total and per 1,000 requests
examined) and SQL statements: Django records an executemany as one query, so statements
count each of its rows, which is what the database runs (the jobs' bulk updates are one
UPDATE per batch of 1,000, so the two agree unless something uses executemany).

The demo data is laid out relative to the current time and escalation counts in service
hours, so the numbers of changed and escalated requests vary a little with the time of day.

SQLite (the default DATABASE_URL):

    .venv/bin/python bench/rescore.py [--open 10000 50000] [--json]

PostgreSQL, where the budget applies (the benchmark creates and drops `test_expedite`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/expedite .venv/bin/python bench/rescore.py
"""

import argparse
import dataclasses
import json
import re
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from harness import (
    analyze_database,
    bench_database,
    count_queries,
    describe_database,
    setup_django,
    timed,
)

DEFAULT_SIZES = [10_000, 50_000]
SEED = 1
CLOCK_ADVANCE = timedelta(hours=3)
BUDGET_TICKETS = 10_000
BUDGET_SECONDS = 5.0
BUDGET = "budget: 10,000 open tickets re-scored in under 5 s on PostgreSQL"

if TYPE_CHECKING:
    from tickets.services.priority import JobSummary

# How Django's debug cursor records an executemany: "<rows> times: <sql>".
EXECUTEMANY = re.compile(r"^(\d+|\?) times: ")


def statements(captured: list[dict[str, Any]]) -> int:
    """SQL statements the database ran: an executemany counts once per row."""
    total = 0
    for query in captured:
        many = EXECUTEMANY.match(query["sql"])
        total += int(many.group(1)) if many and many.group(1).isdigit() else 1
    return total


def measure(name: str, job: Callable[[], "JobSummary"]) -> dict[str, Any]:
    """Run a job once; its JobSummary plus seconds, throughput and query counts."""
    # Timed and counted in the same run because a job changes the data and cannot simply
    # be repeated; recording a few dozen queries costs well under 1 % of the time.
    # CPU time of this process too: on a shared machine it varies far less than the wall
    # clock (it leaves out the PostgreSQL server's share of the work).
    cpu_started = time.process_time()
    with count_queries() as queries:
        seconds, summary = timed(job)
    cpu_seconds = time.process_time() - cpu_started
    examined = summary.examined
    ran = statements(queries.captured_queries)
    return {
        "job": name,
        "examined": examined,
        "changed": summary.changed,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "tickets_per_second": round(examined / seconds) if seconds else None,
        "queries": len(queries),
        "queries_per_1000": round(len(queries) * 1000 / examined, 2) if examined else None,
        "statements": ran,
        "statements_per_1000": round(ran * 1000 / examined, 2) if examined else None,
        "summary": dataclasses.asdict(summary),
    }


def run_size(size: int) -> tuple[str, dict[str, Any]]:
    """Seed `size` open requests into a fresh database and measure the jobs on them.

    Returns the database description and the measurements.
    """
    # Models and services can only be imported once setup_django() has loaded the apps.
    from django.utils import timezone

    from tickets.services.demo import seed_demo
    from tickets.services.priority import escalate_waiting_tickets, rescore_open_tickets

    with bench_database():
        # Asked inside: on PostgreSQL the configured database itself need not exist.
        database = describe_database()
        seed_seconds, _ = timed(lambda: seed_demo(tickets=size, open_tickets=size, seed=SEED))
        analyze_database()
        now = timezone.now() + CLOCK_ADVANCE
        jobs = [
            measure("rescore", lambda: rescore_open_tickets(now=now)),
            # Same `now`: every score is already current, so this is the no-change pass.
            measure("rescore again", lambda: rescore_open_tickets(now=now)),
            measure("escalate", lambda: escalate_waiting_tickets(now=now)),
        ]
    return database, {"open_tickets": size, "seed_seconds": round(seed_seconds, 2), "jobs": jobs}


def budget_verdict(database: str, results: list[dict[str, Any]]) -> str | None:
    """Whether the PostgreSQL run met the budget; None when it does not apply."""
    if not database.startswith("PostgreSQL"):
        return None
    for result in results:
        if result["open_tickets"] == BUDGET_TICKETS:
            seconds = result["jobs"][0]["seconds"]
            verdict = "met" if seconds < BUDGET_SECONDS else "MISSED"
            return f"{verdict}: first re-score of {BUDGET_TICKETS:,} took {seconds:.2f} s"
    return None


def _cell(value: Any, decimals: int) -> str:
    return "-" if value is None else f"{value:,.{decimals}f}"


def print_table(database: str, results: list[dict[str, Any]], verdict: str | None) -> None:
    # (heading, key, decimals)
    columns = [
        ("examined", "examined", 0),
        ("changed", "changed", 0),
        ("seconds", "seconds", 2),
        ("cpu s", "cpu_seconds", 2),
        ("tickets/s", "tickets_per_second", 0),
        ("queries", "queries", 0),
        ("queries/1k", "queries_per_1000", 1),
        ("statements", "statements", 0),
        ("statements/1k", "statements_per_1000", 1),
    ]
    print(f"database: {database}")
    print(BUDGET)
    if verdict:
        print(verdict)
    for result in results:
        print()
        print(
            f"{result['open_tickets']:,} open tickets "
            f"(seeded in {result['seed_seconds']:.2f} s, clock +3 h)"
        )
        rows = [["job", *(heading for heading, _, _ in columns)]]
        rows += [
            [job["job"], *(_cell(job[key], decimals) for _, key, decimals in columns)]
            for job in result["jobs"]
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = [row[0].ljust(widths[0])]
            cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
            print("  " + "  ".join(cells))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--open",
        type=int,
        nargs="+",
        default=DEFAULT_SIZES,
        metavar="N",
        help="Open-ticket counts to measure, each in its own fresh database.",
    )
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
    args = parser.parse_args(argv)
    if any(size < 1 for size in args.open):
        parser.error("--open sizes must be positive")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    setup_django()
    database, results = "", []
    for size in args.open:
        # Progress on stderr keeps stdout a clean table or JSON document.
        print(f"measuring {size:,} open tickets...", file=sys.stderr, flush=True)
        database, result = run_size(size)
        results.append(result)
    verdict = budget_verdict(database, results)
    if args.json:
        document = {
            "database": database,
            "budget": BUDGET,
            "budget_verdict": verdict,
            "results": results,
        }
        print(json.dumps(document, indent=2))
    else:
        print_table(database, results, verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
