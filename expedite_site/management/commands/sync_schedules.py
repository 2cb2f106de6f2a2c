import json

from django.core.management.base import BaseCommand

from expedite_site.schedules import sync_schedules


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules declared in expedite_site/schedules.py."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args, **options):
        summary = sync_schedules()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"Schedules: {len(summary['created'])} created, {len(summary['updated'])} "
                f"updated, {len(summary['removed'])} removed."
            )
