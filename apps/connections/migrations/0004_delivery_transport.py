"""A delivery names its channel, its destination in that channel's terms and the channel's
answer (it was an e-mail address and an SMTP response)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("connections", "0003_document_delivered_version")]

    operations = [
        migrations.RemoveConstraint(
            model_name="delivery", name="delivery_once_per_document_address_version"
        ),
        migrations.RemoveConstraint(
            model_name="delivery", name="delivery_one_open_per_document_address"
        ),
        migrations.RenameField(model_name="delivery", old_name="address", new_name="destination"),
        migrations.AlterField(
            model_name="delivery",
            name="destination",
            field=models.CharField(max_length=320, verbose_name="destination"),
        ),
        migrations.RenameField(model_name="delivery", old_name="smtp_response", new_name="answer"),
        migrations.AddField(
            model_name="delivery",
            name="transport",
            field=models.CharField(
                choices=[("email", "E-mail")],
                default="email",
                max_length=20,
                verbose_name="channel",
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reason", "resend"), _negated=True),
                fields=("document", "destination", "content_version"),
                name="delivery_once_per_document_destination_version",
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("status__in", ["awaiting_approval", "needs_review", "pending", "sending"])
                ),
                fields=("document", "destination"),
                name="delivery_one_open_per_document_destination",
            ),
        ),
    ]
