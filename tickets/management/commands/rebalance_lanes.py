import json

from django.core.management.base import BaseCommand

from tickets.tasks import rebalance_lanes


class Command(BaseCommand):
    help = (
        "Borrow normal-lane agents into the urgent lane when its backlog passes 2 per urgent "
        "agent (at most 30 % of the normal lane); release them at 1 per urgent agent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args, **options):
        summary = rebalance_lanes()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"Backlog {summary['backlog']}: borrowed {len(summary['borrowed'])}, released "
                f"{len(summary['released'])}; urgent lane {summary['urgent_after']}, normal "
                f"lane {summary['normal_after']}."
            )
