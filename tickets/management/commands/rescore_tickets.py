"""`rescore_tickets [--json]`: the re-score job (SPEC 1), also scheduled by django-q2."""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from tickets.tasks import rescore_tickets


class Command(BaseCommand):
    """Re-score every open request and print a summary (one JSON object with --json)."""

    help = "Re-score every open request with the active policy and its remaining window."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = rescore_tickets()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"Re-scored {summary['examined']} open requests: {summary['changed']} changed, "
                f"{summary['level_changes']} changed level."
            )
