from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name="supervisor").permissions.add(
        *Permission.objects.filter(
            content_type__app_label="monitoring", codename__in=["view_alert", "view_snapshot"]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0006_snapshot_alert")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
