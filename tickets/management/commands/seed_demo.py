import json
import time

from django.core.management.base import BaseCommand, CommandError

from tickets.services.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Load deterministic demo data: users agent1..agent12, supervisor, customer1..customer4 "
        "(password 'demo'), customers in every tier and requests. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=3000, help="Requests in total.")
        parser.add_argument("--open", type=int, default=120, help="How many of them are open.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed.")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args, **options):
        if options["tickets"] < 0 or options["open"] < 0:
            raise CommandError("--tickets and --open must not be negative.")
        if options["open"] > options["tickets"]:
            raise CommandError("--open cannot exceed --tickets.")
        started = time.perf_counter()
        summary = seed_demo(
            tickets=options["tickets"], open_tickets=options["open"], seed=options["seed"]
        )
        result = {**summary.__dict__, "seconds": round(time.perf_counter() - started, 2)}
        if options["json"]:
            self.stdout.write(json.dumps(result))
        elif summary.created_tickets:
            self.stdout.write(
                f"Demo data loaded: {summary.tickets} requests ({summary.open_tickets} open) "
                f"in {result['seconds']} s."
            )
        else:
            self.stdout.write(
                f"Demo requests already present ({summary.tickets}); accounts checked."
            )
