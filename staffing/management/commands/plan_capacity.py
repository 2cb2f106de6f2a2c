"""Print the urgent lane's capacity plan: the seed formula and, given demand, Erlang C.

    plan_capacity --total 20 --json
    plan_capacity --total 20 --arrivals-per-hour 200 --handle-minutes 3 \\
        --target-level 0.8 --target-minutes 0.3333 --shrinkage 0.3

The JSON shape is a contract (SPEC section 7); the maths lives in staffing.capacity.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from staffing.capacity import (
    DEFAULT_BUFFER,
    DEFAULT_MAX_OCCUPANCY,
    DEFAULT_SHRINKAGE,
    DEFAULT_TARGET_LEVEL,
    DEFAULT_TARGET_MINUTES,
    DEFAULT_URGENT_SHARE,
    capacity_plan,
)


class Command(BaseCommand):
    help = (
        "Size the urgent lane with the seed formula ceil(total x share x buffer) and, "
        "when --arrivals-per-hour and --handle-minutes are given, with Erlang C "
        "(agents on queue for the service-level target, then scheduled with shrinkage)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--total", type=int, required=True, help="Agents on shift (>= 0).")
        parser.add_argument(
            "--urgent-share",
            type=float,
            default=DEFAULT_URGENT_SHARE,
            help="Share of requests that are urgent, 0..1 (default %(default)s).",
        )
        parser.add_argument(
            "--buffer",
            type=float,
            default=DEFAULT_BUFFER,
            help="Safety factor on the urgent share, > 0 (default %(default)s).",
        )
        erlang = parser.add_argument_group(
            "Erlang C", "Used only when both --arrivals-per-hour and --handle-minutes are given."
        )
        erlang.add_argument(
            "--arrivals-per-hour", type=float, help="Forecast urgent arrivals per hour (>= 0)."
        )
        erlang.add_argument(
            "--handle-minutes", type=float, help="Mean handling time per request in minutes (> 0)."
        )
        erlang.add_argument(
            "--target-level",
            type=float,
            default=DEFAULT_TARGET_LEVEL,
            help="Share of requests to answer within the target time, strictly between 0 and 1 "
            "(default %(default)s: SPEC's 90 %% first response within 2 h).",
        )
        erlang.add_argument(
            "--target-minutes",
            type=float,
            default=DEFAULT_TARGET_MINUTES,
            help="Target time to answer in minutes, >= 0 (default %(default)s).",
        )
        erlang.add_argument(
            "--shrinkage",
            type=float,
            default=DEFAULT_SHRINKAGE,
            help="Share of paid time not on queue (breaks, training), 0 <= K < 1 "
            "(default %(default)s).",
        )
        erlang.add_argument(
            "--max-occupancy",
            type=float,
            default=DEFAULT_MAX_OCCUPANCY,
            help="Highest acceptable share of time busy, 0 < M <= 1 (default %(default)s: no cap).",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plan = capacity_plan(
                total_on_shift=options["total"],
                urgent_share=options["urgent_share"],
                buffer=options["buffer"],
                arrivals_per_hour=options["arrivals_per_hour"],
                handle_minutes=options["handle_minutes"],
                target_level=options["target_level"],
                target_minutes=options["target_minutes"],
                shrinkage=options["shrinkage"],
                max_occupancy=options["max_occupancy"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(plan))
            return
        seed = plan["seed_formula"]
        self.stdout.write(
            f"Seed formula: {seed['urgent_team']} urgent and {seed['normal_team']} normal of "
            f"{seed['total_on_shift']} on shift "
            f"(ceil({seed['total_on_shift']} x {seed['urgent_share']:g} x {seed['buffer']:g}))."
        )
        if "erlang_c" in plan:
            erlang = plan["erlang_c"]
            self.stdout.write(
                f"Erlang C: {erlang['offered_load']:.4g} Erlangs -> {erlang['agents']} agents "
                f"on queue, {erlang['scheduled_agents']} scheduled "
                f"({options['shrinkage']:.0%} shrinkage).\n"
                f"  Service level {erlang['service_level']:.1%} within "
                f"{options['target_minutes']:g} min (target {options['target_level']:.0%}), "
                f"occupancy {erlang['occupancy']:.1%} (cap {options['max_occupancy']:.0%}), "
                f"P(wait) {erlang['probability_of_wait']:.1%}, "
                f"mean wait {erlang['mean_wait_minutes']:.3g} min."
            )
