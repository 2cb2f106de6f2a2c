"""Requests stored before the due share existed get their due warning at the due time
itself (the share's default, 100 %), so every row has one and nothing needs a fallback.
The columns become required in 0014: PostgreSQL refuses to alter a table with the
update's trigger events still pending in the same transaction."""

from django.db import migrations
from django.db.models import F


def fill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Ticket.objects.filter(first_response_due_warn_at__isnull=True).update(
        first_response_due_warn_at=F("first_response_due")
    )
    Ticket.objects.filter(handling_due_warn_at__isnull=True).update(
        handling_due_warn_at=F("handling_due")
    )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_event_kind_at_index")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
