import json

from django.core.management.base import BaseCommand, CommandError

from quotas.services import reset_quotas


class Command(BaseCommand):
    help = (
        "Grant each customer the month's included urgent quota and expire the unused rest "
        "(bundles persist). Catches up missed months; a month already reset is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", help="Month to reset up to, YYYY-MM (default: now).")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args, **options):
        try:
            summary = reset_quotas(period=options["period"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            months = ", ".join(m["period"] for m in summary["reset"]) or "nothing to do"
            self.stdout.write(f"Quota reset up to {summary['target']}: {months}.")
