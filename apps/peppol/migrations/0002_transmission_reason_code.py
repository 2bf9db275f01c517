from django.db import migrations, models


class Migration(migrations.Migration):
    """Why a transmission failed, waits or is being checked, as a code and its params
    (worded in the reader's language when shown) instead of English built in code."""

    dependencies = [
        ("peppol", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="transmission",
            name="reason_code",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="transmission",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
