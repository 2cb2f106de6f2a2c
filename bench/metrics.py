"""Benchmark of monitoring at scale: the snapshot job, a month's aggregates, the monthly
review and the supervisors' dashboard.

Loads --tickets demo requests (--open of them open) into a fresh throwaway database,
refreshes the planner statistics, then measures `snapshot_metrics` (5 timed runs after a
warm-up), the same metrics over the last 30 days and the monthly review of the previous
month (3 timed runs each), and the dashboard page /monitoring/ as a supervisor through the
full middleware stack (--runs timed requests after 3 warm-ups), with 288 stored snapshots
(a day at one every 5 minutes) for the trends. Queries are counted on separate runs, so
recording the SQL does not slow the timed ones.

The snapshot's one-hour window touches few rows: demo requests are closed 2 to 90 days
ago and open ones under 36 h old. The 30-day window and the previous month hold about a
third of the closed requests each, so those runs measure the aggregates over real volume.

    .venv/bin/python bench/metrics.py [--tickets 100000] [--open 5000] [--json] [--sql]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/expedite_m .venv/bin/python bench/metrics.py
"""

import argparse
import json
import os
import sys
import warnings
from datetime import timedelta
from typing import Any

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

SNAPSHOT_BUDGET_SECONDS = 2.0
DASHBOARD_BUDGET_MS = 150.0
# Query ceilings: the dashboard's count is fixed whatever the volume (the tests assert it
# does not grow; 18 today), the snapshot's likewise; the review runs four aggregates a
# row (overall, tiers, categories, lanes) plus two reads of the tier and category codes.
DASHBOARD_QUERY_CEILING = 25
SNAPSHOT_QUERY_CEILING = 25
REVIEW_QUERIES_PER_ROW = 4
TRENDS_SNAPSHOTS = 288
MONTH = timedelta(days=30)
BUDGET = (
    "budget: a snapshot over 100,000 requests under 2 s, and the same metrics over 30 days; "
    f"the dashboard under 150 ms median; at most {DASHBOARD_QUERY_CEILING} queries for the "
    f"dashboard, {SNAPSHOT_QUERY_CEILING} for a snapshot and "
    f"{REVIEW_QUERIES_PER_ROW} a row (+2) for the monthly review"
)


def run(*, tickets: int, open_tickets: int, runs: int) -> tuple[str, dict[str, Any]]:
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client, override_settings
    from django.utils import timezone

    from monitoring.models import Snapshot
    from monitoring.services import monthly_review, snapshot_metrics, ticket_metrics
    from monitoring.services.review import month_bounds
    from quotas.services import period_of, previous_period
    from tickets.models import Ticket
    from tickets.services.demo import seed_demo

    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with bench_database(), override_settings(ALLOWED_HOSTS=hosts):
        database = describe_database()
        seed_seconds, _ = timed(
            lambda: seed_demo(tickets=tickets, open_tickets=open_tickets, seed=1)
        )
        analyze_database()
        speed_before = machine_speed_ms()
        snapshot = measure(lambda _n: snapshot_metrics(), runs=5, warm_up=1, counted=1)
        month_end = timezone.now()
        month = measure(
            lambda _n: ticket_metrics(start=month_end - MONTH, end=month_end),
            runs=3,
            warm_up=1,
            counted=1,
        )
        month["requests_created"] = Ticket.objects.filter(
            created_at__gte=month_end - MONTH, created_at__lt=month_end
        ).count()
        period = previous_period(period_of(month_end))
        review = measure(lambda _n: monthly_review(period=period), runs=3, warm_up=1, counted=1)
        start, end = month_bounds(period)
        review["period"] = period
        review["rows"] = len(monthly_review(period=period))
        review["requests_created"] = Ticket.objects.filter(
            created_at__gte=start, created_at__lt=end
        ).count()

        now = timezone.now()
        metrics = Snapshot.objects.latest("taken_at").metrics
        Snapshot.objects.bulk_create(
            Snapshot(taken_at=now - timedelta(minutes=5 * n + 1), window_start=now, metrics=metrics)
            for n in range(TRENDS_SNAPSHOTS)
        )
        client = Client()
        client.force_login(User.objects.get(username="supervisor"))

        def dashboard(_n: int) -> None:
            response = client.get("/monitoring/")
            assert response.status_code == 200, response.status_code

        page = measure(dashboard, runs=runs, warm_up=3, counted=5)
        speed_after = machine_speed_ms()
    return database, {
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "machine_speed_ms": [speed_before, speed_after],
        "tickets": tickets,
        "open_tickets": open_tickets,
        "seed_seconds": round(seed_seconds, 1),
        "snapshot": snapshot,
        "month_metrics": month,
        "monthly_review": review,
        "dashboard": page,
    }


