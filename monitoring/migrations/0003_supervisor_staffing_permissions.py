from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPERVISOR = [
    "staffing.add_shift",
    "staffing.change_shift",
    "staffing.delete_shift",
    "staffing.view_shift",
    "staffing.change_lanesettings",
    "staffing.view_lanesettings",
    "staffing.view_lanechange",
]
AGENT = ["staffing.view_shift"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in (("supervisor", SUPERVISOR), ("agent", AGENT)):
        group = Group.objects.get(name=role)
        for name in names:
            app, codename = name.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_thresholds_and_roles"),
        ("staffing", "0004_lane_settings"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
