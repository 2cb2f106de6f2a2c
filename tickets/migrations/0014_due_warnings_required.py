from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0013_due_warnings_always_set")]

    operations = [
        migrations.AlterField(
            model_name="ticket",
            name="first_response_due_warn_at",
            field=models.DateTimeField(verbose_name="first response due from"),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="handling_due_warn_at",
            field=models.DateTimeField(verbose_name="handling due from"),
        ),
    ]
