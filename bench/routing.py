"""Benchmark of routing one new request on a large staff and a large open backlog.

In a fresh throwaway database it loads the demo data with N open requests (the demo's
own 12 agents are full by then), adds a staff of A agents on 24-hour shifts (about 30 %
in the urgent lane, a mix of statuses and skills, maximum loads of 3 to 10 with half the
agents full), on PostgreSQL refreshes the planner statistics (ANALYZE), and measures, each over
R runs after a few warm-up runs:

- `reserve_agent` alone, inside a transaction as intake calls it (commit included);
- the whole `submit_request` intake, which scores, routes, saves and audits.

It prints the median and 90th percentile wall time in milliseconds, the median CPU time
of this process alone, and the queries and connections opened per call (counted on
separate runs, so recording the SQL does not slow the timed ones); `--sql` adds each
statement's mean time and the time spent outside SQL.

SQLite (the default DATABASE_URL):

    .venv/bin/python bench/routing.py [--agents 500] [--open 50000] [--requests 200] [--json]

PostgreSQL, where the budget applies (the benchmark creates and drops
`test_expedite_bench_r`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/expedite_bench_r \\
        .venv/bin/python bench/routing.py
"""

import argparse
import json
import logging
import os
import random
import sys
from datetime import time, timedelta
from typing import Any

from django.db import connection
from harness import (
    TRANSACTION_CONTROL,
    analyze_database,
    bench_database,
    describe_database,
    measure,
    print_statements,
    setup_django,
    timed,
)

SEED = 1
WARM_UP_RUNS = 5
COUNTED_RUNS = 10
RUNS = {"warm_up": WARM_UP_RUNS, "counted": COUNTED_RUNS}
URGENT_SHARE = 0.3
# Realistic maximum loads, and the share of agents already at theirs.
MAX_LOAD_RANGE = (3, 10)
FULL_SHARE = 0.5
BUDGET_MS = 20.0
# staffing.services.reserve_agent: the lane's routing mode, the pick, the conditional
# UPDATE; the same whatever the staff and backlog (staffing/tests/test_lanes.py,
# test_routing_costs_the_same_queries_for_any_number_of_agents).
ROUTING_QUERIES = 3
BUDGET = (
    "budget: routing one request with 500 agents and 50,000 open tickets: "
    "median under 20 ms on PostgreSQL"
)


