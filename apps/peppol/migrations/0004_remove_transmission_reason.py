from django.db import migrations


class Migration(migrations.Migration):
    """The English reasons are codes now (0003): the old column goes."""

    dependencies = [
        ("peppol", "0003_transmission_reason_words"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="transmission",
            name="reason",
        ),
    ]
