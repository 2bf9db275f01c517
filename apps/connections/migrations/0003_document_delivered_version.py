"""The documents' own delivery summary, filled from the deliveries sent so far."""

from django.db import migrations
from django.db.models import Max, OuterRef, Subquery


def fill(apps, schema_editor):
    Delivery = apps.get_model("connections", "Delivery")
    Document = apps.get_model("documents", "Document")
    sent = Delivery._base_manager.filter(document=OuterRef("pk"), status="sent")
    delivered = Delivery._base_manager.filter(status="sent").values("document")
    Document._base_manager.filter(pk__in=delivered).update(
        delivered_version=Subquery(
            sent.values("document").annotate(v=Max("content_version")).values("v")[:1]
        ),
        delivered_at=Subquery(
            sent.values("document").annotate(at=Max("sent_at")).values("at")[:1]
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0002_period_resend"),
        ("documents", "0007_document_delivered_version"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
