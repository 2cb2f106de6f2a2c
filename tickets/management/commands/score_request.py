"""`score_request --impact I --window-hours W --tier CODE --difficulty D [--json]`: the
score and level a request would get from the active policy (SPEC 7 contract)."""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from quotas.models import Tier
from tickets.services.errors import TicketError
from tickets.services.intake import validate_request
from tickets.services.policy import active_policy
from tickets.services.scoring import compute_score


class Command(BaseCommand):
    """Print `{"score": float, "level": "P0".."P3"}` with --json, else a breakdown."""

    help = "Score a hypothetical request with the active policy (nothing is stored)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--impact", required=True, help="Affected customers (>= 0).")
        parser.add_argument("--window-hours", required=True, help="Time window in hours.")
        parser.add_argument("--tier", required=True, help="Tier code, e.g. PLATINUM.")
        parser.add_argument("--difficulty", required=True, help="Difficulty 1..5.")
        parser.add_argument("--json", action="store_true", help="Print a JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = validate_request(
                title="-",
                description="-",
                impact_scope=options["impact"],
                time_window_hours=options["window_hours"],
                difficulty=options["difficulty"],
            )
        except TicketError as error:
            raise CommandError(error.message) from None
        tier = Tier.objects.filter(code=options["tier"].upper()).first()
        if tier is None:
            codes = ", ".join(Tier.objects.values_list("code", flat=True))
            raise CommandError(f"Unknown tier {options['tier']!r}; use one of {codes}.")
        policy = active_policy()
        score = compute_score(
            policy=policy,
            impact_scope=data.impact_scope,
            remaining_window_hours=data.time_window_hours,
            customer_score=tier.customer_score,
            difficulty=data.difficulty,
        )
        if options["json"]:
            self.stdout.write(json.dumps({"score": float(score.total), "level": score.level}))
        else:
            self.stdout.write(
                f"score {score.total.normalize()} -> {score.level} "
                f"(impact {score.impact.normalize()}, time {score.time.normalize()}, "
                f"customer {score.customer.normalize()}, "
                f"difficulty {score.difficulty.normalize()}; policy v{policy.version})"
            )
