from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "supervisor": [
        "quotas.record_purchase",
        "quotas.view_ledgerentry",
        "quotas.view_balance",
        "quotas.view_quotareset",
        "quotas.add_product",
        "quotas.change_product",
        "quotas.view_product",
        "quotas.add_subscription",
        "quotas.change_subscription",
        "quotas.view_subscription",
        "tickets.view_satisfaction",
    ],
    "agent": ["tickets.view_satisfaction"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in GRANTS.items():
        group = Group.objects.get(name=role)
        for name in names:
            app, codename = name.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_supervisors_act_on_any_request"),
        ("quotas", "0005_alter_ledgerentry_options"),
        ("tickets", "0005_satisfaction"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
