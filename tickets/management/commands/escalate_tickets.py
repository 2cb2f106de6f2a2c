"""`escalate_tickets [--json]`: the aging escalation job (SPEC 1), also scheduled."""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from tickets.tasks import escalate_tickets


class Command(BaseCommand):
    """Escalate unanswered requests and print a summary (one JSON object with --json)."""

    help = "Raise by one level every request waiting past the escalation interval unanswered."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = escalate_tickets()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(f"Escalated {summary['changed']} requests.")
