"""The billing month of the documents that can still be deleted as junk with their count
given back: those collected within the junk grace period before this migration, in a month
the company has a count for. Older documents keep none (their grace is over; documents from
before counting began were never counted)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BRUSSELS = ZoneInfo("Europe/Brussels")  # billing months, as apps.billing.services counts them
COLLECTED = ("mailbox", "forwarding", "cloud", "upload", "api")


def fill(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    DocumentUsage = apps.get_model("billing", "DocumentUsage")
    since = timezone.now() - timedelta(hours=settings.BILLING_JUNK_GRACE_HOURS)
    recent = (
        Document._base_manager.filter(received_at__gte=since, source__in=COLLECTED)
        .exclude(kind="bank_statement")
        .only("pk", "company_id", "received_at")
    )
    counted = set(
        DocumentUsage._base_manager.filter(documents__gt=0).values_list("company_id", "month")
    )
    for document in recent.iterator():
        month = document.received_at.astimezone(BRUSSELS).date().replace(day=1)
        if (document.company_id, month) in counted:
            Document._base_manager.filter(pk=document.pk).update(counted_month=month)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0009_document_junk"),
        ("billing", "0004_document_usage"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
