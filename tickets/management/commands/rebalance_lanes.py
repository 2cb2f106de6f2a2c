"""Lend normal-lane agents to the urgent lane and take them back (SPEC 2); the same job
django-q2 runs every 5 minutes (expedite_site/schedules.py)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tickets.services.lanes import rebalance


class Command(BaseCommand):
    help = (
        "Borrow normal-lane agents into the urgent lane when its backlog passes 2 per urgent "
        "agent (at most 30 % of the normal lane); release them once the backlog is at or "
        "below the urgent lane's own agents. --json prints the figures and who moved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = rebalance()
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict()))
        else:
            self.stdout.write(
                f"Backlog {summary.backlog}: borrowed {len(summary.borrowed)}, released "
                f"{len(summary.released)}; urgent lane {summary.urgent_after}, normal "
                f"lane {summary.normal_after}."
            )