def create_staff(count: int, rng: random.Random) -> dict[str, int]:
    """`count` routable agents on 24-hour shifts every day, in bulk.

    Maximum loads are what a desk really sets (3 to 10 open requests) and many agents
    are full, as on a busy day, so routing has to pass over them; the others have room
    left for the benchmark's few hundred routings (each routing asserts it found someone).
    """
    from django.contrib.auth.models import User
    from django.utils import timezone

    from staffing.models import Agent, Lane, Shift, Skill

    now = timezone.now()
    users = User.objects.bulk_create(
        User(username=f"bench-agent-{i:04d}", email=f"bench-agent-{i:04d}@example.com")
        for i in range(count)
    )
    agents = []
    for user in users:
        lane = Lane.URGENT if rng.random() < URGENT_SHARE else Lane.NORMAL
        max_load = rng.randint(*MAX_LOAD_RANGE)
        full = rng.random() < FULL_SHARE
        agents.append(
            Agent(
                user=user,
                lane=lane,
                status=rng.choices(
                    [Agent.Status.AVAILABLE, Agent.Status.BUSY, Agent.Status.AWAY],
                    weights=[85, 10, 5],
                )[0],
                max_load=max_load,
                open_load=max_load if full else rng.randint(0, max_load // 2),
                last_assigned_at=None
                if rng.random() < 0.2
                else now - timedelta(minutes=rng.randint(1, 600)),
                # A few normal-lane agents lent to the urgent lane, as rebalancing does.
                borrowed_at=now if lane == Lane.NORMAL and rng.random() < 0.05 else None,
            )
        )
    agents = Agent.objects.bulk_create(agents)
    skills = list(Skill.objects.all())
    links = []
    for agent in agents:
        for skill in rng.sample(skills, rng.randint(1, len(skills))):
            links.append(Agent.skills.through(agent_id=agent.pk, skill_id=skill.pk))
    Agent.skills.through.objects.bulk_create(links)
    # Equal start and end is a 24-hour shift (staffing.models.Shift).
    Shift.objects.bulk_create(
        Shift(agent=agent, weekday=day, starts_at=time(0), ends_at=time(0))
        for agent in agents
        for day in range(7)
    )
    return {
        "agents": len(agents),
        "urgent_lane": sum(1 for a in agents if a.lane == Lane.URGENT),
        "borrowed": sum(1 for a in agents if a.borrowed_at is not None),
        "available": sum(1 for a in agents if a.status == Agent.Status.AVAILABLE),
        "full": sum(1 for a in agents if a.open_load == a.max_load),
        "skill_links": len(links),
    }


def run(*, agents: int, open_tickets: int, requests: int) -> tuple[str, dict[str, Any]]:
    """Seed a fresh database, add the staff and measure both calls on it."""
    # Models and services can only be imported once setup_django() has loaded the apps.
    from django.db import transaction
    from django.utils import timezone

    from quotas.models import Customer
    from staffing.models import Lane, LaneSettings, Skill
    from staffing.services import reserve_agent
    from tickets.models import Ticket
    from tickets.services.demo import TITLES, seed_demo
    from tickets.services.intake import submit_request

    rng = random.Random(SEED)
    with bench_database():
        # Asked inside: on PostgreSQL the configured database itself need not exist.
        database = describe_database()
        seed_seconds, _ = timed(
            lambda: seed_demo(tickets=open_tickets, open_tickets=open_tickets, seed=SEED)
        )
        staff_seconds, staff = timed(lambda: create_staff(agents, rng))
        # PostgreSQL's autovacuum gives production tables planner statistics; a fresh
        # load has none. SQLite gets none unless someone runs ANALYZE, and with them it
        # reads the board's rows through the customer index: 250 ms instead of 35 ms.
        if connection.vendor == "postgresql":
            analyze_database()
        routes = [(lane, skill.pk) for lane in Lane.values for skill in Skill.objects.all()]
        customers = list(Customer.objects.order_by("pk"))
        titles = [pair for pairs in TITLES.values() for pair in pairs]

        def route(number: int) -> None:
            lane, skill_id = routes[number % len(routes)]
            # Intake calls reserve_agent inside its transaction; the commit is part of it.
            with transaction.atomic():
                agent = reserve_agent(lane=lane, skill_id=skill_id, now=timezone.now())
            assert agent is not None, f"nobody to route {lane} / skill {skill_id} to"

        def intake(number: int) -> None:
            title, description = titles[number % len(titles)]
            ticket = submit_request(
                customer=customers[number % len(customers)],
                title=title.replace("{n}", "3"),
                description=description,
                impact_scope=rng.choice([0, 1, 5, 20, 120]),
                time_window_hours=rng.choice(["2", "8", "24", "72"]),
                difficulty=rng.randint(1, 5),
            )
            assert ticket.assignee_id is not None, f"{ticket.reference} was not routed"
            assert ticket.status == Ticket.Status.ASSIGNED

        results = [
            {"call": "reserve_agent", **measure(route, runs=requests, **RUNS)},
            {"call": "submit_request", **measure(intake, runs=requests, **RUNS)},
        ]
        for result in results:
            assert result["queries"] == result["queries_min"], (
                f"{result['call']}: {result['queries_min']} to {result['queries']} queries a call"
            )
        routing_queries = routing_statements(results[0])
        assert routing_queries == ROUTING_QUERIES, (
            f"reserve_agent ran {routing_queries} queries, expected {ROUTING_QUERIES}"
        )
        modes = dict(LaneSettings.objects.values_list("lane", "routing_mode"))
        measured_open = Ticket.objects.open().count()
    return database, {
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "staff": staff,
        "open_tickets": open_tickets,
        "open_tickets_at_end": measured_open,
        "routing_modes": modes,
        "seed_seconds": round(seed_seconds, 2),
        "staff_seconds": round(staff_seconds, 2),
        "routing_queries": routing_queries,
        "results": results,
    }


def routing_statements(result: dict[str, Any]) -> int:
    """Statements of one call besides the transaction's BEGIN and COMMIT."""
    return sum(
        1 for query in result["sql"] if query["sql"] not in {*TRANSACTION_CONTROL, "(outside SQL)"}
    )


def budget_verdict(
    database: str, measured: dict[str, Any], *, agents: int, open_tickets: int
) -> str | None:
    """Whether the PostgreSQL run met the budget; None when it does not apply."""
    if not database.startswith("PostgreSQL") or agents < 500 or open_tickets < 50_000:
        return None
    verdicts = []
    for result in measured["results"]:
        median = result["median_ms"]
        verdict = "met" if median < BUDGET_MS else "MISSED"
        verdicts.append(f"{verdict}: {result['call']} median {median:.2f} ms")
    return "; ".join(verdicts)


def print_table(database: str, measured: dict[str, Any], verdict: str | None, sql: bool) -> None:
    staff = measured["staff"]
    print(f"database: {database}")
    load = ", ".join(f"{value:.2f}" for value in measured["load_average"])
    print(f"load average at the end: {load} on {os.cpu_count()} CPUs")
    print(BUDGET)
    if verdict:
        print(verdict)
    print()
    print(
        f"{staff['agents']:,} agents ({staff['urgent_lane']} urgent lane, "
        f"{staff['borrowed']} borrowed, {staff['available']} available, {staff['full']} full; "
        f"created in {measured['staff_seconds']:.2f} s), "
        f"{measured['open_tickets']:,} open tickets (seeded in {measured['seed_seconds']:.2f} s)"
    )
    modes = ", ".join(f"{lane} {mode}" for lane, mode in sorted(measured["routing_modes"].items()))
    print(f"routing modes: {modes}")
    print(
        f"reserve_agent: {measured['routing_queries']} queries besides BEGIN and COMMIT "
        f"(expected {ROUTING_QUERIES}), the same on every counted run"
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
    rows = [["call", *(heading for heading, _, _ in columns)]]
    rows += [
        [result["call"], *(f"{result[key]:,.{decimals}f}" for _, key, decimals in columns)]
        for result in measured["results"]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  " + "  ".join(cells))
    if sql:
        for result in measured["results"]:
            print_statements(
                f"{result['call']}: mean ms per statement over {COUNTED_RUNS} runs", result["sql"]
            )
            print("  (~ Django's time, rounded to whole milliseconds)")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=500, help="Agents to add (default 500).")
    parser.add_argument(
        "--open", type=int, default=50_000, help="Open demo requests (default 50,000)."
    )
    parser.add_argument(
        "--requests", type=int, default=200, help="Timed runs of each call (default 200)."
    )
    parser.add_argument("--sql", action="store_true", help="Also list each query's mean time.")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
    args = parser.parse_args(argv)
    if args.agents < 1 or args.open < 1 or args.requests < 1:
        parser.error("--agents, --open and --requests must be positive")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    setup_django()
    # django-q logs every enqueued task at INFO; 400 lines on stderr would bury progress.
    logging.getLogger("django-q").setLevel(logging.WARNING)
    # Progress on stderr keeps stdout a clean table or JSON document.
    print(
        f"seeding {args.open:,} open tickets and {args.agents:,} agents...",
        file=sys.stderr,
        flush=True,
    )
    database, measured = run(agents=args.agents, open_tickets=args.open, requests=args.requests)
    verdict = budget_verdict(database, measured, agents=args.agents, open_tickets=args.open)
    if args.json:
        document = {"database": database, "budget": BUDGET, "budget_verdict": verdict, **measured}
        print(json.dumps(document, indent=2))
    else:
        print_table(database, measured, verdict, args.sql)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
