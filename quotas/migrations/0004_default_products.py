from decimal import Decimal

from django.db import migrations

PRODUCTS = [
    ("bundle-10", "Bundle of 10 urgent credits", "bundle", Decimal("2000"), 10),
    ("subscription-3", "Urgent subscription (3 a month)", "subscription", Decimal("500"), 3),
]


def create_products(apps, schema_editor):
    Product = apps.get_model("quotas", "Product")
    for code, name, kind, price, credits in PRODUCTS:
        Product.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "price": price, "credits": credits}
        )


class Migration(migrations.Migration):
    dependencies = [("quotas", "0003_ledger")]
    operations = [migrations.RunPython(create_products, migrations.RunPython.noop)]
