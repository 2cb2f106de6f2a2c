"""Benchmark of the agents' pages on a large history: the queue board and a workspace.

In a fresh throwaway database it loads the demo data (N requests, M of them open), on
PostgreSQL refreshes the planner statistics (ANALYZE), logs in as `agent1` with Django's
test client and requests, through the project's full middleware stack, the board
(/queue/) and the workspace of one of agent1's open requests (/tickets/<reference>/),
each R times after warm-up requests. For each page it prints the median and 90th
percentile wall time in milliseconds, the median CPU time of this process alone, the
queries and connections opened per request (counted on separate requests, so recording
the SQL does not slow the timed ones), next to "the floor": the least the database must
do for that page, timed the same way.

- board floor: the board's first 50 rows in board order, the columns the board shows
  (tickets.views.BOARD_COLUMNS), in one query;
- workspace floor: the request with the same joins as the view, then its timeline
  events with their actors: two queries.

`--sql` adds each statement's mean time and the time spent outside SQL.

SQLite (the default DATABASE_URL):

    .venv/bin/python bench/board.py [--tickets 100000] [--open 5000] [--runs 30] [--json]

PostgreSQL (the benchmark creates and drops `test_expedite_bench_b`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/expedite_bench_b \\
        .venv/bin/python bench/board.py
"""

import argparse
import json
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

from django.db import connection
from harness import (
    analyze_database,
    bench_database,
    describe_database,
    machine_speed_ms,
    measure,
    print_statements,
    setup_django,
    timed,
)

SEED = 1
AGENT = "agent1"
WARM_UP_RUNS = 3
COUNTED_RUNS = 5
BOARD_BUDGET_MS = 40.0
BOARD_BUDGET_QUERIES = 12
WORKSPACE_BUDGET_MS = 30.0
BUDGET = "budget: board median under 40 ms with at most 12 queries; workspace under 30 ms"


def measure_page(page: Callable[[], Any], *, runs: int) -> dict[str, Any]:
    return measure(lambda _n: page(), runs=runs, warm_up=WARM_UP_RUNS, counted=COUNTED_RUNS)


def run(*, tickets: int, open_tickets: int, runs: int) -> tuple[str, dict[str, Any]]:
    """Seed a fresh database and measure both pages and their floors on it."""
    # Models and views can only be imported once setup_django() has loaded the apps.
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client, override_settings

    from tickets.models import Ticket
    from tickets.services.demo import seed_demo
    from tickets.views import BOARD_COLUMNS, BOARD_PAGE_SIZE

    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with bench_database(), override_settings(ALLOWED_HOSTS=hosts):
        # Asked inside: on PostgreSQL the configured database itself need not exist.
        database = describe_database()
        seed_seconds, _ = timed(
            lambda: seed_demo(tickets=tickets, open_tickets=open_tickets, seed=SEED)
        )
        # PostgreSQL's autovacuum gives production tables planner statistics and a
        # visibility map; a fresh load has neither. SQLite gets statistics only when
        # someone runs ANALYZE; the board reads the same index with or without them.
        if connection.vendor == "postgresql":
            analyze_database()
        user = User.objects.get(username=AGENT)
        client = Client()
        client.force_login(user)
        workspace = (
            Ticket.objects.open()
            .filter(assignee__user=user)
            .order_by("reference")
            .values_list("reference", flat=True)
            .first()
        )
        assert workspace, f"{AGENT} has no open request; seed more open tickets"

        def board() -> None:
            response = client.get("/queue/")
            assert response.status_code == 200, response.status_code
            rows = response.content.count(b"data-reference=")
            assert rows == min(BOARD_PAGE_SIZE, open_tickets), f"the board shows {rows} rows"

        def board_floor() -> None:
            rows = list(
                Ticket.objects.open()
                .values(*BOARD_COLUMNS)
                .order_by("level", "handling_due", "-score")[:BOARD_PAGE_SIZE]
            )
            assert len(rows) == min(BOARD_PAGE_SIZE, open_tickets)

        def workspace_page() -> None:
            response = client.get(f"/tickets/{workspace}/")
            assert response.status_code == 200, response.status_code
            assert workspace.encode() in response.content

        def workspace_floor() -> None:
            # The same joins as tickets.views._ticket_for_staff, then the timeline.
            ticket = Ticket.objects.select_related(
                "customer__tier", "category", "assignee__user"
            ).get(reference=workspace)
            events = list(ticket.events.select_related("actor").order_by("at", "pk"))
            assert events

        speed_before = machine_speed_ms()
        pages = []
        for name, path, page, floor, floor_text in [
            ("board", "/queue/", board, board_floor, f"first {BOARD_PAGE_SIZE} rows, one query"),
            (
                "workspace",
                f"/tickets/{workspace}/",
                workspace_page,
                workspace_floor,
                "the request with its joins plus its events, two queries",
            ),
        ]:
            result = {"page": name, "path": path, **measure_page(page, runs=runs)}
            result["floor"] = {"what": floor_text, **measure_page(floor, runs=runs)}
            result["ratio"] = round(result["median_ms"] / result["floor"]["median_ms"], 1)
            pages.append(result)
        events = Ticket.objects.get(reference=workspace).events.count()
    return database, {
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "machine_speed_ms": [speed_before, machine_speed_ms()],
        "tickets": tickets,
        "open_tickets": open_tickets,
        "agent": AGENT,
        "workspace_events": events,
        "seed_seconds": round(seed_seconds, 2),
        "pages": pages,
    }


