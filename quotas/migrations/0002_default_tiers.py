from decimal import Decimal

from django.db import migrations

# code, name, rank, customer score, monthly quota (None = unlimited), extra price,
# commitment hours, calendar, highest requestable level
TIERS = [
    ("PLATINUM", "Platinum", 4, "1.0", None, "0", "2", "24x7", "P0"),
    ("GOLD", "Gold", 3, "0.8", 5, "300", "4", "weekdays-16h", "P0"),
    ("SILVER", "Silver", 2, "0.6", 2, "500", "8", "weekdays-8h", "P1"),
    ("STANDARD", "Standard", 1, "0.5", 0, "800", "24", "business-hours", "P1"),
]


def create_tiers(apps, schema_editor):
    Tier = apps.get_model("quotas", "Tier")
    ServiceCalendar = apps.get_model("staffing", "ServiceCalendar")
    for code, name, rank, score, quota, price, hours, calendar, level in TIERS:
        Tier.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "rank": rank,
                "customer_score": Decimal(score),
                "monthly_urgent_quota": quota,
                "extra_request_price": Decimal(price),
                "response_commitment_hours": Decimal(hours),
                "calendar": ServiceCalendar.objects.get(code=calendar),
                "max_requestable_level": level,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("quotas", "0001_initial"),
        ("staffing", "0002_default_skills_and_calendars"),
    ]
    operations = [migrations.RunPython(create_tiers, migrations.RunPython.noop)]
