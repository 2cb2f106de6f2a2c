import json

from django.core.management.base import BaseCommand

from monitoring.tasks import snapshot_metrics


class Command(BaseCommand):
    help = "Store a snapshot of the urgent-service metrics and open or resolve alerts."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args, **options):
        summary = snapshot_metrics()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            lights = summary["lights"]
            self.stdout.write(
                f"Snapshot at {summary['taken_at']}: backlog {summary['backlog']} "
                f"({lights['backlog']}), utilisation {lights['utilisation']}, "
                f"error rate {lights['error_rate']}."
            )
