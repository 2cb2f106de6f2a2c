from django.db import migrations


def create_lane_settings(apps, schema_editor):
    LaneSettings = apps.get_model("staffing", "LaneSettings")
    for lane in ("urgent", "normal"):
        LaneSettings.objects.get_or_create(lane=lane)


class Migration(migrations.Migration):
    dependencies = [("staffing", "0003_shifts_borrowing_routing")]
    operations = [migrations.RunPython(create_lane_settings, migrations.RunPython.noop)]
