import json

from django.core.management.base import BaseCommand

from tickets.tasks import escalate_tickets


class Command(BaseCommand):
    help = "Raise by one level every request waiting past the escalation interval unanswered."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args, **options):
        summary = escalate_tickets()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(f"Escalated {summary['changed']} requests.")
