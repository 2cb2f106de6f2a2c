import json

from django.core.management.base import BaseCommand

from tickets.tasks import rescore_tickets


class Command(BaseCommand):
    help = "Re-score every open request with the active policy and its remaining window."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args, **options):
        summary = rescore_tickets()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"Re-scored {summary['examined']} open requests: {summary['changed']} changed, "
                f"{summary['level_changes']} changed level."
            )
