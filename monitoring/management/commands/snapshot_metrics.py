import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from monitoring.tasks import snapshot_metrics


class Command(BaseCommand):
    """The 5-minute job by hand: store a metrics snapshot and evaluate the alerts."""

    help = "Store a snapshot of the urgent-service metrics and open or resolve alerts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = snapshot_metrics()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        lights, alerts = summary["lights"], summary["alerts"]
        self.stdout.write(
            f"Snapshot at {summary['taken_at']}: backlog {summary['backlog']} "
            f"({lights['backlog']}), utilisation {lights['utilisation']}, "
            f"error rate {lights['error_rate']}, breaches {lights['breaches']}; "
            f"alerts opened {alerts['opened']}, resolved {alerts['resolved']}."
        )
