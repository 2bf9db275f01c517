from decimal import Decimal

from django.db import migrations

PLANS = [
    # code, name, price, documents/month, extra price, bank accounts, mailboxes, cloud folders
    ("start", "Start", "9.00", 0, None, 0, 0, 0),
    ("collect-25", "Collect 25", "19.00", 25, "0.50", 1, 1, 1),
    ("collect-70", "Collect 70", "35.00", 70, "0.30", 2, 2, 2),
    ("collect-200", "Collect 200", "69.00", 200, "0.20", 3, 3, 3),
]


def seed_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for order, (code, name, price, documents, extra, banks, mailboxes, folders) in enumerate(PLANS):
        Plan.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "monthly_price": Decimal(price),
                "documents_per_month": documents,
                "extra_document_price": Decimal(extra) if extra else None,
                "bank_accounts": banks,
                "mailboxes": mailboxes,
                "cloud_folders": folders,
                "includes_einvoicing": True,
                "is_default": code == "start",
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed_plans, migrations.RunPython.noop)]