def verdict(measured: dict[str, Any]) -> str:
    snapshot, month = measured["snapshot"], measured["month_metrics"]
    review, dashboard = measured["monthly_review"], measured["dashboard"]
    review_ceiling = 2 + REVIEW_QUERIES_PER_ROW * review["rows"]
    met = (
        snapshot["median_ms"] < SNAPSHOT_BUDGET_SECONDS * 1000
        and month["median_ms"] < SNAPSHOT_BUDGET_SECONDS * 1000
        and dashboard["median_ms"] < DASHBOARD_BUDGET_MS
        and dashboard["queries"] <= DASHBOARD_QUERY_CEILING
        and snapshot["queries"] <= SNAPSHOT_QUERY_CEILING
        and review["queries"] <= review_ceiling
    )
    return (
        f"{'met' if met else 'MISSED'}: snapshot median {snapshot['median_ms'] / 1000:.3f} s "
        f"with {snapshot['queries']} queries (at most {SNAPSHOT_QUERY_CEILING}), 30 days "
        f"{month['median_ms'] / 1000:.3f} s, dashboard median {dashboard['median_ms']:.1f} ms "
        f"with {dashboard['queries']} queries (at most {DASHBOARD_QUERY_CEILING}), monthly "
        f"review {review['queries']} queries (at most {review_ceiling})"
    )


def print_report(database: str, measured: dict[str, Any], sql: bool) -> None:
    snapshot, dashboard = measured["snapshot"], measured["dashboard"]
    before, after = measured["machine_speed_ms"]
    print(f"database: {database}")
    print(
        f"machine speed: a fixed Python loop took {before:.1f} ms before and {after:.1f} ms "
        f"after (17 ms on a quiet machine here; slower means a busy host)"
    )
    print(
        f"{measured['tickets']:,} requests ({measured['open_tickets']:,} open), seeded in "
        f"{measured['seed_seconds']} s"
    )
    print(
        f"snapshot_metrics: median {snapshot['median_ms'] / 1000:.3f} s, max "
        f"{snapshot['max_ms'] / 1000:.3f} s over {snapshot['runs']} runs, "
        f"{snapshot['queries']} queries"
    )
    month, review = measured["month_metrics"], measured["monthly_review"]
    print(
        f"metrics over the last 30 days ({month['requests_created']:,} requests created): "
        f"median {month['median_ms'] / 1000:.3f} s, max {month['max_ms'] / 1000:.3f} s over "
        f"{month['runs']} runs, {month['queries']} queries"
    )
    print(
        f"monthly review {review['period']} ({review['requests_created']:,} requests created, "
        f"{review['rows']} rows): median {review['median_ms'] / 1000:.3f} s, max "
        f"{review['max_ms'] / 1000:.3f} s over {review['runs']} runs, {review['queries']} queries"
    )
    print(
        f"dashboard /monitoring/: median {dashboard['median_ms']:.1f} ms, p90 "
        f"{dashboard['p90_ms']:.1f} ms over {dashboard['runs']} requests, "
        f"{dashboard['queries']} queries"
    )
    print(BUDGET)
    print(verdict(measured))
    if sql:
        for name, result in [
            ("snapshot_metrics", snapshot),
            ("metrics over 30 days", month),
            ("monthly review", review),
            ("/monitoring/", dashboard),
        ]:
            print_statements(f"{name}: mean ms per statement", result["sql"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=30, help="Timed dashboard requests (30).")
    parser.add_argument("--sql", action="store_true", help="Also list each query's mean time.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.open < 1 or args.runs < 1 or args.tickets < args.open:
        parser.error("--open and --runs must be positive and --open at most --tickets")
    setup_django()
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    print(f"seeding {args.tickets:,} tickets ({args.open:,} open)...", file=sys.stderr, flush=True)
    database, measured = run(tickets=args.tickets, open_tickets=args.open, runs=args.runs)
    if args.json:
        print(
            json.dumps(
                {"database": database, "budget": BUDGET, "verdict": verdict(measured), **measured},
                indent=2,
            )
        )
    else:
        print_report(database, measured, args.sql)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