def budget_verdict(measured: dict[str, Any]) -> str:
    pages = {page["page"]: page for page in measured["pages"]}
    board, workspace = pages["board"], pages["workspace"]
    board_met = board["median_ms"] < BOARD_BUDGET_MS and board["queries"] <= BOARD_BUDGET_QUERIES
    workspace_met = workspace["median_ms"] < WORKSPACE_BUDGET_MS
    return (
        f"{'met' if board_met else 'MISSED'}: board median {board['median_ms']:.2f} ms, "
        f"{board['queries']} queries; "
        f"{'met' if workspace_met else 'MISSED'}: workspace median "
        f"{workspace['median_ms']:.2f} ms, {workspace['queries']} queries"
    )


def print_table(database: str, measured: dict[str, Any], verdict: str, sql: bool) -> None:
    print(f"database: {database}")
    load = ", ".join(f"{value:.2f}" for value in measured["load_average"])
    print(f"load average at the end: {load} on {os.cpu_count()} CPUs")
    before, after = measured["machine_speed_ms"]
    print(
        f"machine speed: a fixed Python loop took {before:.1f} ms before the pages and "
        f"{after:.1f} ms after (17 ms on a quiet machine here; slower means a busy host)"
    )
    print(BUDGET)
    print(verdict)
    print()
    print(
        f"{measured['tickets']:,} tickets, {measured['open_tickets']:,} open "
        f"(seeded in {measured['seed_seconds']:.2f} s); logged in as {measured['agent']}"
    )
    columns = [
        ("runs", "runs", 0),
        ("median ms", "median_ms", 2),
        ("p90 ms", "p90_ms", 2),
        ("min ms", "min_ms", 2),
        ("max ms", "max_ms", 2),
        ("cpu ms", "cpu_median_ms", 2),
        ("queries", "queries", 0),
        ("new conns", "connections_opened", 0),
    ]
    rows = [["page", *(heading for heading, _, _ in columns), "ratio"]]
    for page in measured["pages"]:
        for name, result, ratio in [
            (page["path"], page, f"{page['ratio']:.1f}"),
            (f"  floor: {page['floor']['what']}", page["floor"], ""),
        ]:
            cells = [f"{result[key]:,.{decimals}f}" for _, key, decimals in columns]
            rows.append([name, *cells, ratio])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  " + "  ".join(cells))
    print(f"(workspace timeline: {measured['workspace_events']} events)")
    if sql:
        for page in measured["pages"]:
            for name, result in [(page["path"], page), (f"{page['page']} floor", page["floor"])]:
                print_statements(
                    f"{name}: mean ms per statement over {COUNTED_RUNS} requests", result["sql"]
                )
        print("  (~ Django's time, rounded to whole milliseconds)")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tickets", type=int, default=100_000, help="Demo requests (default 100,000)."
    )
    parser.add_argument(
        "--open", type=int, default=5_000, help="How many of them are open (default 5,000)."
    )
    parser.add_argument("--runs", type=int, default=30, help="Timed requests per page (30).")
    parser.add_argument("--sql", action="store_true", help="Also list each query's mean time.")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
    args = parser.parse_args(argv)
    if args.open < 1 or args.runs < 1 or args.tickets < args.open:
        parser.error("--open and --runs must be positive and --open at most --tickets")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    setup_django()
    # WhiteNoise warns once that static files were never collected; only HTML is asked for.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    # Progress on stderr keeps stdout a clean table or JSON document.
    print(f"seeding {args.tickets:,} tickets ({args.open:,} open)...", file=sys.stderr, flush=True)
    database, measured = run(tickets=args.tickets, open_tickets=args.open, runs=args.runs)
    verdict = budget_verdict(measured)
    if args.json:
        document = {"database": database, "budget": BUDGET, "budget_verdict": verdict, **measured}
        print(json.dumps(document, indent=2))
    else:
        print_table(database, measured, verdict, args.sql)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
