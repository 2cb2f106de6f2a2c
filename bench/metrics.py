"""Benchmark of monitoring at scale: the snapshot job and the supervisors' dashboard.

Loads --tickets demo requests (--open of them open) into a fresh throwaway database, then
measures `snapshot_metrics` (seconds and queries, five runs after a warm-up) and the
dashboard page /monitoring/ as a supervisor through the full middleware stack (median and
p90 over 30 requests after 3 warm-ups, queries per request), with 288 stored snapshots
(a day at one every 5 minutes) for the trends.

    .venv/bin/python bench/metrics.py [--tickets 100000] [--open 5000] [--json]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/expedite_m .venv/bin/python bench/metrics.py
"""

import argparse
import json
import statistics
from datetime import timedelta

from harness import bench_database, count_queries, describe_database, setup_django, timed

SNAPSHOT_BUDGET_SECONDS = 2.0
DASHBOARD_BUDGET_MS = 150.0
BUDGET = (
    "budget: a snapshot over 100,000 requests under 2 s; the dashboard under 150 ms median "
    "with a bounded number of queries"
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=5_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--slowest", type=int, default=0, help="Also print the N slowest dashboard queries."
    )
    args = parser.parse_args()
    setup_django()

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from django.utils import timezone

    from monitoring.models import Snapshot
    from monitoring.services import snapshot_metrics
    from tickets.services.demo import seed_demo

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with bench_database():
        database = describe_database()
        seed_seconds, _summary = timed(
            lambda: seed_demo(tickets=args.tickets, open_tickets=args.open, seed=1)
        )
        snapshot_metrics()  # warm-up
        runs = []
        for _ in range(5):
            with count_queries() as queries:
                seconds, _snapshot = timed(snapshot_metrics)
            runs.append((seconds, len(queries)))
        now = timezone.now()
        Snapshot.objects.bulk_create(
            Snapshot(
                taken_at=now - timedelta(minutes=5 * n + 1),
                window_start=now,
                metrics=Snapshot.objects.latest("taken_at").metrics,
            )
            for n in range(288)
        )
        client = Client()
        client.force_login(User.objects.get(username="supervisor"))
        for _ in range(3):
            assert client.get("/monitoring/").status_code == 200
        timings, query_counts = [], []
        for _ in range(30):
            with count_queries() as queries:
                seconds, response = timed(lambda: client.get("/monitoring/"))
            assert response.status_code == 200
            timings.append(seconds * 1000)
            query_counts.append(len(queries))
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
        slowest = [(float(q["time"]), q["sql"][:300]) for q in slowest[: args.slowest]]

    snapshot_seconds = statistics.median(seconds for seconds, _ in runs)
    result = {
        "database": database,
        "tickets": args.tickets,
        "open": args.open,
        "seed_seconds": round(seed_seconds, 1),
        "snapshot_median_seconds": round(snapshot_seconds, 3),
        "snapshot_queries": runs[-1][1],
        "dashboard_median_ms": round(statistics.median(timings), 1),
        "dashboard_p90_ms": round(percentile(timings, 0.9), 1),
        "dashboard_queries": max(query_counts),
        "budget": BUDGET,
        "within_budget": snapshot_seconds < SNAPSHOT_BUDGET_SECONDS
        and statistics.median(timings) < DASHBOARD_BUDGET_MS,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{database}: {args.tickets:,} requests ({args.open:,} open), seeded in "
        f"{result['seed_seconds']} s"
    )
    print(
        f"snapshot_metrics: median {result['snapshot_median_seconds']} s over 5 runs, "
        f"{result['snapshot_queries']} queries"
    )
    print(
        f"dashboard /monitoring/: median {result['dashboard_median_ms']} ms, "
        f"p90 {result['dashboard_p90_ms']} ms, {result['dashboard_queries']} queries"
    )
    print(BUDGET + (" — met" if result["within_budget"] else " — MISSED"))
    for seconds, sql in slowest:
        print(f"  {seconds * 1000:8.1f} ms  {sql}")


if __name__ == "__main__":
    main()
